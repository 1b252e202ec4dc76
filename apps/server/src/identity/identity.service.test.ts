import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_EXTENSION,
  nhsNumberCheckDigit,
  type Patient,
  type Person,
} from '@joinedup/fhir';
import fc from 'fast-check';
import { buildSyntheticRegion, generateSyntheticPerson, sourceRecordResources } from '@joinedup/synth';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { createIdentityService, type IdentityService } from './identity.service.ts';

// The index on the real store (PGlite, or PostgreSQL with DATABASE_URL): links, Person resources, reviews, audit.

let app: TestApp;
let mpi: IdentityService;

before(async () => {
  app = await createTestApp();
  mpi = createIdentityService({ store: app.fhir.store });
});
after(async () => {
  await app.close();
});

let serial = 100_000;
/** A valid NHS number (Modulus 11) not used before in this file. */
function newNhsNumber(): string {
  for (;;) {
    const first9 = `9${String(serial++).padStart(8, '0')}`;
    const check = nhsNumberCheckDigit([...first9].map(Number));
    if (check !== 10) return `${first9}${check}`;
  }
}

function nhsIdentifier(value: string, verified: boolean) {
  return {
    system: NHS_NUMBER_SYSTEM,
    value,
    extension: [
      {
        url: NHS_NUMBER_VERIFICATION_EXTENSION,
        valueCodeableConcept: { coding: [{ code: verified ? '01' : '02' }] },
      },
    ],
  };
}

interface PatientFields {
  id: string;
  nhs?: { value: string; verified: boolean };
  family: string;
  given: string;
  gender: Patient['gender'];
  birthDate: string;
  postcode?: string;
  line?: string;
  phone?: string;
}

function aSourcePatient(f: PatientFields): Patient {
  return {
    resourceType: 'Patient',
    id: f.id,
    ...(f.nhs ? { identifier: [nhsIdentifier(f.nhs.value, f.nhs.verified)] } : {}),
    name: [{ use: 'official', family: f.family, given: [f.given] }],
    gender: f.gender,
    birthDate: f.birthDate,
    ...(f.postcode ? { address: [{ use: 'home', line: [f.line ?? ''], postalCode: f.postcode }] } : {}),
    ...(f.phone ? { telecom: [{ system: 'phone', use: 'mobile', value: f.phone }] } : {}),
  };
}

/**
 * What a feed does: write the source Patient as its sender's, in one transaction (the store's hook links it
 * before commit); returns what the link is then.
 */
async function feed(patient: Patient, source: string) {
  await app.fhir.store.transaction(async (tx) => {
    tx.source = source;
    await tx.update(patient);
  });
  // Linking an unchanged record again is a no-op that answers with its link.
  return app.fhir.store.transaction((tx) => mpi.linkPatient(tx, patient, source));
}

async function readPerson(id: string): Promise<Person & { meta: { versionId: string } }> {
  const res = await app.request('GET', `/fhir/Person/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.json as Person & { meta: { versionId: string } };
}

function assurances(person: Person): Record<string, string | undefined> {
  return Object.fromEntries((person.link ?? []).map((l) => [l.target.reference!, l.assurance]));
}

async function eventCount(): Promise<number> {
  const rows = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mpi_event');
  return rows[0]!.n;
}

test('one person from three sources becomes one Person with three links and the right assurance', async () => {
  const nhs = newNhsNumber();
  const gp = aSourcePatient({
    id: 'gp-f83004-1001',
    nhs: { value: nhs, verified: true },
    family: 'Okonkwo',
    given: 'Chiamaka',
    gender: 'female',
    birthDate: '1984-03-12',
    postcode: 'SE5 9RS',
    line: '12 Denmark Hill',
    phone: '07700 900123',
  });
  const hospital = aSourcePatient({
    id: 'rj1-mrn-55501',
    nhs: { value: nhs, verified: false },
    family: 'Okonkow',
    given: 'Chiamaka',
    gender: 'female',
    birthDate: '1984-03-12',
    postcode: 'SE5 9RS',
    line: '12 Denmark Hill',
  });
  const ambulance = aSourcePatient({
    id: 'rrv-incident-777',
    family: 'Okonkwo',
    given: 'Chiamaka',
    gender: 'female',
    birthDate: '1984-12-03',
    postcode: 'SE5 9RS',
    line: '12 Denmark Hill',
    phone: '07700900123',
  });
  const first = await feed(gp, 'F83004');
  assert.deepEqual([first.outcome, first.method], ['NO_MATCH', 'new']);
  assert.match(first.personId, /^person-[0-9a-f-]{36}$/);
  const second = await feed(hospital, 'RJ1');
  assert.deepEqual([second.outcome, second.method, second.personId], ['MATCH', 'match', first.personId]);
  const third = await feed(ambulance, 'RRV');
  assert.deepEqual([third.outcome, third.method, third.personId], ['MATCH', 'match', first.personId]);

  const person = await readPerson(first.personId);
  assert.equal(person.active, true);
  assert.deepEqual(assurances(person), {
    'Patient/gp-f83004-1001': 'level4',
    'Patient/rj1-mrn-55501': 'level3',
    'Patient/rrv-incident-777': 'level3',
  });
  // The golden record's demographics come from the record with the verified NHS number.
  assert.equal(person.name?.[0]?.family, 'Okonkwo');
  assert.equal(person.birthDate, '1984-03-12');
  assert.equal(person.gender, 'female');
  assert.deepEqual(person.identifier, [{ system: NHS_NUMBER_SYSTEM, value: nhs }]);
  assert.deepEqual(
    (await mpi.patientsOf(first.personId)).map((p) => p.patientId),
    ['gp-f83004-1001', 'rj1-mrn-55501', 'rrv-incident-777'],
  );
  assert.equal(await mpi.personOf('rrv-incident-777'), first.personId);
});

test('a twin (same surname, birth date, address; other given name and sex) becomes a different Person', async () => {
  const base = {
    family: 'Adeyemi',
    birthDate: '2010-07-21',
    postcode: 'N16 7UX',
    line: '4 Evering Road',
  };
  const a = await feed(aSourcePatient({ id: 'gp-twin-a', given: 'Tobi', gender: 'male', ...base }), 'F84001');
  const b = await feed(aSourcePatient({ id: 'gp-twin-b', given: 'Kemi', gender: 'female', ...base }), 'F84001');
  assert.notEqual(a.personId, b.personId);
  assert.notEqual(b.outcome, 'MATCH');
  assert.equal((await readPerson(b.personId)).link?.length, 1);
});

test('two different verified NHS numbers are never linked, automatically or by hand', async () => {
  const common = {
    family: 'Smith',
    given: 'John',
    gender: 'male' as const,
    birthDate: '1950-01-01',
    postcode: 'E1 6AN',
  };
  const line = '1 Whitechapel Road';
  const phone = '07700900999';
  const a = await feed(
    aSourcePatient({ id: 'gp-smith-1', nhs: { value: newNhsNumber(), verified: true }, line, phone, ...common }),
    'F82001',
  );
  const b = await feed(
    aSourcePatient({ id: 'gp-smith-2', nhs: { value: newNhsNumber(), verified: true }, line, phone, ...common }),
    'F82002',
  );
  assert.notEqual(a.personId, b.personId);
  assert.notEqual(b.outcome, 'MATCH');
  await assert.rejects(mpi.link('gp-smith-2', a.personId, 'dq-user'), (e: unknown) =>
    JSON.stringify(e).includes('identity.verified-nhs-numbers-differ'),
  );
  // The review the lookalike opened cannot link them either, and stays open for a user to reject.
  const review = (await mpi.openReviews(1000)).find((r) => r.patientId === 'gp-smith-2');
  assert.equal(review?.candidatePersonId, a.personId);
  await assert.rejects(mpi.decideReview('gp-smith-2', a.personId, 'link', 'dq-user'), (e: unknown) =>
    JSON.stringify(e).includes('identity.verified-nhs-numbers-differ'),
  );
  assert.ok((await mpi.openReviews(1000)).some((r) => r.patientId === 'gp-smith-2'));
  assert.notEqual(await mpi.personOf('gp-smith-2'), await mpi.personOf('gp-smith-1'));
});

test('unlink then link restores the person, each step audited in mpi_event', async () => {
  const nhs = newNhsNumber();
  const details = { family: 'Kowalski', given: 'Marta', gender: 'female' as const, birthDate: '1972-05-30' };
  const gp = await feed(
    aSourcePatient({ id: 'gp-kow', nhs: { value: nhs, verified: true }, postcode: 'W12 7RQ', ...details }),
    'F85001',
  );
  const hosp = await feed(
    aSourcePatient({ id: 'rqm-kow', nhs: { value: nhs, verified: true }, postcode: 'W12 7RQ', ...details }),
    'RQM',
  );
  assert.deepEqual([hosp.personId, hosp.method], [gp.personId, 'nhs-verified']);
  const before = await readPerson(gp.personId);

  const unlinked = await mpi.unlink('rqm-kow', 'dq-user');
  assert.notEqual(unlinked.personId, gp.personId);
  assert.deepEqual(assurances(await readPerson(gp.personId)), { 'Patient/gp-kow': 'level4' });
  assert.deepEqual(assurances(await readPerson(unlinked.personId)), { 'Patient/rqm-kow': 'level2' });
  // A feed update does not undo a user's unlink.
  const resent = await feed(
    aSourcePatient({ id: 'rqm-kow', nhs: { value: nhs, verified: true }, postcode: 'W12 7RR', ...details }),
    'RQM',
  );
  assert.equal(resent.personId, unlinked.personId);

  const relinked = await mpi.link('rqm-kow', gp.personId, 'dq-user');
  assert.deepEqual([relinked.personId, relinked.method], [gp.personId, 'nhs-verified']);
  const after = await readPerson(gp.personId);
  assert.deepEqual(assurances(after), assurances(before));
  assert.equal((await readPerson(unlinked.personId)).active, false);

  const events = (await mpi.history('rqm-kow')).map((e) => [
    e.action,
    e.personId,
    e.previousPersonId ?? null,
    e.byUser ?? null,
  ]);
  assert.deepEqual(events, [
    ['link', gp.personId, null, null],
    ['unlink', gp.personId, null, 'dq-user'],
    ['new-person', unlinked.personId, gp.personId, 'dq-user'],
    ['link', gp.personId, unlinked.personId, 'dq-user'],
  ]);
});

test('relinking an unchanged record writes no new version and no event', async () => {
  const patient = aSourcePatient({
    id: 'gp-same',
    nhs: { value: newNhsNumber(), verified: true },
    family: 'Nguyen',
    given: 'Lan',
    gender: 'female',
    birthDate: '1991-11-02',
  });
  const first = await feed(patient, 'F86001');
  const version = (await readPerson(first.personId)).meta.versionId;
  const events = await eventCount();
  const again = await app.fhir.store.transaction((tx) => mpi.linkPatient(tx, patient, 'F86001'));
  assert.deepEqual(again, first);
  assert.equal((await readPerson(first.personId)).meta.versionId, version);
  assert.equal(await eventCount(), events);
});

test('a record whose demographics change leaves its old person, which is then inactive when empty', async () => {
  const a = await feed(
    aSourcePatient({ id: 'rrv-moves', family: 'Patel', given: 'Ravi', gender: 'male', birthDate: '1966-02-14' }),
    'RRV',
  );
  const nhs = newNhsNumber();
  const target = await feed(
    aSourcePatient({
      id: 'gp-shah',
      nhs: { value: nhs, verified: true },
      family: 'Shah',
      given: 'Anil',
      gender: 'male',
      birthDate: '1948-09-09',
    }),
    'F87001',
  );
  // The ambulance corrects its record: it was Anil Shah, and now has his verified NHS number.
  const moved = await feed(
    aSourcePatient({
      id: 'rrv-moves',
      nhs: { value: nhs, verified: true },
      family: 'Shah',
      given: 'Anil',
      gender: 'male',
      birthDate: '1948-09-09',
    }),
    'RRV',
  );
  assert.deepEqual([moved.personId, moved.method], [target.personId, 'nhs-verified']);
  assert.equal((await readPerson(a.personId)).active, false);
  const actions = (await mpi.history('rrv-moves')).map((e) => e.action);
  assert.deepEqual(actions, ['new-person', 'unlink', 'link']);
});

test('a possible match opens a review; rejecting it sticks, linking it moves the record with level2', async () => {
  const common = { family: 'Brown', gender: 'female' as const, birthDate: '1980-06-15', postcode: 'SW2 1AA' };
  const a = await feed(aSourcePatient({ id: 'gp-brown', given: 'Sarah', line: '9 Acre Lane', ...common }), 'F88001');
  // Same person with a first-name typo and no NHS number or phone to confirm: between the thresholds.
  const b = await feed(aSourcePatient({ id: 'rrv-brown', given: 'Sarha', line: '9 Acre Lane', ...common }), 'RRV');
  assert.equal(b.outcome, 'POSSIBLE_MATCH');
  assert.notEqual(b.personId, a.personId);
  const review = (await mpi.openReviews(1000)).find((r) => r.patientId === 'rrv-brown');
  assert.ok(review);
  assert.equal(review.candidatePersonId, a.personId);

  const c = await feed(aSourcePatient({ id: 'rrv-brown-2', given: 'Sarha', line: '9 Acre Lane', ...common }), 'RRV');
  assert.ok(c.personId === b.personId || c.outcome !== 'MATCH');

  await mpi.decideReview('rrv-brown', a.personId, 'link', 'dq-user');
  assert.equal(await mpi.personOf('rrv-brown'), a.personId);
  assert.equal(assurances(await readPerson(a.personId))['Patient/rrv-brown'], 'level2');
  await assert.rejects(mpi.decideReview('rrv-brown', a.personId, 'reject', 'dq-user'), (e: unknown) =>
    JSON.stringify(e).includes('identity.review-closed'),
  );
  const actions = (await mpi.history('rrv-brown')).map((e) => e.action);
  assert.deepEqual(actions, ['new-person', 'review-open', 'review-link']);
});

test('a rejected review is not raised again and the record is never auto-linked to that person', async () => {
  const common = { family: 'Green', gender: 'male' as const, birthDate: '1975-01-20', postcode: 'SE1 7PB' };
  const a = await feed(aSourcePatient({ id: 'gp-green', given: 'Oliver', line: '3 Lower Marsh', ...common }), 'F89001');
  const b = await feed(aSourcePatient({ id: 'rrv-green', given: 'Olivre', line: '3 Lower Marsh', ...common }), 'RRV');
  assert.equal(b.outcome, 'POSSIBLE_MATCH');
  await mpi.decideReview('rrv-green', a.personId, 'reject', 'dq-user');
  assert.equal((await mpi.openReviews(1000)).filter((r) => r.patientId === 'rrv-green').length, 0);
  // The same record resent with a mobile in common (which alone would make it a MATCH) stays apart.
  const c = await feed(
    aSourcePatient({ id: 'rrv-green', given: 'Olivre', line: '3 Lower Marsh', phone: '07700900555', ...common }),
    'RRV',
  );
  assert.notEqual(c.personId, a.personId);
  assert.deepEqual(
    (await mpi.history('rrv-green')).map((e) => e.action),
    ['new-person', 'review-open', 'review-reject'],
  );
});

test('every failure path answers with an OperationOutcome and changes nothing', async () => {
  await assert.rejects(mpi.link('no-such-patient', 'person-x', 'u'), (e: unknown) =>
    JSON.stringify(e).includes('identity.patient-unknown'),
  );
  await assert.rejects(mpi.unlink('no-such-patient', 'u'), (e: unknown) =>
    JSON.stringify(e).includes('identity.patient-unknown'),
  );
  await assert.rejects(mpi.link('gp-same', 'person-unknown', 'u'), (e: unknown) =>
    JSON.stringify(e).includes('identity.person-unknown'),
  );
  await assert.rejects(mpi.decideReview('gp-same', 'person-unknown', 'link', 'u'), (e: unknown) =>
    JSON.stringify(e).includes('identity.review-unknown'),
  );
  await assert.rejects(mpi.decideReview('gp-same', 'p', 'maybe' as 'link', 'u'));
  await assert.rejects(mpi.link('gp-same', 'p', ''));
  await assert.rejects(mpi.openReviews(0));
  await assert.rejects(mpi.openReviews(1.5));
  await assert.rejects(
    app.fhir.store.transaction((tx) => mpi.linkPatient(tx, { resourceType: 'Patient' }, 'X')),
    (e: unknown) => JSON.stringify(e).includes('Patient.id'),
  );
  assert.equal(await mpi.personOf('no-such-patient'), undefined);
  assert.deepEqual(await mpi.patientsOf('person-unknown'), []);
});

test('a record with no usable demographics still gets a person of its own', async () => {
  const r = await feed({ resourceType: 'Patient', id: 'empty-1', birthDate: 'not-a-date' }, 'X');
  assert.equal(r.outcome, 'NO_MATCH');
  assert.deepEqual(assurances(await readPerson(r.personId)), { 'Patient/empty-1': 'level3' });
});

test('synthetic people: every source record of one true person ends up on one Person, as the answer lines say', async () => {
  const options = { patients: 25, seed: 'identity-service', asOf: '2026-06-30' };
  const region = buildSyntheticRegion(options);
  const truth = new Map<string, string>();
  for (let i = 0; i < options.patients; i++) {
    const person = generateSyntheticPerson(region, i, options);
    for (const record of person.records) {
      const patients = sourceRecordResources(record, region).filter((r): r is Patient => r.resourceType === 'Patient');
      for (const p of patients) {
        truth.set(p.id!, person.answers[0]!.personId);
        await feed(p, record.odsCode);
      }
    }
  }
  // Pairs of records: linked by the index vs. the same true person.
  const personOf = new Map<string, string>();
  for (const id of truth.keys()) personOf.set(id, (await mpi.personOf(id))!);
  let truePairs = 0;
  let linkedTrue = 0;
  let linkedFalse = 0;
  const ids = [...truth.keys()];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const same = truth.get(ids[i]!) === truth.get(ids[j]!);
      const linked = personOf.get(ids[i]!) === personOf.get(ids[j]!);
      if (same) truePairs++;
      if (linked && same) linkedTrue++;
      if (linked && !same) linkedFalse++;
    }
  }
  assert.ok(truePairs > 20, `only ${truePairs} true pairs`);
  assert.equal(linkedFalse, 0);
  // The matching core's recall on these feeds is 99.6%: allow a missed pair or two among a few dozen people.
  assert.ok(linkedTrue >= truePairs * 0.9, `${linkedTrue} of ${truePairs} true pairs linked`);
});

test('two feeds linking records of one person at the same time make one person', async () => {
  const nhs = newNhsNumber();
  const details = { family: 'Haddad', given: 'Yusuf', gender: 'male' as const, birthDate: '1999-08-08' };
  const [a, b] = await Promise.all([
    feed(aSourcePatient({ id: 'gp-haddad', nhs: { value: nhs, verified: true }, ...details }), 'F90001'),
    feed(aSourcePatient({ id: 'rj1-haddad', nhs: { value: nhs, verified: true }, ...details }), 'RJ1'),
  ]);
  assert.equal(a.personId, b.personId);
  assert.equal((await readPerson(a.personId)).link?.length, 2);
});

test('records of one person written in one transaction make one person; another person stays apart', async () => {
  const nhs = newNhsNumber();
  const details = { family: 'Mensah', given: 'Akosua', gender: 'female' as const, birthDate: '1977-02-02' };
  const twin = { ...details, given: 'Adjoa' };
  await app.fhir.store.transaction(async (tx) => {
    tx.source = 'BATCH';
    await tx.upsertMany([
      aSourcePatient({ id: 'batch-a1', nhs: { value: nhs, verified: true }, ...details, postcode: 'E8 1AB' }),
      aSourcePatient({ id: 'batch-a2', nhs: { value: nhs, verified: true }, ...details }),
      // No NHS number: the same name, birth date, postcode and mobile as the first: a probabilistic match.
      aSourcePatient({ id: 'batch-a3', ...details, postcode: 'E8 1AB', phone: '07700 900555' }),
      aSourcePatient({ id: 'batch-a0', ...details, postcode: 'E8 1AB', phone: '07700 900555' }),
      aSourcePatient({ id: 'batch-b1', nhs: { value: newNhsNumber(), verified: true }, ...twin, postcode: 'E8 1AB' }),
    ]);
  });
  const person = async (id: string) =>
    (await app.db.query<{ person_id: string }>('SELECT person_id FROM mpi_record WHERE patient_id = $1', [id]))[0]!
      .person_id;
  const a = await person('batch-a1');
  assert.equal(await person('batch-a2'), a, 'the same verified NHS number, in the same batch');
  assert.equal(
    await person('batch-a0'),
    await person('batch-a3'),
    'two lookalike records of the batch find each other',
  );
  assert.notEqual(await person('batch-b1'), a, 'another verified number, another person');
  const links = (await readPerson(a)).link?.map((l) => l.target.reference).sort();
  assert.ok(links?.includes('Patient/batch-a1') && links.includes('Patient/batch-a2'));
});

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60);

test('any Patient-shaped input is linked or refused with an OperationOutcome, never a crash', async () => {
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', ' ', "O'Brien", 'Zoë', '0000000000'));
  const patient = fc.record(
    {
      id: fc.stringMatching(/^[A-Za-z0-9.-]{1,20}$/),
      identifier: fc.array(fc.record({ system: fc.constantFrom(NHS_NUMBER_SYSTEM, 'x'), value: text }), {
        maxLength: 3,
      }),
      name: fc.array(fc.record({ family: text, given: fc.array(text, { maxLength: 3 }) }), { maxLength: 2 }),
      gender: fc.constantFrom('male', 'female', 'other', 'unknown', 'x'),
      birthDate: fc.oneof(
        text,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      ),
      address: fc.array(fc.record({ line: fc.array(text, { maxLength: 2 }), postalCode: text }), { maxLength: 2 }),
      telecom: fc.array(fc.record({ system: fc.constantFrom('phone', 'sms'), value: text }), { maxLength: 2 }),
    },
    { requiredKeys: ['id'] },
  );
  await fc.assert(
    fc.asyncProperty(patient, async (fields) => {
      const p = { resourceType: 'Patient', ...fields, id: `fuzz-${fields.id}` } as Patient;
      const r = await app.fhir.store.transaction((tx) => mpi.linkPatient(tx, p, 'FUZZ'));
      assert.equal(await mpi.personOf(p.id!), r.personId);
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test('patientsWithNhsNumber finds the records holding a number, the verified one first, whatever the spacing', async () => {
  const nhs = newNhsNumber();
  const other = newNhsNumber();
  const common = { family: 'Adeyemi', given: 'Tolu', gender: 'male' as const, birthDate: '1961-07-30' };
  await feed(aSourcePatient({ id: 'a-unverified-1', nhs: { value: nhs, verified: false }, ...common }), 'RJ1');
  await feed(aSourcePatient({ id: 'z-verified-1', nhs: { value: nhs, verified: true }, ...common }), 'F83004');
  await feed(aSourcePatient({ id: 'b-other-1', nhs: { value: other, verified: true }, ...common }), 'RJ1');

  const spaced = `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`;
  assert.deepEqual(await mpi.patientsWithNhsNumber(spaced), ['z-verified-1', 'a-unverified-1']);
  assert.deepEqual(await mpi.patientsWithNhsNumber(other), ['b-other-1']);
  // A number failing Modulus 11 finds nothing rather than a near miss.
  const wrongCheck = `${nhs.slice(0, 9)}${(Number(nhs[9]) + 1) % 10}`;
  assert.deepEqual(await mpi.patientsWithNhsNumber(wrongCheck), []);
});
