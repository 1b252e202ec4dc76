import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { aPatient, createTestApp, type TestApp } from '../../test-support/test-app.ts';

// Reliability matrix rows 1 and 2: lost updates and duplicate conditional creates under concurrency.
let app: TestApp;
before(async () => {
  app = await createTestApp();
});
after(() => app.close());

async function inParallel<T>(total: number, workers: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

test('200 updates with the same If-Match from 20 workers: exactly one succeeds, history grows by one', async () => {
  const { json } = await app.request('POST', '/fhir/Patient', aPatient());
  const statuses = await inParallel(200, 20, async (i) => {
    const res = await app.request(
      'PUT',
      `/fhir/Patient/${json.id}`,
      { ...json, birthDate: `1980-01-${String((i % 28) + 1).padStart(2, '0')}` },
      { 'if-match': 'W/"1"' },
    );
    return res.status;
  });
  assert.equal(statuses.filter((s) => s === 200).length, 1);
  assert.equal(statuses.filter((s) => s === 412).length, 199);
  const history = await app.request('GET', `/fhir/Patient/${json.id}/_history?_count=1000`);
  assert.equal(history.json.entry.length, 2);
});

test('200 updates without If-Match: history holds one version per success, numbered 1..n with no gaps', async () => {
  const { json } = await app.request('POST', '/fhir/Patient', aPatient());
  const statuses = await inParallel(200, 20, async (i) => {
    const res = await app.request('PUT', `/fhir/Patient/${json.id}`, { ...json, multipleBirthInteger: i });
    return res.status;
  });
  const ok = statuses.filter((s) => s === 200).length;
  assert.equal(ok, 200);
  const history = await app.request('GET', `/fhir/Patient/${json.id}/_history?_count=1000`);
  const versions = history.json.entry
    .map((e: any) => Number(e.resource.meta.versionId))
    .sort((a: number, b: number) => a - b);
  assert.deepEqual(
    versions,
    Array.from({ length: ok + 1 }, (_, i) => i + 1),
  );
});

// Row 2 at the PR tier: 50 copies of each of 200 conditional creates, 10,000 requests, 50 in flight.
test('parallel identical conditional creates make exactly one resource per identifier', async () => {
  const identifiers = Array.from({ length: 200 }, (_, i) => `999${String(1000000 + i)}`);
  const statuses = await inParallel(identifiers.length * 50, 50, async (i) => {
    const value = identifiers[i % identifiers.length]!;
    const res = await app.request(
      'POST',
      '/fhir/Patient',
      aPatient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value }] }),
      { 'if-none-exist': `identifier=https://fhir.nhs.uk/Id/nhs-number|${value}` },
    );
    return res.status;
  });
  assert.ok(
    statuses.every((s) => s === 200 || s === 201),
    statuses.join(','),
  );
  assert.equal(statuses.filter((s) => s === 201).length, identifiers.length);
  for (const value of identifiers) {
    const found = await app.request('GET', `/fhir/Patient?identifier=${value}&_total=accurate`);
    assert.equal(found.json.total, 1, value);
  }
  const all = await app.request('GET', '/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|&_summary=count');
  assert.ok(all.json.total >= identifiers.length);
});

test('If-Match inside 100 concurrent transaction bundles: exactly one succeeds', async () => {
  const { json } = await app.request('POST', '/fhir/Patient', aPatient());
  const statuses = await inParallel(100, 20, async (i) => {
    const res = await app.request('POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { ...json, multipleBirthInteger: i },
          request: { method: 'PUT', url: `Patient/${json.id}`, ifMatch: 'W/"1"' },
        },
      ],
    });
    return res.status;
  });
  assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 412).length, 99);
  const history = await app.request('GET', `/fhir/Patient/${json.id}/_history?_count=1000`);
  assert.equal(history.json.entry.length, 2);
});

test('parallel update-as-create of one new id makes one resource with contiguous versions', async () => {
  const statuses = await inParallel(50, 20, async () => {
    const res = await app.request('PUT', '/fhir/Patient/race-1', { ...aPatient(), id: 'race-1' });
    return res.status;
  });
  assert.equal(statuses.filter((s) => s === 201).length, 1);
  assert.equal(statuses.filter((s) => s === 200).length, 49);
  const history = await app.request('GET', '/fhir/Patient/race-1/_history?_count=1000');
  assert.equal(history.json.entry.length, 50);
});
