import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { aPatient, anObservation, createTestApp, type TestApp } from '../../test-support/test-app.ts';

// Reliability matrix row 5 (its API part): a write through the API that refers to a resource that does not exist
// is refused (422, nothing written); deleting a resource that a current resource refers to is refused (409).
let app: TestApp;
before(async () => {
  app = await createTestApp();
});
after(() => app.close());

const code = (res: { json: { issue: { details: { coding: { code: string }[] } }[] } }) =>
  res.json.issue[0]!.details.coding[0]!.code;

test('create, update and patch refusing a reference to a resource that does not exist, or is deleted', async () => {
  const created = await app.request('POST', '/fhir/Observation', anObservation('no-such-patient'));
  assert.equal(created.status, 422, created.text);
  assert.equal(code(created), 'reference.not-found');
  assert.match(created.json.issue[0].diagnostics, /Patient\/no-such-patient/);
  const none = await app.request('GET', '/fhir/Observation?subject=Patient/no-such-patient');
  assert.equal(none.json.entry?.length ?? 0, 0, 'nothing was written');

  const put = await app.request('PUT', '/fhir/Observation/ref-1', { ...anObservation('missing-2'), id: 'ref-1' });
  assert.equal(put.status, 422);
  assert.equal((await app.request('GET', '/fhir/Observation/ref-1')).status, 404);

  const p = await app.request('POST', '/fhir/Patient', aPatient());
  const o = await app.request('POST', '/fhir/Observation', anObservation(p.json.id));
  assert.equal(o.status, 201, o.text);
  const patched = await app.request(
    'PATCH',
    `/fhir/Observation/${o.json.id}`,
    [{ op: 'replace', path: '/subject/reference', value: 'Patient/missing-3' }],
    { 'content-type': 'application/json-patch+json' },
  );
  assert.equal(patched.status, 422);
  assert.equal((await app.request('GET', `/fhir/Observation/${o.json.id}`)).json.meta.versionId, '1');

  // A deleted target is as good as absent.
  const gone = await app.request('POST', '/fhir/Patient', aPatient());
  assert.equal((await app.request('DELETE', `/fhir/Patient/${gone.json.id}`)).status, 200);
  assert.equal((await app.request('POST', '/fhir/Observation', anObservation(gone.json.id))).status, 422);
});

test('deleting a referenced Patient is refused until what refers to it is gone; its Person does not hold it back', async () => {
  const p = await app.request('POST', '/fhir/Patient', aPatient({ birthDate: '1990-09-09' }));
  const o = await app.request('POST', '/fhir/Observation', anObservation(p.json.id));
  const refused = await app.request('DELETE', `/fhir/Patient/${p.json.id}`);
  assert.equal(refused.status, 409, refused.text);
  assert.equal(code(refused), 'reference.in-use');
  assert.equal((await app.request('GET', `/fhir/Patient/${p.json.id}`)).status, 200, 'still there');

  assert.equal((await app.request('DELETE', `/fhir/Observation/${o.json.id}`)).status, 200);
  const deleted = await app.request('DELETE', `/fhir/Patient/${p.json.id}`);
  assert.equal(deleted.status, 200, deleted.text);
});

test('in a transaction bundle, entries may refer to each other in any order; a dangling one fails the whole bundle', async () => {
  const ok = await app.request('POST', '/fhir', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        resource: { ...anObservation('tx-p1'), id: 'tx-o1' },
        request: { method: 'PUT', url: 'Observation/tx-o1' },
      },
      { resource: { ...aPatient(), id: 'tx-p1' }, request: { method: 'PUT', url: 'Patient/tx-p1' } },
    ],
  });
  assert.equal(ok.status, 200, ok.text);

  const bad = await app.request('POST', '/fhir', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: { ...aPatient(), id: 'tx-p2' }, request: { method: 'PUT', url: 'Patient/tx-p2' } },
      {
        resource: { ...anObservation('tx-missing'), id: 'tx-o2' },
        request: { method: 'PUT', url: 'Observation/tx-o2' },
      },
    ],
  });
  assert.equal(bad.status, 422, bad.text);
  assert.equal((await app.request('GET', '/fhir/Patient/tx-p2')).status, 404, 'no entry of a failed bundle lands');

  // Deleting the Patient and what refers to it in one bundle is allowed.
  const both = await app.request('POST', '/fhir', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { request: { method: 'DELETE', url: 'Patient/tx-p1' } },
      { request: { method: 'DELETE', url: 'Observation/tx-o1' } },
    ],
  });
  assert.equal(both.status, 200, both.text);
});

test('feeds may send a reference before what it names: the store alone does not refuse it', async () => {
  await app.fhir.store.transaction(async (tx) => {
    await tx.upsertMany([{ ...anObservation('feed-later'), id: 'feed-o1' } as never]);
  });
  assert.equal((await app.request('GET', '/fhir/Observation/feed-o1')).status, 200);
});
