import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '@joinedup/fhir';
import { loadSynthea, openTestEnv, syntheaPatientFiles, type TestEnv } from './search.test-support.ts';

// Searches over real Synthea records, checked against counts computed straight from the bundles' JSON.
let env: TestEnv;
let all: Resource[];
type Json = Record<string, any>;

before(async () => {
  env = await openTestEnv();
  all = await loadSynthea(env, syntheaPatientFiles(4));
});
after(() => env.close());

const ofType = (t: string) => all.filter((r) => r.resourceType === t) as Json[];
const total = async (q: string) => (await env.search(`${q}&_count=0`)).total;

test('token counts', async () => {
  const obs = ofType('Observation');
  const codes = new Map<string, number>();
  for (const o of obs) for (const c of o.code.coding) codes.set(c.code, (codes.get(c.code) ?? 0) + 1);
  const [code, n] = [...codes].sort((a, b) => b[1] - a[1])[0]!;
  assert.equal(await total(`Observation?code=http://loinc.org|${code}`), n);
  const female = ofType('Patient').filter((p) => p.gender === 'female').length;
  assert.equal(await total('Patient?gender=female'), female);
  const active = ofType('Condition').filter((c) => c.clinicalStatus?.coding?.[0]?.code === 'active').length;
  assert.equal(await total('Condition?clinical-status=active'), active);
});

test('reference, date and quantity counts', async () => {
  const patient = ofType('Patient')[0]!;
  const vitals = ofType('Observation').filter(
    (o) =>
      o.subject.reference === `Patient/${patient.id}` &&
      o.category?.some((c: Json) => c.coding.some((x: Json) => x.code === 'vital-signs')),
  ).length;
  assert.equal(await total(`Observation?patient=${patient.id}&category=vital-signs`), vitals);
  const since = Date.parse('2015-01-01T00:00:00Z');
  const immunisations = ofType('Immunization').filter((i) => Date.parse(i.occurrenceDateTime) >= since).length;
  assert.equal(await total('Immunization?date=ge2015-01-01'), immunisations);
  const heavy = ofType('Observation').filter((o) => o.valueQuantity?.value > 100).length;
  assert.equal(await total('Observation?value-quantity=gt100'), heavy);
  const encounters = ofType('Encounter').filter((e) => e.subject.reference === `Patient/${patient.id}`).length;
  const r = await env.search(`Encounter?patient=${patient.id}&_count=1000&_revinclude=Observation:encounter`);
  assert.equal(r.matches.length, encounters);
  const encounterIds = new Set(r.matches.map((m) => `Encounter/${m.id}`));
  const linked = ofType('Observation').filter((o) => encounterIds.has(o.encounter?.reference)).length;
  assert.equal(r.includes.length, linked);
});

test('sorted paging walks every match once', async () => {
  const patient = ofType('Patient')[1]!;
  const expected = ofType('Observation').filter((o) => o.subject.reference === `Patient/${patient.id}`).length;
  const seen = new Set<string>();
  let page = await env.search(`Observation?patient=${patient.id}&_sort=-date,code&_count=50`);
  for (const m of page.matches) seen.add(m.id);
  while (page.next) {
    page = await env.search(`Observation?patient=${patient.id}&_sort=-date,code&_count=50&_cursor=${page.next}`);
    for (const m of page.matches) {
      assert.ok(!seen.has(m.id));
      seen.add(m.id);
    }
  }
  assert.equal(seen.size, expected);
});
