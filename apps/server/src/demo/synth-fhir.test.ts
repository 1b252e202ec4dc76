import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import {
  regionBundle,
  regionResources,
  sourceRecordResources,
  sourceTransactionBundle,
} from '../../../../packages/synth/src/fhir/index.ts';
import {
  AWKWARD_TEXT,
  fixtureRecords,
  fixtureRegion,
} from '../../../../packages/synth/src/fhir/fixtures.test-support.ts';

// Loads the synthetic generator's FHIR output (its hand-made fixtures: a region with one organisation of each
// kind, and source records holding every kind of event) through POST /fhir as transactions, then checks with
// searches that the store holds what was sent, and that sending it all again makes nothing new.

const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

const region = fixtureRegion();
const records = fixtureRecords();
let app: TestApp;

before(async () => {
  app = await createTestApp();
});
after(async () => {
  await app.close();
});

async function postTransaction(bundle: { entry?: unknown[] }, label: string): Promise<string[]> {
  const res = await app.request('POST', '/fhir', bundle, { prefer: 'return=minimal' });
  assert.equal(res.status, 200, `${label}: ${res.text.slice(0, 3000)}`);
  const statuses = (res.json.entry as { response: { status: string } }[]).map((e) => e.response.status);
  assert.equal(statuses.length, bundle.entry?.length, label);
  for (const status of statuses) assert.match(status, /^20[01] /, `${label}: ${status}`);
  return statuses;
}

async function postEverything(): Promise<string[]> {
  const statuses = await postTransaction(regionBundle(region), 'region');
  for (const record of records) {
    statuses.push(...(await postTransaction(sourceTransactionBundle(record, region), `${record.odsCode} record`)));
  }
  return statuses;
}

async function total(query: string): Promise<number> {
  const res = await app.request('GET', `/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`);
  assert.equal(res.status, 200, `${query}: ${res.text}`);
  return res.json.total as number;
}

function countByType(): Map<string, number> {
  const counts = new Map<string, number>();
  const resources = [...regionResources(region), ...records.flatMap((r) => sourceRecordResources(r, region))];
  for (const r of resources) counts.set(r.resourceType, (counts.get(r.resourceType) ?? 0) + 1);
  return counts;
}

test('the region and every source record load as transactions, every entry created', async () => {
  const statuses = await postEverything();
  assert.ok(statuses.every((s) => s === '201 Created'));
});

test('searches find each source Patient by local id and by NHS number', async () => {
  for (const record of records) {
    const system = encodeURIComponent(record.localIdSystem);
    assert.equal(await total(`Patient?identifier=${system}|${encodeURIComponent(record.localId)}`), 1, record.odsCode);
  }
  for (const nhsNumber of ['9990000018', '9990000026']) {
    const holders = records.flatMap((r) => [r.demographics, ...(r.duplicate ? [r.duplicate.demographics] : [])]);
    const expected = holders.filter((d) => d.nhsNumber === nhsNumber).length;
    assert.ok(expected > 1);
    assert.equal(await total(`Patient?identifier=${encodeURIComponent(NHS_NUMBER)}|${nhsNumber}`), expected);
  }
  assert.equal(await total(`Organization?identifier=${encodeURIComponent(ODS)}|R9Z`), 1);
});

test("each source Patient's compartment holds exactly the events the source sent", async () => {
  for (const record of records) {
    const [patient, ...rest] = sourceRecordResources(record, region);
    const expected = new Map<string, number>();
    for (const r of rest)
      if (r.resourceType !== 'Patient') expected.set(r.resourceType, (expected.get(r.resourceType) ?? 0) + 1);
    for (const [type, count] of expected) {
      assert.equal(await total(`${type}?patient=${patient!.id}`), count, `${record.odsCode} ${type}`);
    }
    const observations = record.events.filter((e) => e.kind === 'observation').length;
    assert.equal(await total(`Observation?patient=${patient!.id}`), observations, record.odsCode);
  }
});

test('what comes back reads as it was sent: document text, merged duplicate, references', async () => {
  const acute = records.find((r) => r.odsCode === 'R9Z')!;
  const resources = sourceRecordResources(acute, region);
  const doc = resources.find((r) => r.resourceType === 'DocumentReference')!;
  const res = await app.request('GET', `/fhir/DocumentReference/${doc.id}`);
  assert.equal(res.status, 200);
  assert.equal(Buffer.from(res.json.content[0].attachment.data, 'base64').toString('utf8'), AWKWARD_TEXT);

  const duplicate = await app.request('GET', `/fhir/Patient/${resources[1]!.id}`);
  assert.equal(duplicate.json.active, false);
  assert.deepEqual(duplicate.json.link, [{ other: { reference: `Patient/${resources[0]!.id}` }, type: 'replaced-by' }]);

  const report = resources.find((r) => r.resourceType === 'DiagnosticReport')!;
  const included = await app.request('GET', `/fhir/DiagnosticReport?_id=${report.id}&_include=DiagnosticReport:result`);
  assert.equal(included.status, 200, included.text);
  assert.equal(
    (included.json.entry as { resource: { resourceType: string } }[]).filter(
      (e) => e.resource.resourceType === 'Observation',
    ).length,
    2,
  );
});

test('posting everything again creates nothing new: only versions change', async () => {
  const before = countByType();
  const statuses = await postEverything();
  assert.ok(statuses.every((s) => s === '200 OK'));
  for (const [type, count] of before) assert.equal(await total(type), count, type);
  const patient = sourceRecordResources(records[0]!, region)[0]!;
  const res = await app.request('GET', `/fhir/Patient/${patient.id}`);
  assert.equal(res.json.meta.versionId, '2');
});
