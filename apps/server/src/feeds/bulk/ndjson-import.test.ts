import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nhsNumberCheckDigit } from '@joinedup/fhir';
import { createTestApp, aPatient, openTestDatabase, type TestApp } from '../../test-support/test-app.ts';
import { systemClock } from '../../platform/clock.ts';
import { migrate } from '../../platform/migrate.ts';
import { createFhirModel } from '../../fhir/fhir-model.ts';
import { createIndexer } from '../../fhir/search/index.ts';
import { fhirStoreMigrations } from '../../fhir/store/store.migrations.ts';
import { FhirStore } from '../../fhir/store/store.ts';
import { emptyReport, importNdjson } from './ndjson-import.ts';

let app: TestApp;
const FEED_SECRET = 'f'.repeat(40);
before(async () => {
  app = await createTestApp({
    env: { JOINEDUP_CLIENTS: JSON.stringify([{ id: 'gp-feed', secret: FEED_SECRET, source: 'F84003' }]) },
  });
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
  // Distinct people (each their own NHS number and birth date), as a migration brings.
  for (let i = 0, n = 0; n < 2_500; i++) {
    const first9 = Array.from(String(999_000_000 + i), Number);
    const check = nhsNumberCheckDigit(first9);
    if (check === 10) continue;
    const birthDate = new Date(Date.UTC(1940, 0, 1) + n * 86_400_000 * 9).toISOString().slice(0, 10);
    lines.push(
      aPatient({
        id: `bulk-${n}`,
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: `${first9.join('')}${check}` }],
        name: [{ family: `Bulk${n % 50}`, given: [`Given${n}`] }],
        birthDate,
      }),
    );
    n++;
  }
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

test('$import records the organisation the credentials name; another one in ?source is refused', async () => {
  const auth = { 'content-type': 'application/fhir+ndjson', authorization: `Bearer ${FEED_SECRET}` };
  const lines = ndjson([{ ...aPatient({ birthDate: '1944-04-04' }), id: 'imp-src-1', meta: { source: 'CLAIMED' } }]);
  const ok = await app.request('POST', '/fhir/$import', lines, auth);
  assert.equal(ok.status, 200, ok.text);
  const stored = await app.request('GET', '/fhir/Patient/imp-src-1');
  assert.equal(stored.json.meta.source, 'F84003');
  const [indexed] = await app.db.query<{ source: string }>('SELECT source FROM mpi_record WHERE patient_id = $1', [
    'imp-src-1',
  ]);
  assert.equal(indexed?.source, 'F84003', 'the master patient index records the sender');
  const other = await app.request('POST', '/fhir/$import?source=R1H', lines, auth);
  assert.equal(other.status, 403);
  const unknown = await app.request('POST', '/fhir/$import', lines, {
    'content-type': 'application/fhir+ndjson',
    authorization: `Bearer ${'x'.repeat(40)}`,
  });
  assert.equal(unknown.status, 401);
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

test('the database going away stops the import with an error, and no good line is reported rejected', async () => {
  const { db, drop } = await openTestDatabase();
  await migrate(db, fhirStoreMigrations);
  const store = new FhirStore(db, createFhirModel(createIndexer), { clock: systemClock });
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify(aPatient({ id: `gone-${i}` })));
  const first = await importNdjson(store, lines.slice(0, 10));
  assert.equal(first.stored, 10);
  await drop();
  const report = emptyReport();
  await assert.rejects(importNdjson(store, lines.slice(10), { batchSize: 5 }, 'gone.ndjson', report));
  assert.deepEqual(report.rejected, []);
  assert.equal(report.stored, 0);
});

test('imported resources are found by search exactly as ones written through the API', async () => {
  const observation = (id: string, patient: string) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-01-15T09:30:00Z',
    valueQuantity: { value: 48, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
  });
  const imported = [
    aPatient({ id: 'srch-imp', name: [{ family: 'Imported' }] }),
    observation('srch-obs-imp', 'srch-imp'),
  ];
  const viaApi = [
    aPatient({ id: 'srch-api', name: [{ family: 'Imported' }] }),
    observation('srch-obs-api', 'srch-api'),
  ];
  assert.equal((await post(ndjson(imported))).json.issue[0].diagnostics, 'Read 2 resources; stored 2; rejected 0');
  for (const r of viaApi as { resourceType: string; id: string }[])
    assert.equal((await app.request('PUT', `/fhir/${r.resourceType}/${r.id}`, r)).status, 201);
  const ids = async (query: string) =>
    ((await app.request('GET', query)).json.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
  assert.deepEqual(await ids('/fhir/Patient?family=imported'), ['srch-api', 'srch-imp']);
  assert.deepEqual(await ids('/fhir/Observation?code=http://loinc.org|4548-4&value-quantity=gt47&date=2026-01'), [
    'srch-obs-api',
    'srch-obs-imp',
  ]);
  assert.deepEqual(await ids('/fhir/Observation?patient.family=Imported'), ['srch-obs-api', 'srch-obs-imp']);
  assert.deepEqual(await ids('/fhir/Patient/srch-imp/$everything'), ['srch-imp', 'srch-obs-imp']);
});
