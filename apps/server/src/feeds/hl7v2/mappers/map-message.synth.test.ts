// The synthetic London HL7 v2 feeds (packages/synth, as `npm run synth -- --outputs hl7v2` writes them): every
// message maps, every resource passes structural validation, ids are stable and hold no personal data, and the
// whole feed applied in send order leaves a consistent record.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Encounter, Patient, Resource } from '@joinedup/fhir';
import { DEFAULT_AS_OF, buildSyntheticRegion, generatePopulation, hl7v2Messages } from '@joinedup/synth';
import { validateResource } from '../../../fhir/validate/validate.ts';
import { parseHl7, type Hl7Message } from '../hl7-message.ts';
import { applyFeedOperation } from './apply-operation.ts';
import type { MapResult } from './feed-operation.ts';
import { mapHl7Message } from './map-message.ts';
import { isValidNhsNumber } from '@joinedup/fhir';

const PATIENTS = Number(process.env.SYNTH_PATIENTS ?? 300);
const options = { patients: PATIENTS, seed: 'joinedup', asOf: DEFAULT_AS_OF };

interface Sent {
  sentAt: string;
  controlId: string;
  message: Hl7Message;
  result: MapResult;
}

function generate(): Sent[] {
  const region = buildSyntheticRegion(options);
  const out: Sent[] = [];
  for (const person of generatePopulation(region, options)) {
    for (const record of person.records) {
      for (const feed of hl7v2Messages(record, region, options.seed)) {
        const parsed = parseHl7(feed.message);
        if (!parsed.ok) assert.fail(`${feed.type} ${feed.controlId}: ${JSON.stringify(parsed.error)}`);
        // packages/synth/src/hl7v2/README.md: the synthetic feeds write UTC without an offset.
        const result = mapHl7Message(parsed.message, {
          senderOds: parsed.message.sendingFacility,
          timeZone: 'UTC',
          receivedAt: '2100-01-01T00:00:00.000Z',
        });
        out.push({ sentAt: feed.sentAt, controlId: feed.controlId, message: parsed.message, result });
      }
    }
  }
  return out;
}

const sent = generate();

function upserted(result: MapResult): Resource[] {
  assert.ok(result.ok);
  return result.operations.flatMap((o) => (o.kind === 'upsert' ? [o.resource] : []));
}

test('every synthetic message maps, and every resource passes structural validation', () => {
  assert.ok(sent.length > 5000, `${sent.length} messages`);
  const types = new Set<string>();
  for (const s of sent) {
    const label = `${s.message.messageType}^${s.message.triggerEvent} ${s.controlId}`;
    assert.ok(s.result.ok, `${label}: ${JSON.stringify(s.result.ok ? '' : s.result.error)}`);
    types.add(`${s.message.messageType}^${s.message.triggerEvent}`);
    for (const r of upserted(s.result)) assert.deepEqual(validateResource(r), [], `${label} ${r.resourceType}/${r.id}`);
  }
  for (const t of ['ADT^A01', 'ADT^A02', 'ADT^A03', 'ADT^A04', 'ADT^A28', 'ADT^A40', 'ORU^R01', 'MDM^T02', 'SIU^S12']) {
    assert.ok(types.has(t), t);
  }
});

test('a message resent (same MSH-10) maps to exactly the same operations', () => {
  const first = new Map<string, MapResult>();
  let resends = 0;
  for (const s of sent) {
    const key = `${s.message.sendingFacility}|${s.controlId}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, s.result);
    else {
      resends++;
      assert.deepEqual(s.result, earlier, key);
    }
  }
  assert.ok(resends > 10, `${resends} resends`);
});

test('ids hold only the sender code and its identifiers: never a name or a date of birth', () => {
  for (const s of sent) {
    const pid = s.message.segment('PID');
    if (!pid) continue;
    const names = [pid.get(5, 1), pid.get(5, 2)].filter((n) => n.length >= 3);
    const birth = pid.get(7);
    const forbidden = [
      ...names,
      ...(birth.length === 8 ? [birth, `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`] : []),
    ];
    for (const r of upserted(s.result)) {
      assert.ok(r.id!.startsWith(`${s.message.sendingFacility}-`), r.id);
      for (const f of forbidden) assert.ok(!r.id!.includes(f), `${r.resourceType}/${r.id}`);
    }
  }
});

test('the NHS number and its verification status are those PID-3 and PID-32 carry; merges name the MRG-1 MRN', () => {
  let withNhs = 0;
  let merges = 0;
  for (const s of sent) {
    const pid = s.message.segment('PID');
    assert.ok(s.result.ok && pid);
    const sentNhs = pid
      .repetitions(3)
      .find((r) => r.get(5) === 'NH')
      ?.get(1);
    const patient = s.result.operations.find((o) => o.kind === 'upsert' && o.resource.resourceType === 'Patient');
    assert.ok(patient?.kind === 'upsert');
    const nhs = (patient.resource as Patient).identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number');
    assert.equal(nhs?.value, sentNhs && isValidNhsNumber(sentNhs) ? sentNhs : undefined);
    if (nhs) {
      withNhs++;
      assert.equal(nhs.extension?.[0]?.valueCodeableConcept?.coding?.[0]?.code, pid.get(32));
    }
    const mrg = s.message.segment('MRG');
    if (mrg) {
      merges++;
      const merge = s.result.operations.find((o) => o.kind === 'merge');
      assert.ok(merge?.kind === 'merge');
      assert.equal(merge.priorPatientId, `${s.message.sendingFacility}-${mrg.get(1)}`);
      assert.equal(merge.survivingPatientId, `${s.message.sendingFacility}-${pid.get(3)}`);
    }
  }
  assert.ok(withNhs > 1000, `${withNhs}`);
  assert.ok(merges > 0, `${merges}`);
});

test('the whole feed applied in send order leaves every Encounter consistent', () => {
  const store = new Map<string, Resource>();
  const ordered = [...sent].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  for (const s of ordered) {
    assert.ok(s.result.ok);
    for (const op of s.result.operations) {
      if (op.kind === 'merge') continue;
      const key =
        op.kind === 'upsert' ? `${op.resource.resourceType}/${op.resource.id}` : `${op.resourceType}/${op.id}`;
      const outcome = applyFeedOperation(store.get(key), op, s.result.eventTime);
      if (outcome.outcome === 'write') store.set(key, outcome.resource);
    }
  }
  let encounters = 0;
  let withHistory = 0;
  for (const [key, r] of store) {
    assert.deepEqual(validateResource(r), [], key);
    if (r.resourceType !== 'Encounter') continue;
    encounters++;
    const e: Encounter = r;
    // Every A11 in these feeds is followed by the correct A01, and every A13 by the real A03.
    assert.notEqual(e.status, 'entered-in-error', key);
    assert.equal(e.status === 'finished', e.period?.end !== undefined, `${key} ${e.status}`);
    const locations = e.location ?? [];
    if (locations.length > 1) withHistory++;
    const active = locations.filter((l) => l.status === 'active');
    assert.ok(active.length <= 1, key);
    if (active.length === 1) assert.equal(locations[locations.length - 1]?.status, 'active', key);
    if (e.status === 'finished') assert.equal(active.length, 0, key);
  }
  assert.ok(encounters > 500, `${encounters}`);
  assert.ok(withHistory > 10, `${withHistory} encounters with a ward transfer`);
});
