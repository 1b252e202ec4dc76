import { conflict, invalid, notFound } from '@joinedup/fhir';
import type { HumanName, Patient, Person, Resource } from '@joinedup/fhir';
import { NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '@joinedup/fhir';
import type { FhirStore, PatientWrite, StoreTransaction } from '../fhir/store/store.ts';
import type { Queryable } from '../platform/db.ts';
import { blockingKeys } from './blocking.ts';
import { fromFhirPatient, type MatchRecord } from './demographics.ts';
import {
  decideLink,
  DEFAULT_THRESHOLDS,
  type IndexedCandidate,
  type LinkDecision,
  type MatchOutcome,
  type MatchThresholds,
} from './match.ts';
import { DEFAULT_WEIGHTS, type MatchWeights } from './weights.ts';
import {
  candidatesByKey,
  decideReviewRow,
  deleteRecord,
  eventsOf,
  insertEvents,
  listOpenReviews,
  lockBlockingKeys,
  lockPersons,
  memberCounts,
  openReviewRows,
  patientIdsByNhsNumber,
  readRecord,
  readRecords,
  readReview,
  recordsOfPersons,
  rejectedPersonsOfMany,
  replaceBlockingKeys,
  replaceBlockingKeysMany,
  setPerson,
  storedRecords,
  supersedeReviews,
  upsertRecords,
  verifiedNhsNumbersOf,
  type IndexedRecord,
  type LinkMethod,
  type MpiEvent,
  type ReviewRow,
  type StoredEvent,
} from './identity.store.ts';

export interface LinkResult {
  personId: string;
  outcome: MatchOutcome;
  method: LinkMethod;
}

export interface IdentityServiceOptions {
  store: FhirStore;
  weights?: MatchWeights;
  thresholds?: MatchThresholds;
}

const MAX_REVIEW_PAGE = 1000;

interface ReviewCandidate {
  personId: string;
  score: number;
  reasons: unknown;
}
/** The source of a Patient written by a writer that did not say whose data it is. */
export const UNKNOWN_SOURCE = 'unknown';
const MAX_USER_LENGTH = 200;

/** The master patient index: links source Patients to Persons, keeps the review queue and the audit (ADR 6). */
export function createIdentityService(options: IdentityServiceOptions) {
  const { store } = options;
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;

  async function linkPatient(tx: StoreTransaction, patient: Patient, source: string): Promise<LinkResult> {
    const [result] = await linkMany(tx, [{ patient, source }]);
    return result!;
  }

  /**
   * Links many source Patients in the caller's transaction, in a handful of statements whatever their number:
   * all their blocking keys locked at once (sorted), their records and candidates read at once, the candidate
   * persons locked at once; then each record decided in id order, in memory, against the index and against the
   * records of the batch decided before it (two records of one person in one batch make one person); then the
   * records, keys, events and Persons written at once. Returns each item's link, in the order given.
   */
  async function linkMany(
    tx: StoreTransaction,
    items: readonly { patient: Patient; source: string }[],
  ): Promise<LinkResult[]> {
    const q = tx.q;
    const incoming = new Map<string, { patient: Patient; source: string; record: MatchRecord; keys: string[] }>();
    for (const { patient, source } of items) {
      const patientId = patient.id;
      if (patientId === undefined || patientId === '') {
        throw invalid('A Patient must have an id to be indexed', { expression: 'Patient.id' });
      }
      const record: MatchRecord = { ...fromFhirPatient(patient, source), id: patientId };
      incoming.set(patientId, { patient, source, record, keys: blockingKeys(record) });
    }
    const ids = [...incoming.keys()].sort();
    await lockBlockingKeys(q, [...[...incoming.values()].flatMap((r) => r.keys), ...ids.map((id) => `patient:${id}`)]);
    const currents = await readRecords(q, ids);
    const results = new Map<string, LinkResult>();

    // Relinking an unchanged record is a no-op: no new versions, no events.
    const changed: string[] = [];
    for (const id of ids) {
      const r = incoming.get(id)!;
      const current = currents.get(id);
      if (current && current.source === r.source && canonicalJson(current.record) === canonicalJson(r.record)) {
        results.set(id, { personId: current.personId, outcome: await outcomeOf(q, current), method: current.method });
      } else changed.push(id);
    }
    if (changed.length === 0) return items.map((i) => results.get(i.patient.id!)!);

    const now = tx.now();
    await replaceBlockingKeysMany(
      q,
      changed.filter((id) => currents.has(id)),
      changed.map((id) => ({ patientId: id, keys: incoming.get(id)!.keys })),
    );
    // A record its own source merged into another (HL7 A40: inactive, `replaced-by`) is that person's: the
    // source says so, whatever its remaining demographics (a record made by a merge may hold none).
    const survivorOf = new Map<string, string>();
    for (const id of changed) {
      const survivor = replacedByOf(incoming.get(id)!.patient);
      if (survivor !== undefined && survivor !== id) survivorOf.set(id, survivor);
    }
    const survivors = await readRecords(
      q,
      [...new Set(survivorOf.values())].filter((id) => !incoming.has(id)),
    );
    const rejected = await rejectedPersonsOfMany(q, changed);
    const matching = changed.filter((id) => currents.get(id)?.method !== 'manual');
    const found = await candidatesByKey(q, [...new Set(matching.flatMap((id) => incoming.get(id)!.keys))], changed);
    const byKey = new Map<string, { patientId: string; personId: string; record: MatchRecord }[]>();
    const addToKeys = (keys: readonly string[], c: { patientId: string; personId: string; record: MatchRecord }) => {
      for (const key of keys) {
        let list = byKey.get(key);
        if (!list) byKey.set(key, (list = []));
        list.push(c);
      }
    };
    for (const c of found) addToKeys(c.keys, c);
    const persons = new Set<string>([
      ...found.map((c) => c.personId),
      ...[...currents.values()].map((c) => c.personId),
      ...[...survivors.values()].map((c) => c.personId),
    ]);
    await lockPersons(q, [...persons]);
    const verified = await verifiedNhsNumbersOf(q, [...persons]);
    const members = await memberCounts(
      q,
      [...currents.values()].map((c) => c.personId),
    );

    const written: IndexedRecord[] = [];
    const events: MpiEvent[] = [];
    const reviews: { patientId: string; fresh: boolean; candidates: ReviewCandidate[] }[] = [];
    const touched = new Set<string>();
    const decided = new Map<string, IndexedRecord>();
    for (const id of changed) {
      const { source, record, keys } = incoming.get(id)!;
      const current = currents.get(id);
      if (current?.method === 'manual') {
        // A user's decision stands when the source updates its demographics: re-matching could undo it silently.
        const kept: IndexedRecord = { ...current, source, record };
        written.push(kept);
        decided.set(id, kept);
        addToKeys(keys, kept);
        touched.add(current.personId);
        results.set(id, { personId: current.personId, outcome: 'MATCH', method: 'manual' });
        continue;
      }
      const survivorId = survivorOf.get(id);
      const merged = survivorId === undefined ? undefined : (decided.get(survivorId) ?? survivors.get(survivorId));
      const seen = new Set<string>();
      const indexed: IndexedCandidate[] = [];
      const skip = rejected.get(id);
      for (const c of merged ? [merged] : keys.flatMap((k) => byKey.get(k) ?? [])) {
        if (seen.has(c.patientId) || c.patientId === id || skip?.has(c.personId)) continue;
        seen.add(c.patientId);
        const nhs = verified.get(c.personId);
        indexed.push(
          nhs === undefined
            ? { personId: c.personId, record: c.record }
            : { personId: c.personId, record: c.record, personVerifiedNhsNumber: nhs },
        );
      }
      // IndexedCandidate.personVerifiedNhsNumber: a person holding another verified number is never linked;
      // nor is a retired record to its survivor's person when that would put two verified numbers on one person.
      const mine = record.nhsNumberVerified ? record.nhsNumber : undefined;
      const mergedNhs = merged ? verified.get(merged.personId) : undefined;
      const decision: LinkDecision =
        merged && (mine === undefined || mergedNhs === undefined || mine === mergedNhs)
          ? { outcome: 'MATCH', personId: merged.personId, candidates: [] }
          : decideLink(record, indexed, weights, thresholds);

      let personId: string;
      let method: LinkMethod;
      let score: number | null = null;
      if (decision.outcome === 'MATCH' && decision.personId !== undefined) {
        const best = decision.candidates.find((c) => c.personId === decision.personId);
        personId = decision.personId;
        method = best?.score.rule === 'verified-nhs-number-equal' ? 'nhs-verified' : 'match';
        score = best ? best.score.total : null;
      } else {
        method = 'new';
        const alone = current ? (members.get(current.personId) ?? 0) === 1 : false;
        personId = current && alone ? current.personId : `person-${tx.newId()}`;
      }

      const previous = current?.personId;
      if (previous !== personId) {
        if (previous !== undefined) {
          members.set(previous, (members.get(previous) ?? 1) - 1);
          events.push({
            action: 'unlink',
            patientId: id,
            personId: previous,
            detail: { method: current!.method, score: current!.score, reason: 'demographics-changed' },
          });
          touched.add(previous);
        }
        members.set(personId, (members.get(personId) ?? 0) + 1);
        events.push({
          action: method === 'new' ? 'new-person' : 'link',
          patientId: id,
          personId,
          previousPersonId: previous ?? null,
          detail: { method, score },
        });
      }
      touched.add(personId);
      const linked: IndexedRecord = { patientId: id, source, personId, record, method, score };
      written.push(linked);
      decided.set(id, linked);
      // Later records of the batch see this one as a candidate, and its person's verified number.
      addToKeys(keys, linked);
      if (mine !== undefined && !verified.has(personId)) verified.set(personId, mine);
      const reviewCandidates =
        decision.outcome === 'POSSIBLE_MATCH'
          ? decision.candidates
              .filter((c) => c.personId !== personId)
              .map((c) => ({
                personId: c.personId,
                score: c.score.total,
                reasons: {
                  recordId: c.recordId,
                  ...(c.score.rule ? { rule: c.score.rule } : {}),
                  ...(decision.reason ? { reason: decision.reason } : {}),
                  fields: c.score.fields.map((f) => ({ field: f.field, level: f.level, weight: f.weight })),
                },
              }))
          : [];
      if (current !== undefined || reviewCandidates.length > 0) {
        reviews.push({ patientId: id, fresh: current === undefined, candidates: reviewCandidates });
      }
      results.set(id, { personId, outcome: decision.outcome, method });
    }

    await upsertRecords(q, written, now);
    for (const r of reviews) {
      // A record new to the index has no open review (a deleted one's were superseded when it left).
      if (!r.fresh) {
        await supersedeReviews(
          q,
          r.patientId,
          r.candidates.map((c) => c.personId),
          now,
        );
      }
      const opened = await openReviewRows(q, r.patientId, r.candidates, now);
      for (const candidate of opened) {
        const c = r.candidates.find((x) => x.personId === candidate);
        events.push({
          action: 'review-open',
          patientId: r.patientId,
          personId: candidate,
          detail: { score: c?.score ?? null },
        });
      }
    }
    await insertEvents(q, events, now);
    await writePersons(tx, [...touched], new Map(changed.map((id) => [id, incoming.get(id)!.patient])));
    return items.map((i) => results.get(i.patient.id!)!);
  }

  /**
   * The store's `onPatientsWritten` hook: every Patient written in a transaction is linked (or re-linked when
   * its demographics changed) before the transaction commits, whichever path wrote it; a deleted Patient leaves
   * its person. Records whose comparable form is unchanged are found in one statement and left alone. The source
   * is the transaction's (a feed's sender), else the Patient's `meta.source`.
   */
  async function linkWritten(tx: StoreTransaction, written: readonly PatientWrite[]): Promise<void> {
    if (written.length === 0) return;
    const sourceOf = (p: Patient) => tx.source ?? p.meta?.source ?? UNKNOWN_SOURCE;
    const stored = await storedRecords(
      tx.q,
      written.map((w) => w.id),
    );
    const changed: { id: string; patient: Patient | null; keys: string[] }[] = [];
    for (const w of written) {
      const before = stored.get(w.id);
      if (w.patient === null) {
        if (before) changed.push({ id: w.id, patient: null, keys: [] });
        continue;
      }
      const source = sourceOf(w.patient);
      const record: MatchRecord = { ...fromFhirPatient(w.patient, source), id: w.id };
      if (before && before.source === source && canonicalJson(before.record) === canonicalJson(record)) continue;
      changed.push({ id: w.id, patient: w.patient, keys: blockingKeys(record) });
    }
    if (changed.length === 0) return;
    for (const c of changed) if (c.patient === null) await removeRecord(tx, c.id);
    const linking = changed.filter((c) => c.patient !== null);
    if (linking.length > 0) {
      await linkMany(
        tx,
        linking.map((c) => ({ patient: c.patient!, source: sourceOf(c.patient!) })),
      );
    }
  }

  // A deleted source Patient leaves the index: its keys and reviews go, its person is rewritten without it (and
  // is inactive once it links nothing). The audit keeps the record's history.
  async function removeRecord(tx: StoreTransaction, patientId: string): Promise<void> {
    const q = tx.q;
    const current = await readRecord(q, patientId);
    if (!current) return;
    const now = tx.now();
    await lockPersons(q, [current.personId]);
    await replaceBlockingKeys(q, patientId, []);
    await supersedeReviews(q, patientId, [], now);
    await deleteRecord(q, patientId);
    await insertEvents(
      q,
      [
        {
          action: 'unlink',
          patientId,
          personId: current.personId,
          detail: { method: current.method, score: current.score, reason: 'patient-deleted' },
        },
      ],
      now,
    );
    await writePersons(tx, [current.personId]);
  }

  async function link(patientId: string, personId: string, user: string): Promise<LinkResult> {
    checkUser(user);
    return store.transaction(async (tx) => {
      const now = tx.now();
      const result = await moveRecord(tx, patientId, personId, user, now, 'link');
      return result;
    });
  }

  // Moves a record onto an existing person by a user's decision. Restores the method it had when the same
  // person is the one it was last unlinked from (an unlink undone), otherwise a manual link (level2).
  async function moveRecord(
    tx: StoreTransaction,
    patientId: string,
    personId: string,
    user: string,
    now: string,
    action: 'link' | 'review-link',
  ): Promise<LinkResult> {
    const q = tx.q;
    const current = await requireRecord(q, patientId);
    await lockPersons(q, [current.personId, personId]);
    const members = await recordsOfPersons(q, [personId]);
    if (members.length === 0) throw notFound(`Person/${personId} links no record`, { code: 'identity.person-unknown' });
    if (current.personId === personId) return { personId, outcome: 'MATCH', method: current.method };
    const verified = await verifiedNhsNumbersOf(q, [personId, current.personId]);
    const mine = verified.get(current.personId);
    const theirs = verified.get(personId);
    if (mine !== undefined && theirs !== undefined && mine !== theirs) {
      // Issue 4, domain.md 2.2 rule 3: one person never holds two verified NHS numbers; the source must correct
      // its number (a PDS tracing error) rather than the index hiding it.
      throw conflict('The record and the person hold different verified NHS numbers', {
        code: 'identity.verified-nhs-numbers-differ',
      });
    }
    const restored = action === 'link' ? await restoredMethod(q, patientId, personId) : undefined;
    const method: LinkMethod = restored?.method ?? 'manual';
    const score = restored?.score ?? null;
    await setPerson(q, patientId, personId, method, score, now);
    const events: MpiEvent[] = [
      { action, patientId, personId, previousPersonId: current.personId, byUser: user, detail: { method, score } },
    ];
    await insertEvents(q, events, now);
    await writePersons(tx, [personId, current.personId]);
    return { personId, outcome: 'MATCH', method };
  }

  async function unlink(patientId: string, user: string): Promise<LinkResult> {
    checkUser(user);
    return store.transaction(async (tx) => {
      const q = tx.q;
      const now = tx.now();
      const current = await requireRecord(q, patientId);
      await lockPersons(q, [current.personId]);
      const members = await recordsOfPersons(q, [current.personId]);
      // Already a person of its own: nothing to undo.
      if (members.length <= 1) return { personId: current.personId, outcome: 'NO_MATCH', method: current.method };
      const personId = `person-${tx.newId()}`;
      // Manual: a feed update must not re-link what a user separated.
      await setPerson(q, patientId, personId, 'manual', null, now);
      await insertEvents(
        q,
        [
          {
            action: 'unlink',
            patientId,
            personId: current.personId,
            byUser: user,
            detail: { method: current.method, score: current.score },
          },
          {
            action: 'new-person',
            patientId,
            personId,
            previousPersonId: current.personId,
            byUser: user,
            detail: { method: 'manual' },
          },
        ],
        now,
      );
      await writePersons(tx, [current.personId, personId]);
      return { personId, outcome: 'NO_MATCH', method: 'manual' };
    });
  }

  /**
   * Merges two persons a user found to be one: every record of `mergedPersonId` moves to `survivorPersonId`
   * (a user's decision: `manual`, level2), and the merged Person becomes inactive. Each move is an audited
   * `link` event naming the merge, so that `unmergePersons` can move exactly those records back.
   */
  async function mergePersons(survivorPersonId: string, mergedPersonId: string, user: string) {
    checkUser(user);
    if (survivorPersonId === mergedPersonId) {
      throw invalid('A person cannot be merged into itself', { code: 'identity.merge-same-person' });
    }
    return store.transaction(async (tx) => {
      const q = tx.q;
      const now = tx.now();
      await lockPersons(q, [survivorPersonId, mergedPersonId]);
      const records = await recordsOfPersons(q, [survivorPersonId, mergedPersonId]);
      const moving = records.filter((r) => r.personId === mergedPersonId);
      if (!records.some((r) => r.personId === survivorPersonId)) {
        throw notFound(`Person/${survivorPersonId} links no record`, { code: 'identity.person-unknown' });
      }
      if (moving.length === 0) {
        throw notFound(`Person/${mergedPersonId} links no record`, { code: 'identity.person-unknown' });
      }
      const verified = await verifiedNhsNumbersOf(q, [survivorPersonId, mergedPersonId]);
      const a = verified.get(survivorPersonId);
      const b = verified.get(mergedPersonId);
      if (a !== undefined && b !== undefined && a !== b) {
        throw conflict('The two persons hold different verified NHS numbers', {
          code: 'identity.verified-nhs-numbers-differ',
        });
      }
      const events: MpiEvent[] = [];
      for (const r of moving) {
        await setPerson(q, r.patientId, survivorPersonId, 'manual', null, now);
        events.push({
          action: 'link',
          patientId: r.patientId,
          personId: survivorPersonId,
          previousPersonId: mergedPersonId,
          byUser: user,
          detail: { method: 'manual', mergedFrom: mergedPersonId, previousMethod: r.method, previousScore: r.score },
        });
      }
      await insertEvents(q, events, now);
      await writePersons(tx, [survivorPersonId, mergedPersonId]);
      return { personId: survivorPersonId, moved: moving.map((r) => r.patientId) };
    });
  }

  /**
   * Undoes `mergePersons`: the records whose last change was that merge, and that are still on the person they
   * were merged into, go back to the merged person with the method they had. Records changed since (unlinked,
   * linked elsewhere) stay where a later decision put them.
   */
  async function unmergePersons(mergedPersonId: string, user: string) {
    checkUser(user);
    return store.transaction(async (tx) => {
      const q = tx.q;
      const now = tx.now();
      const rows = await q.query<{ patient_id: string; person_id: string; detail: unknown }>(
        `SELECT e.patient_id, e.person_id, e.detail
           FROM (SELECT DISTINCT patient_id FROM mpi_event
                  WHERE action = 'link' AND previous_person_id = $1 AND detail->>'mergedFrom' = $1) m
           CROSS JOIN LATERAL (
             SELECT patient_id, person_id, detail, action FROM mpi_event x
              WHERE x.patient_id = m.patient_id AND x.action IN ('link', 'unlink', 'new-person', 'review-link')
              ORDER BY x.id DESC LIMIT 1) e
          WHERE e.action = 'link' AND e.detail->>'mergedFrom' = $1`,
        [mergedPersonId],
      );
      if (rows.length === 0) {
        throw notFound(`No merge of Person/${mergedPersonId} to undo`, { code: 'identity.merge-unknown' });
      }
      const survivors = [...new Set(rows.map((r) => r.person_id))];
      await lockPersons(q, [...survivors, mergedPersonId]);
      const current = new Map((await recordsOfPersons(q, survivors)).map((r) => [r.patientId, r]));
      const events: MpiEvent[] = [];
      const moved: string[] = [];
      for (const row of rows) {
        const r = current.get(row.patient_id);
        if (!r || r.personId !== row.person_id) continue;
        const detail = (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as {
          previousMethod?: LinkMethod;
          previousScore?: number | null;
        };
        const method = detail.previousMethod ?? 'manual';
        const score = detail.previousScore ?? null;
        await setPerson(q, r.patientId, mergedPersonId, method, score, now);
        moved.push(r.patientId);
        events.push({
          action: 'unlink',
          patientId: r.patientId,
          personId: r.personId,
          byUser: user,
          detail: { method: r.method, score: r.score, reason: 'unmerge' },
        });
        events.push({
          action: 'link',
          patientId: r.patientId,
          personId: mergedPersonId,
          previousPersonId: r.personId,
          byUser: user,
          detail: { method, score, unmergedFrom: r.personId },
        });
      }
      await insertEvents(q, events, now);
      await writePersons(tx, [...survivors, mergedPersonId]);
      return { personId: mergedPersonId, moved };
    });
  }

  async function decideReview(
    patientId: string,
    candidatePersonId: string,
    decision: 'link' | 'reject',
    user: string,
  ): Promise<LinkResult> {
    checkUser(user);
    if (decision !== 'link' && decision !== 'reject') {
      throw invalid(`A review is decided by link or reject, not ${String(decision)}`);
    }
    return store.transaction(async (tx) => {
      const q = tx.q;
      const now = tx.now();
      const review = await readReview(q, patientId, candidatePersonId);
      if (!review) throw notFound('No such review', { code: 'identity.review-unknown' });
      if (review.status !== 'open') {
        throw conflict(`The review is already ${review.status}`, { code: 'identity.review-closed' });
      }
      if (decision === 'reject') {
        await decideReviewRow(q, patientId, candidatePersonId, 'rejected', user, now);
        await insertEvents(
          q,
          [
            {
              action: 'review-reject',
              patientId,
              personId: candidatePersonId,
              byUser: user,
              detail: { score: review.score },
            },
          ],
          now,
        );
        const current = await requireRecord(q, patientId);
        return { personId: current.personId, outcome: 'NO_MATCH', method: current.method };
      }
      const result = await moveRecord(tx, patientId, candidatePersonId, user, now, 'review-link');
      await decideReviewRow(q, patientId, candidatePersonId, 'linked', user, now);
      await supersedeReviews(q, patientId, [], now);
      return result;
    });
  }

  /**
   * The source Patients that carry an NHS number (normalised first), those with it verified first, then by id: how
   * sign-in finds a patient's own record and a standalone launch's patient.
   */
  async function patientsWithNhsNumber(nhsNumber: string): Promise<string[]> {
    const nhs = normaliseNhsNumber(nhsNumber);
    if (nhs === undefined) return [];
    return patientIdsByNhsNumber(store.db, nhs);
  }

  /** Where a record is linked, how, and its open reviews; 404 when it is not in the index. */
  async function recordOf(patientId: string) {
    const rows = await store.db.query<{ person_id: string; source: string; method: LinkMethod; score: number | null }>(
      'SELECT person_id, source, method, score FROM mpi_record WHERE patient_id = $1',
      [patientId],
    );
    const r = rows[0];
    if (!r) throw notFound(`Patient/${patientId} is not in the index`, { code: 'identity.patient-unknown' });
    const reviews = await store.db.query<{ candidate_person_id: string; score: number | string }>(
      `SELECT candidate_person_id, score FROM mpi_review WHERE patient_id = $1 AND status = 'open'
        ORDER BY candidate_person_id`,
      [patientId],
    );
    return {
      patientId,
      personId: r.person_id,
      source: r.source,
      method: r.method,
      score: r.score === null ? null : Number(r.score),
      openReviews: reviews.map((v) => ({ candidatePersonId: v.candidate_person_id, score: Number(v.score) })),
    };
  }

  async function personOf(patientId: string): Promise<string | undefined> {
    const rows = await store.db.query<{ person_id: string }>('SELECT person_id FROM mpi_record WHERE patient_id = $1', [
      patientId,
    ]);
    return rows[0]?.person_id;
  }

  async function patientsOf(personId: string): Promise<{ patientId: string; source: string; method: LinkMethod }[]> {
    const rows = await store.db.query<{ patient_id: string; source: string; method: LinkMethod }>(
      'SELECT patient_id, source, method FROM mpi_record WHERE person_id = $1 ORDER BY patient_id',
      [personId],
    );
    return rows.map((r) => ({ patientId: r.patient_id, source: r.source, method: r.method }));
  }

  async function openReviews(limit = 100): Promise<ReviewRow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVIEW_PAGE) {
      throw invalid(`limit must be an integer from 1 to ${MAX_REVIEW_PAGE}`);
    }
    return listOpenReviews(store.db, limit);
  }

  /** The audit of one record, oldest first. */
  function history(patientId: string): Promise<StoredEvent[]> {
    return eventsOf(store.db, patientId);
  }

  // FHIR Person from the link table: one link per record, assurance by how it was linked (ADR 6), name, sex and
  // birth date from the best record. Written only when its content changed, so that no version is empty.
  async function writePersons(
    tx: StoreTransaction,
    personIds: readonly string[],
    known: ReadonlyMap<string, Patient> = new Map(),
  ): Promise<void> {
    const ids = [...new Set(personIds)];
    const records = await recordsOfPersons(tx.q, ids);
    const existing = await tx.readManyForUpdate(ids.map((id) => ({ resourceType: 'Person', id })));
    const writes: Resource[] = [];
    for (const id of ids) {
      const mine = records.filter((r) => r.personId === id);
      const before = existing.get(`Person/${id}`);
      if (mine.length === 0 && !before) continue;
      const person = await buildPerson(tx, id, mine, known);
      if (before && canonicalJson(withoutMeta(before)) === canonicalJson(person)) continue;
      writes.push(person);
    }
    if (writes.length > 0) await tx.upsertMany(writes);
  }

  return {
    linkPatient,
    linkWritten,
    link,
    unlink,
    mergePersons,
    unmergePersons,
    decideReview,
    recordOf,
    patientsWithNhsNumber,
    personOf,
    patientsOf,
    openReviews,
    history,
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;

async function buildPerson(
  tx: StoreTransaction,
  id: string,
  records: readonly IndexedRecord[],
  known: ReadonlyMap<string, Patient>,
): Promise<Person> {
  if (records.length === 0) return { resourceType: 'Person', id, active: false };
  const verified = records.find((r) => r.record.nhsNumberVerified && r.record.nhsNumber !== undefined);
  const verifiedNhs = verified?.record.nhsNumber;
  const link = records.map((r) => ({
    target: { reference: `Patient/${r.patientId}` },
    assurance: assuranceOf(r, verifiedNhs),
  }));
  const best = [...records].sort((a, b) => rankRecord(b) - rankRecord(a) || a.patientId.localeCompare(b.patientId))[0]!;
  // The Patient being linked is at hand: reading it back would cost a flush and a query.
  const source = known.get(best.patientId) ?? (await readPatient(tx, best.patientId));
  const person: Person = { resourceType: 'Person', id, active: true };
  if (verifiedNhs !== undefined) person.identifier = [{ system: NHS_NUMBER_SYSTEM, value: verifiedNhs }];
  const name = source?.name?.find((n) => n.use !== 'old' && n.use !== 'maiden') ?? source?.name?.[0];
  if (name) person.name = [pickName(name)];
  const gender = source?.gender ?? best.record.sex;
  if (gender !== undefined) person.gender = gender;
  const birthDate = source?.birthDate ?? best.record.birthDate;
  if (birthDate !== undefined) person.birthDate = birthDate;
  person.link = link;
  return person;
}

// ADR 6: level4 a verified NHS number, level3 an automatic match, level2 a person's decision.
function assuranceOf(r: IndexedRecord, personVerifiedNhs: string | undefined): 'level2' | 'level3' | 'level4' {
  if (r.method === 'manual') return 'level2';
  if (r.record.nhsNumberVerified && r.record.nhsNumber !== undefined && r.record.nhsNumber === personVerifiedNhs) {
    return 'level4';
  }
  return 'level3';
}

// The golden record's demographics: a record with a verified NHS number (traced against PDS) first, then the
// most complete.
function rankRecord(r: IndexedRecord): number {
  const m = r.record;
  let rank = m.nhsNumberVerified && m.nhsNumber !== undefined ? 100 : 0;
  if (m.nhsNumber !== undefined) rank += 10;
  for (const present of [m.family !== '', m.given.length > 0, m.birthDate, m.sex, m.postcode, m.addressLine]) {
    if (present) rank += 1;
  }
  return rank;
}

function pickName(name: HumanName): HumanName {
  const out: HumanName = {};
  if (name.use !== undefined) out.use = name.use;
  if (name.text !== undefined) out.text = name.text;
  if (name.family !== undefined) out.family = name.family;
  if (name.given !== undefined) out.given = name.given;
  if (name.prefix !== undefined) out.prefix = name.prefix;
  return out;
}

async function readPatient(tx: StoreTransaction, id: string): Promise<Patient | undefined> {
  try {
    const v = await tx.read('Patient', id);
    return v.content ? (JSON.parse(v.content) as Patient) : undefined;
  } catch {
    // Not stored (an index fed without the store) or deleted: the Person keeps what the index holds.
    return undefined;
  }
}

function replacedByOf(patient: Patient): string | undefined {
  if (patient.active !== false) return undefined;
  const ref = patient.link?.find((l) => l.type === 'replaced-by')?.other?.reference;
  return ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
}

async function requireRecord(q: Queryable, patientId: string): Promise<IndexedRecord> {
  const r = await readRecord(q, patientId);
  if (!r) throw notFound(`Patient/${patientId} is not in the index`, { code: 'identity.patient-unknown' });
  return r;
}

// The method a record had before it was unlinked from this person, when the last change to it was that unlink.
async function restoredMethod(
  q: Queryable,
  patientId: string,
  personId: string,
): Promise<{ method: LinkMethod; score: number | null } | undefined> {
  const rows = await q.query<{ action: string; person_id: string | null; detail: unknown }>(
    `SELECT action, person_id, detail FROM mpi_event
      WHERE patient_id = $1 AND action IN ('link', 'unlink', 'review-link') ORDER BY id DESC LIMIT 1`,
    [patientId],
  );
  const last = rows[0];
  if (!last || last.action !== 'unlink' || last.person_id !== personId) return undefined;
  const detail = (typeof last.detail === 'string' ? JSON.parse(last.detail) : last.detail) as {
    method?: LinkMethod;
    score?: number | null;
  } | null;
  if (!detail?.method) return undefined;
  return { method: detail.method, score: detail.score ?? null };
}

async function outcomeOf(q: Queryable, r: IndexedRecord): Promise<MatchOutcome> {
  if (r.method !== 'new') return 'MATCH';
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM mpi_review WHERE patient_id = $1 AND status = 'open'`,
    [r.patientId],
  );
  return (rows[0]?.n ?? 0) > 0 ? 'POSSIBLE_MATCH' : 'NO_MATCH';
}

function checkUser(user: string) {
  if (typeof user !== 'string' || user.length === 0 || user.length > MAX_USER_LENGTH) {
    throw invalid('The user deciding must be named (at most 200 characters)');
  }
}

function withoutMeta(resource: Resource): Resource {
  const { meta: _meta, ...rest } = resource;
  void _meta;
  return rest;
}

// jsonb does not keep key order: compare with keys sorted.
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
