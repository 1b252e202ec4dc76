import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureRecords, fixtureRegion } from './fixtures.test-support.ts';
import { regionResources, sourceRecordResources, toNdjson } from './index.ts';

const region = fixtureRegion();
const records = fixtureRecords();

test('NDJSON: one resource per line, grouped by type, each line parsing back to the resource', () => {
  const resources = records.flatMap((r) => sourceRecordResources(r, region));
  const files = toNdjson(resources);
  let lines = 0;
  for (const [type, typeLines] of files) {
    for (const line of typeLines) {
      assert.ok(!line.includes('\n') && !line.includes('\r'), `${type}: a line holds no line break`);
      const parsed = JSON.parse(line) as { resourceType: string; id: string };
      assert.equal(parsed.resourceType, type);
      const original = resources.find((r) => r.resourceType === type && r.id === parsed.id);
      assert.deepEqual(parsed, original);
      lines++;
    }
  }
  assert.equal(lines, resources.length);
  assert.equal(files.get('Patient')?.length, records.length + records.filter((r) => r.duplicate).length);
});

test('NDJSON appends into the map it is given, person after person, types in first-seen order', () => {
  const into = new Map<string, string[]>();
  toNdjson(regionResources(region), into);
  assert.deepEqual([...into.keys()], ['Organization', 'Location', 'Practitioner', 'PractitionerRole']);
  const before = into.get('Organization')!.length;
  for (const record of records) toNdjson(sourceRecordResources(record, region), into);
  assert.equal(into.get('Organization')!.length, before);
  // 11 source records, one with a merged duplicate.
  assert.equal(into.get('Patient')!.length, 12);
  assert.equal(
    into.get('Encounter')!.length,
    records.flatMap((r) => r.events).filter((e) => e.kind === 'encounter').length,
  );
});
