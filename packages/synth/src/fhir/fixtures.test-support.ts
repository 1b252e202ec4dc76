import {
  DMD,
  LOINC,
  SNOMED,
  type Address,
  type ClinicalEvent,
  type Organisation,
  type OrganisationKind,
  type Region,
  type SourceRecord,
  type StaffMember,
} from '../model.ts';

/**
 * Hand-made fixtures for the FHIR output: a small region with one organisation of each kind, and two people's
 * source records that between them hold every kind of clinical event and every optional field of the model.
 * All made up: phone numbers are in Ofcom's drama ranges, NHS numbers in the never-issued 999 range, street
 * names invented.
 */

export const FIXTURE_AS_OF = '2026-11-01';

/** Characters that HL7 v2, XML and JSON each treat specially, and some non-ASCII, for document text. */
export const AWKWARD_TEXT = 'Plan: A&E <review> "urgent" | ^ ~ \\ – naïve café 🙂\nLine two\r\nLine three';

function address(line: string, district: string, postalCode: string): Address {
  return { line: [line], city: 'London', district, postalCode };
}

function org(odsCode: string, name: string, kind: OrganisationKind, fields: Partial<Organisation> = {}): Organisation {
  return {
    odsCode,
    name,
    kind,
    address: address(`1 ${name.split(' ')[0]} Row`, 'Southwark', 'SE15 9QX'),
    telephone: '020 7946 0001',
    parentOdsCode: 'QZZ',
    sites: [],
    system: { name: 'TESTSYS', localIdPrefix: 'T' },
    ...fields,
  };
}

const ORGANISATIONS = (): Organisation[] => [
  org('F99001', 'Rye Lane Surgery', 'gp-practice', { system: { name: 'EMIS', localIdPrefix: 'E' } }),
  org('R9Z', 'South Thames Hospitals NHS Foundation Trust', 'acute-trust', {
    sites: [
      {
        odsCode: 'R9Z01',
        name: "St Olave's General Hospital",
        address: address('10 Olave Walk', 'Southwark', 'SE1 9QZ'),
        hasEmergencyDepartment: true,
      },
      {
        odsCode: 'R9Z02',
        name: 'Camberwell Green Hospital',
        address: address('2 Greenfield Lane', 'Southwark', 'SE5 9QY'),
        hasEmergencyDepartment: false,
      },
    ],
  }),
  org('R9Y', 'Thames Minds NHS Foundation Trust', 'mental-health-trust', {
    sites: [
      {
        odsCode: 'R9Y01',
        name: 'Nunhead Mental Health Centre',
        address: address('4 Quiet Way', 'Southwark', 'SE15 9QW'),
        hasEmergencyDepartment: false,
      },
    ],
  }),
  org('R9X', 'Southwark Community Health NHS Trust', 'community-trust', {
    sites: [
      {
        odsCode: 'R9X01',
        name: 'Peckham Health Centre',
        address: address('8 Health Row', 'Southwark', 'SE15 9QV'),
        hasEmergencyDepartment: false,
      },
    ],
  }),
  org('LA901', 'London Borough of Southmere', 'local-authority', { parentOdsCode: undefined }),
  org('R9W', 'Capital Ambulance Service NHS Trust', 'ambulance-service'),
  org('R9V', 'London 111 Service', 'nhs-111'),
  org('VC901', 'Rosewood Care Home', 'care-home', { beds: 60 }),
  org('FZ901', 'Bellenden Pharmacy', 'pharmacy'),
  org('H9Z', 'St Jude Hospice', 'hospice', {
    beds: 16,
    sites: [
      {
        odsCode: 'H9Z01',
        name: 'St Jude Hospice Sydenham',
        address: address('12 Hill Rise', 'Lewisham', 'SE26 9QT'),
        hasEmergencyDepartment: false,
      },
    ],
  }),
  org('R8Z', 'Kent Coast Hospitals NHS Trust', 'out-of-area-trust', {
    parentOdsCode: 'QKZ',
    address: { line: ['3 Harbour Road'], city: 'Margate', district: 'Kent', postalCode: 'CT9 9QS' },
    sites: [
      {
        odsCode: 'R8Z01',
        name: 'Kent Coast General Hospital',
        address: { line: ['3 Harbour Road'], city: 'Margate', district: 'Kent', postalCode: 'CT9 9QS' },
        hasEmergencyDepartment: true,
      },
    ],
  }),
];

const CLINICAL = { code: 'R8000', display: 'Clinical Practitioner Access Role' };
const NURSE = { code: 'R8001', display: 'Nurse Access Role' };
const HEALTH_PROFESSIONAL = { code: 'R8003', display: 'Health Professional Access Role' };
const SOCIAL_WORKER = { code: 'R8014', display: 'Social Worker Access Role' };
const ADMIN = { code: 'R8008', display: 'Admin/Clinical Support Access Role' };

/** SDS user ids of the fixture staff, by what they do. */
export const STAFF = {
  gp: '900000000001',
  consultant: '900000000002',
  nurse: '900000000003',
  paramedic: '900000000004',
  psychiatrist: '900000000005',
  amhp: '900000000006',
  callHandler: '900000000007',
  pharmacist: '900000000008',
  careWorker: '900000000009',
} as const;

const STAFF_MEMBERS = (): StaffMember[] => [
  {
    sdsUserId: STAFF.gp,
    name: { prefix: 'Dr', given: ['Amara'], family: 'Okonjo' },
    gender: 'female',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7000001' },
    profession: 'gp',
    roles: [{ odsCode: 'F99001', sdsRoleProfileId: '910000000001', jobRole: CLINICAL }],
  },
  {
    sdsUserId: STAFF.consultant,
    name: { prefix: 'Dr', given: ['Tomasz', 'Jan'], family: 'Nowicki' },
    gender: 'male',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7000002' },
    profession: 'consultant',
    roles: [
      {
        odsCode: 'R9Z',
        sdsRoleProfileId: '910000000002',
        jobRole: CLINICAL,
        specialty: { system: SNOMED, code: '394579002', display: 'Cardiology' },
      },
      { odsCode: 'R8Z', sdsRoleProfileId: '910000000012', jobRole: CLINICAL },
    ],
  },
  {
    sdsUserId: STAFF.nurse,
    name: { given: ['Grace'], family: 'Mensah' },
    gender: 'female',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/nmc-pin', value: '01A2345E' },
    profession: 'nurse',
    roles: [
      { odsCode: 'R9X', sdsRoleProfileId: '910000000003', jobRole: NURSE },
      { odsCode: 'H9Z', sdsRoleProfileId: '910000000013', jobRole: NURSE },
    ],
  },
  {
    sdsUserId: STAFF.paramedic,
    name: { given: ['Liam'], family: "O'Brien" },
    gender: 'male',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/hcpc-number', value: 'PA123456' },
    profession: 'paramedic',
    roles: [{ odsCode: 'R9W', sdsRoleProfileId: '910000000004', jobRole: HEALTH_PROFESSIONAL }],
  },
  {
    sdsUserId: STAFF.psychiatrist,
    name: { prefix: 'Dr', given: ['Priya'], family: 'Raman' },
    gender: 'female',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7000005' },
    profession: 'psychiatrist',
    roles: [{ odsCode: 'R9Y', sdsRoleProfileId: '910000000005', jobRole: CLINICAL }],
  },
  {
    sdsUserId: STAFF.amhp,
    name: { given: ['Kwame'], family: 'Asante' },
    gender: 'male',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/swe-number', value: 'SW99999' },
    profession: 'amhp',
    roles: [{ odsCode: 'LA901', sdsRoleProfileId: '910000000006', jobRole: SOCIAL_WORKER }],
  },
  {
    sdsUserId: STAFF.callHandler,
    name: { given: ['Sam'], family: 'Taylor' },
    gender: 'male',
    profession: 'call-handler',
    roles: [{ odsCode: 'R9V', sdsRoleProfileId: '910000000007', jobRole: ADMIN }],
  },
  {
    sdsUserId: STAFF.pharmacist,
    name: { given: ['Nadia'], family: 'Haddad' },
    gender: 'female',
    professionalId: { system: 'https://fhir.hl7.org.uk/Id/gphc-number', value: '2099999' },
    profession: 'pharmacist',
    roles: [{ odsCode: 'FZ901', sdsRoleProfileId: '910000000008', jobRole: HEALTH_PROFESSIONAL }],
  },
  {
    sdsUserId: STAFF.careWorker,
    name: { given: ['Maria'], family: 'Santos' },
    gender: 'female',
    profession: 'care-worker',
    roles: [{ odsCode: 'VC901', sdsRoleProfileId: '910000000009', jobRole: ADMIN }],
  },
];

/** A fresh copy of the fixture region each call. */
export function fixtureRegion(): Region {
  const organisations = ORGANISATIONS();
  const staff = STAFF_MEMBERS();
  const byOdsCode = new Map(organisations.map((o) => [o.odsCode, o]));
  const byKind = new Map<OrganisationKind, Organisation[]>();
  for (const o of organisations) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
  const staffByOdsCode = new Map<string, StaffMember[]>();
  for (const s of staff) {
    for (const r of s.roles) staffByOdsCode.set(r.odsCode, [...(staffByOdsCode.get(r.odsCode) ?? []), s]);
  }
  return { name: 'Fixture London', organisations, staff, byOdsCode, byKind, staffByOdsCode };
}

function localIdSystem(odsCode: string, name: string): string {
  return `https://fhir.joinedup.example/Id/${odsCode}/${name}`;
}

const HOME = address('22 Fictional Row', 'Southwark', 'SE15 9QA');
const OLD_HOME = address('5 Imaginary Mews', 'Lambeth', 'SE11 9QB');
const ADA = { prefix: 'Ms', given: ['Ada', 'Ngozi'], family: 'Okafor' };

/** Person 1: GP, acute (with a merged duplicate), mental health, 111, out-of-area and pharmacy records. */
function personOneRecords(): SourceRecord[] {
  const gpEvents: ClinicalEvent[] = [
    {
      kind: 'encounter',
      id: 'P0000001-1',
      odsCode: 'F99001',
      performer: STAFF.gp,
      at: '2024-03-04T09:10:00Z',
      end: '2024-03-04T09:25:00Z',
      setting: 'gp',
      reason: { system: SNOMED, code: '29857009', display: 'Chest pain' },
      location: 'Consulting room 2',
    },
    {
      kind: 'condition',
      id: 'P0000001-2',
      odsCode: 'F99001',
      performer: STAFF.gp,
      encounterId: 'P0000001-1',
      at: '2024-03-04T09:20:00Z',
      code: { system: SNOMED, code: '38341003', display: 'Hypertensive disorder' },
      onset: '2024-03-04',
      clinicalStatus: 'active',
      category: 'problem-list-item',
    },
    {
      kind: 'condition',
      id: 'P0000001-3',
      odsCode: 'F99001',
      at: '2019-06-10T11:00:00Z',
      code: { system: SNOMED, code: '68566005', display: 'Urinary tract infectious disease' },
      onset: '2019-06-08',
      abatement: '2019-06-20',
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
    },
    {
      kind: 'observation',
      id: 'P0000001-4',
      odsCode: 'F99001',
      performer: STAFF.gp,
      encounterId: 'P0000001-1',
      at: '2024-03-04T09:15:00Z',
      category: 'vital-signs',
      code: { system: LOINC, code: '85354-9', display: 'Blood pressure panel' },
      components: [
        {
          code: { system: LOINC, code: '8480-6', display: 'Systolic blood pressure' },
          value: { value: 162, unit: 'mmHg', code: 'mm[Hg]' },
        },
        {
          code: { system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' },
          value: { value: 98, unit: 'mmHg', code: 'mm[Hg]' },
        },
      ],
      interpretation: 'H',
    },
    {
      kind: 'medication',
      id: 'P0000001-5',
      odsCode: 'F99001',
      performer: STAFF.gp,
      encounterId: 'P0000001-1',
      at: '2024-03-04T09:22:00Z',
      code: { system: DMD, code: '318135003', display: 'Amlodipine 5mg tablets' },
      dosageText: 'One tablet once a day',
      courseType: 'repeat',
      status: 'active',
      issues: ['2024-03-04', '2024-04-01', '2024-04-29'],
      quantity: { value: 28, unit: 'tablet' },
    },
    {
      kind: 'medication',
      id: 'P0000001-6',
      odsCode: 'F99001',
      at: '2019-06-10T11:05:00Z',
      code: { system: DMD, code: '324357002', display: 'Nitrofurantoin 50mg capsules' },
      dosageText: 'One capsule four times a day for 3 days',
      courseType: 'acute',
      status: 'stopped',
      issues: ['2019-06-10'],
    },
    {
      kind: 'allergy',
      id: 'P0000001-7',
      odsCode: 'F99001',
      performer: STAFF.gp,
      at: '2015-01-12T10:00:00Z',
      code: { system: SNOMED, code: '91936005', display: 'Allergy to penicillin' },
      category: 'medication',
      criticality: 'high',
      reaction: { system: SNOMED, code: '271807003', display: 'Eruption of skin' },
    },
    {
      kind: 'allergy',
      id: 'P0000001-8',
      odsCode: 'F99001',
      at: '2016-02-01T10:00:00Z',
      code: { system: SNOMED, code: '91935009', display: 'Allergy to peanut' },
      category: 'food',
      criticality: 'low',
    },
    {
      kind: 'observation',
      id: 'P0000001-9',
      odsCode: 'F99001',
      at: '2024-03-04T09:12:00Z',
      category: 'social-history',
      code: { system: SNOMED, code: '228273003', display: 'Finding relating to alcohol drinking behaviour' },
      value: 'Drinks about 6 units a week',
      note: 'Patient says "mostly at weekends" & rarely more',
    },
    {
      kind: 'observation',
      id: 'P0000001-10',
      odsCode: 'F99001',
      at: '2024-03-04T09:13:00Z',
      category: 'survey',
      code: { system: SNOMED, code: '365980008', display: 'Tobacco use and exposure - finding' },
      value: { system: SNOMED, code: '8517006', display: 'Ex-smoker' },
    },
    {
      kind: 'immunisation',
      id: 'P0000001-11',
      odsCode: 'F99001',
      performer: STAFF.gp,
      at: '2023-10-12T14:00:00Z',
      vaccineCode: { system: SNOMED, code: '39114911000001105', display: 'Influenza vaccine' },
      status: 'completed',
      doseNumber: 1,
      dueDate: '2023-10-01',
    },
    {
      kind: 'immunisation',
      id: 'P0000001-12',
      odsCode: 'F99001',
      at: '2024-10-15T14:00:00Z',
      vaccineCode: { system: SNOMED, code: '40384611000001108', display: 'COVID-19 vaccine' },
      status: 'not-done',
      statusReason: { system: SNOMED, code: '591000119102', display: 'Vaccine refused by patient' },
      dueDate: '2024-10-01',
    },
    {
      kind: 'referral',
      id: 'P0000001-13',
      odsCode: 'F99001',
      performer: STAFF.gp,
      encounterId: 'P0000001-1',
      at: '2024-03-04T09:24:00Z',
      code: { system: SNOMED, code: '276641000000103', display: 'Referral to breast surgery service' },
      priority: 'urgent',
      toOdsCode: 'R9Z',
      cancer: {
        tumourSite: 'Breast',
        referralDate: '2024-03-04',
        firstSeenDate: '2024-03-14',
        diagnosisCommunicatedDate: '2024-03-28',
        diagnosed: true,
        decisionToTreatDate: '2024-04-02',
        firstTreatmentDate: '2024-04-20',
      },
    },
    {
      kind: 'referral',
      id: 'P0000001-14',
      odsCode: 'F99001',
      at: '2024-05-01T10:00:00Z',
      code: { system: SNOMED, code: '306206005', display: 'Referral to service' },
      priority: 'routine',
      toOdsCode: 'XX999',
    },
    {
      kind: 'procedure',
      id: 'P0000001-15',
      odsCode: 'F99001',
      performer: STAFF.gp,
      encounterId: 'P0000001-1',
      at: '2024-03-04T09:18:00Z',
      code: { system: SNOMED, code: '29303009', display: 'Electrocardiographic procedure' },
    },
    {
      kind: 'document',
      id: 'P0000001-16',
      odsCode: 'F99001',
      performer: STAFF.gp,
      encounterId: 'P0000001-1',
      at: '2024-03-04T09:40:00Z',
      type: { system: SNOMED, code: '371531000', display: 'Report of clinical encounter' },
      title: 'Consultation note',
      text: 'Chest pain, BP 162/98. Started amlodipine.',
    },
    {
      kind: 'appointment',
      id: 'P0000001-17',
      odsCode: 'F99001',
      performer: STAFF.gp,
      at: '2026-10-20T08:00:00Z',
      start: '2026-12-03T10:30:00Z',
      end: '2026-12-03T10:40:00Z',
      specialty: { system: SNOMED, code: '394814009', display: 'General practice' },
      status: 'booked',
    },
  ];

  const acuteEvents: ClinicalEvent[] = [
    {
      kind: 'encounter',
      id: 'P0000001-20',
      odsCode: 'R9Z',
      siteOdsCode: 'R9Z01',
      performer: STAFF.consultant,
      at: '2025-01-15T22:05:00Z',
      end: '2025-01-16T03:30:00Z',
      setting: 'emergency',
      reason: { system: SNOMED, code: '267036007', display: 'Dyspnoea' },
      location: 'Majors',
      news2: 6,
    },
    {
      kind: 'observation',
      id: 'P0000001-21',
      odsCode: 'R9Z',
      siteOdsCode: 'R9Z01',
      encounterId: 'P0000001-20',
      at: '2025-01-15T22:10:00Z',
      category: 'vital-signs',
      code: { system: SNOMED, code: '1104051000000101', display: 'Royal College of Physicians NEWS2 score' },
      value: { value: 6, unit: 'score', code: '{score}' },
      interpretation: 'A',
    },
    {
      kind: 'encounter',
      id: 'P0000001-22',
      odsCode: 'R9Z',
      siteOdsCode: 'R9Z01',
      performer: STAFF.consultant,
      at: '2025-01-16T03:30:00Z',
      end: '2025-01-21T12:00:00Z',
      setting: 'inpatient',
      reason: { system: SNOMED, code: '233604007', display: 'Pneumonia' },
      location: 'Acute Medical Unit',
      wardTransfers: [
        { at: '2025-01-17T10:00:00Z', ward: 'Nightingale Ward' },
        { at: '2025-01-19T15:30:00Z', ward: 'Seacole Ward' },
      ],
      dischargeDestination: 'home',
    },
    {
      kind: 'condition',
      id: 'P0000001-23',
      odsCode: 'R9Z',
      encounterId: 'P0000001-22',
      at: '2025-01-16T04:00:00Z',
      code: { system: SNOMED, code: '233604007', display: 'Pneumonia' },
      onset: '2025-01-14',
      abatement: '2025-02-01',
      clinicalStatus: 'resolved',
      category: 'encounter-diagnosis',
    },
    {
      kind: 'observation',
      id: 'P0000001-24',
      odsCode: 'R9Z',
      encounterId: 'P0000001-22',
      at: '2025-01-16T05:00:00Z',
      category: 'laboratory',
      code: { system: LOINC, code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma' },
      value: { value: 138, unit: 'mmol/L', code: 'mmol/L' },
      referenceRange: { low: 133, high: 146, unit: 'mmol/L' },
      interpretation: 'N',
      reportId: 'P0000001-26',
    },
    {
      kind: 'observation',
      id: 'P0000001-25',
      odsCode: 'R9Z',
      encounterId: 'P0000001-22',
      at: '2025-01-16T05:00:00Z',
      category: 'laboratory',
      code: { system: LOINC, code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' },
      value: { value: 5.9, unit: 'mmol/L', code: 'mmol/L' },
      referenceRange: { high: 5.3, unit: 'mmol/L' },
      interpretation: 'HH',
      reportId: 'P0000001-26',
    },
    {
      kind: 'lab-report',
      id: 'P0000001-26',
      odsCode: 'R9Z',
      performer: STAFF.consultant,
      encounterId: 'P0000001-22',
      at: '2025-01-16T05:00:00Z',
      code: { system: SNOMED, code: '1000881000000104', display: 'Urea and electrolytes' },
      resultIds: ['P0000001-24', 'P0000001-25'],
      issued: '2025-01-16T06:12:00Z',
      placerOrderNumber: 'PL-000123',
      fillerOrderNumber: 'FL/2025/000456',
      conclusion: 'Hyperkalaemia: repeat sample advised.',
    },
    {
      kind: 'procedure',
      id: 'P0000001-27',
      odsCode: 'R9Z',
      siteOdsCode: 'R9Z01',
      performer: STAFF.consultant,
      encounterId: 'P0000001-22',
      at: '2025-01-16T08:00:00Z',
      code: { system: SNOMED, code: '399208008', display: 'Plain chest X-ray' },
    },
    {
      kind: 'document',
      id: 'P0000001-28',
      odsCode: 'R9Z',
      performer: STAFF.consultant,
      encounterId: 'P0000001-22',
      at: '2025-01-21T12:30:00Z',
      type: { system: SNOMED, code: '373942005', display: 'Discharge summary' },
      title: 'Discharge summary – A&E <admission>',
      text: AWKWARD_TEXT,
    },
    {
      kind: 'appointment',
      id: 'P0000001-29',
      odsCode: 'R9Z',
      siteOdsCode: 'R9Z02',
      at: '2025-01-21T12:40:00Z',
      start: '2025-02-20T14:00:00Z',
      end: '2025-02-20T14:20:00Z',
      specialty: { system: SNOMED, code: '418112009', display: 'Pulmonary medicine' },
      status: 'cancelled',
    },
  ];

  return [
    {
      odsCode: 'F99001',
      localId: 'E00012345',
      localIdSystem: localIdSystem('F99001', 'gp-patient-id'),
      demographics: {
        nhsNumber: '9990000018',
        nhsNumberStatus: '01',
        name: ADA,
        sex: 'female',
        birthDate: '1958-07-21',
        address: HOME,
        homePhone: '020 7946 0123',
        mobilePhone: '07700 900123',
      },
      events: gpEvents,
      noise: [],
    },
    {
      odsCode: 'R9Z',
      localId: 'T00456789',
      localIdSystem: localIdSystem('R9Z', 'mrn'),
      demographics: {
        nhsNumber: '9990000018',
        nhsNumberStatus: '02',
        name: { given: ['Adda'], family: 'Okafor' },
        sex: 'female',
        birthDate: '1958-07-21',
        address: HOME,
        mobilePhone: '07700 900123',
      },
      events: acuteEvents,
      duplicate: {
        localId: 'T00999999',
        demographics: {
          name: { given: ['Ada'], family: 'Okafor' },
          sex: 'female',
          birthDate: '1958-12-07',
          address: OLD_HOME,
        },
        createdAt: '2025-01-15T22:00:00Z',
        mergedAt: '2025-01-18T09:00:00Z',
      },
      noise: ['name-typo', 'nhs-number-missing', 'day-month-swapped', 'old-address'],
    },
    {
      odsCode: 'R9Y',
      localId: 'T00111222',
      localIdSystem: localIdSystem('R9Y', 'mrn'),
      demographics: {
        nhsNumber: '9990000018',
        nhsNumberStatus: '01',
        name: ADA,
        sex: 'female',
        birthDate: '1958-07-21',
      },
      events: [
        {
          kind: 'encounter',
          id: 'P0000001-30',
          odsCode: 'R9Y',
          siteOdsCode: 'R9Y01',
          performer: STAFF.psychiatrist,
          at: '2026-10-25T16:00:00Z',
          setting: 'mental-health',
          location: 'Willow Ward',
          wardTransfers: [{ at: '2026-10-28T11:00:00Z', ward: 'Rowan Ward' }],
          mhaSection: '2',
        },
        {
          kind: 'encounter',
          id: 'P0000001-31',
          odsCode: 'R9Y',
          performer: STAFF.psychiatrist,
          at: '2026-09-01T10:00:00Z',
          end: '2026-09-01T10:45:00Z',
          setting: 'mental-health',
          location: 'Outpatient clinic 3',
        },
      ],
      noise: [],
    },
    {
      odsCode: 'R9V',
      localId: 'T00000777',
      localIdSystem: localIdSystem('R9V', 'case-patient-id'),
      demographics: { name: { given: ['Ada'], family: 'Okafor' }, sex: 'female', birthDate: '1958-07-21' },
      events: [
        {
          kind: 'encounter',
          id: 'P0000001-40',
          odsCode: 'R9V',
          performer: STAFF.callHandler,
          at: '2025-01-15T20:30:00Z',
          end: '2025-01-15T20:48:00Z',
          setting: 'nhs111',
          reason: { system: SNOMED, code: '267036007', display: 'Dyspnoea' },
        },
      ],
      noise: ['nhs-number-missing', 'no-address'],
    },
    {
      odsCode: 'R8Z',
      localId: 'T00333444',
      localIdSystem: localIdSystem('R8Z', 'mrn'),
      demographics: {
        nhsNumber: '9990000018',
        nhsNumberStatus: '03',
        name: ADA,
        sex: 'female',
        birthDate: '1958-07-21',
      },
      events: [
        {
          kind: 'encounter',
          id: 'P0000001-50',
          odsCode: 'R8Z',
          siteOdsCode: 'R8Z01',
          performer: STAFF.consultant,
          at: '2022-08-10T14:00:00Z',
          end: '2022-08-12T10:00:00Z',
          setting: 'inpatient',
          dischargeDestination: 'other-hospital',
        },
      ],
      noise: [],
    },
    {
      odsCode: 'FZ901',
      localId: 'T00000042',
      localIdSystem: localIdSystem('FZ901', 'pharmacy-patient-id'),
      demographics: {
        nhsNumber: '9990000018',
        nhsNumberStatus: '01',
        name: ADA,
        sex: 'female',
        birthDate: '1958-07-21',
        address: HOME,
      },
      events: [
        {
          kind: 'immunisation',
          id: 'P0000001-60',
          odsCode: 'FZ901',
          performer: STAFF.pharmacist,
          at: '2025-10-02T11:00:00Z',
          vaccineCode: { system: SNOMED, code: '39114911000001105', display: 'Influenza vaccine' },
          status: 'completed',
          doseNumber: 1,
        },
        {
          kind: 'medication',
          id: 'P0000001-61',
          odsCode: 'FZ901',
          performer: STAFF.pharmacist,
          at: '2025-10-02T11:10:00Z',
          code: { system: DMD, code: '322236009', display: 'Paracetamol 500mg tablets' },
          dosageText: 'Two tablets up to four times a day',
          courseType: 'acute',
          status: 'completed',
          issues: ['2025-10-02T11:10:00Z'],
          quantity: { value: 32, unit: 'tablet' },
        },
      ],
      noise: [],
    },
  ];
}

/** Person 2: died in the hospice; ambulance, community, local authority, care home and hospice records. */
function personTwoRecords(): SourceRecord[] {
  const name = { prefix: 'Mr', given: ['Harold'], family: 'Pennington-Smythe' };
  const demographics = {
    nhsNumber: '9990000026',
    nhsNumberStatus: '01',
    name,
    sex: 'male' as const,
    birthDate: '1931-02-14',
    address: address('Rosewood Care Home, 7 Invented Road', 'Southwark', 'SE22 9QD'),
    deathDate: '2026-06-30',
  };
  return [
    {
      odsCode: 'R9W',
      localId: 'T20260101-0042',
      localIdSystem: localIdSystem('R9W', 'epr-patient-id'),
      demographics: { name: { given: ['Harry'], family: 'Smythe' }, sex: 'male', birthDate: '1931-02-14' },
      events: [
        {
          kind: 'encounter',
          id: 'P0000002-1',
          odsCode: 'R9W',
          performer: STAFF.paramedic,
          at: '2026-06-01T07:40:00Z',
          end: '2026-06-01T08:35:00Z',
          setting: 'ambulance',
          reason: { system: SNOMED, code: '40917007', display: 'Clouded consciousness' },
          news2: 7,
        },
        {
          kind: 'observation',
          id: 'P0000002-2',
          odsCode: 'R9W',
          performer: STAFF.paramedic,
          encounterId: 'P0000002-1',
          at: '2026-06-01T07:50:00Z',
          category: 'vital-signs',
          code: { system: SNOMED, code: '1104051000000101', display: 'Royal College of Physicians NEWS2 score' },
          value: { value: 7, unit: 'score', code: '{score}' },
          interpretation: 'A',
        },
        {
          kind: 'observation',
          id: 'P0000002-3',
          odsCode: 'R9W',
          performer: STAFF.paramedic,
          encounterId: 'P0000002-1',
          at: '2026-06-01T07:50:00Z',
          category: 'vital-signs',
          code: { system: LOINC, code: '8867-4', display: 'Heart rate' },
          value: { value: 118, unit: 'beats/minute', code: '/min' },
          referenceRange: { low: 51, high: 90, unit: '/min' },
          interpretation: 'H',
        },
      ],
      noise: ['nhs-number-missing', 'given-name-short', 'no-address'],
    },
    {
      odsCode: 'R9X',
      localId: 'T00888111',
      localIdSystem: localIdSystem('R9X', 'mrn'),
      demographics,
      events: [
        {
          kind: 'encounter',
          id: 'P0000002-10',
          odsCode: 'R9X',
          siteOdsCode: 'R9X01',
          performer: STAFF.nurse,
          at: '2026-06-10T10:00:00Z',
          end: '2026-06-10T10:50:00Z',
          setting: 'community',
          dischargeDestination: 'hospice',
        },
      ],
      noise: [],
    },
    {
      odsCode: 'LA901',
      localId: 'T00000555',
      localIdSystem: localIdSystem('LA901', 'social-care-person-id'),
      demographics: { ...demographics, homePhone: '020 7946 0555' },
      events: [
        {
          kind: 'encounter',
          id: 'P0000002-20',
          odsCode: 'LA901',
          performer: STAFF.amhp,
          at: '2025-11-03T13:00:00Z',
          end: '2025-11-03T14:30:00Z',
          setting: 'social-care',
          dischargeDestination: 'care-home',
        },
        {
          kind: 'referral',
          id: 'P0000002-21',
          odsCode: 'LA901',
          performer: STAFF.amhp,
          encounterId: 'P0000002-20',
          at: '2025-11-03T14:00:00Z',
          code: { system: SNOMED, code: '306206005', display: 'Referral to service' },
          priority: 'asap',
          toOdsCode: 'VC901',
        },
      ],
      noise: [],
    },
    {
      odsCode: 'VC901',
      localId: 'RES/0007 A',
      localIdSystem: localIdSystem('VC901', 'resident-id'),
      demographics,
      events: [
        {
          kind: 'encounter',
          id: 'P0000002-30',
          odsCode: 'VC901',
          performer: STAFF.careWorker,
          at: '2025-11-10T09:00:00Z',
          end: '2025-11-10T09:30:00Z',
          setting: 'care-home',
        },
        {
          kind: 'appointment',
          id: 'P0000002-31',
          odsCode: 'VC901',
          at: '2026-05-01T09:00:00Z',
          start: '2026-05-10T09:00:00Z',
          end: '2026-05-10T09:30:00Z',
          specialty: { system: SNOMED, code: '394814009', display: 'General practice' },
          status: 'fulfilled',
        },
        {
          kind: 'appointment',
          id: 'P0000002-32',
          odsCode: 'VC901',
          at: '2026-05-01T09:05:00Z',
          start: '2026-05-20T09:00:00Z',
          end: '2026-05-20T09:30:00Z',
          specialty: { system: SNOMED, code: '394814009', display: 'General practice' },
          status: 'noshow',
        },
      ],
      noise: [],
    },
    {
      odsCode: 'H9Z',
      localId: 'T00000099',
      localIdSystem: localIdSystem('H9Z', 'mrn'),
      demographics,
      events: [
        {
          kind: 'encounter',
          id: 'P0000002-40',
          odsCode: 'H9Z',
          siteOdsCode: 'H9Z01',
          performer: STAFF.nurse,
          at: '2026-06-12T15:00:00Z',
          end: '2026-06-30T04:10:00Z',
          setting: 'inpatient',
          location: 'Lavender Suite',
          dischargeDestination: 'died',
        },
      ],
      noise: [],
    },
  ];
}

/** A fresh copy of every fixture source record each call. */
export function fixtureRecords(): SourceRecord[] {
  return [...personOneRecords(), ...personTwoRecords()];
}
