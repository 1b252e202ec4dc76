import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aPatient, anObservation, createTestApp, type TestApp } from '../../test-support/test-app.ts';

let app: TestApp;
before(async () => {
  app = await createTestApp({ env: { JOINEDUP_MAX_BODY_BYTES: String(256 * 1024) } });
});
after(() => app.close());

function assertOutcome(res: { status: number; json: any }, status: number, pattern?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.json));
  assert.equal(res.json?.resourceType, 'OperationOutcome');
  if (pattern) assert.match(JSON.stringify(res.json.issue), pattern);
}

describe('create, read and vread', () => {
  test('create sets id, versionId and lastUpdated, and returns Location and ETag', async () => {
    const res = await app.request('POST', '/fhir/Patient', { ...aPatient(), id: 'client-id-ignored' });
    assert.equal(res.status, 201);
    assert.notEqual(res.json.id, 'client-id-ignored');
    assert.equal(res.json.meta.versionId, '1');
    assert.match(res.json.meta.lastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(res.headers.etag, 'W/"1"');
    assert.equal(res.headers.location, `http://127.0.0.1:8080/fhir/Patient/${res.json.id}/_history/1`);
    assert.match(String(res.headers['content-type']), /application\/fhir\+json/);

    const read = await app.request('GET', `/fhir/Patient/${res.json.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.json, res.json);
    assert.equal(read.headers.etag, 'W/"1"');
    assert.ok(read.headers['last-modified']);
  });

  test('read answers 304 to a matching If-None-Match or a later If-Modified-Since', async () => {
    const { json } = await app.request('POST', '/fhir/Patient', aPatient());
    const url = `/fhir/Patient/${json.id}`;
    assert.equal((await app.request('GET', url, undefined, { 'if-none-match': 'W/"1"' })).status, 304);
    assert.equal((await app.request('GET', url, undefined, { 'if-none-match': 'W/"2"' })).status, 200);
    const later = new Date(Date.now() + 60_000).toUTCString();
    const earlier = new Date(Date.now() - 3_600_000).toUTCString();
    assert.equal((await app.request('GET', url, undefined, { 'if-modified-since': later })).status, 304);
    assert.equal((await app.request('GET', url, undefined, { 'if-modified-since': earlier })).status, 200);
  });

  test('vread returns each version exactly as it was written', async () => {
    const v1 = await app.request('POST', '/fhir/Patient', aPatient());
    const v2 = await app.request('PUT', `/fhir/Patient/${v1.json.id}`, { ...v1.json, gender: 'other' });
    assert.equal(v2.status, 200);
    assert.equal(v2.json.meta.versionId, '2');
    const old = await app.request('GET', `/fhir/Patient/${v1.json.id}/_history/1`);
    assert.equal(old.text, v1.text);
    const cur = await app.request('GET', `/fhir/Patient/${v1.json.id}/_history/2`);
    assert.equal(cur.text, v2.text);
    assertOutcome(await app.request('GET', `/fhir/Patient/${v1.json.id}/_history/3`), 404);
    assertOutcome(await app.request('GET', `/fhir/Patient/${v1.json.id}/_history/x`), 404);
  });

  test('an unknown id is 404 and an invalid id is 400', async () => {
    assertOutcome(await app.request('GET', '/fhir/Patient/does-not-exist'), 404);
    assertOutcome(await app.request('GET', `/fhir/Patient/${'x'.repeat(65)}`), 400);
    assertOutcome(await app.request('GET', '/fhir/Patient/a_b'), 400);
  });
});

describe('update', () => {
  test('update-as-create with a client-chosen id gives 201, then updates give 200', async () => {
    const first = await app.request('PUT', '/fhir/Patient/client-chosen-1', { ...aPatient(), id: 'client-chosen-1' });
    assert.equal(first.status, 201);
    assert.equal(first.json.meta.versionId, '1');
    const second = await app.request('PUT', '/fhir/Patient/client-chosen-1', { ...aPatient(), id: 'client-chosen-1' });
    assert.equal(second.status, 200);
    assert.equal(second.json.meta.versionId, '2');
  });

  test('a stale If-Match is 412 and changes nothing', async () => {
    const { json } = await app.request('POST', '/fhir/Patient', aPatient());
    await app.request('PUT', `/fhir/Patient/${json.id}`, { ...json, gender: 'male' }, { 'if-match': 'W/"1"' });
    const stale = await app.request(
      'PUT',
      `/fhir/Patient/${json.id}`,
      { ...json, gender: 'other' },
      { 'if-match': 'W/"1"' },
    );
    assertOutcome(stale, 412);
    const now = await app.request('GET', `/fhir/Patient/${json.id}`);
    assert.equal(now.json.gender, 'male');
    assert.equal(now.json.meta.versionId, '2');
    assertOutcome(await app.request('PUT', `/fhir/Patient/${json.id}`, json, { 'if-match': 'nonsense' }), 400);
  });

  test('a body whose id or resourceType disagrees with the URL is 400', async () => {
    const { json } = await app.request('POST', '/fhir/Patient', aPatient());
    assertOutcome(
      await app.request('PUT', `/fhir/Patient/${json.id}`, { ...json, id: 'other' }),
      400,
      /does not match/,
    );
    assertOutcome(await app.request('PUT', `/fhir/Patient/${json.id}`, { ...aPatient() }), 400, /no id/);
    assertOutcome(await app.request('POST', '/fhir/Observation', aPatient()), 400, /resourceType/);
  });

  test('JSON Patch updates a resource and respects If-Match', async () => {
    const { json } = await app.request('POST', '/fhir/Patient', aPatient());
    const ops = [{ op: 'replace', path: '/gender', value: 'male' }];
    const headers = { 'content-type': 'application/json-patch+json' };
    const res = await app.request('PATCH', `/fhir/Patient/${json.id}`, JSON.stringify(ops), headers);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.gender, 'male');
    assert.equal(res.json.meta.versionId, '2');
    const stale = await app.request('PATCH', `/fhir/Patient/${json.id}`, JSON.stringify(ops), {
      ...headers,
      'if-match': 'W/"1"',
    });
    assertOutcome(stale, 412);
    const bad = [{ op: 'remove', path: '/nonexistent' }];
    assertOutcome(await app.request('PATCH', `/fhir/Patient/${json.id}`, JSON.stringify(bad), headers), 400);
    const idChange = [{ op: 'replace', path: '/id', value: 'x' }];
    assertOutcome(await app.request('PATCH', `/fhir/Patient/${json.id}`, JSON.stringify(idChange), headers), 400);
    const invalid = [{ op: 'replace', path: '/gender', value: 42 }];
    assertOutcome(await app.request('PATCH', `/fhir/Patient/${json.id}`, JSON.stringify(invalid), headers), 400);
    assert.equal((await app.request('GET', `/fhir/Patient/${json.id}`)).json.meta.versionId, '2');
  });
});

describe('delete', () => {
  test('a deleted resource reads as 410 Gone and keeps its history', async () => {
    const { json } = await app.request('POST', '/fhir/Patient', aPatient());
    const del = await app.request('DELETE', `/fhir/Patient/${json.id}`);
    assert.equal(del.status, 200);
    assertOutcome(await app.request('GET', `/fhir/Patient/${json.id}`), 410);
    const hist = await app.request('GET', `/fhir/Patient/${json.id}/_history`);
    assert.equal(hist.json.entry.length, 2);
    assert.equal(hist.json.entry[0].request.method, 'DELETE');
    assert.equal((await app.request('DELETE', `/fhir/Patient/${json.id}`)).status, 200);
    assertOutcome(await app.request('GET', `/fhir/Patient/${json.id}/_history/2`), 410);
    const revived = await app.request('PUT', `/fhir/Patient/${json.id}`, json);
    assert.equal(revived.status, 201);
    assert.equal(revived.json.meta.versionId, '3');
  });
});

describe('history', () => {
  test('instance, type and system history with _count paging and _since', async () => {
    // A person of their own: the index rewrites a Person whenever its best record changes, and the other tests'
    // patients share aPatient()'s NHS number, so which record is best among them would depend on random ids.
    const p = await app.request(
      'POST',
      '/fhir/Patient',
      aPatient({
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000026' }],
        name: [{ family: 'Historia', given: ['Vera'] }],
      }),
    );
    const start = new Date().toISOString();
    for (let i = 0; i < 5; i++) {
      await app.request('PUT', `/fhir/Patient/${p.json.id}`, { ...p.json, birthDate: `19${70 + i}-01-01` });
    }
    await app.request('POST', '/fhir/Observation', anObservation(p.json.id));
    const instance = await app.request('GET', `/fhir/Patient/${p.json.id}/_history?_count=4`);
    assert.deepEqual(
      instance.json.entry.map((e: any) => e.resource.meta.versionId),
      ['6', '5', '4', '3'],
    );
    const next = instance.json.link.find((l: any) => l.relation === 'next').url.replace('http://127.0.0.1:8080', '');
    const page2 = await app.request('GET', next);
    assert.deepEqual(
      page2.json.entry.map((e: any) => e.resource.meta.versionId),
      ['2', '1'],
    );
    assert.equal(
      page2.json.link.find((l: any) => l.relation === 'next'),
      undefined,
    );

    const since = await app.request('GET', `/fhir/Patient/${p.json.id}/_history?_since=${encodeURIComponent(start)}`);
    assert.equal(since.json.entry.length, 5);
    const type = await app.request('GET', `/fhir/Observation/_history?_since=${encodeURIComponent(start)}`);
    assert.equal(type.json.entry.length, 1);
    const system = await app.request('GET', `/fhir/_history?_since=${encodeURIComponent(start)}`);
    // Six writes, and the five versions of the Person the index rewrote as the birth date changed.
    assert.deepEqual(system.json.entry.map((e: any) => e.resource.resourceType).sort(), [
      'Observation',
      ...Array(5).fill('Patient'),
      ...Array(5).fill('Person'),
    ]);
    // `_since` is inclusive: the version made at exactly that instant is in.
    const latest = instance.json.entry[0].resource.meta.lastUpdated;
    const atLatest = await app.request(
      'GET',
      `/fhir/Patient/${p.json.id}/_history?_since=${encodeURIComponent(latest)}`,
    );
    assert.deepEqual(
      atLatest.json.entry.map((e: any) => e.resource.meta.versionId),
      ['6'],
    );
    assertOutcome(await app.request('GET', '/fhir/_history?_since=yesterday'), 400);
    assertOutcome(await app.request('GET', '/fhir/_history?_cursor=garbage'), 400);
  });
});

describe('bad input', () => {
  test('malformed JSON, wrong content type, oversized body', async () => {
    assertOutcome(await app.request('POST', '/fhir/Patient', '{"resourceType": "Patient",'), 400);
    assertOutcome(
      await app.request('POST', '/fhir/Patient', 'resourceType=Patient', { 'content-type': 'text/plain' }),
      415,
    );
    const huge = {
      ...aPatient(),
      text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(300_000)}</div>` },
    };
    assertOutcome(await app.request('POST', '/fhir/Patient', huge), 413);
    assertOutcome(await app.request('POST', '/fhir/Patient', '{"resourceType":"Patient","__proto__":{"x":1}}'), 400);
    assertOutcome(await app.request('POST', '/fhir/Patient', '[1,2]'), 400);
  });

  test('structurally invalid resources are rejected with every issue and nothing is written', async () => {
    const before = await app.request('GET', '/fhir/Patient/_history?_count=1000');
    const res = await app.request('POST', '/fhir/Patient', {
      resourceType: 'Patient',
      gender: 42,
      birthDate: 'not-a-date',
      unknownField: true,
    });
    assertOutcome(res, 400);
    assert.ok(res.json.issue.length >= 3, JSON.stringify(res.json));
    const afterwards = await app.request('GET', '/fhir/Patient/_history?_count=1000');
    assert.equal(afterwards.json.entry.length, before.json.entry.length);
  });

  test('unknown types are 404, unsupported operations 501, wrong methods 405', async () => {
    assertOutcome(await app.request('GET', '/fhir/NotAType/1'), 404);
    assertOutcome(await app.request('GET', '/fhir/Patient/1/$unknown-op'), 501);
    assertOutcome(await app.request('POST', '/fhir/Patient/1', aPatient()), 405);
    assertOutcome(await app.request('DELETE', '/fhir/metadata'), 405);
  });

  test('_format other than JSON is 406; _pretty indents', async () => {
    assertOutcome(await app.request('GET', '/fhir/metadata?_format=xml'), 406);
    const pretty = await app.request('GET', '/fhir/metadata?_pretty=true');
    assert.match(pretty.text, /\n {2}"resourceType"/);
    const plain = await app.request('GET', '/fhir/metadata?_format=json');
    assert.doesNotMatch(plain.text, /\n/);
  });

  test('errors never leak internals', async () => {
    for (const url of [
      "/fhir/Patient/1'%20OR%201=1--",
      "/fhir/Patient?name='%20OR%201=1--",
      '/fhir/Patient?birthdate=ge%27x',
    ]) {
      const res = await app.request('GET', url);
      assert.ok([200, 400, 404].includes(res.status), url);
      assert.doesNotMatch(res.text, /syntax error|SELECT |FROM |sp_|\.ts:\d|node_modules/, url);
    }
  });
});

describe('metadata', () => {
  test('the CapabilityStatement lists every resource type with its search parameters', async () => {
    const res = await app.request('GET', '/fhir/metadata');
    assert.equal(res.json.fhirVersion, '4.0.1');
    const types = res.json.rest[0].resource.map((r: any) => r.type);
    assert.ok(types.includes('Patient') && types.includes('Observation') && types.length > 140);
    const obs = res.json.rest[0].resource.find((r: any) => r.type === 'Observation');
    const names = obs.searchParam.map((p: any) => p.name);
    for (const n of ['code', 'patient', 'date', 'value-quantity', 'code-value-quantity', '_lastUpdated']) {
      assert.ok(names.includes(n), n);
    }
  });
});
