import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntheticRegion, generateSyntheticPerson } from '@joinedup/synth';
import { createLogger } from '../platform/log.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { CONFIDENTIALITY_SYSTEM, SENSITIVITY_SYSTEM } from '../access/labels.ts';
import { DEMO_SEED, demoDirectory, loadDemoIfEmpty } from './demo.ts';

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
  const showcase = Object.values(demoDirectory({ people: PEOPLE, asOf: AS_OF }).showcase);
  const person = Array.from({ length: PEOPLE }, (_, i) => generateSyntheticPerson(region, i, options)).find(
    (p) =>
      p.life.person.nhsNumber &&
      !showcase.includes(p.life.person.nhsNumber) &&
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

test('the demo shows a person who objects, a restricted person and a sealed item, and every item names its source', async () => {
  // The region of the test above, already loaded.
  const { showcase } = demoDirectory({ people: PEOPLE, asOf: AS_OF });
  const patientsOf = async (nhs: string | undefined) => {
    assert.ok(nhs, 'a showcase person has an NHS number');
    const rows = await app.db.query<{ id: string; content: string }>(
      `SELECT r.id, r.content FROM patient_resource r
        WHERE r.resource_type = 'Patient' AND r.content::jsonb -> 'identifier' @> $1::jsonb`,
      [JSON.stringify([{ value: nhs }])],
    );
    assert.ok(rows.length > 0, `Patients with NHS number ${nhs}`);
    return rows;
  };
  const objecting = await patientsOf(showcase.objecting);
  const objections = await app.db.query<{ patient_id: string }>('SELECT patient_id FROM access_objection');
  assert.equal(objections.length, 1);
  assert.ok(objecting.some((p) => p.id === objections[0]!.patient_id));

  for (const p of await patientsOf(showcase.restricted)) {
    const security = (JSON.parse(p.content) as { meta?: { security?: { system: string; code: string }[] } }).meta
      ?.security;
    assert.ok(
      security?.some((l) => l.system === CONFIDENTIALITY_SYSTEM && l.code === 'R'),
      `Patient/${p.id} is R`,
    );
  }

  const sealed = await app.db.query<{ patient_key: string; code: string }>(
    `SELECT patient_key, code FROM patient_sp_token WHERE param = '_security' AND system = $1`,
    [SENSITIVITY_SYSTEM],
  );
  const sealedPatients = (await patientsOf(showcase.sealed)).map((p) => p.id);
  assert.deepEqual(
    sealed.map((s) => s.code),
    ['STI'],
  );
  assert.ok(sealedPatients.includes(sealed[0]!.patient_key));

  const [unsourced] = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM patient_resource r
      WHERE NOT EXISTS (SELECT 1 FROM patient_sp_uri u WHERE u.patient_key = r.patient_key AND u.resource_type = r.resource_type
                           AND u.id = r.id AND u.param = '_source')`,
  );
  assert.equal(unsourced!.n, 0, 'every item of a person names the organisation it came from');
});
