/**
 * The synthetic region as the generator knows it: the truth. Three layers, each made from the one before:
 *
 * 1. the region: organisations, their sites and their staff (`Region`);
 * 2. each person's true life: demographics and a history of clinical events, each event recorded by one
 *    organisation (`Person`, `ClinicalEvent`);
 * 3. what each organisation holds of that person, under its own local identifier and with the demographic
 *    errors real feeds carry (`SourceRecord`): only this layer is written to feeds.
 *
 * The truth (which source record is which person) goes only into the answer file.
 * Dates are ISO 8601: `YYYY-MM-DD` for dates, `YYYY-MM-DDTHH:mm:ssZ` (UTC) for instants.
 */

export interface Coding {
  system: string;
  code: string;
  display: string;
}

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const DMD = 'https://dmd.nhs.uk';
export const UCUM = 'http://unitsofmeasure.org';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
export const SDS_ROLE_PROFILE_SYSTEM = 'https://fhir.nhs.uk/Id/sds-role-profile-id';

export interface Address {
  line: string[];
  city: string;
  /** A London borough, or the area for addresses outside London. */
  district: string;
  /** London format (e.g. `SE15 4QX`); synthetic, never a real address. */
  postalCode: string;
}

export interface PersonName {
  prefix?: string;
  given: string[];
  family: string;
}

// ---------------------------------------------------------------------------------------------------------
// 1. The region

export type OrganisationKind =
  | 'gp-practice'
  | 'acute-trust'
  | 'mental-health-trust'
  | 'community-trust'
  | 'local-authority'
  | 'ambulance-service'
  | 'nhs-111'
  | 'care-home'
  | 'pharmacy'
  | 'hospice'
  | 'out-of-area-trust';

/** A hospital or other site of a trust, with its own ODS site code. */
export interface Site {
  odsCode: string;
  name: string;
  address: Address;
  hasEmergencyDepartment: boolean;
}

export interface Organisation {
  /** ODS-style code: the organisation's identity everywhere (FHIR Organization.identifier, HL7 MSH-4). */
  odsCode: string;
  name: string;
  kind: OrganisationKind;
  address: Address;
  telephone: string;
  /** The commissioning ICB (ODS-style code) for NHS bodies in London; absent for local authorities. */
  parentOdsCode?: string;
  /** Hospitals and other sites (acute, mental health and community trusts; hospices). */
  sites: Site[];
  /** The system this organisation's feed comes from: drives MSH-3 and the local identifier format. */
  system: { name: string; localIdPrefix: string };
  /** Beds, for care homes and hospices. */
  beds?: number;
}

/** A national RBAC-style job role (R-code), e.g. R8000 Clinical Practitioner Access Role. */
export interface JobRole {
  code: string;
  display: string;
}

export interface StaffMember {
  /** SDS-style user id (12 digits). */
  sdsUserId: string;
  name: PersonName;
  gender: 'male' | 'female';
  /** Professional register number, if any (GMC 7 digits, NMC, HCPC, ...). */
  professionalId?: { system: string; value: string };
  /** What they are: 'gp', 'consultant', 'nurse', 'paramedic', 'amhp', 'social-worker', ... */
  profession: StaffProfession;
  /** Where they work, as PractitionerRole: one role per organisation. */
  roles: { odsCode: string; sdsRoleProfileId: string; jobRole: JobRole; specialty?: Coding }[];
}

export type StaffProfession =
  | 'gp'
  | 'consultant'
  | 'junior-doctor'
  | 'psychiatrist'
  | 'nurse'
  | 'paramedic'
  | 'call-handler'
  | 'pharmacist'
  | 'care-worker'
  | 'social-worker'
  | 'amhp'
  | 'administrator'
  | 'privacy-officer';

export interface Region {
  name: string;
  organisations: Organisation[];
  staff: StaffMember[];
  /** Lookups built once. */
  byOdsCode: Map<string, Organisation>;
  byKind: Map<OrganisationKind, Organisation[]>;
  /** Staff by the ODS code of the organisation they work at. */
  staffByOdsCode: Map<string, StaffMember[]>;
}

// ---------------------------------------------------------------------------------------------------------
// 2. A person's true life

export type AdministrativeSex = 'male' | 'female' | 'other' | 'unknown';

/** NHS Data Dictionary ethnic category codes (A-Z, 2001 census categories). */
export type EthnicCategory =
  'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'J' | 'K' | 'L' | 'M' | 'N' | 'P' | 'R' | 'S' | 'Z';

export type PlaceOfDeath = 'home' | 'hospital' | 'care-home' | 'hospice' | 'other';

export interface Person {
  /** Position in the population (0-based): with the seed, it determines everything about the person. */
  index: number;
  /** The true identity, e.g. `P0000001`: only ever in the answer file. */
  personId: string;
  /** Valid Modulus 11, from the never-issued 999 range; absent only for the few people without one. */
  nhsNumber?: string;
  name: PersonName;
  /** Earlier family names (maiden names), newest last, with the date they stopped being used. */
  previousNames: { family: string; until: string }[];
  sex: AdministrativeSex;
  birthDate: string;
  deathDate?: string;
  placeOfDeath?: PlaceOfDeath;
  ethnicCategory: EthnicCategory;
  address: Address;
  /** Earlier addresses, newest last, with the date they moved out. */
  previousAddresses: { address: Address; until: string }[];
  /** Ofcom drama ranges only (020 7946 0xxx, 07700 900xxx). */
  homePhone?: string;
  mobilePhone?: string;
  /** Everyone at the same address shares a household id. */
  householdId: string;
  gpPracticeOdsCode: string;
  registeredSince: string;
  /** Set for care home residents. */
  careHomeOdsCode?: string;
  /** ISO 639-1, e.g. `en`, `bn`, `pl`; `interpreterRequired` when English is not spoken well. */
  language: string;
  interpreterRequired: boolean;
}

interface EventBase {
  /** Unique within the person: `${personId}-${n}`. */
  id: string;
  /** The organisation that recorded it. */
  odsCode: string;
  /** The site (hospital) where it happened, for trusts. */
  siteOdsCode?: string;
  /** The staff member who recorded or performed it (SDS user id). */
  performer?: string;
  /** When it happened (instant, UTC). */
  at: string;
  /** The encounter it belongs to, if any. */
  encounterId?: string;
}

export type EncounterSetting =
  | 'gp'
  | 'outpatient'
  | 'inpatient'
  | 'emergency'
  | 'ambulance'
  | 'nhs111'
  | 'mental-health'
  | 'community'
  | 'social-care'
  | 'care-home';

export interface EncounterEvent extends EventBase {
  kind: 'encounter';
  setting: EncounterSetting;
  /** Instant the encounter ended; absent while it is still going on. */
  end?: string;
  reason?: Coding;
  /** Inpatient transfers between wards, in order (drives ADT A02). */
  wardTransfers?: { at: string; ward: string }[];
  /** Ward or clinic where it started. */
  location?: string;
  dischargeDestination?: 'home' | 'care-home' | 'hospice' | 'died' | 'other-hospital';
  /** Mental Health Act section under which the person was detained during this encounter. */
  mhaSection?: '2' | '3' | '4' | '5(2)' | '135' | '136';
  /** NEWS2 total, for ambulance and emergency encounters (RCP 2017). */
  news2?: number;
}

export interface ConditionEvent extends EventBase {
  kind: 'condition';
  code: Coding;
  /** Date of onset (YYYY-MM-DD); `at` is when it was recorded. */
  onset: string;
  abatement?: string;
  clinicalStatus: 'active' | 'resolved' | 'inactive' | 'remission';
  category: 'problem-list-item' | 'encounter-diagnosis';
}

export interface MedicationEvent extends EventBase {
  kind: 'medication';
  /** dm+d-style code (VMP). */
  code: Coding;
  dosageText: string;
  courseType: 'acute' | 'repeat';
  status: 'active' | 'completed' | 'stopped';
  /** Each issue of the prescription (dates), first = `at`. Never after death. */
  issues: string[];
  quantity?: { value: number; unit: string };
}

export interface AllergyEvent extends EventBase {
  kind: 'allergy';
  code: Coding;
  category: 'food' | 'medication' | 'environment';
  criticality: 'low' | 'high';
  reaction?: Coding;
}

export interface Quantity {
  value: number;
  unit: string;
  /** UCUM code. */
  code: string;
}

export interface ObservationEvent extends EventBase {
  kind: 'observation';
  category: 'vital-signs' | 'laboratory' | 'survey' | 'social-history';
  code: Coding;
  value?: Quantity | Coding | string;
  /** Blood pressure and other panels: systolic/diastolic as components. */
  components?: { code: Coding; value: Quantity }[];
  referenceRange?: { low?: number; high?: number; unit: string };
  interpretation?: 'N' | 'H' | 'L' | 'HH' | 'LL' | 'A';
  /** The lab report this result belongs to. */
  reportId?: string;
  note?: string;
}

export interface LabReportEvent extends EventBase {
  kind: 'lab-report';
  /** Panel, e.g. U&E, FBC, HbA1c, lipids. */
  code: Coding;
  /** The ObservationEvent ids in this report, in order. */
  resultIds: string[];
  issued: string;
  placerOrderNumber: string;
  fillerOrderNumber: string;
  conclusion?: string;
}

export interface ImmunisationEvent extends EventBase {
  kind: 'immunisation';
  vaccineCode: Coding;
  status: 'completed' | 'not-done';
  doseNumber?: number;
  /** For not-done: declined, contraindicated, ... */
  statusReason?: Coding;
  /** When it was due by the schedule for the person's birth cohort (YYYY-MM-DD). */
  dueDate?: string;
}

export interface ReferralEvent extends EventBase {
  kind: 'referral';
  code: Coding;
  priority: 'routine' | 'urgent' | 'asap';
  /** The organisation referred to. */
  toOdsCode: string;
  /** Cancer pathway dates (YYYY-MM-DD), for urgent suspected cancer referrals. */
  cancer?: {
    tumourSite: string;
    referralDate: string;
    firstSeenDate?: string;
    diagnosisCommunicatedDate?: string;
    diagnosed: boolean;
    decisionToTreatDate?: string;
    firstTreatmentDate?: string;
  };
}

export interface ProcedureEvent extends EventBase {
  kind: 'procedure';
  code: Coding;
}

export interface DocumentEvent extends EventBase {
  kind: 'document';
  type: Coding;
  title: string;
  /** Readable plain text of the letter or summary. */
  text: string;
}

export interface AppointmentEvent extends EventBase {
  kind: 'appointment';
  /** Booked start and end; `at` is when it was booked. */
  start: string;
  end: string;
  specialty: Coding;
  status: 'booked' | 'cancelled' | 'fulfilled' | 'noshow';
}

export type ClinicalEvent =
  | EncounterEvent
  | ConditionEvent
  | MedicationEvent
  | AllergyEvent
  | ObservationEvent
  | LabReportEvent
  | ImmunisationEvent
  | ReferralEvent
  | ProcedureEvent
  | DocumentEvent
  | AppointmentEvent;

export type ClinicalEventKind = ClinicalEvent['kind'];

/** A person's life: their demographics and everything recorded about them, in time order. */
export interface Life {
  person: Person;
  events: ClinicalEvent[];
  /** The date the history runs up to (the run's "today"), YYYY-MM-DD. */
  asOf: string;
}

// ---------------------------------------------------------------------------------------------------------
// 3. What each organisation holds

/** The person as one organisation has them: possibly with errors, old details or a missing NHS number. */
export interface SourceDemographics {
  nhsNumber?: string;
  /** NHS number verification status (England, 01-08), when an NHS number is held. */
  nhsNumberStatus?: string;
  name: PersonName;
  sex: AdministrativeSex;
  birthDate: string;
  address?: Address;
  homePhone?: string;
  mobilePhone?: string;
  deathDate?: string;
}

/** The kinds of error a source's demographics carry, recorded in the answer file. */
export type DemographicNoise =
  | 'name-typo'
  | 'maiden-name'
  | 'day-month-swapped'
  | 'birth-year-typo'
  | 'old-address'
  | 'no-address'
  | 'nhs-number-missing'
  | 'nhs-number-wrong'
  | 'given-name-short';

export interface SourceRecord {
  /** The organisation sending the feed. */
  odsCode: string;
  /** The organisation's own identifier for the person (hospital MRN, GP system id, incident number, ...). */
  localId: string;
  /** The system of the local identifier, e.g. `https://fhir.<ods>.nhs.uk/Id/mrn`. */
  localIdSystem: string;
  demographics: SourceDemographics;
  /** The events this organisation recorded, in time order. */
  events: ClinicalEvent[];
  /**
   * A second local record the organisation created by mistake for the same person and later merged into
   * `localId` (drives HL7 ADT A40 and duplicate FHIR Patients).
   */
  duplicate?: { localId: string; demographics: SourceDemographics; createdAt: string; mergedAt: string };
  /** Demographic errors in this source's copy, for the answer file. */
  noise: DemographicNoise[];
}

/** One line of the answer file: which person a source record truly belongs to. */
export interface AnswerLine {
  personId: string;
  nhsNumber?: string;
  odsCode: string;
  localId: string;
  duplicateLocalId?: string;
  noise: DemographicNoise[];
}
