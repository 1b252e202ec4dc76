import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DocumentReference, Encounter, Patient, Resource } from '@joinedup/fhir';
import { validateResource } from '../../../fhir/validate/validate.ts';
import { applyFeedOperation, sourceEventTimeOf } from './apply-operation.ts';
import type { FeedOperation, MapResult } from './feed-operation.ts';
import { CTX, adt, evn, message, msh, pid, pv1, segment } from './hl7-fixtures.test-support.ts';
import { mapHl7Message } from './map-message.ts';
import type { Hl7Message } from '../hl7-message.ts';

/** A store of one resource per type/id, fed the way the feed service applies a message. */
class MemoryStore {
  readonly resources = new Map<string, Resource>();
  readonly skipped: string[] = [];

  apply(m: Hl7Message): MapResult {
    const result = mapHl7Message(m, CTX);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    for (const op of result.operations) this.#apply(op, result.eventTime);
    return result;
  }

  #apply(op: FeedOperation, eventTime: string): void {
    if (op.kind === 'merge') return;
    const key = op.kind === 'upsert' ? `${op.resource.resourceType}/${op.resource.id}` : `${op.resourceType}/${op.id}`;
    const outcome = applyFeedOperation(this.resources.get(key), op, eventTime);
    if (outcome.outcome === 'write') {
      assert.deepEqual(validateResource(outcome.resource), [], key);
      this.resources.set(key, outcome.resource);
    } else this.skipped.push(`${key} ${outcome.reason}`);
  }

  get<T extends Resource>(key: string): T {
    const r = this.resources.get(key);
    assert.ok(r, key);
    return r as T;
  }
}

function at(trigger: string, time: string, pidFields = {}, pv1Fields = {}, occurred?: string): Hl7Message {
  return message(msh(`ADT^${trigger}`, { 7: time }), evn(trigger, time, occurred), pid(pidFields), pv1(pv1Fields));
}

const ENCOUNTER = 'Encounter/RXX-V1001';
const PATIENT = 'Patient/RXX-K123456';

test('admit, two transfers, discharge: one Encounter with its location history', () => {
  const store = new MemoryStore();
  store.apply(at('A01', '20240301100000', {}, { 3: 'AMU^^^RXX01' }));
  store.apply(at('A02', '20240302090000', {}, { 3: 'Ward 5^^^RXX01' }, '20240302085500'));
  store.apply(at('A02', '20240303090000', {}, { 3: 'Ward 7^^^RXX01' }, '20240303085500'));
  store.apply(at('A03', '20240305120000', {}, { 3: 'Ward 7^^^RXX01', 45: '20240305115500' }));
  const e = store.get<Encounter>(ENCOUNTER);
  assert.equal(e.status, 'finished');
  assert.deepEqual(e.period, { start: '2024-03-01T10:00:00+00:00', end: '2024-03-05T11:55:00+00:00' });
  assert.deepEqual(
    e.location?.map((l) => [l.location.display, l.status, l.period?.start, l.period?.end]),
    [
      ['AMU', 'completed', '2024-03-01T10:00:00+00:00', '2024-03-02T08:55:00+00:00'],
      ['Ward 5', 'completed', '2024-03-02T08:55:00+00:00', '2024-03-03T08:55:00+00:00'],
      ['Ward 7', 'completed', '2024-03-03T08:55:00+00:00', '2024-03-05T11:55:00+00:00'],
    ],
  );
});

test('A12 removes the last transfer; A13 reopens a discharge; A11 marks the admission entered in error', () => {
  const store = new MemoryStore();
  store.apply(at('A01', '20240301100000', {}, { 3: 'AMU' }));
  store.apply(at('A02', '20240302090000', {}, { 3: 'Ward 5' }, '20240302085500'));
  store.apply(at('A12', '20240302093000', {}, { 3: 'AMU' }));
  let e = store.get<Encounter>(ENCOUNTER);
  assert.deepEqual(
    e.location?.map((l) => [l.location.display, l.status, l.period?.end]),
    [['AMU', 'active', undefined]],
  );
  store.apply(at('A03', '20240305120000', {}, { 3: 'AMU', 36: '19', 45: '20240305115500' }));
  store.apply(at('A13', '20240305130000', {}, { 3: 'AMU' }));
  e = store.get<Encounter>(ENCOUNTER);
  assert.equal(e.status, 'in-progress');
  assert.equal(e.period?.end, undefined);
  assert.equal(e.hospitalization, undefined);
  assert.equal(e.location?.[0]?.status, 'active');
  store.apply(at('A11', '20240305140000'));
  assert.equal(store.get<Encounter>(ENCOUNTER).status, 'entered-in-error');
  assert.equal(sourceEventTimeOf(store.get<Encounter>(ENCOUNTER)), Date.parse('2024-03-05T14:00:00Z'));
});

test('an older message does not overwrite a newer one, whichever arrives first', () => {
  const store = new MemoryStore();
  store.apply(at('A31', '20240310100000', { 5: 'Newer^Name' }));
  store.apply(at('A31', '20240301100000', { 5: 'Older^Name' }));
  assert.equal(store.get<Patient>(PATIENT).name?.[0]?.family, 'Newer');
  assert.ok(store.skipped.includes(`${PATIENT} older`));
  const cancelled = applyFeedOperation(
    store.get(PATIENT),
    { kind: 'cancel', resourceType: 'Patient', id: 'RXX-K123456', to: 'entered-in-error' },
    '2024-01-01T00:00:00Z',
  );
  assert.deepEqual(cancelled, { outcome: 'skip', reason: 'older' });
});

test('the same message applied twice changes nothing the second time', () => {
  const store = new MemoryStore();
  store.apply(adt('A01'));
  const before = structuredClone([...store.resources.entries()]);
  store.apply(adt('A01'));
  assert.deepEqual([...store.resources.entries()], before);
  assert.deepEqual(store.skipped, [`${PATIENT} unchanged`, `${ENCOUNTER} unchanged`]);
});

test('Patient: a field not sent keeps its value; "" deletes it; a sent deceased choice replaces the other', () => {
  const store = new MemoryStore();
  store.apply(at('A28', '20240301100000'));
  // A laboratory's sparse PID: MRN and name only.
  store.apply(
    message(
      msh('ORU^R01', { 7: '20240302100000' }),
      segment('PID', { 3: 'K123456^^^RXX^MR', 5: 'Smith^Jane' }),
      segment('OBR', { 3: 'F1', 4: 'A^a^L' }),
    ),
  );
  let p = store.get<Patient>(PATIENT);
  assert.equal(p.birthDate, '1980-01-02');
  assert.equal(p.address?.[0]?.postalCode, 'NW1 1AA');
  assert.deepEqual(p.name, [{ family: 'Smith', given: ['Jane'] }]);
  store.apply(at('A31', '20240303100000', { 11: '""', 29: '20240303' }));
  p = store.get<Patient>(PATIENT);
  assert.equal(p.address, undefined);
  assert.equal(p.deceasedDateTime, '2024-03-03');
  store.apply(at('A31', '20240304100000', { 30: 'N' }));
  p = store.get<Patient>(PATIENT);
  assert.equal(p.deceasedBoolean, false);
  assert.equal(p.deceasedDateTime, undefined);
});

test('Patient: active and links set by the merge service are kept by later updates', () => {
  const current: Patient = {
    resourceType: 'Patient',
    id: 'RXX-K123456',
    active: false,
    link: [{ other: { reference: 'Patient/RXX-K2' }, type: 'replaced-by' }],
  };
  const result = mapHl7Message(adt('A31'), CTX);
  assert.ok(result.ok);
  const op = result.operations[0]!;
  assert.ok(op.kind === 'upsert');
  const outcome = applyFeedOperation(current, op, result.eventTime);
  assert.ok(outcome.outcome === 'write');
  const p = outcome.resource as Patient;
  assert.equal(p.active, false);
  assert.equal(p.link?.[0]?.type, 'replaced-by');
});

test('an A08 without a discharge time keeps a finished Encounter finished', () => {
  const store = new MemoryStore();
  store.apply(at('A03', '20240305120000', {}, { 45: '20240305115500' }));
  store.apply(at('A08', '20240306120000', {}, { 10: '394589003' }));
  const e = store.get<Encounter>(ENCOUNTER);
  assert.equal(e.status, 'finished');
  assert.equal(e.period?.end, '2024-03-05T11:55:00+00:00');
  assert.equal(e.serviceType?.coding?.[0]?.code, '394589003');
});

test('a cancel of something never stored is skipped as not found; A12 with one location is unchanged', () => {
  const op: FeedOperation = { kind: 'cancel', resourceType: 'Encounter', id: 'X', to: 'previous-location' };
  assert.deepEqual(applyFeedOperation(undefined, op, '2024-01-01T00:00:00Z'), { outcome: 'skip', reason: 'not-found' });
  const store = new MemoryStore();
  store.apply(adt('A01'));
  assert.deepEqual(applyFeedOperation(store.get(ENCOUNTER), op, '2030-01-01T00:00:00Z'), {
    outcome: 'skip',
    reason: 'unchanged',
  });
});

test('a document notification without content keeps the stored content; cancels set the statuses', () => {
  const stored: DocumentReference = {
    resourceType: 'DocumentReference',
    id: 'RXX-DOC-1',
    status: 'current',
    content: [{ attachment: { contentType: 'text/plain', data: 'aGVsbG8=' } }],
  };
  const notification: DocumentReference = {
    resourceType: 'DocumentReference',
    id: 'RXX-DOC-1',
    status: 'current',
    docStatus: 'final',
    content: [{ attachment: { contentType: 'text/plain' } }],
  };
  const outcome = applyFeedOperation(stored, { kind: 'upsert', resource: notification }, '2024-01-01T00:00:00Z');
  assert.ok(outcome.outcome === 'write');
  assert.equal((outcome.resource as DocumentReference).content[0]?.attachment.data, 'aGVsbG8=');
  assert.equal((outcome.resource as DocumentReference).docStatus, 'final');
  const superseded = applyFeedOperation(
    stored,
    { kind: 'cancel', resourceType: 'DocumentReference', id: 'RXX-DOC-1', to: 'superseded' },
    '2024-01-01T00:00:00Z',
  );
  assert.ok(superseded.outcome === 'write');
  assert.equal((superseded.resource as DocumentReference).status, 'superseded');
  const withdrawn = applyFeedOperation(
    stored,
    { kind: 'cancel', resourceType: 'DocumentReference', id: 'RXX-DOC-1', to: 'entered-in-error' },
    '2024-01-01T00:00:00Z',
  );
  assert.ok(withdrawn.outcome === 'write');
  assert.equal((withdrawn.resource as DocumentReference).docStatus, 'entered-in-error');
});

test('results are replaced whole: a corrected value drops a flag the final report had', () => {
  const store = new MemoryStore();
  const oru = (time: string, status: string, value: string, flag: string) =>
    message(
      msh('ORU^R01', { 7: time }),
      pid(),
      segment('OBR', { 3: 'F1', 4: 'A^a^L', 25: status }),
      segment('OBX', { 1: '1', 2: 'NM', 3: 'B^b^L', 5: value, 7: '1-10', 8: flag, 11: status }),
    );
  store.apply(oru('20240301100000', 'F', '55', 'H'));
  store.apply(oru('20240302100000', 'C', '5.5', ''));
  const o = store.get<Resource & { interpretation?: unknown; valueQuantity?: { value: number }; status: string }>(
    'Observation/RXX-F1-1',
  );
  assert.equal(o.valueQuantity?.value, 5.5);
  assert.equal(o.interpretation, undefined);
  assert.equal(o.status, 'corrected');
});

test('sourceEventTimeOf reads the extension; none gives undefined', () => {
  assert.equal(sourceEventTimeOf(undefined), undefined);
  assert.equal(sourceEventTimeOf({ resourceType: 'Patient' }), undefined);
  const result = mapHl7Message(adt('A01'), CTX);
  assert.ok(result.ok);
  const op = result.operations[0]!;
  assert.ok(op.kind === 'upsert');
  assert.equal(sourceEventTimeOf(op.resource), Date.parse(result.eventTime));
});
