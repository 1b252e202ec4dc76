import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  AllergyIntolerance,
  Appointment,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Procedure,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import {
  NHS_NUMBER_SYSTEM,
  ODS_SYSTEM,
  type ClinicalEvent,
  type ClinicalEventKind,
  type SourceRecord,
} from '../model.ts';
import { keyOf, referencesIn } from './fhir-test-helpers.test-support.ts';
import { AWKWARD_TEXT, STAFF, fixtureRecords, fixtureRegion } from './fixtures.test-support.ts';
import {
  CANCER_PATHWAY_URL,
  IMMUNISATION_DUE_DATE_URL,
  isValidFhirId,
  MEDICATION_LAST_ISSUE_DATE_URL,
  regionResources,
  sourceRecordResources,
  sourceTransactionBundle,
} from './index.ts';

const region = fixtureRegion();
const records = fixtureRecords();
const regionKeys = new Set(regionResources(region).map(keyOf));
const perRecord = records.map((record) => ({ record, resources: sourceRecordResources(record, region) }));
const all = perRecord.flatMap((r) => r.resources);
const byKey = new Map(all.map((r) => [keyOf(r), r]));

function get<T extends Resource>(key: string): T {
  const r = byKey.get(key);
  assert.ok(r, `${key} is in the output`);
  return r as T;
}

function recordOf(odsCode: string): SourceRecord {
  const record = records.find((r) => r.odsCode === odsCode);
  assert.ok(record);
  return record;
}

const UK_CORE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-';

test('the fixtures hold every kind of event and every optional field', () => {
  const events: ClinicalEvent[] = records.flatMap((r) => r.events);
  const kinds: ClinicalEventKind[] = [
    'encounter',
    'condition',
    'medication',
    'allergy',
    'observation',
    'lab-report',
    'immunisation',
    'referral',
    'procedure',
    'document',
    'appointment',
  ];
  for (const kind of kinds)
    assert.ok(
      events.some((e) => e.kind === kind),
      kind,
    );
  const has = (kind: ClinicalEventKind, field: string) =>
    assert.ok(
      events.some((e) => e.kind === kind && (e as unknown as Record<string, unknown>)[field] !== undefined),
      `${kind}.${field}`,
    );
  for (const field of ['siteOdsCode', 'performer', 'encounterId']) has('observation', field);
  for (const field of ['end', 'reason', 'wardTransfers', 'location', 'dischargeDestination', 'mhaSection', 'news2']) {
    has('encounter', field);
  }
  for (const d of ['home', 'care-home', 'hospice', 'died', 'other-hospital']) {
    assert.ok(
      events.some((e) => e.kind === 'encounter' && e.dischargeDestination === d),
      d,
    );
  }
  has('condition', 'abatement');
  has('medication', 'quantity');
  has('allergy', 'reaction');
  for (const field of ['value', 'components', 'referenceRange', 'interpretation', 'reportId', 'note']) {
    has('observation', field);
  }
  has('lab-report', 'conclusion');
  for (const field of ['doseNumber', 'statusReason', 'dueDate']) has('immunisation', field);
  has('referral', 'cancer');
  const demographics = records.flatMap((r) => [r.demographics, ...(r.duplicate ? [r.duplicate.demographics] : [])]);
  for (const field of ['nhsNumber', 'nhsNumberStatus', 'address', 'homePhone', 'mobilePhone', 'deathDate']) {
    assert.ok(
      demographics.some((d) => (d as unknown as Record<string, unknown>)[field] !== undefined),
      field,
    );
  }
  assert.ok(demographics.some((d) => d.nhsNumber === undefined));
  assert.ok(records.some((r) => r.duplicate));
});

test('ids are valid FHIR ids, unique across every source and the region', () => {
  for (const r of all) assert.ok(isValidFhirId(r.id!), keyOf(r));
  assert.equal(byKey.size, all.length);
  for (const key of byKey.keys()) assert.ok(!regionKeys.has(key), key);
  // One resource per event plus the Patients.
  for (const { record, resources } of perRecord) {
    assert.equal(resources.length, record.events.length + (record.duplicate ? 2 : 1));
  }
});

test('every literal reference points at a resource of the output or the region', () => {
  for (const r of all) {
    for (const ref of referencesIn(r)) {
      assert.ok(byKey.has(ref.reference!) || regionKeys.has(ref.reference!), `${keyOf(r)} -> ${ref.reference}`);
      if (ref.reference!.startsWith('Organization/')) {
        assert.equal(ref.identifier?.system, ODS_SYSTEM);
        assert.ok(ref.display);
      }
    }
  }
});

test('no id or reference gives away the true person id', () => {
  const text = JSON.stringify(all);
  assert.ok(!/P000000\d/.test(text));
});

test('every event resource refers to the Patient of its source and names a UK Core profile', () => {
  for (const { record, resources } of perRecord) {
    const patient = resources[0] as Patient;
    assert.equal(patient.resourceType, 'Patient');
    assert.ok(patient.identifier?.some((i) => i.system === record.localIdSystem && i.value === record.localId));
    for (const r of resources) {
      assert.ok(r.meta?.profile?.[0]?.startsWith(UK_CORE), keyOf(r));
      if (r.resourceType === 'Patient') continue;
      const refs = referencesIn(r).map((ref) => ref.reference);
      assert.ok(refs.includes(keyOf(patient)), `${keyOf(r)} refers to ${keyOf(patient)}`);
    }
  }
});

test('Patient: local id, NHS number with its verification status, demographics, source and GP', () => {
  const gp = get<Patient>('Patient/F99001-E00012345');
  assert.deepEqual(gp.identifier, [
    { system: 'https://fhir.joinedup.example/Id/F99001/gp-patient-id', value: 'E00012345' },
    {
      system: NHS_NUMBER_SYSTEM,
      value: '9990000018',
      extension: [
        {
          url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
          valueCodeableConcept: {
            coding: [
              {
                system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
                code: '01',
                display: 'Number present and verified',
              },
            ],
          },
        },
      ],
    },
  ]);
  assert.deepEqual(gp.name, [{ use: 'official', prefix: ['Ms'], given: ['Ada', 'Ngozi'], family: 'Okafor' }]);
  assert.equal(gp.gender, 'female');
  assert.equal(gp.birthDate, '1958-07-21');
  assert.deepEqual(gp.telecom, [
    { system: 'phone', value: '020 7946 0123', use: 'home' },
    { system: 'phone', value: '07700 900123', use: 'mobile' },
  ]);
  assert.equal(gp.address?.[0]?.postalCode, 'SE15 9QA');
  assert.equal(gp.managingOrganization?.reference, 'Organization/F99001');
  assert.deepEqual(
    gp.generalPractitioner?.map((r) => r.reference),
    ['Organization/F99001'],
  );
  assert.equal(gp.active, true);

  const acute = get<Patient>('Patient/R9Z-T00456789');
  assert.equal(acute.generalPractitioner, undefined);
  assert.equal(acute.managingOrganization?.reference, 'Organization/R9Z');

  const nhs111 = get<Patient>('Patient/R9V-T00000777');
  assert.deepEqual(
    nhs111.identifier?.map((i) => i.system),
    ['https://fhir.joinedup.example/Id/R9V/case-patient-id'],
  );
  assert.equal(nhs111.address, undefined);
  assert.equal(nhs111.telecom, undefined);

  assert.equal(get<Patient>('Patient/H9Z-T00000099').deceasedDateTime, '2026-06-30');
  assert.equal(gp.deceasedDateTime, undefined);
});

test('a merged duplicate is an inactive Patient replaced by the survivor', () => {
  const survivor = get<Patient>('Patient/R9Z-T00456789');
  const duplicate = get<Patient>('Patient/R9Z-T00999999');
  assert.equal(duplicate.active, false);
  assert.deepEqual(duplicate.link, [{ other: { reference: 'Patient/R9Z-T00456789' }, type: 'replaced-by' }]);
  assert.deepEqual(survivor.link, [{ other: { reference: 'Patient/R9Z-T00999999' }, type: 'replaces' }]);
  assert.equal(duplicate.birthDate, '1958-12-07');
  assert.deepEqual(
    duplicate.identifier?.map((i) => i.value),
    ['T00999999'],
  );
});

test('a local id that is not a valid FHIR id still gives valid, stable ids', () => {
  const careHome = perRecord.find((r) => r.record.odsCode === 'VC901')!.resources;
  assert.match(careHome[0]!.id!, /^VC901-RES-0007-A-[0-9a-f]{8}$/);
  assert.ok((careHome[0] as Patient).identifier?.some((i) => i.value === 'RES/0007 A'));
  for (const r of careHome) assert.ok(isValidFhirId(r.id!));
});

test('Encounter: class by setting, period, status, location history, discharge and legal status', () => {
  const classOf = (key: string) => get<Encounter>(key).class.code;
  assert.equal(classOf('Encounter/F99001-E00012345-1'), 'AMB');
  assert.equal(classOf('Encounter/R9Z-T00456789-20'), 'EMER');
  assert.equal(classOf('Encounter/R9Z-T00456789-22'), 'IMP');
  assert.equal(classOf('Encounter/R9Y-T00111222-30'), 'IMP');
  assert.equal(classOf('Encounter/R9Y-T00111222-31'), 'AMB');
  assert.equal(classOf('Encounter/R9V-T00000777-40'), 'VR');
  assert.equal(classOf('Encounter/R9W-T20260101-0042-1'), 'FLD');
  assert.equal(classOf('Encounter/R9X-T00888111-10'), 'HH');

  const stay = get<Encounter>('Encounter/R9Z-T00456789-22');
  assert.equal(stay.status, 'finished');
  assert.deepEqual(stay.period, { start: '2025-01-16T03:30:00Z', end: '2025-01-21T12:00:00Z' });
  assert.deepEqual(
    stay.location?.map((l) => [l.location.reference ?? l.location.display, l.period?.start, l.period?.end]),
    [
      ['Location/R9Z01', '2025-01-16T03:30:00Z', '2025-01-21T12:00:00Z'],
      ['Acute Medical Unit', '2025-01-16T03:30:00Z', '2025-01-17T10:00:00Z'],
      ['Nightingale Ward', '2025-01-17T10:00:00Z', '2025-01-19T15:30:00Z'],
      ['Seacole Ward', '2025-01-19T15:30:00Z', '2025-01-21T12:00:00Z'],
    ],
  );
  assert.deepEqual(
    stay.hospitalization?.dischargeDisposition?.coding?.map((c) => c.code),
    ['home', '19'],
  );
  assert.equal(stay.serviceProvider?.reference, 'Organization/R9Z');
  assert.equal(stay.participant?.[0]?.individual?.reference, `Practitioner/sds-${STAFF.consultant}`);
  assert.equal(stay.reasonCode?.[0]?.coding?.[0]?.code, '233604007');
  assert.equal(
    get<Encounter>('Encounter/H9Z-T00000099-40').hospitalization?.dischargeDisposition?.coding?.[0]?.code,
    'exp',
  );

  const detained = get<Encounter>('Encounter/R9Y-T00111222-30');
  assert.equal(detained.status, 'in-progress');
  assert.equal(detained.period?.end, undefined);
  assert.deepEqual(
    detained.location?.map((l) => [l.location.reference ?? l.location.display, l.status, l.period?.end]),
    [
      ['Location/R9Y01', 'active', undefined],
      ['Willow Ward', 'completed', '2026-10-28T11:00:00Z'],
      ['Rowan Ward', 'active', undefined],
    ],
  );
  const legal = detained.extension?.[0];
  assert.equal(legal?.url, 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-LegalStatus');
  assert.deepEqual(
    legal?.extension?.map((x) => [x.url, x.valueCodeableConcept?.coding?.[0]?.code]),
    [
      ['legalStatusContext', 'admission'],
      ['legalStatusClassification', '02'],
    ],
  );
  assert.equal(get<Encounter>('Encounter/R9V-T00000777-40').extension, undefined);

  // An organisation without sites is at its premises.
  assert.equal(get<Encounter>('Encounter/F99001-E00012345-1').location?.[0]?.location.reference, 'Location/F99001');
});

test('Condition: status, category, onset, abatement only when not active', () => {
  const active = get<Condition>('Condition/F99001-E00012345-2');
  assert.equal(active.clinicalStatus?.coding?.[0]?.code, 'active');
  assert.equal(active.category?.[0]?.coding?.[0]?.code, 'problem-list-item');
  assert.equal(active.onsetDateTime, '2024-03-04');
  assert.equal(active.abatementDateTime, undefined);
  assert.equal(active.encounter?.reference, 'Encounter/F99001-E00012345-1');
  assert.equal(active.recorder?.reference, `Practitioner/sds-${STAFF.gp}`);
  const resolved = get<Condition>('Condition/F99001-E00012345-3');
  assert.equal(resolved.clinicalStatus?.coding?.[0]?.code, 'resolved');
  assert.equal(resolved.category?.[0]?.coding?.[0]?.code, 'encounter-diagnosis');
  assert.equal(resolved.abatementDateTime, '2019-06-20');
  assert.equal(resolved.recorder, undefined);
});

test('MedicationRequest: one per prescription with course, dosage, repeats and issues', () => {
  const repeat = get<MedicationRequest>('MedicationRequest/F99001-E00012345-5');
  assert.equal(repeat.status, 'active');
  assert.equal(repeat.intent, 'order');
  assert.equal(repeat.medicationCodeableConcept?.coding?.[0]?.code, '318135003');
  assert.equal(repeat.courseOfTherapyType?.coding?.[0]?.code, 'continuous');
  assert.deepEqual(repeat.dosageInstruction, [{ text: 'One tablet once a day' }]);
  assert.deepEqual(repeat.dispenseRequest, { numberOfRepeatsAllowed: 2, quantity: { value: 28, unit: 'tablet' } });
  assert.deepEqual(repeat.extension, [
    {
      url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationRepeatInformation',
      extension: [{ url: 'numberOfPrescriptionsIssued', valueUnsignedInt: 3 }],
    },
    { url: MEDICATION_LAST_ISSUE_DATE_URL, valueDateTime: '2024-04-29' },
  ]);
  assert.equal(repeat.requester?.reference, `Practitioner/sds-${STAFF.gp}`);

  const acute = get<MedicationRequest>('MedicationRequest/F99001-E00012345-6');
  assert.equal(acute.status, 'stopped');
  assert.equal(acute.courseOfTherapyType?.coding?.[0]?.code, 'acute');
  assert.equal(acute.dispenseRequest, undefined);
  assert.deepEqual(acute.extension, [{ url: MEDICATION_LAST_ISSUE_DATE_URL, valueDateTime: '2019-06-10' }]);
  // Without a performer the organisation is the requester.
  assert.equal(acute.requester?.reference, 'Organization/F99001');
});

test('AllergyIntolerance: category, criticality, reaction', () => {
  const penicillin = get<AllergyIntolerance>('AllergyIntolerance/F99001-E00012345-7');
  assert.deepEqual(penicillin.category, ['medication']);
  assert.equal(penicillin.criticality, 'high');
  assert.equal(penicillin.patient.reference, 'Patient/F99001-E00012345');
  assert.equal(penicillin.reaction?.[0]?.manifestation[0]?.coding?.[0]?.code, '271807003');
  assert.equal(get<AllergyIntolerance>('AllergyIntolerance/F99001-E00012345-8').reaction, undefined);
});

test('Observation: each kind of value, components, range, interpretation, note, category and profile', () => {
  const bp = get<Observation>('Observation/F99001-E00012345-4');
  assert.equal(bp.meta?.profile?.[0], `${UK_CORE}Observation-BloodPressure`);
  assert.deepEqual(
    bp.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code]),
    [
      ['8480-6', 162, 'mm[Hg]'],
      ['8462-4', 98, 'mm[Hg]'],
    ],
  );
  assert.equal(bp.interpretation?.[0]?.coding?.[0]?.code, 'H');
  assert.equal(bp.category?.[0]?.coding?.[0]?.code, 'vital-signs');

  const sodium = get<Observation>('Observation/R9Z-T00456789-24');
  assert.equal(sodium.meta?.profile?.[0], `${UK_CORE}Observation-Lab`);
  assert.deepEqual(sodium.valueQuantity, {
    value: 138,
    unit: 'mmol/L',
    system: 'http://unitsofmeasure.org',
    code: 'mmol/L',
  });
  assert.deepEqual(sodium.referenceRange, [
    {
      low: { value: 133, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      high: { value: 146, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    },
  ]);
  const potassium = get<Observation>('Observation/R9Z-T00456789-25');
  assert.equal(potassium.referenceRange?.[0]?.low, undefined);
  assert.equal(potassium.interpretation?.[0]?.coding?.[0]?.code, 'HH');

  const alcohol = get<Observation>('Observation/F99001-E00012345-9');
  assert.equal(alcohol.valueString, 'Drinks about 6 units a week');
  assert.deepEqual(alcohol.note, [{ text: 'Patient says "mostly at weekends" & rarely more' }]);
  assert.equal(alcohol.meta?.profile?.[0], `${UK_CORE}Observation`);
  const smoking = get<Observation>('Observation/F99001-E00012345-10');
  assert.equal(smoking.valueCodeableConcept?.coding?.[0]?.code, '8517006');
  assert.equal(smoking.valueQuantity, undefined);

  const news2 = get<Observation>('Observation/R9W-T20260101-0042-2');
  assert.equal(news2.meta?.profile?.[0], `${UK_CORE}Observation-EarlyWarningTotalScore`);
  assert.equal(news2.valueQuantity?.value, 7);
  assert.equal(news2.encounter?.reference, 'Encounter/R9W-T20260101-0042-1');
  // A range in another unit than the result keeps only its own unit.
  assert.deepEqual(get<Observation>('Observation/R9W-T20260101-0042-3').referenceRange?.[0]?.low, {
    value: 51,
    unit: '/min',
  });
});

test('DiagnosticReport: order numbers, issued, results in order, conclusion', () => {
  const report = get<DiagnosticReport>('DiagnosticReport/R9Z-T00456789-26');
  assert.deepEqual(
    report.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value]),
    [
      ['PLAC', 'PL-000123'],
      ['FILL', 'FL/2025/000456'],
    ],
  );
  assert.equal(report.issued, '2025-01-16T06:12:00Z');
  assert.deepEqual(
    report.result?.map((r) => r.reference),
    ['Observation/R9Z-T00456789-24', 'Observation/R9Z-T00456789-25'],
  );
  assert.equal(report.conclusion, 'Hyperkalaemia: repeat sample advised.');
  assert.equal(report.meta?.profile?.[0], `${UK_CORE}DiagnosticReport-Lab`);
  assert.equal(report.performer?.[0]?.reference, 'Organization/R9Z');
});

test('Immunization: completed with dose number; not done with its reason; due dates', () => {
  const flu = get<Immunization>('Immunization/F99001-E00012345-11');
  assert.equal(flu.status, 'completed');
  assert.deepEqual(flu.protocolApplied, [{ doseNumberPositiveInt: 1 }]);
  assert.deepEqual(flu.extension, [{ url: IMMUNISATION_DUE_DATE_URL, valueDate: '2023-10-01' }]);
  assert.equal(flu.occurrenceDateTime, '2023-10-12T14:00:00Z');
  assert.equal(flu.performer?.[0]?.actor.reference, `Practitioner/sds-${STAFF.gp}`);
  const declined = get<Immunization>('Immunization/F99001-E00012345-12');
  assert.equal(declined.status, 'not-done');
  assert.equal(declined.statusReason?.coding?.[0]?.code, '591000119102');
  assert.equal(declined.protocolApplied, undefined);
  assert.equal(get<Immunization>('Immunization/FZ901-T00000042-60').location?.reference, 'Location/FZ901');
});

test('ServiceRequest: priority, the organisation referred to, cancer pathway dates', () => {
  const cancer = get<ServiceRequest>('ServiceRequest/F99001-E00012345-13');
  assert.equal(cancer.priority, 'urgent');
  assert.equal(cancer.performer?.[0]?.reference, 'Organization/R9Z');
  const pathway = cancer.extension?.find((x) => x.url === CANCER_PATHWAY_URL);
  assert.deepEqual(
    pathway?.extension?.map((x) => [x.url, x.valueDate ?? x.valueString ?? x.valueBoolean]),
    [
      ['tumourSite', 'Breast'],
      ['referralDate', '2024-03-04'],
      ['firstSeenDate', '2024-03-14'],
      ['diagnosisCommunicatedDate', '2024-03-28'],
      ['diagnosed', true],
      ['decisionToTreatDate', '2024-04-02'],
      ['firstTreatmentDate', '2024-04-20'],
    ],
  );
  const outside = get<ServiceRequest>('ServiceRequest/F99001-E00012345-14');
  assert.deepEqual(outside.performer, [{ identifier: { system: ODS_SYSTEM, value: 'XX999' } }]);
  assert.equal(outside.extension, undefined);
  assert.equal(get<ServiceRequest>('ServiceRequest/LA901-T00000555-21').priority, 'asap');
});

test('Procedure: performer, encounter and site', () => {
  const xray = get<Procedure>('Procedure/R9Z-T00456789-27');
  assert.equal(xray.status, 'completed');
  assert.equal(xray.performedDateTime, '2025-01-16T08:00:00Z');
  assert.equal(xray.location?.reference, 'Location/R9Z01');
  assert.equal(xray.encounter?.reference, 'Encounter/R9Z-T00456789-22');
});

test('DocumentReference: the text survives base64 byte for byte, with type, title, author and encounter', () => {
  const summary = get<DocumentReference>('DocumentReference/R9Z-T00456789-28');
  const attachment = summary.content[0]!.attachment;
  assert.equal(attachment.contentType, 'text/plain;charset=utf-8');
  assert.equal(Buffer.from(attachment.data!, 'base64').toString('utf8'), AWKWARD_TEXT);
  assert.equal(attachment.title, 'Discharge summary – A&E <admission>');
  assert.equal(summary.type?.coding?.[0]?.code, '373942005');
  assert.deepEqual(
    summary.author?.map((a) => a.reference),
    [`Practitioner/sds-${STAFF.consultant}`, 'Organization/R9Z'],
  );
  assert.deepEqual(
    summary.context?.encounter?.map((e) => e.reference),
    ['Encounter/R9Z-T00456789-22'],
  );
  assert.equal(summary.custodian?.reference, 'Organization/R9Z');
});

test('Appointment: status, times, patient and location participants', () => {
  const future = get<Appointment>('Appointment/F99001-E00012345-17');
  assert.equal(future.status, 'booked');
  assert.equal(future.start, '2026-12-03T10:30:00Z');
  assert.equal(future.end, '2026-12-03T10:40:00Z');
  assert.deepEqual(
    future.participant.map((p) => p.actor?.reference),
    ['Patient/F99001-E00012345', 'Location/F99001', `Practitioner/sds-${STAFF.gp}`],
  );
  const cancelled = get<Appointment>('Appointment/R9Z-T00456789-29');
  assert.equal(cancelled.status, 'cancelled');
  assert.deepEqual(
    cancelled.participant.map((p) => p.actor?.reference),
    ['Patient/R9Z-T00456789', 'Location/R9Z02'],
  );
  const careHome = perRecord.find((r) => r.record.odsCode === 'VC901')!.resources;
  assert.deepEqual(
    careHome.filter((r) => r.resourceType === 'Appointment').map((r) => r.status),
    ['fulfilled', 'noshow'],
  );
});

test('references to events the record does not hold are left out rather than dangling', () => {
  const record = recordOf('R9Z');
  const news2 = record.events.find((e) => e.id === 'P0000001-21')!;
  const report = record.events.find((e) => e.id === 'P0000001-26')!;
  const alone: SourceRecord = { ...record, duplicate: undefined, events: [news2, report] };
  const [, observation, diagnosticReport] = sourceRecordResources(alone, region);
  assert.equal((observation as Observation).encounter, undefined);
  assert.equal((diagnosticReport as DiagnosticReport).result, undefined);
  assert.equal((diagnosticReport as DiagnosticReport).encounter, undefined);
});

test('the transaction bundle PUTs every resource to Type/id', () => {
  const record = recordOf('R9Z');
  const bundle = sourceTransactionBundle(record, region);
  assert.equal(bundle.type, 'transaction');
  assert.deepEqual(
    bundle.entry?.map((e) => [e.request?.method, e.request?.url]),
    sourceRecordResources(record, region).map((r) => ['PUT', keyOf(r)]),
  );
});

test('the same inputs give the same output', () => {
  const again = fixtureRecords().flatMap((record) => sourceRecordResources(record, fixtureRegion()));
  assert.equal(JSON.stringify(again), JSON.stringify(all));
});
