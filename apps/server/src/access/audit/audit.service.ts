import { conflict, notFound, unavailable, type AuditEvent } from '@joinedup/fhir';
import type { Clock } from '../../platform/clock.ts';
import { wallTimeOffset } from '../../platform/time-zone.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import type { Logger } from '../../platform/log.ts';
import { ChainVerifier, type ChainBreak, type ChainHead } from './audit.chain.ts';
import { buildAlertReviewEvent, type AccessAlertKind, type AuditEntry, type AuditObserver } from './audit.events.ts';
import {
  appendMany,
  APPEND_CHUNK,
  eventTypeAt,
  insertAcknowledgement,
  listAlerts,
  readHead,
  searchEvents,
  streamRows,
  usageGroups,
  type AlertStatus,
  type AuditSearchKind,
  type StoredAuditEvent,
  type UsageGroup,
} from './audit.store.ts';

export interface AuditServiceOptions {
  db: Db;
  clock: Clock;
  /** This server, as the observer of the events it records itself (alert reviews). */
  observer?: AuditObserver;
  /**
   * Staff minutes one record view saves (a phone call or fax to another organisation not needed), for the usage
   * report. ⚠ A local estimate, not a published figure: each region sets its own; a request may override it.
   */
  minutesPerView?: number;
  /** Months and days of the usage report and of date-only searches are those of this zone. */
  timeZone?: string;
  /** Told when an append fails, with the SQLSTATE only: database messages can quote the row. */
  log?: Pick<Logger, 'error'>;
}

export interface AuditSearchParams {
  patientId?: string;
  userId?: string;
  organisationOds?: string;
  /** From this instant, or from the start of this day (YYYY-MM-DD) in the service's time zone. */
  from?: string;
  /** Up to this instant, or to the end of this day (YYYY-MM-DD, inclusive) in the service's time zone. */
  to?: string;
  kind?: AuditSearchKind;
  before?: number;
  limit?: number;
}

export interface AuditAlert {
  seq: number;
  recorded: string;
  kind: AccessAlertKind;
  patientId: string;
  user: { id: string; name?: string; roleCode?: string };
  organisation?: { odsCode: string; name?: string };
  reasonCode?: string;
  reasonText?: string;
  /** Why a break-glass was refused. */
  refusal?: string;
  acknowledged?: { at: string; by: string; note?: string; eventSeq: number };
}

export interface UsageReport {
  month: string;
  timeZone: string;
  /** The month's bounds as instants: [from, to). */
  from: string;
  to: string;
  minutesPerView: number;
  views: number;
  distinctUsers: number;
  distinctPatients: number;
  estimatedMinutesSaved: number;
  byOrganisationKind: {
    organisationKind: string;
    views: number;
    distinctUsers: number;
    estimatedMinutesSaved: number;
    byRole: { roleCode: string; views: number; distinctUsers: number; estimatedMinutesSaved: number }[];
  }[];
}

export interface VerifyResult {
  /** Rows checked. */
  rows: number;
  ok: boolean;
  firstBroken?: ChainBreak;
  /** The head the rows were checked against. */
  head: ChainHead;
}

export interface VerifyOptions {
  batchSize?: number;
  /** Called after each batch with the rows checked and the head's sequence number (the total expected). */
  onProgress?: (checked: number, total: number) => void;
}

export interface AuditService {
  /**
   * Appends events in the caller's transaction: if it throws, the caller's transaction rolls back and nothing is
   * served (fail closed, reliability matrix row 19). Call it last in the transaction: it holds the chain's lock
   * until commit. Returns the sequence numbers given.
   */
  record(tx: Queryable, entries: readonly AuditEntry[]): Promise<number[]>;
  /**
   * Appends events on their own, all or nothing: one statement (`audit_append`, ADR 13) when they fit in one, a
   * transaction of their own when they need more. Fails closed as `record` does.
   */
  append(entries: readonly AuditEntry[]): Promise<number[]>;
  search(params: AuditSearchParams): Promise<{ events: StoredAuditEvent[]; nextBefore?: number }>;
  /** Record views in a month (YYYY-MM) by organisation kind and role, and the staff time they are estimated to save. */
  usage(params: { month: string; minutesPerView?: number }): Promise<UsageReport>;
  /** Checks the whole chain, streaming it in batches. */
  verify(options?: VerifyOptions): Promise<VerifyResult>;
  /** The privacy officer's queue of break-glass and self-claimed access alerts, newest first. */
  alerts(params?: {
    status?: AlertStatus;
    organisationOds?: string;
    before?: number;
    limit?: number;
  }): Promise<{ alerts: AuditAlert[]; nextBefore?: number }>;
  /** Marks an alert reviewed, once; the review itself is appended to the chain. */
  acknowledge(seq: number, by: { userId: string; note?: string }): Promise<AuditAlert>;
}

export const DEFAULT_MINUTES_PER_VIEW = 5;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const RETRYABLE = new Set(['40001', '40P01']);

/** The audit service over one database. */
export function createAuditService(options: AuditServiceOptions): AuditService {
  const { db, clock } = options;
  const observer = options.observer ?? { name: 'joinedup', baseUrl: 'urn:joinedup:fhir' };
  const timeZone = options.timeZone ?? 'Europe/London';
  const defaultMinutes = options.minutesPerView ?? DEFAULT_MINUTES_PER_VIEW;

  const service: AuditService = {
    async append(entries) {
      if (entries.length <= APPEND_CHUNK) return service.record(db, entries);
      return db.transaction((tx) => service.record(tx, entries));
    },

    async record(tx, entries) {
      try {
        return (await appendMany(tx, entries)).map((row) => row.seq);
      } catch (e) {
        // A serialisation failure or deadlock is retried by the platform's transaction; anything else means the
        // access cannot be audited, so it must not be served: 503, and the caller's transaction rolls back.
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code)) throw e;
        options.log?.error('audit append failed', { sqlstate: typeof code === 'string' ? code : 'none' });
        throw unavailable('The access could not be audited, so it was not served; try again shortly', {
          code: 'audit.unavailable',
        });
      }
    },

    async search(params) {
      const limit = pageSize(params.limit);
      return searchEvents(db, {
        ...(params.patientId === undefined ? {} : { patientId: params.patientId }),
        ...(params.userId === undefined ? {} : { userId: params.userId }),
        ...(params.organisationOds === undefined ? {} : { organisationOds: params.organisationOds }),
        ...(params.from === undefined ? {} : { from: instantOf(params.from, timeZone, 'start') }),
        ...(params.to === undefined ? {} : { to: instantOf(params.to, timeZone, 'end') }),
        ...(params.kind === undefined ? {} : { kind: params.kind }),
        ...(params.before === undefined ? {} : { before: params.before }),
        limit,
      });
    },

    async usage({ month, minutesPerView = defaultMinutes }) {
      const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
      if (!m) throw new RangeError('month must be YYYY-MM');
      const year = Number(m[1]);
      const monthIndex = Number(m[2]) - 1;
      const next = monthIndex === 11 ? `${year + 1}-01-01` : `${year}-${String(monthIndex + 2).padStart(2, '0')}-01`;
      const from = zonedMidnight(`${month}-01`, timeZone);
      const to = zonedMidnight(next, timeZone);
      const groups = await usageGroups(db, from, to);
      return usageReport(month, timeZone, from, to, minutesPerView, groups);
    },

    verify: (verifyOptions) => verifyAuditChain(db, verifyOptions),

    async alerts(params = {}) {
      const limit = pageSize(params.limit);
      const page = await listAlerts(db, {
        status: params.status ?? 'open',
        limit,
        ...(params.organisationOds === undefined ? {} : { organisationOds: params.organisationOds }),
        ...(params.before === undefined ? {} : { before: params.before }),
      });
      const alerts = page.alerts.map((a) => alertOf(a.seq, a.event, a.acknowledged));
      return page.nextBefore === undefined ? { alerts } : { alerts, nextBefore: page.nextBefore };
    },

    async acknowledge(seq, by) {
      return db.transaction(async (tx) => {
        if ((await eventTypeAt(tx, seq)) !== 'security-alert') {
          throw notFound(`There is no break-glass or self-claimed access alert ${seq}`, {
            code: 'audit.alert-unknown',
          });
        }
        const at = clock.now();
        const review = buildAlertReviewEvent({
          recorded: at,
          reviewer: { userId: by.userId },
          observer,
          alertSeq: seq,
          ...(by.note ? { note: by.note } : {}),
        });
        const [eventSeq] = await service.record(tx, [review]);
        // After the append: the head lock makes a concurrent acknowledgement of the same alert wait here, and
        // then find this one.
        const inserted = await insertAcknowledgement(tx, {
          seq,
          at,
          by: by.userId,
          note: by.note ?? null,
          eventSeq: eventSeq!,
        });
        if (!inserted) throw conflict(`Alert ${seq} was already acknowledged`, { code: 'audit.alert-acknowledged' });
        const page = await listAlerts(tx, { status: 'all', before: seq + 1, limit: 1 });
        const alert = page.alerts[0]!;
        return alertOf(alert.seq, alert.event, alert.acknowledged);
      });
    },
  };
  return service;
}

/**
 * Verifies the chain in `q` (the database, or a transaction): the head and the rows past it are read in one
 * statement, then the rows up to the head are streamed in batches and checked in order. Rows appended meanwhile
 * lie past the head read and are left for the next run.
 */
export async function verifyAuditChain(q: Queryable, options: VerifyOptions = {}): Promise<VerifyResult> {
  const { head, beyond } = await readHead(q);
  const verifier = new ChainVerifier();
  for await (const batch of streamRows(q, {
    through: head.seq,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  })) {
    for (const row of batch) if (verifier.push(row)) break;
    options.onProgress?.(verifier.rows, head.seq);
    if (verifier.firstBroken) break;
  }
  const firstBroken = verifier.finish(head, beyond);
  return firstBroken ? { rows: verifier.rows, ok: false, firstBroken, head } : { rows: verifier.rows, ok: true, head };
}

function pageSize(limit = DEFAULT_PAGE_SIZE): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}

function usageReport(
  month: string,
  timeZone: string,
  from: Date,
  to: Date,
  minutesPerView: number,
  groups: UsageGroup[],
): UsageReport {
  const minutes = (views: number) => Math.round(views * minutesPerView * 100) / 100;
  const total = groups.find((g) => g.organisationKind === 'all');
  const kinds = groups.filter((g) => g.organisationKind !== 'all' && g.roleCode === 'all');
  return {
    month,
    timeZone,
    from: from.toISOString(),
    to: to.toISOString(),
    minutesPerView,
    views: total?.views ?? 0,
    distinctUsers: total?.distinctUsers ?? 0,
    distinctPatients: total?.distinctPatients ?? 0,
    estimatedMinutesSaved: minutes(total?.views ?? 0),
    byOrganisationKind: kinds.map((k) => ({
      organisationKind: k.organisationKind,
      views: k.views,
      distinctUsers: k.distinctUsers,
      estimatedMinutesSaved: minutes(k.views),
      byRole: groups
        .filter((g) => g.organisationKind === k.organisationKind && g.roleCode !== 'all')
        .map((g) => ({
          roleCode: g.roleCode,
          views: g.views,
          distinctUsers: g.distinctUsers,
          estimatedMinutesSaved: minutes(g.views),
        })),
    })),
  };
}

// An alert as the privacy officer sees it: who, which patient, why; read from the stored AuditEvent, which holds
// no clinical data (audit.events.ts buildAccessAlertEvent).
function alertOf(
  seq: number,
  event: AuditEvent,
  ack: { at: string; by: string; note: string | null; eventSeq: number } | undefined,
): AuditAlert {
  const user = event.agent.find((a) => a.requestor);
  const organisation = event.agent.find((a) => a.type?.coding?.[0]?.code === 'PROV');
  const reason = user?.purposeOfUse?.[1];
  const patientRef = event.entity?.find((e) => e.role?.code === '1')?.what?.reference ?? '';
  const alert: AuditAlert = {
    seq,
    recorded: event.recorded,
    kind:
      event.subtype?.[0]?.code !== '110127'
        ? 'self-claimed'
        : event.outcome === '0'
          ? 'break-glass'
          : 'break-glass-refused',
    patientId: patientRef.replace(/^Patient\//, ''),
    user: {
      id: user?.who?.identifier?.value ?? '',
      ...(user?.name ? { name: user.name } : {}),
      ...(user?.role?.[0]?.coding?.[0]?.code ? { roleCode: user.role[0].coding[0].code } : {}),
    },
  };
  const ods = organisation?.who?.identifier?.value;
  if (ods)
    alert.organisation = { odsCode: ods, ...(organisation.who?.display ? { name: organisation.who.display } : {}) };
  const reasonCode = reason?.coding?.[0]?.code;
  if (reasonCode) alert.reasonCode = reasonCode;
  if (reason?.text) alert.reasonText = reason.text;
  if (event.outcomeDesc) alert.refusal = event.outcomeDesc;
  if (ack)
    alert.acknowledged = { at: ack.at, by: ack.by, eventSeq: ack.eventSeq, ...(ack.note ? { note: ack.note } : {}) };
  return alert;
}

/** An instant, or a date (YYYY-MM-DD) taken as the start of that day, or the start of the next day for 'end'. */
function instantOf(text: string, timeZone: string, edge: 'start' | 'end'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = new Date(`${text}T00:00:00Z`);
    if (edge === 'end') day.setUTCDate(day.getUTCDate() + 1);
    return zonedMidnight(day.toISOString().slice(0, 10), timeZone);
  }
  return new Date(text);
}

/** The instant a day starts in a time zone (Europe/London: 00:00 GMT in winter, 23:00 UTC the day before in summer). */
export function zonedMidnight(date: string, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  return new Date(wall - wallTimeOffset(wall, timeZone) * 60_000);
}
