import { createHash } from 'node:crypto';
import { seededRandom } from './measure.ts';

/** A generated resource with its id, and the columns of its row in the hand-made reference table. */
export interface Generated {
  resource: { resourceType: string; id: string } & Record<string, unknown>;
  ref: { patient: string; k1: string | null; k2: string | null; d: string | null };
}

/** What a search for one patient should find; the generator knows because it made the data. */
export interface PatientFacts {
  index: number;
  id: string;
  nhsNumber: string;
  family: string;
  birthDate: string;
  /** Per LOINC code: the patient's Observations with that code on or after 2024-01-01. */
  recentObservations: Map<string, number>;
  activeConditions: number;
  encounters: number;
  /** Observations pointing at one of the patient's Encounters. */
  encounterObservations: number;
}

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const LOINC = 'http://loinc.org';
export const RECENT = '2024-01-01';

const FAMILIES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Khan',
  'Okafor',
];
const GIVEN = [
  'Olivia',
  'Amelia',
  'Isla',
  'Ava',
  'Mia',
  'Grace',
  'Freya',
  'Aisha',
  'Zara',
  'Ruby',
  'Oliver',
  'George',
  'Noah',
  'Arthur',
  'Muhammad',
  'Leo',
  'Harry',
  'Oscar',
  'Jack',
  'Kwame',
];
const OBSERVATION_CODES = [
  { code: '8867-4', display: 'Heart rate', unit: '/min', low: 50, high: 110 },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', low: 95, high: 170 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', low: 45, high: 130 },
  { code: '4548-4', display: 'Hemoglobin A1c', unit: 'mmol/mol', low: 30, high: 90 },
  { code: '2339-0', display: 'Glucose', unit: 'mmol/L', low: 3.5, high: 12 },
];
const CONDITION_CODES = [
  { code: '44054006', display: 'Diabetes mellitus type 2' },
  { code: '38341003', display: 'Hypertensive disorder' },
  { code: '195967001', display: 'Asthma' },
  { code: '35489007', display: 'Depressive disorder' },
];
const PROCEDURE_CODES = [
  { code: '73761001', display: 'Colonoscopy' },
  { code: '80146002', display: 'Appendectomy' },
  { code: '171207006', display: 'Depression screening' },
];

const DAY = 86_400_000;
const BIRTH_FROM = Date.UTC(1930, 0, 1);
const BIRTH_DAYS = 90 * 365;
// Clinical dates span five years.
const CLINICAL_FROM = Date.UTC(2021, 6, 1);
const CLINICAL_SPAN = 5 * 365 * DAY;

/** A stable UUID-shaped id for the n-th thing of a kind, so that a run can name any resource without a lookup. */
export function stableId(kind: string, n: number): string {
  const h = createHash('md5').update(`${kind}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * An NHS-style number in the 999 range (never issued to a real person) with a valid modulus 11 check digit:
 * patient i takes the first valid of 999 + (5i .. 5i+4), so 200,000 patients have distinct numbers.
 */
export function nhsNumber(i: number): string {
  for (let k = 0; k < 5; k++) {
    const nine = `999${String(i * 5 + k).padStart(6, '0')}`;
    let sum = 0;
    for (let d = 0; d < 9; d++) sum += Number(nine[d]) * (10 - d);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${nine}${check === 11 ? 0 : check}`;
  }
  throw new Error(`no NHS number for ${i}`);
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isoInstant = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export interface PatientShape {
  observations: number;
  conditions: number;
  encounters: number;
  procedures: number;
}

export const ORDINARY: PatientShape = { observations: 8, conditions: 2, encounters: 2, procedures: 1 };
/** Ordinary patients are numbered from 0 to MAX_PATIENTS - 1; the large record takes the next number. */
export const MAX_PATIENTS = 199_999;
export const LARGE_RECORD_INDEX = MAX_PATIENTS;
/** The patient of the $everything figure: about 1,000 resources. */
export const LARGE_RECORD: PatientShape = { observations: 650, conditions: 100, encounters: 150, procedures: 99 };

/** Patient `i` and its clinical resources; the same i always gives the same resources. */
export function generatePatient(
  i: number,
  shape: PatientShape = ORDINARY,
): { facts: PatientFacts; items: Generated[] } {
  const random = seededRandom(i * 7919 + 17);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const kind = shape === ORDINARY ? 'p' : 'big';
  const id = stableId(`${kind}-Patient`, i);
  const family = pick(FAMILIES);
  const birthDate = isoDate(BIRTH_FROM + Math.floor(random() * BIRTH_DAYS) * DAY);
  const nhs = nhsNumber(i);
  const subject = { reference: `Patient/${id}` };
  const items: Generated[] = [];
  const facts: PatientFacts = {
    index: i,
    id,
    nhsNumber: nhs,
    family,
    birthDate,
    recentObservations: new Map(),
    activeConditions: 0,
    encounters: shape.encounters,
    encounterObservations: 0,
  };
  items.push({
    resource: {
      resourceType: 'Patient',
      id,
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
      name: [{ use: 'official', family, given: [pick(GIVEN)] }],
      gender: random() < 0.5 ? 'female' : 'male',
      birthDate,
    },
    ref: { patient: id, k1: nhs, k2: family, d: birthDate },
  });
  const encounterIds: string[] = [];
  for (let e = 0; e < shape.encounters; e++) {
    const eid = stableId(`${kind}-Encounter`, i * 1000 + e);
    encounterIds.push(eid);
    const start = CLINICAL_FROM + random() * CLINICAL_SPAN;
    items.push({
      resource: {
        resourceType: 'Encounter',
        id: eid,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        subject,
        period: { start: isoInstant(start), end: isoInstant(start + 30 * 60_000) },
      },
      ref: { patient: id, k1: null, k2: null, d: isoInstant(start) },
    });
  }
  for (let o = 0; o < shape.observations; o++) {
    const code = pick(OBSERVATION_CODES);
    const when = CLINICAL_FROM + random() * CLINICAL_SPAN;
    const encounter = encounterIds.length && random() < 0.9 ? encounterIds[o % encounterIds.length] : undefined;
    const effective = isoInstant(when);
    if (effective >= RECENT)
      facts.recentObservations.set(code.code, (facts.recentObservations.get(code.code) ?? 0) + 1);
    if (encounter) facts.encounterObservations++;
    items.push({
      resource: {
        resourceType: 'Observation',
        id: stableId(`${kind}-Observation`, i * 1000 + o),
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: code.code === '4548-4' || code.code === '2339-0' ? 'laboratory' : 'vital-signs',
              },
            ],
          },
        ],
        code: { coding: [{ system: LOINC, code: code.code, display: code.display }], text: code.display },
        subject,
        ...(encounter ? { encounter: { reference: `Encounter/${encounter}` } } : {}),
        effectiveDateTime: effective,
        valueQuantity: {
          value: Math.round((code.low + random() * (code.high - code.low)) * 10) / 10,
          unit: code.unit,
          system: 'http://unitsofmeasure.org',
          code: code.unit,
        },
      },
      ref: { patient: id, k1: code.code, k2: encounter ?? null, d: effective },
    });
  }
  for (let c = 0; c < shape.conditions; c++) {
    const code = pick(CONDITION_CODES);
    const status = c % 2 === 0 || random() < 0.3 ? 'active' : 'resolved';
    if (status === 'active') facts.activeConditions++;
    const onset = isoInstant(CLINICAL_FROM + random() * CLINICAL_SPAN);
    items.push({
      resource: {
        resourceType: 'Condition',
        id: stableId(`${kind}-Condition`, i * 1000 + c),
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }],
        },
        verificationStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
        },
        code: { coding: [{ system: 'http://snomed.info/sct', code: code.code, display: code.display }] },
        subject,
        onsetDateTime: onset,
      },
      ref: { patient: id, k1: status, k2: null, d: onset },
    });
  }
  for (let p = 0; p < shape.procedures; p++) {
    const code = pick(PROCEDURE_CODES);
    const performed = isoInstant(CLINICAL_FROM + random() * CLINICAL_SPAN);
    const encounter = encounterIds[p % Math.max(1, encounterIds.length)];
    items.push({
      resource: {
        resourceType: 'Procedure',
        id: stableId(`${kind}-Procedure`, i * 1000 + p),
        status: 'completed',
        code: { coding: [{ system: 'http://snomed.info/sct', code: code.code, display: code.display }] },
        subject,
        ...(encounter ? { encounter: { reference: `Encounter/${encounter}` } } : {}),
        performedDateTime: performed,
      },
      ref: { patient: id, k1: null, k2: encounter ?? null, d: performed },
    });
  }
  return { facts, items };
}

/** Resources per ordinary patient. */
export const RESOURCES_PER_PATIENT =
  1 + ORDINARY.observations + ORDINARY.conditions + ORDINARY.encounters + ORDINARY.procedures;
