import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntheticRegion, generateSyntheticPerson, hl7v2Messages, type SourceRecord } from '@joinedup/synth';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import { unmergePatients } from './hl7v2.service.ts';

// ADT A40 within one source, and its reversal (domain.md 2.2; reliability matrix row 5), on a synthetic
// hospital feed in which the trust made a second record for the person at an ED visit and merged it later.

const options = { patients: 400, seed: 'hl7-merge', asOf: '2026-06-30' };
const region = buildSyntheticRegion(options);
let record: SourceRecord | undefined;
for (let i = 0; i < options.patients && !record; i++) {
  record = generateSyntheticPerson(region, i, options).records.find((r) => r.duplicate);
}
const feed = record ? hl7v2Messages(record, region, options.seed) : [];
let app: TestApp;

before(async () => {
  const sources = [{ facility: record!.odsCode, secret: 's', timeZone: 'UTC' }];
  app = await createTestApp({ env: { JOINEDUP_HL7_SOURCES: JSON.stringify(sources) } });
});
after(async () => {
  await app.close();
});

const idOf = (localId: string) => `${record!.odsCode}-${localId}`;

async function clinicalOf(patientId: string): Promise<string[]> {
  const res = await app.request('GET', `/fhir/Patient/${patientId}/$everything?_count=1000`);
  return (res.json.entry as { resource: { resourceType: string; id: string } }[])
    .map((e) => e.resource)
    .filter((r) => !['Patient', 'Provenance', 'Organization', 'Practitioner', 'Location'].includes(r.resourceType))
    .map((r) => `${r.resourceType}/${r.id}`)
    .sort();
}

test('A40 moves the prior record to the survivor; unmerge moves exactly that back', async () => {
  assert.ok(record?.duplicate, 'the synthetic region has a merged duplicate');
  const a40 = feed.find((m) => m.type === 'ADT^A40');
  assert.ok(a40, 'the feed has an A40');
  // Everything before the merge first: the prior (duplicate) record then holds its ED visit.
  for (const m of feed.filter((f) => f.sentAt < a40.sentAt)) {
    const res = await app.http.inject({
      method: 'POST',
      url: '/hl7v2',
      headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: 'Bearer s' },
      payload: m.message,
    });
    assert.match(res.body, /MSA\|AA/, m.type);
  }
  const priorId = idOf(record.duplicate.localId);
  const survivorId = idOf(record.localId);
  const priorBefore = await clinicalOf(priorId);
  const survivorBefore = await clinicalOf(survivorId);
  assert.ok(priorBefore.length > 0, 'the duplicate record holds something to move');

  const res = await app.http.inject({
    method: 'POST',
    url: '/hl7v2',
    headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: 'Bearer s' },
    payload: a40.message,
  });
  assert.match(res.body, /MSA\|AA/);
  assert.deepEqual(await clinicalOf(priorId), [], 'no clinical resource is left on the prior Patient');
  assert.deepEqual(await clinicalOf(survivorId), [...survivorBefore, ...priorBefore].sort());
  const prior = (await app.request('GET', `/fhir/Patient/${priorId}`)).json;
  assert.equal(prior.active, false);
  assert.deepEqual(prior.link, [{ other: { reference: `Patient/${survivorId}` }, type: 'replaced-by' }]);

  const back = await unmergePatients(app.fhir.store, record.odsCode, a40.controlId);
  assert.deepEqual(back.sort(), priorBefore);
  assert.deepEqual(await clinicalOf(priorId), priorBefore);
  assert.deepEqual(await clinicalOf(survivorId), survivorBefore);
  const restored = (await app.request('GET', `/fhir/Patient/${priorId}`)).json;
  assert.equal(restored.active, true);
  assert.deepEqual(restored.link ?? [], []);
  // A second unmerge of the same merge changes nothing.
  assert.deepEqual(await unmergePatients(app.fhir.store, record.odsCode, a40.controlId), []);
});
