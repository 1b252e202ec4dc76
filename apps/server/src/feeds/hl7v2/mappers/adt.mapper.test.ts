import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CTX,
  MRN,
  NHS_NUMBER,
  SENDER,
  adt,
  evn,
  message,
  msh,
  operations,
  pid,
  pv1,
  resourceOf,
  segment,
  upserts,
  validationIssues,
} from './hl7-fixtures.test-support.ts';
import { mapHl7Message } from './map-message.ts';

const PATIENT_ID = `${SENDER}-${MRN}`;
const ENCOUNTER_ID = `${SENDER}-V1001`;

test('A01: UK Core Patient from PID, with the NHS number and its verification status', () => {
  const result = mapHl7Message(adt('A01'), CTX);
  assert.deepEqual(validationIssues(result), []);
  assert.ok(result.ok);
  assert.equal(result.patientId, PATIENT_ID);
  const patient = resourceOf(result, 'Patient');
  assert.equal(patient.id, PATIENT_ID);
  assert.deepEqual(patient.meta?.profile, ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient']);
  assert.deepEqual(patient.identifier?.[0]?.system, `https://fhir.joinedup.example/Id/${SENDER}/mrn`);
  assert.equal(patient.identifier?.[0]?.value, MRN);
  const nhs = patient.identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number');
  assert.equal(nhs?.value, NHS_NUMBER);
  assert.equal(
    nhs?.extension?.[0]?.url,
    'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
  );
  assert.equal(nhs?.extension?.[0]?.valueCodeableConcept?.coding?.[0]?.code, '01');
  assert.deepEqual(patient.name, [{ use: 'official', family: 'Smith', given: ['Jane', 'Ann'], prefix: ['Mrs'] }]);
  assert.equal(patient.gender, 'female');
  assert.equal(patient.birthDate, '1980-01-02');
  assert.deepEqual(patient.address, [
    {
      use: 'home',
      line: ['1 High Street', 'Flat 2'],
      city: 'London',
      district: 'Camden',
      postalCode: 'NW1 1AA',
      country: 'GBR',
    },
  ]);
  assert.deepEqual(patient.telecom, [
    { system: 'phone', value: '020 7946 0000', use: 'home' },
    { system: 'phone', value: '07700 900000', use: 'mobile' },
  ]);
  assert.equal(patient.managingOrganization?.reference, `Organization/${SENDER}`);
  assert.equal(patient.managingOrganization?.identifier?.value, SENDER);
  assert.deepEqual(patient.extension, [
    { url: 'https://fhir.joinedup.example/StructureDefinition/source-event-time', valueInstant: result.eventTime },
  ]);
});

test('A01: an inpatient Encounter in progress, with location, attending doctor, admission type and service', () => {
  const result = mapHl7Message(adt('A01'), CTX);
  const encounter = resourceOf(result, 'Encounter');
  assert.equal(encounter.id, ENCOUNTER_ID);
  assert.equal(encounter.status, 'in-progress');
  assert.equal(encounter.class.code, 'IMP');
  assert.equal(encounter.subject?.reference, `Patient/${PATIENT_ID}`);
  // 2024-03-01 is GMT in Europe/London.
  assert.deepEqual(encounter.period, { start: '2024-03-01T10:00:00+00:00' });
  assert.equal(encounter.location?.[0]?.location.display, 'Ward 5, Room 2, Bed 3');
  assert.equal(encounter.location?.[0]?.status, 'active');
  assert.equal(encounter.location?.[0]?.physicalType?.coding?.[0]?.code, 'bd');
  assert.deepEqual(encounter.participant?.[0]?.individual, {
    type: 'Practitioner',
    identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '555000000001' },
  });
  assert.equal(encounter.participant?.[0]?.type?.[0]?.coding?.[0]?.code, 'ATND');
  assert.equal(encounter.type?.[0]?.coding?.[0]?.code, 'E');
  assert.equal(encounter.serviceType?.coding?.[0]?.system, 'http://snomed.info/sct');
  assert.equal(encounter.identifier?.[0]?.value, 'V1001');
});

test('a doctor with no id is referenced by name only', () => {
  const result = mapHl7Message(adt('A01', { pv1: { 7: '^Jones^Alan^^^Dr', 8: 'C123^Patel^Ravi^^^Dr^^^GMC' } }), CTX);
  const participants = resourceOf(result, 'Encounter').participant ?? [];
  assert.deepEqual(participants[0]?.individual, { type: 'Practitioner', display: 'Dr Alan Jones' });
  assert.deepEqual(participants[1]?.individual?.identifier, {
    system: 'https://fhir.hl7.org.uk/Id/gmc-number',
    value: 'C123',
  });
  assert.equal(participants[1]?.type?.[0]?.coding?.[0]?.code, 'REF');
});

test('class and status by trigger: A04 emergency or outpatient, A05 planned, A06 and A07 class changes', () => {
  const cases: [string, string, string, string][] = [
    ['A04', 'E', 'EMER', 'in-progress'],
    ['A04', 'O', 'AMB', 'in-progress'],
    ['A05', 'P', 'PRENC', 'planned'],
    ['A06', 'I', 'IMP', 'in-progress'],
    ['A07', 'O', 'AMB', 'in-progress'],
    ['A04', '', 'AMB', 'in-progress'],
  ];
  for (const [trigger, patientClass, cls, status] of cases) {
    const result = mapHl7Message(adt(trigger, { pv1: { 2: patientClass } }), CTX);
    const encounter = resourceOf(result, 'Encounter');
    assert.equal(encounter.class.code, cls, `${trigger} ${patientClass}`);
    assert.equal(encounter.status, status, `${trigger} ${patientClass}`);
    assert.deepEqual(validationIssues(result), []);
  }
});

test('A03: finished, with the discharge time as period end and the discharge destination', () => {
  const result = mapHl7Message(adt('A03', { pv1: { 36: '19', 45: '20240305120000' } }), CTX);
  const encounter = resourceOf(result, 'Encounter');
  assert.equal(encounter.status, 'finished');
  assert.deepEqual(encounter.period, { start: '2024-03-01T10:00:00+00:00', end: '2024-03-05T12:00:00+00:00' });
  assert.equal(encounter.location?.[0]?.status, 'completed');
  assert.deepEqual(encounter.hospitalization?.dischargeDisposition?.coding?.[0], {
    system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland',
    code: '19',
  });
});

test('A03 without PV1-45 ends the visit at EVN-6 (event occurred)', () => {
  const m = message(msh('ADT^A03'), evn('A03', '20240305121000', '20240305120500'), pid(), pv1());
  assert.equal(resourceOf(mapHl7Message(m, CTX), 'Encounter').period?.end, '2024-03-05T12:05:00+00:00');
});

test('A02: the new location starts at the transfer', () => {
  const m = message(
    msh('ADT^A02'),
    evn('A02', '20240302090000', '20240302085500'),
    pid(),
    pv1({ 3: 'Ward 7^^^RXX01' }),
  );
  const location = resourceOf(mapHl7Message(m, CTX), 'Encounter').location?.[0];
  assert.equal(location?.location.display, 'Ward 7');
  assert.equal(location?.physicalType?.coding?.[0]?.code, 'wa');
  assert.deepEqual(location?.period, { start: '2024-03-02T08:55:00+00:00' });
});

test('A08: patient and visit; without a visit, the patient only', () => {
  const withVisit = operations(mapHl7Message(adt('A08'), CTX));
  assert.deepEqual(
    withVisit.map((o) => (o.kind === 'upsert' ? o.resource.resourceType : o.kind)),
    ['Patient', 'Encounter'],
  );
  const encounterOp = withVisit[1]!;
  assert.ok(encounterOp.kind === 'upsert');
  // An A08 that does not say the visit ended must not reopen one that has.
  assert.deepEqual(encounterOp.defaults, ['status']);
  for (const m of [
    adt('A08', { visit: false }),
    adt('A08', { pv1: { 2: 'N' } }),
    adt('A08', { pv1: { 19: '', 44: '' } }),
  ]) {
    assert.deepEqual(
      upserts(mapHl7Message(m, CTX)).map((r) => r.resourceType),
      ['Patient'],
    );
  }
});

test('A28 and A31: the Patient only', () => {
  for (const trigger of ['A28', 'A31']) {
    const result = mapHl7Message(adt(trigger, { pv1: { 2: 'N' } }), CTX);
    assert.deepEqual(
      operations(result).map((o) => o.kind === 'upsert' && o.resource.resourceType),
      ['Patient'],
    );
  }
});

test('A11, A12, A13: the Patient, then a cancel of the Encounter', () => {
  const expected = { A11: 'entered-in-error', A12: 'previous-location', A13: 'reopen' } as const;
  for (const [trigger, to] of Object.entries(expected)) {
    const ops = operations(mapHl7Message(adt(trigger), CTX));
    assert.equal(ops.length, 2);
    assert.ok(ops[0]?.kind === 'upsert' && ops[0].resource.resourceType === 'Patient');
    assert.deepEqual(ops[1], { kind: 'cancel', resourceType: 'Encounter', id: ENCOUNTER_ID, to });
  }
});

test('A40: the surviving Patient, then a merge of the prior MRN into it', () => {
  const m = message(msh('ADT^A40'), evn('A40'), pid(), segment('MRG', { 1: `K999^^^${SENDER}^MR`, 7: 'Smith^Jane' }));
  const result = mapHl7Message(m, CTX);
  assert.ok(result.ok);
  assert.equal(result.patientId, PATIENT_ID);
  assert.deepEqual(result.operations[1], {
    kind: 'merge',
    survivingPatientId: PATIENT_ID,
    priorPatientId: `${SENDER}-K999`,
  });
  assert.deepEqual(validationIssues(result), []);
});

test('A40 with two PID/MRG pairs merges each; A34 (patient id only) merges too', () => {
  const two = message(
    msh('ADT^A40'),
    evn('A40'),
    pid(),
    segment('MRG', { 1: 'K999^^^RXX^MR' }),
    pid({ 3: 'K200^^^RXX^MR' }),
    segment('MRG', { 1: 'K201^^^RXX^MR' }),
  );
  const merges = operations(mapHl7Message(two, CTX)).filter((o) => o.kind === 'merge');
  assert.deepEqual(
    merges.map((o) => o.kind === 'merge' && [o.priorPatientId, o.survivingPatientId]),
    [
      ['RXX-K999', 'RXX-K123456'],
      ['RXX-K201', 'RXX-K200'],
    ],
  );
  const a34 = message(msh('ADT^A34'), evn('A34'), pid(), segment('MRG', { 1: 'K999^^^RXX^MRN' }));
  assert.equal(operations(mapHl7Message(a34, CTX)).filter((o) => o.kind === 'merge').length, 1);
});

test('merge errors: no MRG (100), MRG before any PID (100), a patient merged into itself (102), no prior MRN (101)', () => {
  const noMrg = mapHl7Message(message(msh('ADT^A40'), evn('A40'), pid()), CTX);
  assert.ok(!noMrg.ok);
  assert.equal(noMrg.error.code, '100');
  assert.equal(noMrg.error.segment, 'MRG');
  const mrgFirst = mapHl7Message(message(msh('ADT^A40'), evn('A40'), segment('MRG', { 1: 'K1^^^RXX^MR' })), CTX);
  assert.ok(!mrgFirst.ok);
  assert.equal(mrgFirst.error.code, '100');
  const self = mapHl7Message(message(msh('ADT^A40'), evn('A40'), pid(), segment('MRG', { 1: `${MRN}^^^RXX^MR` })), CTX);
  assert.ok(!self.ok);
  assert.deepEqual([self.error.code, self.error.segment, self.error.field], ['102', 'MRG', 1]);
  const onlyNhs = mapHl7Message(
    message(msh('ADT^A40'), evn('A40'), pid(), segment('MRG', { 1: `${NHS_NUMBER}^^^NHS^NH` })),
    CTX,
  );
  assert.ok(!onlyNhs.ok);
  assert.deepEqual([onlyNhs.error.code, onlyNhs.error.segment, onlyNhs.error.field], ['101', 'MRG', 1]);
});

test('an NHS number that fails Modulus 11 is not recorded; one written with spaces is normalised', () => {
  const bad = resourceOf(
    mapHl7Message(adt('A28', { pid: { 3: `${MRN}^^^RXX^MR~1234567890^^^NHS^NH` } }), CTX),
    'Patient',
  );
  assert.deepEqual(
    bad.identifier?.map((i) => i.value),
    [MRN],
  );
  const spaced = resourceOf(
    mapHl7Message(adt('A28', { pid: { 3: `${MRN}^^^RXX^MR~943 476 5919^^^NHS^NH` } }), CTX),
    'Patient',
  );
  assert.equal(spaced.identifier?.[1]?.value, NHS_NUMBER);
});

test('PID-32 outside 01-08 gives no verification status', () => {
  const patient = resourceOf(mapHl7Message(adt('A28', { pid: { 32: 'X' } }), CTX), 'Patient');
  assert.equal(patient.identifier?.[1]?.extension, undefined);
});

test('the MRN: type MR first, else MRN, else PI, else the first identifier that is not an NHS number', () => {
  const idOf = (pid3: string) => {
    const result = mapHl7Message(adt('A28', { pid: { 3: pid3 } }), CTX);
    return result.ok ? result.patientId : result.error.code;
  };
  assert.equal(idOf(`${NHS_NUMBER}^^^NHS^NH~A1^^^RXX^PI~B2^^^RXX^MR`), 'RXX-B2');
  assert.equal(idOf('A1^^^RXX^PI~C3^^^RXX^MRN'), 'RXX-C3');
  assert.equal(idOf('A1^^^RXX^PI~D4^^^RXX^XX'), 'RXX-A1');
  assert.equal(idOf(`${NHS_NUMBER}^^^NHS^NH~E5`), 'RXX-E5');
  assert.equal(idOf(`${NHS_NUMBER}^^^NHS^NH`), '101');
  assert.equal(idOf(''), '101');
});

test('an assigning authority other than the sender is part of the identifier system and of the id', () => {
  const result = mapHl7Message(adt('A28', { pid: { 3: 'A1^^^SITE B^MR' } }), CTX);
  const patient = resourceOf(result, 'Patient');
  assert.equal(patient.identifier?.[0]?.system, 'https://fhir.joinedup.example/Id/RXX/mrn/SITE%20B');
  assert.match(patient.id!, /^RXX-SITE-B-A1-[0-9a-f]{16}$/);
  const other = resourceOf(mapHl7Message(adt('A28', { pid: { 3: 'A1^^^SITE C^MR' } }), CTX), 'Patient');
  assert.notEqual(other.id, patient.id);
  const uri = resourceOf(
    mapHl7Message(adt('A28', { pid: { 3: 'A1^^^&https://trust.example/mrn&URI^MR' } }), CTX),
    'Patient',
  );
  assert.equal(uri.identifier?.[0]?.system, 'https://trust.example/mrn');
});

test('deceased: PID-29 as a dateTime, else PID-30 Y as a boolean', () => {
  const byDate = resourceOf(mapHl7Message(adt('A03', { pid: { 29: '202403051200', 30: 'Y' } }), CTX), 'Patient');
  assert.equal(byDate.deceasedDateTime, '2024-03-05T12:00:00+00:00');
  assert.equal(byDate.deceasedBoolean, undefined);
  const byFlag = resourceOf(mapHl7Message(adt('A31', { pid: { 30: 'Y' } }), CTX), 'Patient');
  assert.equal(byFlag.deceasedBoolean, true);
});

test('a field sent as "" is listed to clear; an empty one is not', () => {
  const ops = operations(mapHl7Message(adt('A31', { pid: { 11: '""', 13: '""', 29: '""', 8: '' } }), CTX));
  const patientOp = ops[0]!;
  assert.ok(patientOp.kind === 'upsert');
  assert.deepEqual(patientOp.clear, ['address', 'telecom', 'deceasedDateTime', 'deceasedBoolean']);
});

test('names: every PID-5 repetition, with the name type as use', () => {
  const patient = resourceOf(
    mapHl7Message(adt('A28', { pid: { 5: 'Smith^Jane^^^^^L~Jones^Jane^^^^^M~^^^^^^' } }), CTX),
    'Patient',
  );
  assert.deepEqual(patient.name, [
    { use: 'official', family: 'Smith', given: ['Jane'] },
    { use: 'maiden', family: 'Jones', given: ['Jane'] },
  ]);
});

test('sex codes of HL7 table 0001', () => {
  const genderOf = (code: string) => resourceOf(mapHl7Message(adt('A28', { pid: { 8: code } }), CTX), 'Patient').gender;
  assert.deepEqual(['M', 'F', 'O', 'U', 'A', 'N', 'Z', ''].map(genderOf), [
    'male',
    'female',
    'other',
    'unknown',
    'other',
    'unknown',
    undefined,
    undefined,
  ]);
});

test('no PV1-19: the Encounter id comes from the patient and PV1-44; with neither, 101 naming PV1-19', () => {
  const derived = resourceOf(mapHl7Message(adt('A01', { pv1: { 19: '' } }), CTX), 'Encounter');
  assert.equal(derived.id, `${PATIENT_ID}-20240301100000`);
  const again = resourceOf(mapHl7Message(adt('A03', { pv1: { 19: '', 45: '20240302100000' } }), CTX), 'Encounter');
  assert.equal(again.id, derived.id);
  const none = mapHl7Message(adt('A01', { pv1: { 19: '', 44: '' } }), CTX);
  assert.ok(!none.ok);
  assert.deepEqual([none.error.code, none.error.segment, none.error.field], ['101', 'PV1', 19]);
});

test('errors name the segment and field: missing PID (100), no usable PID-3 (101), bad PID-7 (102)', () => {
  const noPid = mapHl7Message(message(msh('ADT^A01'), evn('A01'), pv1()), CTX);
  assert.ok(!noPid.ok);
  assert.deepEqual([noPid.error.code, noPid.error.segment], ['100', 'PID']);
  const noId = mapHl7Message(adt('A01', { pid: { 3: '' } }), CTX);
  assert.ok(!noId.ok);
  assert.deepEqual(
    [noId.error.code, noId.error.segment, noId.error.field, noId.error.segmentIndex, noId.error.segmentSequence],
    ['101', 'PID', 3, 2, 1],
  );
  for (const bad of ['19800231', '1980010', 'yesterday']) {
    const badDate = mapHl7Message(adt('A01', { pid: { 7: bad } }), CTX);
    assert.ok(!badDate.ok, bad);
    assert.deepEqual([badDate.error.code, badDate.error.segment, badDate.error.field], ['102', 'PID', 7]);
    assert.ok(!badDate.error.text.includes(bad), 'error text never holds message content');
  }
  const noPv1 = mapHl7Message(adt('A01', { visit: false }), CTX);
  assert.ok(!noPv1.ok);
  assert.deepEqual([noPv1.error.code, noPv1.error.segment], ['100', 'PV1']);
});
