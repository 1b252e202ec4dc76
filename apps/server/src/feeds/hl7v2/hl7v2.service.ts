import { randomUUID } from 'node:crypto';
import { isOperationOutcomeError, type Resource } from '@joinedup/fhir';
import type { FhirStore, StoreTransaction } from '../../fhir/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { ackCodeFor, ackErrorFrom, buildAck, type Hl7AckCode, type Hl7AckError, type Hl7AckInput } from './ack.ts';
import { decodeHl7Bytes } from './decode.ts';
import { formatHl7Timestamp } from './hl7-datetime.ts';
import { parseHl7, type Hl7Message } from './hl7-message.ts';
import { applyFeedOperation, mapHl7Message, toResourceId, type FeedOperation } from './mappers/index.ts';

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
}

/**
 * Receives one HL7 v2 message and returns the ACK to send back. AA only once everything the message produced,
 * the message itself and its ACK are committed in one transaction (reliability matrix row 9): if the commit
 * fails, this throws and the caller sends no ACK, so the sender resends. A message already applied (same
 * sender and MSH-10) gets its first ACK again and changes nothing (row 10). A message that cannot be read,
 * comes from a sender not allowed, or cannot be mapped gets AR or AE with an ERR segment naming the field.
 */
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
      const accepted = ack({ message }, 'AA');
      return deps.store.transaction(async (tx) => {
        // The master patient index links the Patients this message writes, as the sender's records.
        tx.source = message.sendingFacility;
        const claimed = await tx.q.query<{ sender: string }>(
          `INSERT INTO feed_message (sender, control_id, message_type, sent_at, received_at, outcome, patient_id, ack, raw)
           VALUES ($1, $2, $3, $4, $5, 'applied', $6, $7, $8)
           ON CONFLICT (sender, control_id) DO NOTHING RETURNING sender`,
          [
            message.sendingFacility,
            message.controlId,
            `${message.messageType}^${message.triggerEvent}`,
            message.sentAt,
            tx.now(),
            mapped.patientId,
            accepted,
            message.raw,
          ],
        );
        if (claimed.length === 0) {
          // Applied before: the same answer again, and nothing written.
          const first = await tx.q.query<{ ack: string }>(
            'SELECT ack FROM feed_message WHERE sender = $1 AND control_id = $2',
            [message.sendingFacility, message.controlId],
          );
          return first[0]!.ack;
        }
        const { written, toWrite } = await applyOperations(tx, mapped.operations, mapped.eventTime, message);
        if (written.length === 0) {
          await tx.q.query(`UPDATE feed_message SET outcome = 'stale' WHERE sender = $1 AND control_id = $2`, [
            message.sendingFacility,
            message.controlId,
          ]);
        } else {
          // The changes and their Provenance in one write.
          await tx.upsertMany([...toWrite, provenanceOf(message, written, tx.now()) as Resource]);
        }
        return accepted;
      });
    },
  };
}

/**
 * Applies a message's operations in order (`applyFeedOperation` decides what each changes). An update older, by
 * the event time the message carries, than the one that set what is stored is skipped, so that an update
 * arriving late does not overwrite a newer one (reliability matrix row 11). Everything the message touches is
 * locked and read in one go and written in one go, so a message costs a handful of statements however many
 * results it carries. Returns the references written and, for the caller to write with the Provenance, the
 * resources (a merge writes its own).
 */
async function applyOperations(
  tx: StoreTransaction,
  operations: FeedOperation[],
  eventTime: string,
  message: Hl7Message,
) {
  const written: string[] = [];
  if (operations.some((op) => op.kind === 'merge')) {
    for (const op of operations) {
      if (op.kind === 'merge')
        written.push(...(await mergePatients(tx, op.survivingPatientId, op.priorPatientId, message)));
      else {
        const key = keyOf(op);
        const current = (await tx.readManyForUpdate([key])).get(`${key.resourceType}/${key.id}`);
        const change = applyFeedOperation(current, op, eventTime);
        if (change.outcome === 'skip') continue;
        await tx.upsertMany([change.resource]);
        written.push(`${key.resourceType}/${key.id}`);
      }
    }
    return { written, toWrite: [] as Resource[] };
  }
  const keys = new Map<string, { resourceType: string; id: string }>();
  for (const op of operations)
    if (op.kind !== 'merge') keys.set(`${keyOf(op).resourceType}/${keyOf(op).id}`, keyOf(op));
  const current = await tx.readManyForUpdate([...keys.values()]);
  const changed = new Map<string, Resource>();
  for (const op of operations) {
    if (op.kind === 'merge') continue;
    const key = `${keyOf(op).resourceType}/${keyOf(op).id}`;
    const change = applyFeedOperation(current.get(key), op, eventTime);
    if (change.outcome === 'skip') continue;
    current.set(key, change.resource);
    changed.set(key, change.resource);
  }
  written.push(...changed.keys());
  return { written, toWrite: [...changed.values()] };
}

function keyOf(op: Exclude<FeedOperation, { kind: 'merge' }>) {
  return op.kind === 'upsert'
    ? { resourceType: op.resource.resourceType, id: op.resource.id! }
    : { resourceType: op.resourceType, id: op.id };
}

async function readIfPresent(tx: StoreTransaction, type: string, id: string): Promise<Resource | undefined> {
  try {
    const v = await tx.read(type, id);
    return v.content ? (JSON.parse(v.content) as Resource) : undefined;
  } catch (e) {
    // Not there (404) or deleted (410); anything else (the database) must fail the message, not overwrite.
    if (isOperationOutcomeError(e) && (e.status === 404 || e.status === 410)) return undefined;
    throw e;
  }
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
): Promise<string[]> {
  const prior = await readIfPresent(tx, 'Patient', priorId);
  const survivor = await readIfPresent(tx, 'Patient', survivorId);
  if (!prior || !survivor || priorId === survivorId) return [];
  const moved = await repoint(tx, priorId, survivorId);
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
export async function unmergePatients(store: FhirStore, sender: string, controlId: string): Promise<string[]> {
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
    await tx.q.query('UPDATE feed_merge SET unmerged_at = $3 WHERE sender = $1 AND control_id = $2', [
      sender,
      controlId,
      tx.now(),
    ]);
    return back;
  });
}

function provenanceOf(message: Hl7Message, targets: string[], recorded: string) {
  return {
    resourceType: 'Provenance',
    id: toResourceId(`hl7-${message.sendingFacility}-${message.controlId}`),
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
