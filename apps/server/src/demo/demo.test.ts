import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntheticRegion, generateSyntheticPerson } from '@joinedup/synth';
import { createLogger } from '../platform/log.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { DEMO_SEED, loadDemoIfEmpty } from './demo.ts';

// The demo region through the real store: generated people, their organisations' records, searchable.

const PEOPLE = 40;
const AS_OF = '2026-06-30';
let app: TestApp;

before(async () => {
  app = await createTestApp();
});
after(async () => {
  await app.close();
});

test('an empty store gets the demo region; a store that holds anything is left alone', async () => {
  const log = createLogger('silent');
  const stored = await loadDemoIfEmpty(app.fhir, log, { people: PEOPLE, asOf: AS_OF });
  assert.ok(stored > PEOPLE * 10, `only ${stored} resources`);
  assert.equal(await loadDemoIfEmpty(app.fhir, log, { people: PEOPLE, asOf: AS_OF }), 0);

  // What the generator made is what the store holds and finds.
  const options = { patients: PEOPLE, seed: DEMO_SEED, asOf: AS_OF };
  const region = buildSyntheticRegion(options);
  const person = Array.from({ length: PEOPLE }, (_, i) => generateSyntheticPerson(region, i, options)).find(
    (p) =>
      p.life.person.nhsNumber &&
      p.records.length >= 3 &&
      p.records.filter((r) => r.demographics.nhsNumberStatus === '01').length >= 2,
  )!;
  const sources = person.records.filter((r) => r.demographics.nhsNumber === person.life.person.nhsNumber);
  const byNhs = await app.request(
    'GET',
    `/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${person.life.person.nhsNumber}&_count=100`,
  );
  assert.equal(byNhs.status, 200);
  assert.equal(byNhs.json.total ?? byNhs.json.entry.length, sources.length);

  const gp = person.records.find((r) => r.odsCode === person.life.person.gpPracticeOdsCode)!;
  const local = await app.request('GET', `/fhir/Patient?identifier=${gp.localIdSystem}|${gp.localId}`);
  assert.equal(local.json.entry.length, 1);
  const patientId = local.json.entry[0].resource.id as string;
  const everything = await app.request('GET', `/fhir/Patient/${patientId}/$everything?_count=1000`);
  assert.equal(everything.status, 200);
  const own = (everything.json.entry as { resource: { resourceType: string } }[]).filter(
    (e) => !['Organization', 'Practitioner', 'PractitionerRole', 'Location'].includes(e.resource.resourceType),
  );
  // The Patient and one resource per event the GP practice recorded.
  assert.equal(own.length, 1 + gp.events.length);

  // Every Patient the demo wrote is in the master patient index, and the person's records holding its verified
  // NHS number are one Person.
  const [counts] = await app.db.query<{ patients: number; indexed: number }>(
    `SELECT (SELECT count(*)::int FROM patient_resource WHERE resource_type = 'Patient' AND NOT deleted) AS patients,
            (SELECT count(*)::int FROM mpi_record) AS indexed`,
  );
  assert.ok(counts!.patients > PEOPLE, `${counts!.patients} Patients`);
  assert.equal(counts!.indexed, counts!.patients);
  const verified = person.records.filter(
    (r) => r.demographics.nhsNumber === person.life.person.nhsNumber && r.demographics.nhsNumberStatus === '01',
  );
  const persons = new Set<string>();
  for (const r of verified) {
    const found = await app.request('GET', `/fhir/Patient?identifier=${r.localIdSystem}|${r.localId}`);
    const id = found.json.entry[0].resource.id as string;
    const [row] = await app.db.query<{ person_id: string }>('SELECT person_id FROM mpi_record WHERE patient_id = $1', [
      id,
    ]);
    persons.add(row!.person_id);
  }
  assert.ok(verified.length >= 2, 'the person chosen has several records with a verified number');
  assert.equal(persons.size, 1, 'one Person for the records holding the verified number');

  const orgs = await app.request('GET', '/fhir/Organization?_summary=count');
  assert.ok(orgs.json.total >= region.organisations.length, `${orgs.json.total} organisations stored`);
});
