import type { Queryable } from '../platform/db.ts';
import type { MatchRecord } from './demographics.ts';

/** How a record came to be on its person: the FHIR Person.link.assurance follows from it (ADR 6). */
export type LinkMethod = 'nhs-verified' | 'match' | 'new' | 'manual';

export type MpiAction = 'link' | 'unlink' | 'new-person' | 'review-open' | 'review-link' | 'review-reject';

export type ReviewStatus = 'open' | 'linked' | 'rejected' | 'superseded';

/** One source Patient in the index. */
export interface IndexedRecord {
  patientId: string;
  source: string;
  personId: string;
  record: MatchRecord;
  method: LinkMethod;
  score: number | null;
}

export interface ReviewRow {
  patientId: string;
  candidatePersonId: string;
  score: number;
  reasons: unknown;
  status: ReviewStatus;
  createdAt: string;
}

export interface MpiEvent {
  action: MpiAction;
  patientId: string;
  personId?: string | null;
  previousPersonId?: string | null;
  byUser?: string | null;
  detail?: unknown;
}

type RecordRow = {
  patient_id: string;
  source: string;
  person_id: string;
  record: MatchRecord | string;
  method: LinkMethod;
  score: number | string | null;
};

// Any fixed numbers: the first argument of the two-key advisory lock names what the second one hashes.
const KEY_LOCK = 7_340_010;
const PERSON_LOCK = 7_340_011;

/**
 * Serialises the linking of records that could become candidates of each other (they share a blocking key) and
 * of writers of the same person, for the rest of the transaction: two records of one person arriving together
 * from two feeds must not both found a new person. Locks are taken in a fixed order so two writers cannot
 * deadlock: all key locks, then all person locks.
 */
export async function lockBlockingKeys(q: Queryable, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await q.query(
    `SELECT count(pg_advisory_xact_lock($1, h))
       FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY 1) s`,
    [KEY_LOCK, keys],
  );
}

export async function lockPersons(q: Queryable, personIds: readonly string[]): Promise<void> {
  if (personIds.length === 0) return;
  await q.query(
    `SELECT count(pg_advisory_xact_lock($1, h))
       FROM (SELECT DISTINCT hashtext(p) AS h FROM unnest($2::text[]) AS p ORDER BY 1) s`,
    [PERSON_LOCK, personIds],
  );
}

export async function readRecord(q: Queryable, patientId: string): Promise<IndexedRecord | undefined> {
  const rows = await q.query<RecordRow>(
    'SELECT patient_id, source, person_id, record, method, score FROM mpi_record WHERE patient_id = $1 FOR UPDATE',
    [patientId],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The stored comparable form and source of many records, without locking: to skip those that did not change. */
export async function storedRecords(
  q: Queryable,
  patientIds: readonly string[],
): Promise<Map<string, { source: string; record: MatchRecord }>> {
  const rows = await q.query<{ patient_id: string; source: string; record: MatchRecord | string }>(
    'SELECT patient_id, source, record FROM mpi_record WHERE patient_id = ANY($1)',
    [patientIds],
  );
  return new Map(rows.map((r) => [r.patient_id, { source: r.source, record: parseJson(r.record) }]));
}

/** Removes a record from the index (its keys are removed by `replaceBlockingKeys(q, id, [])`). */
export async function deleteRecord(q: Queryable, patientId: string): Promise<void> {
  await q.query('DELETE FROM mpi_record WHERE patient_id = $1', [patientId]);
}

/** Sets a record's blocking keys; `fresh` when the record is new to the index (no old keys to remove). */
export async function replaceBlockingKeys(
  q: Queryable,
  patientId: string,
  keys: readonly string[],
  fresh = false,
): Promise<void> {
  if (!fresh) await q.query('DELETE FROM mpi_block WHERE patient_id = $1', [patientId]);
  if (keys.length === 0) return;
  await q.query(
    'INSERT INTO mpi_block (key, patient_id) SELECT DISTINCT k, $2 FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING',
    [keys, patientId],
  );
}

/** The verified NHS number each person holds on any of their records (at most one each: invariant 1). */
export async function verifiedNhsNumbersOf(q: Queryable, personIds: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (personIds.length === 0) return found;
  const rows = await q.query<{ person_id: string; nhs: string }>(
    `SELECT person_id, record->>'nhsNumber' AS nhs FROM mpi_record
      WHERE person_id = ANY($1) AND record->>'nhsNumberVerified' = 'true' AND record->>'nhsNumber' IS NOT NULL`,
    [personIds],
  );
  for (const r of rows) found.set(r.person_id, r.nhs);
  return found;
}

export async function recordsOfPersons(q: Queryable, personIds: readonly string[]): Promise<IndexedRecord[]> {
  if (personIds.length === 0) return [];
  const rows = await q.query<RecordRow>(
    `SELECT patient_id, source, person_id, record, method, score FROM mpi_record
      WHERE person_id = ANY($1) ORDER BY person_id, patient_id`,
    [personIds],
  );
  return rows.map(fromRow);
}

export async function setPerson(
  q: Queryable,
  patientId: string,
  personId: string,
  method: LinkMethod,
  score: number | null,
  at: string,
): Promise<void> {
  await q.query(
    'UPDATE mpi_record SET person_id = $2, method = $3, score = $4, updated_at = $5 WHERE patient_id = $1',
    [patientId, personId, method, score, at],
  );
}

/** Opens (or refreshes) a review per candidate; a decided review stays decided. Returns the ones opened. */
export async function openReviewRows(
  q: Queryable,
  patientId: string,
  candidates: readonly { personId: string; score: number; reasons: unknown }[],
  at: string,
): Promise<string[]> {
  if (candidates.length === 0) return [];
  const rows = await q.query<{ candidate_person_id: string }>(
    `INSERT INTO mpi_review (patient_id, candidate_person_id, score, reasons, status, created_at)
     SELECT $1, c.person_id, c.score, c.reasons, 'open', $3
       FROM jsonb_to_recordset($2::jsonb) AS c(person_id text, score real, reasons jsonb)
     ON CONFLICT (patient_id, candidate_person_id) DO UPDATE SET score = EXCLUDED.score, reasons = EXCLUDED.reasons
      WHERE mpi_review.status IN ('open', 'superseded')
     RETURNING candidate_person_id`,
    [
      patientId,
      JSON.stringify(candidates.map((c) => ({ person_id: c.personId, score: c.score, reasons: c.reasons }))),
      at,
    ],
  );
  // A superseded review raised again is open again.
  await q.query(
    `UPDATE mpi_review SET status = 'open', decided_at = NULL, decided_by = NULL
      WHERE patient_id = $1 AND candidate_person_id = ANY($2) AND status = 'superseded'`,
    [patientId, rows.map((r) => r.candidate_person_id)],
  );
  return rows.map((r) => r.candidate_person_id);
}

/** Closes the open reviews of a record, except those for the persons named (still candidates). */
export async function supersedeReviews(q: Queryable, patientId: string, keep: readonly string[], at: string) {
  await q.query(
    `UPDATE mpi_review SET status = 'superseded', decided_at = $3
      WHERE patient_id = $1 AND status = 'open' AND NOT (candidate_person_id = ANY($2))`,
    [patientId, keep, at],
  );
}

export async function readReview(
  q: Queryable,
  patientId: string,
  candidatePersonId: string,
): Promise<ReviewRow | undefined> {
  const rows = await q.query<ReviewDbRow>(
    `SELECT patient_id, candidate_person_id, score, reasons, status, created_at FROM mpi_review
      WHERE patient_id = $1 AND candidate_person_id = $2 FOR UPDATE`,
    [patientId, candidatePersonId],
  );
  return rows[0] ? fromReviewRow(rows[0]) : undefined;
}

export async function decideReviewRow(
  q: Queryable,
  patientId: string,
  candidatePersonId: string,
  status: 'linked' | 'rejected',
  user: string,
  at: string,
): Promise<void> {
  await q.query(
    `UPDATE mpi_review SET status = $3, decided_at = $5, decided_by = $4
      WHERE patient_id = $1 AND candidate_person_id = $2`,
    [patientId, candidatePersonId, status, user, at],
  );
}

export async function listOpenReviews(q: Queryable, limit: number): Promise<ReviewRow[]> {
  const rows = await q.query<ReviewDbRow>(
    `SELECT patient_id, candidate_person_id, score, reasons, status, created_at FROM mpi_review
      WHERE status = 'open' ORDER BY created_at, patient_id, candidate_person_id LIMIT $1`,
    [limit],
  );
  return rows.map(fromReviewRow);
}

export async function insertEvents(q: Queryable, events: readonly MpiEvent[], at: string): Promise<void> {
  if (events.length === 0) return;
  await q.query(
    `INSERT INTO mpi_event (at, action, patient_id, person_id, previous_person_id, by_user, detail)
     SELECT $1, e.action, e.patient_id, e.person_id, e.previous_person_id, e.by_user, e.detail
       FROM jsonb_to_recordset($2::jsonb)
         AS e(action text, patient_id text, person_id text, previous_person_id text, by_user text, detail jsonb)`,
    [
      at,
      JSON.stringify(
        events.map((e) => ({
          action: e.action,
          patient_id: e.patientId,
          person_id: e.personId ?? null,
          previous_person_id: e.previousPersonId ?? null,
          by_user: e.byUser ?? null,
          detail: e.detail ?? null,
        })),
      ),
    ],
  );
}

export interface StoredEvent extends MpiEvent {
  id: number;
  at: string;
}

/** The audit of one record, oldest first. */
export async function eventsOf(q: Queryable, patientId: string): Promise<StoredEvent[]> {
  const rows = await q.query<{
    id: number | string;
    at: string;
    action: MpiAction;
    patient_id: string;
    person_id: string | null;
    previous_person_id: string | null;
    by_user: string | null;
    detail: unknown;
  }>(
    `SELECT id, at, action, patient_id, person_id, previous_person_id, by_user, detail
       FROM mpi_event WHERE patient_id = $1 ORDER BY id`,
    [patientId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    action: r.action,
    patientId: r.patient_id,
    personId: r.person_id,
    previousPersonId: r.previous_person_id,
    byUser: r.by_user,
    detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as unknown) : r.detail,
  }));
}

type ReviewDbRow = {
  patient_id: string;
  candidate_person_id: string;
  score: number | string;
  reasons: unknown;
  status: ReviewStatus;
  created_at: string;
};

function fromReviewRow(r: ReviewDbRow): ReviewRow {
  return {
    patientId: r.patient_id,
    candidatePersonId: r.candidate_person_id,
    score: Number(r.score),
    reasons: typeof r.reasons === 'string' ? (JSON.parse(r.reasons) as unknown) : r.reasons,
    status: r.status,
    createdAt: r.created_at,
  };
}

function fromRow(r: RecordRow): IndexedRecord {
  return {
    patientId: r.patient_id,
    source: r.source,
    personId: r.person_id,
    record: parseJson(r.record),
    method: r.method,
    score: r.score === null ? null : Number(r.score),
  };
}

// Both drivers parse jsonb; a text value is accepted too, so that a driver configured otherwise still works.
function parseJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

// ------------------------------------------------------------------------------------- many records at once
// The batch forms of the functions above, for linking every Patient of a transaction in a handful of statements
// whatever their number (an import's batch, a feed's group commit).

/** The records of many Patients, locked for the rest of the transaction (absent ones are not in the map). */
export async function readRecords(q: Queryable, patientIds: readonly string[]): Promise<Map<string, IndexedRecord>> {
  if (patientIds.length === 0) return new Map();
  const rows = await q.query<RecordRow>(
    `SELECT patient_id, source, person_id, record, method, score FROM mpi_record
      WHERE patient_id = ANY($1) ORDER BY patient_id FOR UPDATE`,
    [patientIds],
  );
  return new Map(rows.map((r) => [r.patient_id, fromRow(r)]));
}

/** Every indexed record sharing one of `keys`, with the keys it shares; the records in `exclude` are left out. */
export async function candidatesByKey(
  q: Queryable,
  keys: readonly string[],
  exclude: readonly string[],
): Promise<{ keys: string[]; patientId: string; personId: string; record: MatchRecord }[]> {
  if (keys.length === 0) return [];
  const rows = await q.query<{ keys: string[]; patient_id: string; person_id: string; record: MatchRecord | string }>(
    `SELECT k.keys, r.patient_id, r.person_id, r.record
       FROM (SELECT patient_id, array_agg(key) AS keys FROM mpi_block WHERE key = ANY($1) GROUP BY patient_id) k
       JOIN mpi_record r USING (patient_id)
      WHERE NOT (r.patient_id = ANY($2))
      ORDER BY r.patient_id`,
    [keys, exclude],
  );
  return rows.map((r) => ({
    keys: r.keys,
    patientId: r.patient_id,
    personId: r.person_id,
    record: parseJson(r.record),
  }));
}

/** The candidate persons users rejected, for many records. */
export async function rejectedPersonsOfMany(
  q: Queryable,
  patientIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (patientIds.length === 0) return out;
  const rows = await q.query<{ patient_id: string; candidate_person_id: string }>(
    `SELECT patient_id, candidate_person_id FROM mpi_review WHERE patient_id = ANY($1) AND status = 'rejected'`,
    [patientIds],
  );
  for (const r of rows) {
    let set = out.get(r.patient_id);
    if (!set) out.set(r.patient_id, (set = new Set()));
    set.add(r.candidate_person_id);
  }
  return out;
}

/** How many records each person links. */
export async function memberCounts(q: Queryable, personIds: readonly string[]): Promise<Map<string, number>> {
  if (personIds.length === 0) return new Map();
  const rows = await q.query<{ person_id: string; n: number | string }>(
    'SELECT person_id, count(*) AS n FROM mpi_record WHERE person_id = ANY($1) GROUP BY person_id',
    [personIds],
  );
  return new Map(rows.map((r) => [r.person_id, Number(r.n)]));
}

/** Writes many records (insert or replace), in one statement. */
export async function upsertRecords(q: Queryable, records: readonly IndexedRecord[], at: string): Promise<void> {
  if (records.length === 0) return;
  await q.query(
    `INSERT INTO mpi_record (patient_id, source, person_id, record, method, score, updated_at)
     SELECT r.patient_id, r.source, r.person_id, r.record, r.method, r.score, $2
       FROM jsonb_to_recordset($1::jsonb)
         AS r(patient_id text, source text, person_id text, record jsonb, method text, score real)
     ON CONFLICT (patient_id) DO UPDATE SET source = EXCLUDED.source, person_id = EXCLUDED.person_id,
       record = EXCLUDED.record, method = EXCLUDED.method, score = EXCLUDED.score, updated_at = EXCLUDED.updated_at`,
    [
      JSON.stringify(
        records.map((r) => ({
          patient_id: r.patientId,
          source: r.source,
          person_id: r.personId,
          record: r.record,
          method: r.method,
          score: r.score,
        })),
      ),
      at,
    ],
  );
}

/** Replaces the blocking keys of many records: the old ones of `replaced` go, then every record's new keys. */
export async function replaceBlockingKeysMany(
  q: Queryable,
  replaced: readonly string[],
  keys: readonly { patientId: string; keys: readonly string[] }[],
): Promise<void> {
  if (replaced.length > 0) await q.query('DELETE FROM mpi_block WHERE patient_id = ANY($1)', [replaced]);
  const pairs = keys.flatMap((k) => [...new Set(k.keys)].map((key) => [key, k.patientId] as const));
  if (pairs.length === 0) return;
  await q.query(
    `INSERT INTO mpi_block (key, patient_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}

/** Source Patients holding an NHS number (through its blocking key), those holding it verified first, then by id. */
export async function patientIdsByNhsNumber(q: Queryable, nhsNumber: string): Promise<string[]> {
  const rows = await q.query<{ patient_id: string }>(
    `SELECT r.patient_id FROM mpi_block b JOIN mpi_record r USING (patient_id)
      WHERE b.key = $1
      ORDER BY (r.record->>'nhsNumberVerified' = 'true') DESC, r.patient_id`,
    [`n:${nhsNumber}`],
  );
  return rows.map((r) => r.patient_id);
}
