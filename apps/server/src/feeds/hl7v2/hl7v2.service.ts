import { randomUUID } from 'node:crypto';
import { conflict, isOperationOutcomeError, type Resource } from '@joinedup/fhir';
import type { FhirStore, StoreTransaction } from '../../fhir/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { ackCodeFor, ackErrorFrom, buildAck, type Hl7AckCode, type Hl7AckError, type Hl7AckInput } from './ack.ts';
import { decodeHl7Bytes } from './decode.ts';
import { formatHl7Timestamp } from './hl7-datetime.ts';
import { parseHl7, type Hl7Message } from './hl7-message.ts';
import { createGroupCommit } from './group-commit.ts';
import { claimKey, claimMessages, markStale, parkedMessages, parkMessage, type FeedMessageRow } from './hl7v2.store.ts';
import {
  applyFeedOperation,
  mapHl7Message,
  SOURCE_EVENT_TIME_URL,
  toResourceId,
  type FeedOperation,
  type MapResult,
} from './mappers/index.ts';

/** A sending facility allowed to feed us, and how it proves who it is. */
export interface Hl7Source {
  /** Its ODS code, as it sends it in MSH-4. */
  facility: string;
  /** Addresses its MLLP connections may come from (exact match). */
  addresses?: string[];
  /** The shared secret of its HTTP requests (Authorization: Bearer ...). */
  secret?: string;
  /** Its time zone for HL7 times without an offset, when not the feed's default. */
  timeZone?: string;
}

/** Who is on the other end of a connection or request. */
export interface Hl7Peer {
  channel: 'mllp' | 'http';
  address: string;
  /** The bearer secret an HTTP sender presented. */
  secret?: string;
}

export interface Hl7FeedDeps {
  store: FhirStore;
  clock: Clock;
  log: Logger;
  sources: readonly Hl7Source[];
  /** Senders' local time zone, for HL7 times without an offset. */
  timeZone: string;
  /** Transactions the feed runs at once (group commit): 2 on a PostgreSQL server, 1 on PGlite, unless given. */
  concurrentTransactions?: number;
}

// A batch is bounded so that its statements stay of a sensible size: messages, and characters of raw text.
const MAX_BATCH_MESSAGES = 64;
const MAX_BATCH_CHARACTERS = 4 * 1024 * 1024;

/**
 * Receives one HL7 v2 message and returns the ACK to send back. AA only once everything the message produced,
 * the message itself and its ACK are committed in one transaction (reliability matrix row 9): if the commit
 * fails, this throws and the caller sends no ACK, so the sender resends. A message already applied (same
 * sender and MSH-10) gets its first ACK again and changes nothing (row 10). A message that cannot be read,
 * comes from a sender not allowed, or cannot be mapped gets AR or AE with an ERR segment naming the field;
 * one whose record the store refuses gets AR (207) and nothing of it is stored.
 *
 * Group commit: messages that arrive while a transaction is running (from other connections, or requests) are
 * applied together in the next one, in the order they arrived, and each is answered once that one commits. If
 * a batch fails, each of its messages is tried again in a transaction of its own, so one refused message does
 * not fail the others.
 */
/** Times a batch is run again after losing a race to create the same record. */
const MAX_RACE_RETRIES = 5;

export function createHl7FeedService(deps: Hl7FeedDeps) {
  const bySender = new Map(deps.sources.map((s) => [s.facility, s]));

  const ack = (input: Hl7AckInput, code: Hl7AckCode, errors?: Hl7AckError[]) =>
    buildAck(input, code, {
      controlId: `ACK${randomUUID().replace(/-/g, '').slice(0, 17)}`,
      now: formatHl7Timestamp(deps.clock.now(), deps.timeZone),
      receivingApplication: 'JOINEDUP',
      receivingFacility: 'JOINEDUP',
      ...(errors ? { errors } : {}),
    });

  const isAllowed = (message: Hl7Message, peer: Hl7Peer): boolean => {
    const source = bySender.get(message.sendingFacility);
    if (!source) return false;
    if (peer.channel === 'http') return source.secret !== undefined && peer.secret === source.secret;
    return source.addresses?.includes(peer.address) ?? false;
  };

  const feed = createGroupCommit<Arrival, string>({
    maxItems: MAX_BATCH_MESSAGES,
    // On a server, one batch is prepared while another commits; PGlite has one connection.
    concurrency: deps.concurrentTransactions ?? (deps.store.db.engine === 'postgres' ? 2 : 1),
    maxSize: MAX_BATCH_CHARACTERS,
    sizeOf: (a) => a.message.raw.length,
    // A merge re-points whole records, one statement after another: it keeps the transaction to itself.
    isAlone: isMerge,
    async commit(batch) {
      try {
        // A record created by a concurrent transaction after this one looked (two batches about one new patient)
        // is a race, not the message's fault: run again, and the record is then found and updated.
        for (let attempt = 1; ; attempt++) {
          try {
            return await deps.store.transaction((tx) => applyMessages(tx, batch));
          } catch (e) {
            if (attempt >= MAX_RACE_RETRIES || !isOperationOutcomeError(e) || refusalCode(e) !== 'resource.id-taken') {
              throw e;
            }
          }
        }
      } catch (e) {
        if (batch.length > 1 || !isRefusal(e)) throw e;
        deps.log.warn('hl7v2 message refused by the store', { code: refusalCode(e) });
        return [
          ack({ message: batch[0]!.message }, 'AR', [
            { code: '207', severity: 'E', text: 'The record the message makes could not be stored' },
          ]),
        ];
      }
    },
  });

  return {
    async receive(bytes: Uint8Array, peer: Hl7Peer): Promise<string> {
      const decoded = decodeHl7Bytes(bytes);
      if ('error' in decoded) {
        return ack({ raw: Buffer.from(bytes).toString('latin1') }, 'AR', [
          { code: '102', severity: 'E', text: 'The message is not text in a supported character set' },
        ]);
      }
      const parsed = parseHl7(decoded.text);
      if (!parsed.ok) {
        return ack(parsed.partial ? { partial: parsed.partial } : { raw: decoded.text }, ackCodeFor(parsed.error), [
          ackErrorFrom(parsed.error),
        ]);
      }
      const message = parsed.message;
      if (!isAllowed(message, peer)) {
        deps.log.warn('hl7v2 message from a sender not allowed', { channel: peer.channel, address: peer.address });
        return ack({ message }, 'AR', [
          { code: '207', severity: 'E', segment: 'MSH', segmentSequence: 1, field: 4, text: 'Sender not allowed' },
        ]);
      }
      const mapped = mapHl7Message(message, {
        senderOds: message.sendingFacility,
        timeZone: bySender.get(message.sendingFacility)?.timeZone ?? deps.timeZone,
        receivedAt: deps.clock.now().toISOString(),
      });
      if (!mapped.ok) {
        const e = mapped.error;
        return ack({ message }, e.code === '200' || e.code === '201' ? 'AR' : 'AE', [
          {
            code: e.code,
            severity: 'E',
            text: e.text,
            segment: e.segment,
            ...(e.segmentSequence !== undefined ? { segmentSequence: e.segmentSequence } : {}),
            field: e.field,
            ...(e.component !== undefined ? { component: e.component } : {}),
          },
        ]);
      }
      // What the feed writes names its sender (FHIR meta.source, the ODS code it authenticated): a batch holds
      // several senders' messages, and the master patient index records each Patient against its own.
      for (const op of mapped.operations) if (op.kind === 'upsert') stampSource(op.resource, message.sendingFacility);
      // Everything up to here is synchronous, so messages are queued in the order they were received.
      const arrival: Arrival = { message, mapped, accepted: ack({ message }, 'AA') };
      if (isMerge(arrival)) {
        arrival.parked = ack({ message }, 'AE', [
          { code: '207', severity: 'E', text: 'The merge contradicts an earlier merge: held for review, not applied' },
        ]);
      }
      return feed.submit(arrival);
    },
    /** Resolves once no message is queued or being committed. */
    idle: () => feed.idle(),
    /** Reverses one A40 of a sender (by its MSH-10); the resources moved back. */
    unmerge: (sender: string, controlId: string, user?: string) => unmergePatients(deps.store, sender, controlId, user),
    /** Merges parked for review (row 11), oldest first. */
    parked: (limit: number) => parkedMessages(deps.store.db, limit),
  };
}

/** A message mapped and waiting for its transaction, with the AA it gets once that commits. */
interface Arrival {
  message: Hl7Message;
  mapped: MappedMessage;
  accepted: string;
  /** For a merge: the AE it gets when it is parked for review instead of applied. */
  parked?: string;
}

type MappedMessage = Extract<MapResult, { ok: true }>;

const isMerge = (a: Arrival) => a.mapped.operations.some((op) => op.kind === 'merge');

const feedMessageRow = (a: Arrival): FeedMessageRow => ({
  sender: a.message.sendingFacility,
  controlId: a.message.controlId,
  messageType: `${a.message.messageType}^${a.message.triggerEvent}`,
  sentAt: a.message.sentAt,
  patientId: a.mapped.patientId,
  ack: a.accepted,
  raw: a.message.raw,
});

/**
 * Applies a batch of messages in one transaction (the caller's) and returns each one's ACK, in order:
 * - each (sender, MSH-10) is claimed in `feed_message` once; one applied before gets its first ACK again and
 *   writes nothing, and one sent twice in the batch is applied once and both get the same ACK (row 10);
 * - everything the batch touches is locked and read in one go, each message's operations are applied in arrival
 *   order to what is stored or what an earlier message of the batch made of it (`applyFeedOperation`: an update
 *   older, by the event time the message carries, than the one that set the resource is skipped: row 11), and
 *   each resource is written once, in its last state, with a Provenance per message naming what it wrote;
 * - the master patient index links the Patients written, each as its sender's record.
 * A merge (A40) comes alone and moves whole records (`mergePatients`).
 */
async function applyMessages(tx: StoreTransaction, batch: readonly Arrival[]): Promise<string[]> {
  const first = new Map<string, Arrival>();
  for (const a of batch) {
    const key = claimKey(feedMessageRow(a));
    if (!first.has(key)) first.set(key, a);
  }
  // In key order, so that two transactions claiming the same messages cannot wait on each other.
  const rows = [...first.values()].map(feedMessageRow).sort((a, b) => compare(claimKey(a), claimKey(b)));
  const claims = await claimMessages(tx.q, rows, tx.now());
  const answers = batch.map((a) => {
    const key = claimKey(feedMessageRow(a));
    const claim = claims.get(key);
    if (!claim) throw new Error('A message claim was neither made nor found');
    return claim.claimed ? first.get(key)!.accepted : claim.ack;
  });
  const toApply = [...first.entries()].filter(([key]) => claims.get(key)?.claimed).map(([, a]) => a);
  if (toApply.length === 0) return answers;

  const merge = toApply.find(isMerge);
  if (merge) {
    if (toApply.length > 1) throw new Error('A merge is applied alone');
    tx.source = merge.message.sendingFacility;
    const result = await applyMerge(tx, merge);
    if (result === 'parked') {
      // Reliability matrix row 11: a merge that contradicts one already applied (PID and MRG reversed, or a
      // record merged elsewhere) is kept for a person to resolve and never applied; the sender sees AE.
      await parkMessage(tx.q, feedMessageRow(merge), merge.parked!);
      return answers.map(() => merge.parked!);
    }
    if (result.length === 0) await markStale(tx.q, [feedMessageRow(merge)]);
    else await tx.upsertMany([provenanceOf(merge.message, result, tx.now()) as Resource]);
    return answers;
  }

  // Everything the batch touches, and each message's Provenance, locked and read in one go.
  const keys = new Map<string, { resourceType: string; id: string }>();
  for (const a of toApply) {
    for (const op of a.mapped.operations) if (op.kind !== 'merge') keys.set(refOf(op), keyOf(op));
    const provenance = provenanceIdOf(a.message);
    keys.set(`Provenance/${provenance}`, { resourceType: 'Provenance', id: provenance });
  }
  const locked = await tx.lockMany([...keys.values()]);
  const current = new Map<string, Resource | undefined>([...locked].map(([ref, v]) => [ref, v.resource]));
  const changed = new Map<string, Resource>();
  const provenances: Resource[] = [];
  const stale: Arrival[] = [];
  for (const a of toApply) {
    const written = new Set<string>();
    for (const original of a.mapped.operations) {
      if (original.kind === 'merge') continue;
      // What arrives for a Patient its source has merged away goes to the survivor (row 11: a result sent after
      // the merge must not land on the record the merge retired).
      const op = redirected(original, current);
      const ref = refOf(op);
      const change = applyFeedOperation(current.get(ref), op, a.mapped.eventTime);
      if (change.outcome === 'skip') continue;
      current.set(ref, change.resource);
      changed.set(ref, change.resource);
      written.add(ref);
    }
    if (written.size === 0) stale.push(a);
    else provenances.push(provenanceOf(a.message, [...written], tx.now()) as Resource);
  }
  // The changes and the Provenances, each resource once in its last state, written together at the flush.
  tx.writeLocked([...changed.values(), ...provenances], locked);
  await markStale(tx.q, stale.map(feedMessageRow));

  // The master patient index links the Patients written at commit, each as its sender's record (`meta.source`).
  return answers;
}

/** The Patient a merged-away Patient was replaced by (its source's A40), if it is one. */
function replacedBy(patient: Resource | undefined): string | undefined {
  const p = patient as { active?: boolean; link?: { type?: string; other?: { reference?: string } }[] } | undefined;
  if (p?.active !== false) return undefined;
  const ref = p.link?.find((l) => l.type === 'replaced-by')?.other?.reference;
  return ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
}

/**
 * An operation on a resource of a Patient that was merged away, re-pointed at the surviving Patient (following a
 * chain of merges as far as the Patients read for the batch show it). The Patient itself is left as it is:
 * `applyFeedOperation` keeps its merged state.
 */
function redirected(
  op: FeedOperation & { kind: 'upsert' | 'cancel' },
  current: ReadonlyMap<string, Resource | undefined>,
) {
  if (op.kind !== 'upsert' || op.resource.resourceType === 'Patient') return op;
  let text = JSON.stringify(op.resource);
  let changed = false;
  for (const [ref, resource] of current) {
    if (!ref.startsWith('Patient/')) continue;
    let survivor = replacedBy(resource);
    for (let hops = 0; survivor !== undefined && hops < 8; hops++) {
      const next = replacedBy(current.get(`Patient/${survivor}`));
      if (next === undefined) break;
      survivor = next;
    }
    const from = JSON.stringify(ref);
    if (survivor === undefined || !text.includes(from)) continue;
    text = text.split(from).join(JSON.stringify(`Patient/${survivor}`));
    changed = true;
  }
  return changed ? { ...op, resource: JSON.parse(text) as Resource } : op;
}

/**
 * A merge message's operations in order (ADR 6); returns the references written, or `parked` when the merge
 * contradicts one already applied (then nothing is written).
 */
async function applyMerge(tx: StoreTransaction, a: Arrival): Promise<string[] | 'parked'> {
  const written: string[] = [];
  for (const op of a.mapped.operations) {
    if (op.kind === 'merge') {
      const merged = await mergePatients(tx, op.survivingPatientId, op.priorPatientId, a.message, a.mapped.eventTime);
      if (merged === 'parked') return 'parked';
      written.push(...merged);
      continue;
    }
    const key = keyOf(op);
    const current = (await tx.readManyForUpdate([key])).get(refOf(op));
    const change = applyFeedOperation(current, op, a.mapped.eventTime);
    if (change.outcome === 'skip') continue;
    // Created by a concurrent transaction after this one read it as absent, the flush fails with
    // `resource.id-taken` and the caller runs the merge again, deciding from what is stored.
    await tx.upsertMany([change.resource]);
    written.push(refOf(op));
  }
  return written;
}

/**
 * A failure that is the message's (what it makes is refused by the store: an OperationOutcome error, or the
 * database refusing a value: SQLSTATE class 22 data exception, 23 integrity constraint other than a unique key
 * that a concurrent writer may hold, 54 a value over a limit such as an index entry's size), not the database's
 * or a race's.
 */
function isRefusal(e: unknown): boolean {
  // A key created by another writer after this one's lock is a race, not the message's fault: no ACK, and the
  // message sent again finds the resource and updates it.
  if (isOperationOutcomeError(e)) return e.status >= 400 && e.status < 500 && refusalCode(e) !== 'resource.id-taken';
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return code.startsWith('22') || (code.startsWith('23') && code !== '23505') || code.startsWith('54');
}

/** What a refusal was, for the log: a fixed code, never the error's text (it may quote ids or values). */
function refusalCode(e: unknown): string {
  if (isOperationOutcomeError(e)) return e.outcome.issue?.[0]?.details?.coding?.[0]?.code ?? String(e.status);
  return String((e as { code?: unknown }).code);
}

const refOf = (op: Exclude<FeedOperation, { kind: 'merge' }>) => {
  const k = keyOf(op);
  return `${k.resourceType}/${k.id}`;
};

function keyOf(op: Exclude<FeedOperation, { kind: 'merge' }>) {
  return op.kind === 'upsert'
    ? { resourceType: op.resource.resourceType, id: op.resource.id! }
    : { resourceType: op.resourceType, id: op.id };
}

/**
 * ADT A40 within one source (ADR 6; domain.md 2.2): every resource in the prior Patient's compartment is moved to
 * the survivor (its references to the prior Patient re-pointed), the prior Patient is made inactive and
 * `replaced-by` the survivor, which `replaces` it, and what moved is recorded in `feed_merge` so that
 * `unmergePatients` can move exactly that back. Both Patients are this sender's (the ids carry its ODS code).
 */
async function mergePatients(
  tx: StoreTransaction,
  survivorId: string,
  priorId: string,
  message: Hl7Message,
  eventTime: string,
): Promise<string[] | 'parked'> {
  const found = await tx.readManyForUpdate([
    { resourceType: 'Patient', id: priorId },
    { resourceType: 'Patient', id: survivorId },
  ]);
  const survivor = found.get(`Patient/${survivorId}`);
  if (!survivor || priorId === survivorId) return [];
  // A survivor that was itself merged away (PID and MRG reversed after an earlier merge, or a chain the sender
  // got wrong) is never written to: park the message.
  if (replacedBy(survivor) !== undefined) return 'parked';
  const existing = found.get(`Patient/${priorId}`);
  const priorSurvivor = replacedBy(existing);
  if (priorSurvivor === survivorId) return []; // merged already: nothing to do
  if (priorSurvivor !== undefined) return 'parked'; // merged into another record already
  // A merge arriving before the prior record's registration: the prior Patient is made now, merged, with the
  // merge's event time, so that its older registration and results (redirected) cannot revive it.
  const prior: Resource = existing ?? {
    resourceType: 'Patient',
    id: priorId,
    meta: { source: message.sendingFacility },
    extension: [{ url: SOURCE_EVENT_TIME_URL, valueInstant: eventTime }],
  };
  const moved = existing ? await repoint(tx, priorId, survivorId) : [];
  // A prior registration committed by a concurrent transaction after this one looked fails the flush with
  // `resource.id-taken` (its data must be moved, not written over): the caller runs the merge again.
  await tx.upsertMany([
    { ...prior, active: false, link: [{ other: { reference: `Patient/${survivorId}` }, type: 'replaced-by' }] },
    {
      ...survivor,
      link: [
        ...(((survivor as { link?: { other?: { reference?: string } }[] }).link ?? []).filter(
          (l) => l.other?.reference !== `Patient/${priorId}`,
        ) as object[]),
        { other: { reference: `Patient/${priorId}` }, type: 'replaces' },
      ],
    },
  ] as Resource[]);
  await tx.q.query(
    `INSERT INTO feed_merge (sender, control_id, prior_patient_id, surviving_patient_id, merged_at, moved)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [message.sendingFacility, message.controlId, priorId, survivorId, tx.now(), JSON.stringify(moved)],
  );
  return [`Patient/${priorId}`, `Patient/${survivorId}`, ...moved];
}

/** Re-points every current resource of `fromId`'s compartment at `toId`; returns their references. */
async function repoint(tx: StoreTransaction, fromId: string, toId: string, only?: readonly string[]) {
  await tx.flush();
  // Provenance stays: it records what an earlier message did to the prior Patient, which remains true.
  const rows = await tx.q.query<{ resource_type: string; id: string }>(
    `SELECT resource_type, id FROM patient_resource
      WHERE patient_key = $1 AND resource_type NOT IN ('Patient', 'Provenance') AND NOT deleted`,
    [fromId],
  );
  const keys = rows
    .filter((r) => !only || only.includes(`${r.resource_type}/${r.id}`))
    .map((r) => ({ resourceType: r.resource_type, id: r.id }));
  const current = await tx.readManyForUpdate(keys);
  const from = JSON.stringify(`Patient/${fromId}`);
  const to = JSON.stringify(`Patient/${toId}`);
  const changed = [...current.values()].map((r) => JSON.parse(JSON.stringify(r).split(from).join(to)) as Resource);
  await tx.upsertMany(changed);
  return [...current.keys()];
}

/**
 * Reverses a merge: what it moved goes back to the prior Patient, which is active again, and both Patients lose
 * the links the merge gave them. Resources written to the survivor after the merge stay with it.
 */
export async function unmergePatients(
  store: FhirStore,
  sender: string,
  controlId: string,
  user?: string,
): Promise<string[]> {
  return store.transaction(async (tx) => {
    const rows = await tx.q.query<{ prior_patient_id: string; surviving_patient_id: string; moved: string[] | string }>(
      `SELECT prior_patient_id, surviving_patient_id, moved FROM feed_merge
        WHERE sender = $1 AND control_id = $2 AND unmerged_at IS NULL FOR UPDATE`,
      [sender, controlId],
    );
    const merge = rows[0];
    if (!merge) return [];
    const moved = typeof merge.moved === 'string' ? (JSON.parse(merge.moved) as string[]) : merge.moved;
    const priorId = merge.prior_patient_id;
    const survivorId = merge.surviving_patient_id;
    // What this merge moved has moved on if the survivor was merged away since: undo that merge first, so that
    // every moved resource comes back (reliability matrix row 5).
    const later = await tx.q.query<{ control_id: string }>(
      `SELECT control_id FROM feed_merge WHERE sender = $1 AND prior_patient_id = $2 AND unmerged_at IS NULL LIMIT 1`,
      [sender, survivorId],
    );
    if (later[0]) {
      throw conflict(
        `Patient/${survivorId} was merged again since (MSH-10 ${later[0].control_id}): unmerge that first`,
        {
          code: 'hl7.unmerge-order',
        },
      );
    }
    const back = await repoint(tx, survivorId, priorId, moved);
    const patients = await tx.readManyForUpdate([
      { resourceType: 'Patient', id: priorId },
      { resourceType: 'Patient', id: survivorId },
    ]);
    const unlink = (p: Resource | undefined, other: string): Resource | undefined =>
      p &&
      ({
        ...p,
        ...(p.id === priorId ? { active: true } : {}),
        link: ((p as { link?: { other?: { reference?: string } }[] }).link ?? []).filter(
          (l) => l.other?.reference !== `Patient/${other}`,
        ),
      } as Resource);
    await tx.upsertMany(
      [
        unlink(patients.get(`Patient/${priorId}`), survivorId),
        unlink(patients.get(`Patient/${survivorId}`), priorId),
      ].filter((p): p is Resource => p !== undefined),
    );
    await tx.q.query('UPDATE feed_merge SET unmerged_at = $3, unmerged_by = $4 WHERE sender = $1 AND control_id = $2', [
      sender,
      controlId,
      tx.now(),
      user ?? null,
    ]);
    return back;
  });
}

function stampSource(resource: Resource, sender: string): void {
  resource.meta = { ...resource.meta, source: sender };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const provenanceIdOf = (message: Hl7Message) => toResourceId(`hl7-${message.sendingFacility}-${message.controlId}`);

function provenanceOf(message: Hl7Message, targets: string[], recorded: string) {
  return {
    resourceType: 'Provenance',
    id: provenanceIdOf(message),
    meta: { source: message.sendingFacility },
    target: targets.map((reference) => ({ reference })),
    recorded,
    activity: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
          code: 'UPDATE',
          display: 'revise',
        },
      ],
    },
    agent: [
      {
        type: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }],
        },
        who: {
          identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: message.sendingFacility },
        },
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: {
            system: 'https://fhir.joinedup.example/Id/hl7v2-message',
            value: `${message.sendingFacility}|${message.controlId}`,
          },
          display: `${message.messageType}^${message.triggerEvent}`,
        },
      },
    ],
  };
}
