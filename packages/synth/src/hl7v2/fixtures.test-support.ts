/**
 * Hand-made fixtures for the HL7 v2 tests: a small region (an acute trust with two sites, a mental health trust,
 * a GP practice, their staff) and source records that between them hold every event kind and optional field the
 * feeds use. Every person, number and address here is invented; phone numbers are Ofcom drama numbers.
 */
import type {
  Address,
  ClinicalEvent,
  Coding,
  Organisation,
  OrganisationKind,
  Region,
  SourceRecord,
  StaffMember,
} from '../model.ts';
import { LOINC, SNOMED } from '../model.ts';

const TREATMENT_FUNCTION = 'https://fhir.nhs.uk/CodeSystem/NHSDataModelAndDictionary-treatment-function';

export const ACUTE = 'XR1';
export const ACUTE_MAIN_SITE = 'XR1A1';
export const ACUTE_COMMUNITY_SITE = 'XR1B2';
export const MENTAL_HEALTH = 'XM1';
export const GP_PRACTICE = 'XY001';

function address(line: string[], district: string, postalCode: string): Address {
  return { line, city: 'London', district, postalCode };
}

function organisation(
  odsCode: string,
  name: string,
  kind: OrganisationKind,
  system: string,
  sites: Organisation['sites'],
): Organisation {
  return {
    odsCode,
    name,
    kind,
    address: address(['1 Example Road'], 'Southwark', 'SE1 9ZZ'),
    telephone: '020 7946 0000',
    parentOdsCode: 'XQ1',
    sites,
    system: { name: system, localIdPrefix: odsCode },
  };
}

const organisations: Organisation[] = [
  organisation(ACUTE, 'Northbank Hospitals NHS Trust', 'acute-trust', 'NorthPAS', [
    {
      odsCode: ACUTE_MAIN_SITE,
      name: 'Northbank General Hospital',
      address: address(['Hospital Way'], 'Southwark', 'SE5 9ZZ'),
      hasEmergencyDepartment: true,
    },
    {
      odsCode: ACUTE_COMMUNITY_SITE,
      name: 'Riverside Community Hospital',
      address: address(['River Lane'], 'Lambeth', 'SE11 9ZZ'),
      hasEmergencyDepartment: false,
    },
  ]),
  organisation(MENTAL_HEALTH, 'Eastbrook Mental Health NHS Foundation Trust', 'mental-health-trust', 'Rio & Co', [
    {
      odsCode: 'XM1A1',
      name: 'Larkspur Centre',
      address: address(['Larkspur Road'], 'Lewisham', 'SE13 9ZZ'),
      hasEmergencyDepartment: false,
    },
  ]),
  organisation(GP_PRACTICE, 'Canal Street Surgery', 'gp-practice', 'GP System', []),
];

function specialty(code: string, display: string): Coding {
  return { system: TREATMENT_FUNCTION, code, display };
}

function clinician(
  sdsUserId: string,
  prefix: string,
  given: string,
  family: string,
  profession: StaffMember['profession'],
  odsCode: string,
  speciality?: Coding,
): StaffMember {
  return {
    sdsUserId,
    name: { prefix, given: [given], family },
    gender: 'female',
    profession,
    roles: [
      {
        odsCode,
        sdsRoleProfileId: `9${sdsUserId.slice(1)}`,
        jobRole: { code: 'R8000', display: 'Clinical Practitioner Access Role' },
        ...(speciality ? { specialty: speciality } : {}),
      },
    ],
  };
}

export const PHYSICIAN = '100000000001';
export const ED_CONSULTANT = '100000000002';
export const CARDIOLOGIST = '100000000003';
export const PSYCHIATRIST = '100000000005';

const staff: StaffMember[] = [
  clinician(PHYSICIAN, 'Dr', 'Amara', 'Okafor', 'consultant', ACUTE, specialty('300', 'General internal medicine')),
  clinician(ED_CONSULTANT, 'Dr', 'Tom', "O'Neill", 'consultant', ACUTE, specialty('180', 'Emergency medicine')),
  clinician(CARDIOLOGIST, 'Dr', 'Priya', 'Shah', 'consultant', ACUTE, specialty('320', 'Cardiology')),
  clinician('100000000004', 'Mr', 'Sam', 'Lee', 'nurse', ACUTE),
  clinician(
    PSYCHIATRIST,
    'Dr',
    'Ines',
    'Costa',
    'psychiatrist',
    MENTAL_HEALTH,
    specialty('710', 'Adult mental illness'),
  ),
  clinician('100000000006', 'Dr', 'Hana', 'Ito', 'gp', GP_PRACTICE),
];

function byKey<K, V>(items: V[], key: (v: V) => K): Map<K, V[]> {
  const map = new Map<K, V[]>();
  for (const v of items) {
    const k = key(v);
    const list = map.get(k);
    if (list) list.push(v);
    else map.set(k, [v]);
  }
  return map;
}

export const region: Region = {
  name: 'Fixture London',
  organisations,
  staff,
  byOdsCode: new Map(organisations.map((o) => [o.odsCode, o])),
  byKind: byKey(organisations, (o) => o.kind),
  staffByOdsCode: byKey(staff, (s) => s.roles[0]!.odsCode),
};

const CARDIOLOGY = specialty('320', 'Cardiology');
const mmol = (value: number) => ({ value, unit: 'mmol/L', code: 'mmol/L' });

/** Text with every HL7 delimiter, blank lines, a lone carriage return and a trailing newline. */
export const DISCHARGE_TEXT = [
  'Discharge summary | Northbank General Hospital',
  'Diagnosis: community-acquired pneumonia ^ hyperkalaemia ~ resolved',
  'Medication: amoxicillin 500 mg three times a day \\ 5 days & review',
  '',
  'Follow up: cardiology clinic in 6 weeks.\r(Booked.)',
  'Signed: Dr A Okafor',
  '',
].join('\n');

/** An acute trust record with an outpatient visit, ED attendance, admission with transfers, results, a letter, appointments. */
export const inpatientRecord: SourceRecord = {
  odsCode: ACUTE,
  localId: 'RX1000001',
  localIdSystem: `https://fhir.${ACUTE}.nhs.uk/Id/mrn`,
  demographics: {
    nhsNumber: '9990000018',
    nhsNumberStatus: '01',
    name: { prefix: 'Mrs', given: ['Ada', 'Mary'], family: "O'Brien-Smith" },
    sex: 'female',
    birthDate: '1948-07-14',
    address: address(['Flat 2', '14 Canal Row'], 'Southwark', 'SE15 9ZX'),
    homePhone: '020 7946 0123',
    mobilePhone: '07700 900123',
  },
  noise: [],
  events: [
    {
      id: 'P0000001-1',
      kind: 'condition',
      odsCode: ACUTE,
      at: '2023-05-01T10:00:00Z',
      code: { system: SNOMED, code: '38341003', display: 'Hypertensive disorder' },
      onset: '2023-05-01',
      clinicalStatus: 'active',
      category: 'problem-list-item',
    },
    {
      id: 'P0000001-2',
      kind: 'appointment',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_COMMUNITY_SITE,
      performer: CARDIOLOGIST,
      at: '2024-01-10T10:00:00Z',
      start: '2024-02-01T09:30:00Z',
      end: '2024-02-01T09:50:00Z',
      specialty: CARDIOLOGY,
      status: 'fulfilled',
    },
    {
      id: 'P0000001-3',
      kind: 'encounter',
      setting: 'outpatient',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_COMMUNITY_SITE,
      performer: CARDIOLOGIST,
      at: '2024-02-01T09:35:00Z',
      end: '2024-02-01T09:55:00Z',
      location: 'Cardiology Clinic 2',
      reason: { system: SNOMED, code: '29857009', display: 'Chest pain' },
    },
    {
      id: 'P0000001-4',
      kind: 'appointment',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_COMMUNITY_SITE,
      performer: CARDIOLOGIST,
      at: '2024-02-01T10:00:00Z',
      start: '2024-04-01T09:30:00Z',
      end: '2024-04-01T09:50:00Z',
      specialty: CARDIOLOGY,
      status: 'cancelled',
    },
    {
      id: 'P0000001-5',
      kind: 'encounter',
      setting: 'emergency',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_MAIN_SITE,
      performer: ED_CONSULTANT,
      at: '2024-03-01T22:10:00Z',
      end: '2024-03-02T03:40:00Z',
      location: 'A&E Majors',
      reason: { system: SNOMED, code: '267036007', display: 'Dyspnoea' },
      news2: 5,
    },
    {
      id: 'P0000001-6',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-01T22:30:00Z',
      encounterId: 'P0000001-5',
      code: { system: LOINC, code: '2951-2', display: 'Sodium' },
      value: mmol(131),
      referenceRange: { low: 133, high: 146, unit: 'mmol/L' },
      interpretation: 'L',
      reportId: 'P0000001-10',
    },
    {
      id: 'P0000001-7',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-01T22:30:00Z',
      encounterId: 'P0000001-5',
      code: { system: LOINC, code: '2823-3', display: 'Potassium' },
      value: mmol(6.1),
      referenceRange: { low: 3.5, high: 5.3, unit: 'mmol/L' },
      interpretation: 'H',
      reportId: 'P0000001-10',
      note: 'Sample slightly haemolysed | repeat advised',
    },
    {
      id: 'P0000001-8',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-01T22:30:00Z',
      encounterId: 'P0000001-5',
      code: { system: LOINC, code: '2160-0', display: 'Creatinine' },
      value: { value: 88, unit: 'umol/L', code: 'umol/L' },
      referenceRange: { low: 45, high: 110, unit: 'umol/L' },
      interpretation: 'N',
      reportId: 'P0000001-10',
    },
    {
      id: 'P0000001-9',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-01T22:30:00Z',
      encounterId: 'P0000001-5',
      code: { system: LOINC, code: '33914-3', display: 'eGFR' },
      value: { value: 72, unit: 'mL/min/1.73m2', code: 'mL/min/{1.73_m2}' },
      referenceRange: { low: 60, unit: 'mL/min/1.73m2' },
      interpretation: 'N',
      reportId: 'P0000001-10',
    },
    {
      id: 'P0000001-10',
      kind: 'lab-report',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_MAIN_SITE,
      performer: ED_CONSULTANT,
      at: '2024-03-01T22:30:00Z',
      encounterId: 'P0000001-5',
      code: { system: SNOMED, code: '1000101000000108', display: 'Urea & electrolytes' },
      resultIds: ['P0000001-6', 'P0000001-7', 'P0000001-8', 'P0000001-9'],
      issued: '2024-03-01T23:45:00Z',
      placerOrderNumber: 'PL24-0001',
      fillerOrderNumber: 'FL24^0001',
      conclusion: 'Hyperkalaemia: repeat sample.\nDiscussed with registrar.',
    },
    {
      id: 'P0000001-11',
      kind: 'encounter',
      setting: 'inpatient',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_MAIN_SITE,
      performer: PHYSICIAN,
      at: '2024-03-02T03:50:00Z',
      end: '2024-03-06T14:30:00Z',
      location: 'AMU',
      wardTransfers: [
        { at: '2024-03-02T15:00:00Z', ward: 'Cedar Ward' },
        { at: '2024-03-04T10:00:00Z', ward: 'Willow Ward' },
      ],
      dischargeDestination: 'home',
      reason: { system: SNOMED, code: '385093006', display: 'Community acquired pneumonia' },
    },
    {
      id: 'P0000001-12',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-03T08:00:00Z',
      encounterId: 'P0000001-11',
      code: { system: LOINC, code: '718-7', display: 'Haemoglobin' },
      value: { value: 71, unit: 'g/L', code: 'g/L' },
      referenceRange: { low: 115, high: 165, unit: 'g/L' },
      interpretation: 'LL',
      reportId: 'P0000001-17',
    },
    {
      id: 'P0000001-13',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-03T08:00:00Z',
      encounterId: 'P0000001-11',
      code: { system: LOINC, code: '6690-2', display: 'White cell count' },
      value: { value: 32.1, unit: '10*9/L', code: '10*9/L' },
      referenceRange: { low: 4, high: 11, unit: '10*9/L' },
      interpretation: 'HH',
      reportId: 'P0000001-17',
    },
    {
      id: 'P0000001-14',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-03T08:00:00Z',
      encounterId: 'P0000001-11',
      code: { system: LOINC, code: '600-7', display: 'Blood culture' },
      value: { system: SNOMED, code: '264868006', display: 'No growth' },
      interpretation: 'N',
      reportId: 'P0000001-17',
    },
    {
      id: 'P0000001-15',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-03T08:00:00Z',
      encounterId: 'P0000001-11',
      code: { system: LOINC, code: '5767-9', display: 'Urine appearance' },
      value: 'Cloudy ^ amber & turbid',
      reportId: 'P0000001-17',
    },
    {
      id: 'P0000001-16',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-03-03T08:00:00Z',
      encounterId: 'P0000001-11',
      code: { system: LOINC, code: '3173-2', display: 'APTT' },
      reportId: 'P0000001-17',
      note: 'Sample clotted: no result',
    },
    {
      id: 'P0000001-17',
      kind: 'lab-report',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_MAIN_SITE,
      performer: PHYSICIAN,
      at: '2024-03-03T08:00:00Z',
      encounterId: 'P0000001-11',
      code: { system: SNOMED, code: '26604007', display: 'Full blood count' },
      resultIds: ['P0000001-12', 'P0000001-13', 'P0000001-14', 'P0000001-15', 'P0000001-16'],
      issued: '2024-03-03T09:30:00Z',
      placerOrderNumber: 'PL24-0002',
      fillerOrderNumber: 'FL24-0002',
    },
    {
      id: 'P0000001-18',
      kind: 'document',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_MAIN_SITE,
      performer: PHYSICIAN,
      at: '2024-03-06T15:10:00Z',
      encounterId: 'P0000001-11',
      type: { system: SNOMED, code: '373942005', display: 'Discharge summary' },
      title: 'Discharge summary: Cedar & Willow wards',
      text: DISCHARGE_TEXT,
    },
    {
      id: 'P0000001-19',
      kind: 'appointment',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_COMMUNITY_SITE,
      performer: CARDIOLOGIST,
      at: '2024-03-06T15:30:00Z',
      start: '2024-04-17T10:00:00Z',
      end: '2024-04-17T10:20:00Z',
      specialty: CARDIOLOGY,
      status: 'booked',
    },
    {
      id: 'P0000001-20',
      kind: 'appointment',
      odsCode: ACUTE,
      at: '2024-03-06T15:35:00Z',
      start: '2024-03-20T11:00:00Z',
      end: '2024-03-20T11:15:00Z',
      specialty: CARDIOLOGY,
      status: 'noshow',
    },
    {
      id: 'P0000001-21',
      kind: 'medication',
      odsCode: ACUTE,
      at: '2024-03-06T14:00:00Z',
      code: { system: 'https://dmd.nhs.uk', code: '323509004', display: 'Amoxicillin 500mg capsules' },
      dosageText: 'One capsule three times a day',
      courseType: 'acute',
      status: 'completed',
      issues: ['2024-03-06'],
    },
  ],
};

function edAttendance(id: string, at: string, end: string): ClinicalEvent {
  return {
    id,
    kind: 'encounter',
    setting: 'emergency',
    odsCode: ACUTE,
    siteOdsCode: ACUTE_MAIN_SITE,
    performer: ED_CONSULTANT,
    at,
    end,
    location: 'Majors',
    dischargeDestination: 'home',
  };
}

function outpatient(id: string, at: string): ClinicalEvent {
  return {
    id,
    kind: 'encounter',
    setting: 'outpatient',
    odsCode: ACUTE,
    siteOdsCode: ACUTE_COMMUNITY_SITE,
    performer: CARDIOLOGIST,
    at,
    end: new Date(Date.parse(at) + 20 * 60_000).toISOString().slice(0, 19) + 'Z',
    location: 'Cardiology Clinic 1',
  };
}

export const DUPLICATE_CREATED = '2024-05-10T18:00:00Z';
export const DUPLICATE_MERGED = '2024-05-20T11:00:00Z';

/** A record with a duplicate made at an ED attendance and merged ten days later. */
export const duplicateRecord: SourceRecord = {
  odsCode: ACUTE,
  localId: 'RX1000002',
  localIdSystem: `https://fhir.${ACUTE}.nhs.uk/Id/mrn`,
  demographics: {
    nhsNumber: '9990000026',
    nhsNumberStatus: '01',
    name: { given: ['John'], family: 'Adeyemi' },
    sex: 'male',
    birthDate: '1979-02-03',
    address: address(['7 Lock Street'], 'Lambeth', 'SW9 9ZQ'),
    mobilePhone: '07700 900456',
  },
  noise: [],
  duplicate: {
    localId: 'RX1000902',
    demographics: {
      name: { given: ['Jon'], family: 'Adeyemi' },
      sex: 'male',
      birthDate: '1979-03-02',
    },
    createdAt: DUPLICATE_CREATED,
    mergedAt: DUPLICATE_MERGED,
  },
  events: [
    outpatient('P0000002-1', '2024-01-05T10:00:00Z'),
    edAttendance('P0000002-2', DUPLICATE_CREATED, '2024-05-10T22:00:00Z'),
    {
      id: 'P0000002-3',
      kind: 'observation',
      category: 'laboratory',
      odsCode: ACUTE,
      at: '2024-05-10T18:40:00Z',
      encounterId: 'P0000002-2',
      code: { system: LOINC, code: '1988-5', display: 'C reactive protein' },
      value: { value: 4, unit: 'mg/L', code: 'mg/L' },
      referenceRange: { high: 5, unit: 'mg/L' },
      interpretation: 'N',
      reportId: 'P0000002-4',
    },
    {
      id: 'P0000002-4',
      kind: 'lab-report',
      odsCode: ACUTE,
      performer: ED_CONSULTANT,
      at: '2024-05-10T18:40:00Z',
      encounterId: 'P0000002-2',
      code: { system: SNOMED, code: '1001371000000100', display: 'CRP' },
      resultIds: ['P0000002-3'],
      issued: '2024-05-10T19:50:00Z',
      placerOrderNumber: 'PL24-0100',
      fillerOrderNumber: 'FL24-0100',
    },
    outpatient('P0000002-5', '2024-07-01T14:00:00Z'),
  ],
};

export const DIED_AT = '2024-08-09T04:12:00Z';

/** Died on a ward: the discharge (A03) tells of the death. */
export const diedInHospitalRecord: SourceRecord = {
  odsCode: ACUTE,
  localId: 'RX1000003',
  localIdSystem: `https://fhir.${ACUTE}.nhs.uk/Id/mrn`,
  demographics: {
    nhsNumber: '9990000034',
    nhsNumberStatus: '01',
    name: { prefix: 'Mr', given: ['Albert'], family: 'Kowalski' },
    sex: 'male',
    birthDate: '1931-11-30',
    address: address(['Room 4', 'Elm House', '3 Park Road'], 'Lewisham', 'SE13 9ZR'),
    deathDate: '2024-08-09',
  },
  noise: [],
  events: [
    outpatient('P0000003-1', '2024-06-03T10:00:00Z'),
    {
      id: 'P0000003-2',
      kind: 'encounter',
      setting: 'inpatient',
      odsCode: ACUTE,
      siteOdsCode: ACUTE_MAIN_SITE,
      performer: PHYSICIAN,
      at: '2024-08-01T12:00:00Z',
      end: DIED_AT,
      location: 'Oak Ward',
      dischargeDestination: 'died',
    },
  ],
};

export const DEATH_DATE = '2024-09-15';

/** Died at home: the PAS learns of it from PDS (A31). */
export const diedAtHomeRecord: SourceRecord = {
  odsCode: ACUTE,
  localId: 'RX1000004',
  localIdSystem: `https://fhir.${ACUTE}.nhs.uk/Id/mrn`,
  demographics: {
    nhsNumber: '9990000042',
    nhsNumberStatus: '02',
    name: { given: ['Grace'], family: 'Mensah' },
    sex: 'female',
    birthDate: '1940-01-20',
    address: address(['22 Quay Street'], 'Greenwich', 'SE10 9ZT'),
    homePhone: '020 7946 0456',
    deathDate: DEATH_DATE,
  },
  noise: [],
  events: [outpatient('P0000004-1', '2024-06-01T11:00:00Z')],
};

/** No NHS number held (a visitor, not traced). */
export const noNhsNumberRecord: SourceRecord = {
  odsCode: ACUTE,
  localId: 'RX1000005',
  localIdSystem: `https://fhir.${ACUTE}.nhs.uk/Id/mrn`,
  demographics: {
    name: { given: ['Luca'], family: 'Romano' },
    sex: 'unknown',
    birthDate: '1995-04-09',
  },
  noise: ['nhs-number-missing'],
  events: [edAttendance('P0000005-1', '2024-02-11T02:00:00Z', '2024-02-11T05:30:00Z')],
};

/** A mental health trust: a section 2 admission with a transfer, then a community contact. */
export const mentalHealthRecord: SourceRecord = {
  odsCode: MENTAL_HEALTH,
  localId: 'XM1000001',
  localIdSystem: `https://fhir.${MENTAL_HEALTH}.nhs.uk/Id/mrn`,
  demographics: {
    nhsNumber: '9990000050',
    nhsNumberStatus: '01',
    name: { given: ['Noor'], family: 'Rahman' },
    sex: 'other',
    birthDate: '1990-12-01',
    address: address(['5 Wharf Road'], 'Lewisham', 'SE8 9ZU'),
  },
  noise: [],
  events: [
    {
      id: 'P0000006-1',
      kind: 'encounter',
      setting: 'mental-health',
      odsCode: MENTAL_HEALTH,
      siteOdsCode: 'XM1A1',
      performer: PSYCHIATRIST,
      at: '2024-04-02T16:00:00Z',
      end: '2024-04-28T11:00:00Z',
      location: 'Birch Ward',
      wardTransfers: [{ at: '2024-04-09T12:00:00Z', ward: 'Rowan Ward' }],
      mhaSection: '2',
      dischargeDestination: 'home',
    },
    {
      id: 'P0000006-2',
      kind: 'encounter',
      setting: 'mental-health',
      odsCode: MENTAL_HEALTH,
      performer: PSYCHIATRIST,
      at: '2024-05-10T10:00:00Z',
      end: '2024-05-10T11:00:00Z',
      location: 'Home visit',
    },
  ],
};

/** A GP practice record: GP systems send no HL7 v2 here. */
export const gpRecord: SourceRecord = {
  odsCode: GP_PRACTICE,
  localId: 'GP-1',
  localIdSystem: `https://fhir.${GP_PRACTICE}.nhs.uk/Id/local`,
  demographics: inpatientRecord.demographics,
  noise: [],
  events: [
    {
      id: 'P0000001-90',
      kind: 'encounter',
      setting: 'gp',
      odsCode: GP_PRACTICE,
      at: '2024-01-02T09:00:00Z',
      end: '2024-01-02T09:10:00Z',
    },
  ],
};

export const hospitalRecords: readonly SourceRecord[] = [
  inpatientRecord,
  duplicateRecord,
  diedInHospitalRecord,
  diedAtHomeRecord,
  noNhsNumberRecord,
  mentalHealthRecord,
];

/** `n` hospital records: the fixtures again under new local identifiers, so each draws its own random stream. */
export function manyRecords(n: number): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (let i = 0; i < n; i++) {
    const base = hospitalRecords[i % hospitalRecords.length]!;
    const localId = `${base.localId}-${i}`;
    out.push({
      ...base,
      localId,
      ...(base.duplicate ? { duplicate: { ...base.duplicate, localId: `${base.duplicate.localId}-${i}` } } : {}),
    });
  }
  return out;
}
