import type { AuditEvent } from '@joinedup/fhir';
import type { Queryable } from '../../platform/db.ts';
import {
  canonicalJson,
  contentDigest,
  recordedText,
  type AuditEventType,
  type ChainedRow,
  type ChainHead,
} from './audit.chain.ts';
import type { AuditEntry } from './audit.events.ts';

// SQL for the tables of audit.migrations.ts. Every function takes a Queryable so that it runs in the caller's
// transaction: an access and its audit commit together or not at all (fail closed, ADR 9).

/**
 * Rows per `audit_append` call: one JSON parameter, kept to a few megabytes. More than this outside a transaction
 * would be more than one statement, so not all or nothing (`AuditService.append` opens one).
 */
export const APPEND_CHUNK = 1_000;

/** The columns of `audit_event`, in insert order, each with the field of a chained row it holds. */
const FIELDS = [
  ['seq', 'seq'],
  ['recorded', 'recorded'],
  ['event_type', 'eventType'],
  ['patient_id', 'patientId'],
  ['user_id', 'userId'],
  ['organisation_ods', 'organisationOds'],
  ['organisation_kind', 'organisationKind'],
  ['role_code', 'roleCode'],
  ['client_id', 'clientId'],
  ['action', 'action'],
  ['outcome', 'outcome'],
  ['purpose_of_use', 'purposeOfUse'],
  ['break_glass', 'breakGlass'],
  ['self_claimed', 'selfClaimed'],
  ['request_id', 'requestId'],
  ['event', 'event'],
  ['chain_version', 'chainVersion'],
  ['prev_hash', 'prevHash'],
  ['hash', 'hash'],
] as const satisfies readonly (readonly [string, keyof ChainedRow])[];

export const AUDIT_EVENT_COLUMNS: readonly string[] = FIELDS.map(([column]) => column);

/** A chained row's values in the order of `AUDIT_EVENT_COLUMNS`. */
export function auditRowValues(row: ChainedRow): unknown[] {
  return FIELDS.map(([, field]) => row[field]);
}

// The recorded time read back exactly as it was hashed (audit.chain.ts recordedText), whatever the session's
// DateStyle or time zone.
const RECORDED_TEXT = `to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ROW_SELECT = `SELECT seq, ${RECORDED_TEXT} AS recorded, event_type, patient_id, user_id, organisation_ods,
  organisation_kind, role_code, client_id, action, outcome, purpose_of_use, break_glass, self_claimed, request_id,
  event, chain_version, prev_hash, hash FROM audit_event`;

interface RowRecord {
  seq: number;
  recorded: string;
  event_type: AuditEventType;
  patient_id: string | null;
  user_id: string | null;
  organisation_ods: string | null;
  organisation_kind: string | null;
  role_code: string | null;
  client_id: string | null;
  action: string;
  outcome: string;
  purpose_of_use: string | null;
  break_glass: boolean;
  self_claimed: boolean;
  request_id: string | null;
  event: string;
  chain_version: number;
  prev_hash: string;
  hash: string;
}

function fromRecord(r: RowRecord): ChainedRow {
  return {
    seq: Number(r.seq),
    recorded: r.recorded,
    eventType: r.event_type,
    patientId: r.patient_id,
    userId: r.user_id,
    organisationOds: r.organisation_ods,
    organisationKind: r.organisation_kind,
    roleCode: r.role_code,
    clientId: r.client_id,
    action: r.action,
    outcome: r.outcome,
    purposeOfUse: r.purpose_of_use,
    breakGlass: r.break_glass,
    selfClaimed: r.self_claimed,
    requestId: r.request_id,
    event: r.event,
    chainVersion: Number(r.chain_version) === 1 ? 1 : 2,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Appends events to the chain, in the caller's transaction or, given the pool, as one statement of its own:
 * `audit_append` locks the head, numbers and links the rows and inserts them, and concurrent appenders queue on
 * the head until the transaction ends, so the chain stays one line. In a longer transaction call it last, to hold
 * the lock for as short a time as possible. The application hashes each row's content (`contentDigest`); the
 * database hashes the links. Each stored AuditEvent's id is its sequence number, added as it is read.
 */
export async function appendMany(q: Queryable, entries: readonly AuditEntry[]): Promise<ChainedRow[]> {
  if (entries.length === 0) return [];
  const contents = entries.map((entry) => {
    const { index } = entry;
    const resource: AuditEvent = { ...entry.resource };
    delete resource.id;
    return { ...index, recorded: recordedText(index.recorded), event: canonicalJson(resource) };
  });
  const rows: ChainedRow[] = [];
  for (let start = 0; start < contents.length; start += APPEND_CHUNK) {
    const chunk = contents.slice(start, start + APPEND_CHUNK);
    const appended = await q.query<{ appended_seq: number; appended_prev_hash: string; appended_hash: string }>(
      'SELECT appended_seq, appended_prev_hash, appended_hash FROM audit_append($1::jsonb)',
      [JSON.stringify(chunk.map((content) => ({ ...content, digest: contentDigest(content) })))],
    );
    if (appended.length !== chunk.length) throw new Error('audit_append numbered fewer rows than it was given');
    for (const [i, content] of chunk.entries()) {
      const row = appended[i]!;
      rows.push({
        ...content,
        seq: Number(row.appended_seq),
        chainVersion: 2,
        prevHash: row.appended_prev_hash,
        hash: row.appended_hash,
      });
    }
  }
  return rows;
}

/** A stored AuditEvent as served: its id is its sequence number (stored in version 1 rows, added for version 2). */
function storedEvent(seq: number | string, event: string): AuditEvent {
  return { ...(JSON.parse(event) as AuditEvent), id: String(seq) };
}

/** The head, and the lowest sequence number stored past it (none unless rows were added outside the chain). */
export async function readHead(q: Queryable): Promise<{ head: ChainHead; beyond: number | undefined }> {
  const [row] = await q.query<{ last_seq: number; last_hash: string; beyond: number | null }>(
    `SELECT h.last_seq, h.last_hash, (SELECT min(e.seq) FROM audit_event e WHERE e.seq > h.last_seq) AS beyond
       FROM audit_head h`,
  );
  if (!row) throw new Error('audit_head is missing: the audit migrations have not run, or the head was removed');
  return {
    head: { seq: Number(row.last_seq), hash: row.last_hash },
    beyond: row.beyond === null ? undefined : Number(row.beyond),
  };
}

/**
 * The rows up to `through`, in sequence order, a batch at a time (keyset paging on the primary key), so that
 * verifying millions of rows holds one batch in memory.
 */
export async function* streamRows(
  q: Queryable,
  options: { through: number; batchSize?: number },
): AsyncGenerator<ChainedRow[]> {
  const batchSize = options.batchSize ?? 5_000;
  let after: number | undefined;
  for (;;) {
    const records =
      after === undefined
        ? await q.query<RowRecord>(`${ROW_SELECT} WHERE seq <= $1 ORDER BY seq LIMIT $2`, [options.through, batchSize])
        : await q.query<RowRecord>(`${ROW_SELECT} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [
            after,
            options.through,
            batchSize,
          ]);
    if (records.length === 0) return;
    const rows = records.map(fromRecord);
    yield rows;
    after = rows[rows.length - 1]!.seq;
    if (records.length < batchSize) return;
  }
}

/**
 * What the privacy officer may ask for: `access` the views and writes (BALP rest events), `alert` break-glass and
 * self-claimed alerts, `break-glass` / `self-claimed` the alerts and every access made under them, `exceptional`
 * both of those.
 */
export const AUDIT_SEARCH_KINDS = ['access', 'alert', 'break-glass', 'self-claimed', 'exceptional'] as const;
export type AuditSearchKind = (typeof AUDIT_SEARCH_KINDS)[number];

export interface AuditSearch {
  patientId?: string;
  userId?: string;
  organisationOds?: string;
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before. */
  to?: Date;
  kind?: AuditSearchKind;
  /** Paging: only events with a lower sequence number (the `nextBefore` of the previous page). */
  before?: number;
  limit: number;
}

export interface StoredAuditEvent {
  seq: number;
  resource: AuditEvent;
}

const KIND_FILTER: Record<AuditSearchKind, string> = {
  access: `event_type = 'rest'`,
  alert: `event_type = 'security-alert'`,
  'break-glass': 'break_glass',
  'self-claimed': 'self_claimed',
  exceptional: '(break_glass OR self_claimed)',
};

/** Events matching every criterion given, newest first, one page, and the cursor of the next page if any. */
export async function searchEvents(
  q: Queryable,
  search: AuditSearch,
): Promise<{ events: StoredAuditEvent[]; nextBefore?: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (search.patientId !== undefined) where.push(`patient_id = ${bind(search.patientId)}`);
  if (search.userId !== undefined) where.push(`user_id = ${bind(search.userId)}`);
  if (search.organisationOds !== undefined) where.push(`organisation_ods = ${bind(search.organisationOds)}`);
  if (search.from !== undefined) where.push(`recorded >= ${bind(search.from.toISOString())}`);
  if (search.to !== undefined) where.push(`recorded < ${bind(search.to.toISOString())}`);
  if (search.kind !== undefined) where.push(KIND_FILTER[search.kind]);
  if (search.before !== undefined) where.push(`seq < ${bind(search.before)}`);
  const limit = bind(search.limit + 1);
  const records = await q.query<{ seq: number; event: string }>(
    `SELECT seq, event FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT ${limit}`,
    params,
  );
  const page = records.slice(0, search.limit);
  const events = page.map((r) => ({ seq: Number(r.seq), resource: storedEvent(r.seq, r.event) }));
  const last = events[events.length - 1];
  return records.length > search.limit && last ? { events, nextBefore: last.seq } : { events };
}

export interface UsageGroup {
  /** 'all' and 'all' for the whole month; a kind and 'all' for an organisation kind's total. */
  organisationKind: string;
  roleCode: string;
  views: number;
  distinctUsers: number;
  distinctPatients: number;
}

/**
 * Record views between two instants, by organisation kind and role, with each kind's total and the grand total
 * (distinct counts are counted at each level, not summed). A view is a successful read or query of one patient's
 * data: one BALP rest event with action R or E and outcome 0 (a search finding k patients is k views).
 */
export async function usageGroups(q: Queryable, from: Date, to: Date): Promise<UsageGroup[]> {
  const rows = await q.query<{
    grouping: number;
    kind: string;
    role: string;
    views: number;
    users: number;
    patients: number;
  }>(
    `SELECT GROUPING(kind, role) AS grouping, kind, role, count(*) AS views,
            count(DISTINCT user_id) AS users, count(DISTINCT patient_id) AS patients
       FROM (SELECT coalesce(organisation_kind, 'unknown') AS kind, coalesce(role_code, 'unknown') AS role,
                    user_id, patient_id
               FROM audit_event
              WHERE recorded >= $1 AND recorded < $2 AND event_type = 'rest' AND action IN ('R', 'E')
                AND outcome = '0' AND patient_id IS NOT NULL) AS v
      GROUP BY GROUPING SETS ((kind, role), (kind), ())
      ORDER BY GROUPING(kind, role) DESC, kind, role`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => ({
    organisationKind: Number(r.grouping) === 3 ? 'all' : r.kind,
    roleCode: Number(r.grouping) === 0 ? r.role : 'all',
    views: Number(r.views),
    distinctUsers: Number(r.users),
    distinctPatients: Number(r.patients),
  }));
}

export type AlertStatus = 'open' | 'acknowledged' | 'all';

export interface AlertRecord {
  seq: number;
  event: AuditEvent;
  acknowledged?: { at: string; by: string; note: string | null; eventSeq: number };
}

/** Break-glass and self-claimed alerts, newest first, one page. */
export async function listAlerts(
  q: Queryable,
  options: { status: AlertStatus; organisationOds?: string; before?: number; limit: number },
): Promise<{ alerts: AlertRecord[]; nextBefore?: number }> {
  const where = [`e.event_type = 'security-alert'`];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (options.status === 'open') where.push('a.seq IS NULL');
  if (options.status === 'acknowledged') where.push('a.seq IS NOT NULL');
  if (options.organisationOds !== undefined) where.push(`e.organisation_ods = ${bind(options.organisationOds)}`);
  if (options.before !== undefined) where.push(`e.seq < ${bind(options.before)}`);
  const limit = bind(options.limit + 1);
  const records = await q.query<{
    seq: number;
    event: string;
    acknowledged_at: string | null;
    acknowledged_by: string | null;
    note: string | null;
    event_seq: number | null;
  }>(
    `SELECT e.seq, e.event,
            to_char(a.acknowledged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS acknowledged_at,
            a.acknowledged_by, a.note, a.event_seq
       FROM audit_event e LEFT JOIN audit_alert_ack a ON a.seq = e.seq
      WHERE ${where.join(' AND ')}
      ORDER BY e.seq DESC LIMIT ${limit}`,
    params,
  );
  const alerts = records.slice(0, options.limit).map((r) => {
    const alert: AlertRecord = { seq: Number(r.seq), event: storedEvent(r.seq, r.event) };
    if (r.acknowledged_at !== null && r.acknowledged_by !== null && r.event_seq !== null) {
      alert.acknowledged = {
        at: r.acknowledged_at,
        by: r.acknowledged_by,
        note: r.note,
        eventSeq: Number(r.event_seq),
      };
    }
    return alert;
  });
  const last = alerts[alerts.length - 1];
  return records.length > options.limit && last ? { alerts, nextBefore: last.seq } : { alerts };
}

/** The event type stored at a sequence number, or undefined when there is none. */
export async function eventTypeAt(q: Queryable, seq: number): Promise<AuditEventType | undefined> {
  const [row] = await q.query<{ event_type: AuditEventType }>('SELECT event_type FROM audit_event WHERE seq = $1', [
    seq,
  ]);
  return row?.event_type;
}

/** Records an acknowledgement; false when the alert was already acknowledged (by this or a concurrent request). */
export async function insertAcknowledgement(
  q: Queryable,
  ack: { seq: number; at: Date; by: string; note: string | null; eventSeq: number },
): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO audit_alert_ack (seq, acknowledged_at, acknowledged_by, note, event_seq)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING RETURNING seq`,
    [ack.seq, ack.at.toISOString(), ack.by, ack.note, ack.eventSeq],
  );
  return rows.length === 1;
}
