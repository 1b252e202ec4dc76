import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, aPatient, type TestApp } from '../../test-support/test-app.ts';

let app: TestApp;
before(async () => {
  app = await createTestApp();
});
after(async () => {
  await app.close();
});

const ndjson = (lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
const post = (body: string, query = '') =>
  app.request('POST', `/fhir/$import${query}`, body, { 'content-type': 'application/fhir+ndjson' });

test('good lines are stored, bad lines are rejected one by one with their line number and reason', async () => {
  const lines = [
    aPatient({ id: 'imp-1' }),
    '{not json',
    {
      resourceType: 'Observation',
      id: 'imp-obs-1',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/imp-1' },
    },
    { resourceType: 'Observation', id: 'imp-obs-2', code: { text: 'no status' } },
    '',
    { resourceType: 'NoSuchType', id: 'x' },
    [1, 2],
    aPatient({ id: 'imp-2', birthDate: 'yesterday' }),
    aPatient({ id: 'imp-3' }),
  ];
  const res = await post(ndjson(lines), '?source=RXX');
  assert.equal(res.status, 200);
  const issues = res.json.issue as { severity: string; diagnostics: string; expression?: string[] }[];
  assert.equal(issues[0]!.diagnostics, 'Read 8 resources; stored 3; rejected 5');
  assert.deepEqual(
    issues.slice(1).map((i) => i.expression?.[0]),
    ['line 2', 'line 4', 'line 6', 'line 7', 'line 8'],
  );
  assert.match(issues[1]!.diagnostics, /not JSON/);
  assert.match(issues[2]!.diagnostics, /Observation\/imp-obs-2/);
  const stored = await app.request('GET', '/fhir/Observation/imp-obs-1');
  assert.equal(stored.status, 200);
  assert.equal(stored.json.meta.source, 'RXX');
  assert.equal((await app.request('GET', '/fhir/Patient/imp-2')).status, 404);
  const search = await app.request('GET', '/fhir/Observation?patient=imp-1');
  assert.equal(search.json.entry.length, 1);
});

test('importing the same lines again makes new versions, not new resources; a line repeated in one file is applied in order', async () => {
  const lines = ndjson([
    aPatient({ id: 'imp-again', gender: 'male' }),
    aPatient({ id: 'imp-again', gender: 'female' }),
  ]);
  assert.equal((await post(lines)).json.issue[0].diagnostics, 'Read 2 resources; stored 2; rejected 0');
  assert.equal((await post(lines)).json.issue[0].diagnostics, 'Read 2 resources; stored 2; rejected 0');
  const read = await app.request('GET', '/fhir/Patient/imp-again');
  assert.equal(read.json.meta.versionId, '4');
  assert.equal(read.json.gender, 'female');
  const history = await app.request('GET', '/fhir/Patient/imp-again/_history');
  assert.equal(history.json.entry.length, 4);
});

test('a large import crosses many store transactions and lands whole', async () => {
  const lines: unknown[] = [];
  for (let i = 0; i < 2_500; i++) lines.push(aPatient({ id: `bulk-${i}`, name: [{ family: `Bulk${i % 50}` }] }));
  const res = await post(ndjson(lines));
  assert.equal(res.json.issue[0].diagnostics, 'Read 2500 resources; stored 2500; rejected 0');
  const count = await app.request('GET', '/fhir/Patient?family=Bulk7&_summary=count');
  assert.equal(count.json.total, 50);
});

test('$import takes NDJSON only, and a source must be an ODS code', async () => {
  const json = await app.request('POST', '/fhir/$import', aPatient());
  assert.equal(json.status, 400);
  assert.equal(json.json.resourceType, 'OperationOutcome');
  const bad = await post(ndjson([aPatient()]), '?source=not%20a%20code');
  assert.equal(bad.status, 400);
});

test('parallel imports of the same resources give contiguous versions and no duplicates', async () => {
  const lines = ndjson(Array.from({ length: 200 }, (_, i) => aPatient({ id: `par-${i}` })));
  const answers = await Promise.all(Array.from({ length: 5 }, () => post(lines)));
  for (const a of answers) assert.equal(a.json.issue[0].diagnostics, 'Read 200 resources; stored 200; rejected 0');
  for (const i of [0, 99, 199]) {
    const history = await app.request('GET', `/fhir/Patient/par-${i}/_history`);
    const versions = (history.json.entry as { resource: { meta: { versionId: string } } }[])
      .map((e) => Number(e.resource.meta.versionId))
      .sort((a, b) => a - b);
    assert.deepEqual(versions, [1, 2, 3, 4, 5]);
  }
  const count = await app.request('GET', '/fhir/Patient?_id=par-0,par-1,par-2&_summary=count');
  assert.equal(count.json.total, 3);
});
