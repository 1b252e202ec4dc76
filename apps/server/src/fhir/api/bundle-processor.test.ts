import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aPatient, anObservation, createTestApp, type TestApp } from '../../test-support/test-app.ts';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
let app: TestApp;
let base: string;
let nextNumber = 9000000000;

before(async () => {
  app = await createTestApp();
  base = `${app.fhir.config.baseUrl}/fhir`;
});
after(async () => {
  await app.close();
});

/** A Patient with an NHS number of its own, so that conditional searches in one test do not see another's. */
function uniquePatient(fields: Record<string, unknown> = {}) {
  const value = String(nextNumber++);
  return { patient: aPatient({ identifier: [{ system: NHS, value }], ...fields }), identifier: `${NHS}|${value}` };
}

function transaction(...entry: unknown[]) {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

function post(resource: Record<string, unknown>, fullUrl?: string, extra: Record<string, unknown> = {}) {
  return {
    ...(fullUrl ? { fullUrl } : {}),
    resource,
    request: { method: 'POST', url: String(resource.resourceType), ...extra },
  };
}

async function count(type: string, query = ''): Promise<number> {
  const res = await app.request('GET', `/fhir/${type}?${query}${query ? '&' : ''}_summary=count`);
  assert.equal(res.status, 200, res.text);
  return res.json.total as number;
}

async function historyLength(): Promise<number> {
  const res = await app.request('GET', '/fhir/_history?_count=1000');
  assert.equal(res.status, 200, res.text);
  return (res.json.entry ?? []).length as number;
}

function idOf(location: string): string {
  return location.split('/')[1]!;
}

describe('transaction', () => {
  test('resolves urn:uuid references at any depth and answers in request order', async () => {
    const { patient } = uniquePatient();
    const observation = anObservation('x', {
      subject: { reference: 'urn:uuid:11111111-1111-1111-1111-111111111111' },
      extension: [
        {
          url: 'https://example.org/fhir/StructureDefinition/about',
          valueReference: { reference: 'urn:uuid:11111111-1111-1111-1111-111111111111' },
        },
      ],
    });
    const res = await app.request(
      'POST',
      '/fhir',
      transaction(
        post(observation, 'urn:uuid:22222222-2222-2222-2222-222222222222'),
        post(patient, 'urn:uuid:11111111-1111-1111-1111-111111111111'),
      ),
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.type, 'transaction-response');
    const [obsEntry, patEntry] = res.json.entry;
    assert.equal(obsEntry.response.status, '201 Created');
    assert.equal(patEntry.response.status, '201 Created');
    assert.match(obsEntry.response.location, /^Observation\/[^/]+\/_history\/1$/);
    assert.match(patEntry.response.location, /^Patient\/[^/]+\/_history\/1$/);
    assert.equal(obsEntry.response.etag, 'W/"1"');
    assert.match(obsEntry.response.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(obsEntry.response.lastModified, patEntry.response.lastModified);
    const patientId = idOf(patEntry.response.location);
    assert.notEqual(patientId, '11111111-1111-1111-1111-111111111111');
    assert.equal(patEntry.fullUrl, `${base}/Patient/${patientId}`);
    assert.equal(obsEntry.resource.subject.reference, `Patient/${patientId}`);
    assert.equal(obsEntry.resource.extension[0].valueReference.reference, `Patient/${patientId}`);

    const stored = await app.request('GET', `/fhir/${obsEntry.response.location.replace(/\/_history\/1$/, '')}`);
    assert.equal(stored.json.subject.reference, `Patient/${patientId}`);
    assert.equal(await count('Observation', `patient=${patientId}`), 1);
  });

  test('an unresolvable urn:uuid reference fails the transaction, naming the entry', async () => {
    const res = await app.request(
      'POST',
      '/fhir',
      transaction(
        post(anObservation('x', { subject: { reference: 'urn:uuid:0000dead-0000-0000-0000-000000000000' } })),
      ),
    );
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.json.issue[0].expression.slice(0, 1), ['Bundle.entry[0]']);
  });

  test('resolves conditional references by search, and fails with 412 when they match none', async () => {
    const { patient, identifier } = uniquePatient();
    const created = await app.request('POST', '/fhir/Patient', patient);
    assert.equal(created.status, 201, created.text);
    const ok = await app.request(
      'POST',
      '/fhir',
      transaction(post(anObservation('x', { subject: { reference: `Patient?identifier=${identifier}` } }))),
    );
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.entry[0].resource.subject.reference, `Patient/${created.json.id}`);

    const before = await count('Observation');
    const missing = await app.request(
      'POST',
      '/fhir',
      transaction(
        post(anObservation(created.json.id)),
        post(anObservation('x', { subject: { reference: `Patient?identifier=${NHS}|0000000000` } })),
      ),
    );
    assert.equal(missing.status, 412, missing.text);
    assert.equal(missing.json.issue[0].expression[0], 'Bundle.entry[1]');
    assert.match(missing.json.issue[0].diagnostics, /Bundle\.entry\[1\]/);
    assert.equal(await count('Observation'), before);
  });

  test('conditional create: an existing match is 200, the same condition twice makes one resource', async () => {
    const { patient, identifier } = uniquePatient();
    const twice = await app.request(
      'POST',
      '/fhir',
      transaction(
        post(patient, 'urn:uuid:a0000000-0000-0000-0000-000000000001', { ifNoneExist: `identifier=${identifier}` }),
        post(patient, 'urn:uuid:a0000000-0000-0000-0000-000000000002', { ifNoneExist: `identifier=${identifier}` }),
        post(anObservation('x', { subject: { reference: 'urn:uuid:a0000000-0000-0000-0000-000000000001' } })),
        post(anObservation('x', { subject: { reference: 'urn:uuid:a0000000-0000-0000-0000-000000000002' } })),
        post(anObservation('x', { subject: { reference: `Patient?identifier=${identifier}` } })),
      ),
    );
    assert.equal(twice.status, 200, twice.text);
    const [first, second, o1, o2, o3] = twice.json.entry;
    assert.equal(first.response.status, '201 Created');
    assert.equal(second.response.status, '200 OK');
    assert.equal(first.response.location, second.response.location);
    const id = idOf(first.response.location);
    for (const o of [o1, o2, o3]) assert.equal(o.resource.subject.reference, `Patient/${id}`);
    assert.equal(await count('Patient', `identifier=${identifier}`), 1);

    const again = await app.request(
      'POST',
      '/fhir',
      transaction(
        post(patient, 'urn:uuid:b0000000-0000-0000-0000-000000000001', { ifNoneExist: `identifier=${identifier}` }),
        post(anObservation('x', { subject: { reference: 'urn:uuid:b0000000-0000-0000-0000-000000000001' } })),
      ),
    );
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.entry[0].response.status, '200 OK');
    assert.equal(again.json.entry[0].response.location, `Patient/${id}/_history/1`);
    assert.equal(again.json.entry[0].resource.id, id);
    assert.equal(again.json.entry[1].resource.subject.reference, `Patient/${id}`);
    assert.equal(await count('Patient', `identifier=${identifier}`), 1);
  });

  test('processes DELETE, POST, PUT, GET in that order and answers in request order', async () => {
    const a = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const b = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const { patient } = uniquePatient();
    const res = await app.request(
      'POST',
      '/fhir',
      transaction(
        { request: { method: 'GET', url: `Patient/${a.json.id}` } },
        { request: { method: 'GET', url: `Patient?_id=${b.json.id}` } },
        { resource: { ...a.json, gender: 'other' }, request: { method: 'PUT', url: `Patient/${a.json.id}` } },
        post(patient, 'urn:uuid:c0000000-0000-0000-0000-000000000001'),
        { request: { method: 'DELETE', url: `Patient/${b.json.id}` } },
      ),
    );
    assert.equal(res.status, 200, res.text);
    const [readA, searchB, putA, postC, deleteB] = res.json.entry;
    assert.equal(readA.response.status, '200 OK');
    assert.equal(readA.resource.gender, 'other', 'the GET sees the PUT');
    assert.equal(readA.resource.meta.versionId, '2');
    assert.equal(searchB.resource.resourceType, 'Bundle');
    assert.equal(searchB.resource.entry?.length ?? 0, 0, 'the search sees the DELETE');
    assert.equal(putA.response.status, '200 OK');
    assert.equal(putA.response.location, `Patient/${a.json.id}/_history/2`);
    assert.equal(putA.response.etag, 'W/"2"');
    assert.equal(postC.response.status, '201 Created');
    assert.equal(deleteB.response.status, '204 No Content');
    assert.equal((await app.request('GET', `/fhir/Patient/${b.json.id}`)).status, 410);
  });

  test('a transaction whose last entry fails leaves nothing behind', async () => {
    const existing = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const victim = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const stale = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const { patient, identifier } = uniquePatient();
    const writes = [
      post(patient, 'urn:uuid:d0000000-0000-0000-0000-000000000001', { ifNoneExist: `identifier=${identifier}` }),
      post(anObservation('x', { subject: { reference: 'urn:uuid:d0000000-0000-0000-0000-000000000001' } })),
      {
        resource: { ...existing.json, gender: 'other' },
        request: { method: 'PUT', url: `Patient/${existing.json.id}` },
      },
      { request: { method: 'DELETE', url: `Patient/${victim.json.id}` } },
    ];
    const failures: [unknown, number][] = [
      // Not the type its URL names.
      [{ resource: anObservation('x'), request: { method: 'POST', url: 'Patient' } }, 400],
      // A stale version.
      [
        {
          resource: { ...stale.json, gender: 'unknown' },
          request: { method: 'PUT', url: `Patient/${stale.json.id}`, ifMatch: 'W/"7"' },
        },
        412,
      ],
      // Written twice.
      [{ request: { method: 'DELETE', url: `Patient/${victim.json.id}` } }, 400],
    ];
    for (const [failing, status] of failures) {
      const historyBefore = await historyLength();
      const patientsBefore = await count('Patient');
      const observationsBefore = await count('Observation');
      const res = await app.request('POST', '/fhir', transaction(...writes, failing));
      assert.equal(res.status, status, res.text);
      assert.equal(res.json.resourceType, 'OperationOutcome');
      assert.equal(res.json.issue[0].expression[0], 'Bundle.entry[4]', res.text);
      assert.match(res.json.issue[0].diagnostics, /Bundle\.entry\[4\]/);
      assert.equal(await historyLength(), historyBefore);
      assert.equal(await count('Patient'), patientsBefore);
      assert.equal(await count('Observation'), observationsBefore);
      assert.equal(await count('Patient', `identifier=${identifier}`), 0);
      const current = await app.request('GET', `/fhir/Patient/${existing.json.id}`);
      assert.equal(current.json.meta.versionId, '1');
      assert.equal((await app.request('GET', `/fhir/Patient/${victim.json.id}`)).status, 200);
    }
  });

  test('If-Match inside a transaction', async () => {
    const created = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const res = await app.request(
      'POST',
      '/fhir',
      transaction({
        resource: { ...created.json, gender: 'male' },
        request: { method: 'PUT', url: `Patient/${created.json.id}`, ifMatch: 'W/"1"' },
      }),
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.entry[0].response.etag, 'W/"2"');
    const stale = await app.request(
      'POST',
      '/fhir',
      transaction({
        resource: { ...created.json, gender: 'female' },
        request: { method: 'PUT', url: `Patient/${created.json.id}`, ifMatch: 'W/"1"' },
      }),
    );
    assert.equal(stale.status, 412, stale.text);
    assert.equal(stale.json.issue[0].expression[0], 'Bundle.entry[0]');
  });

  test('conditional update, conditional delete and PATCH inside a transaction', async () => {
    const { patient, identifier } = uniquePatient();
    const created = await app.request('POST', '/fhir/Patient', patient);
    const other = uniquePatient();
    const patch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'unknown' }])).toString(
      'base64',
    );
    const doomed = await app.request('POST', '/fhir/Patient', uniquePatient({ gender: 'male' }).patient);
    const doomedIdentifier = `${NHS}|${doomed.json.identifier[0].value}`;
    const res = await app.request(
      'POST',
      '/fhir',
      transaction(
        {
          fullUrl: 'urn:uuid:e0000000-0000-0000-0000-000000000001',
          resource: { ...patient, gender: 'other' },
          request: { method: 'PUT', url: `Patient?identifier=${identifier}` },
        },
        {
          fullUrl: 'urn:uuid:e0000000-0000-0000-0000-000000000002',
          resource: other.patient,
          request: { method: 'PUT', url: `Patient?identifier=${other.identifier}` },
        },
        post(anObservation('x', { subject: { reference: 'urn:uuid:e0000000-0000-0000-0000-000000000001' } })),
        post(anObservation('x', { subject: { reference: 'urn:uuid:e0000000-0000-0000-0000-000000000002' } })),
        { request: { method: 'DELETE', url: `Patient?identifier=${doomedIdentifier}` } },
        {
          resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch },
          request: { method: 'PATCH', url: `Patient/${created.json.id}/` },
        },
      ),
    );
    // The PUT and the PATCH both write the first Patient.
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.issue[0].expression[0], 'Bundle.entry[5]');

    const ok = await app.request(
      'POST',
      '/fhir',
      transaction(
        {
          fullUrl: 'urn:uuid:e0000000-0000-0000-0000-000000000001',
          resource: { ...patient, gender: 'other' },
          request: { method: 'PUT', url: `Patient?identifier=${identifier}` },
        },
        {
          fullUrl: 'urn:uuid:e0000000-0000-0000-0000-000000000002',
          resource: other.patient,
          request: { method: 'PUT', url: `Patient?identifier=${other.identifier}` },
        },
        post(anObservation('x', { subject: { reference: 'urn:uuid:e0000000-0000-0000-0000-000000000001' } })),
        post(anObservation('x', { subject: { reference: 'urn:uuid:e0000000-0000-0000-0000-000000000002' } })),
        { request: { method: 'DELETE', url: `Patient?identifier=${doomedIdentifier}` } },
      ),
    );
    assert.equal(ok.status, 200, ok.text);
    const [updated, createdByPut, o1, o2, deleted] = ok.json.entry;
    assert.equal(updated.response.status, '200 OK');
    assert.equal(updated.response.location, `Patient/${created.json.id}/_history/2`);
    assert.equal(createdByPut.response.status, '201 Created');
    const newId = idOf(createdByPut.response.location);
    assert.equal(o1.resource.subject.reference, `Patient/${created.json.id}`);
    assert.equal(o2.resource.subject.reference, `Patient/${newId}`);
    assert.equal(deleted.response.status, '204 No Content');
    assert.equal((await app.request('GET', `/fhir/Patient/${doomed.json.id}`)).status, 410);

    const patched = await app.request(
      'POST',
      '/fhir',
      transaction({
        resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch },
        request: { method: 'PATCH', url: `Patient/${created.json.id}`, ifMatch: 'W/"2"' },
      }),
    );
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.entry[0].resource.gender, 'unknown');
    assert.equal(patched.json.entry[0].response.etag, 'W/"3"');
  });

  test('concurrent transactions with the same conditional create make one resource', async () => {
    const { patient, identifier } = uniquePatient();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.request(
          'POST',
          '/fhir',
          transaction(
            post(patient, 'urn:uuid:f0000000-0000-0000-0000-000000000001', { ifNoneExist: `identifier=${identifier}` }),
            post(
              anObservation('x', {
                subject: { reference: 'urn:uuid:f0000000-0000-0000-0000-000000000001' },
                id: String(i),
              }),
            ),
          ),
        ),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, r.text);
    const statuses = results.map((r) => r.json.entry[0].response.status as string).sort();
    assert.deepEqual(
      statuses,
      ['200 OK', ...new Array<string>(19).fill('200 OK')].map((s, i) => (i === 0 ? '201 Created' : s)).sort(),
    );
    assert.equal(await count('Patient', `identifier=${identifier}`), 1);
    const ids = new Set(results.map((r) => r.json.entry[1].resource.subject.reference as string));
    assert.equal(ids.size, 1);
  });

  test('urn:oid fullUrls resolve too; a FHIRPath Patch (Parameters) entry is 501', async () => {
    const oid = 'urn:oid:1.2.826.0.1.3680043.2.1125.99';
    const res = await app.request(
      'POST',
      '/fhir',
      transaction(post(uniquePatient().patient, oid), post(anObservation('x', { subject: { reference: oid } }))),
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(
      res.json.entry[1].resource.subject.reference,
      res.json.entry[0].response.location.replace(/\/_history\/1$/, ''),
    );
    const created = await app.request('POST', '/fhir/Patient', uniquePatient().patient);
    const fhirpathPatch = await app.request(
      'POST',
      '/fhir',
      transaction({
        resource: { resourceType: 'Parameters', parameter: [{ name: 'operation' }] },
        request: { method: 'PATCH', url: `Patient/${created.json.id}` },
      }),
    );
    assert.equal(fhirpathPatch.status, 501, fhirpathPatch.text);
    assert.equal(fhirpathPatch.json.issue[0].expression[0], 'Bundle.entry[0]');
  });

  test('Prefer: return=minimal leaves the resources out', async () => {
    const res = await app.request('POST', '/fhir', transaction(post(uniquePatient().patient)), {
      prefer: 'return=minimal',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.entry[0].resource, undefined);
    assert.match(res.json.entry[0].response.location, /^Patient\//);
  });

  test('request.url: the server base is accepted, other absolute URLs are not', async () => {
    const own = await app.request(
      'POST',
      '/fhir',
      transaction({ ...post(uniquePatient().patient), request: { method: 'POST', url: `${base}/Patient` } }),
    );
    assert.equal(own.status, 200, own.text);
    const foreign = await app.request(
      'POST',
      '/fhir',
      transaction({
        resource: uniquePatient().patient,
        request: { method: 'POST', url: 'https://elsewhere.example.org/fhir/Patient' },
      }),
    );
    assert.equal(foreign.status, 400, foreign.text);
    assert.equal(foreign.json.issue[0].expression[0], 'Bundle.entry[0]');
  });
});

describe('bundle checks', () => {
  test('only batch and transaction Bundles are processed', async () => {
    assert.equal(
      (await app.request('POST', '/fhir', { resourceType: 'Bundle', type: 'collection', entry: [] })).status,
      400,
    );
    assert.equal((await app.request('POST', '/fhir', aPatient())).status, 400);
    const empty = await app.request('POST', '/fhir', transaction());
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.json.entry, []);
  });

  test('an entry without request or method is 400', async () => {
    const noRequest = await app.request('POST', '/fhir', transaction({ resource: aPatient() }));
    assert.equal(noRequest.status, 400);
    assert.equal(noRequest.json.issue[0].expression[0], 'Bundle.entry[0]');
    const noMethod = await app.request(
      'POST',
      '/fhir',
      transaction(post(aPatient()), { resource: aPatient(), request: { url: 'Patient' } }),
    );
    assert.equal(noMethod.status, 400);
    assert.equal(noMethod.json.issue[0].expression[0], 'Bundle.entry[1]');
    const batch = await app.request('POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: aPatient() }],
    });
    assert.equal(batch.status, 200);
    assert.equal(batch.json.entry[0].response.status, '400 Bad Request');
  });

  test('more than 10,000 entries is 413', async () => {
    const entry = Array.from({ length: 10_001 }, () => ({ request: { method: 'GET', url: 'metadata' } }));
    const res = await app.request('POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry });
    assert.equal(res.status, 413, res.text);
  });
});

describe('batch', () => {
  test('entries succeed and fail independently', async () => {
    const { patient } = uniquePatient();
    const before = await count('Patient');
    const res = await app.request('POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        post(patient, 'urn:uuid:10000000-0000-0000-0000-000000000001'),
        { resource: anObservation('x'), request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        post(uniquePatient().patient),
        { request: { method: 'GET', url: 'metadata' } },
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.type, 'batch-response');
    const statuses = res.json.entry.map((e: { response: { status: string } }) => e.response.status);
    assert.deepEqual(statuses, ['201 Created', '400 Bad Request', '404 Not Found', '201 Created', '200 OK']);
    assert.equal(res.json.entry[1].response.outcome.resourceType, 'OperationOutcome');
    assert.equal(res.json.entry[2].response.outcome.issue[0].code, 'not-found');
    assert.match(res.json.entry[0].response.location, /^Patient\/[^/]+\/_history\/1$/);
    assert.equal(res.json.entry[4].resource.resourceType, 'CapabilityStatement');
    assert.equal(await count('Patient'), before + 2);
  });
});
