import type { CodeableConcept, Coding, Extension, Meta } from '@medplum/fhirtypes';
import type { EncounterEvent, ObservationEvent, OrganisationKind } from '../model.ts';

/**
 * Code systems, profiles and code tables of the FHIR output, built once at module load. Every object here is
 * frozen and shared by the resources that carry it: treat output resources as read-only.
 */

/** Our own canonical base: `.example` is reserved (RFC 2606), as the sources' local identifier systems use. */
export const JOINEDUP_BASE = 'https://fhir.joinedup.example';

const UK_CORE_SD = 'https://fhir.hl7.org.uk/StructureDefinition/';
const UK_CORE_CS = 'https://fhir.hl7.org.uk/CodeSystem/';
const HL7_CS = 'http://terminology.hl7.org/CodeSystem/';

export const ODS_SITE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-site-code';
/** The national RBAC job role code system NHS England's own FHIR APIs (EPS, CIS2) use for PractitionerRole.code. */
export const SDS_JOB_ROLE_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode';
export const ODS_ROLE_SYSTEM =
  'https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole';
export const ORGANISATION_KIND_SYSTEM = `${JOINEDUP_BASE}/CodeSystem/organisation-kind`;

export const NHS_NUMBER_VERIFICATION_URL = `${UK_CORE_SD}Extension-UKCore-NHSNumberVerificationStatus`;
export const NHS_NUMBER_VERIFICATION_SYSTEM = `${UK_CORE_CS}UKCore-NHSNumberVerificationStatusEngland`;
export const LEGAL_STATUS_URL = `${UK_CORE_SD}Extension-UKCore-LegalStatus`;
export const MEDICATION_REPEAT_INFORMATION_URL = `${UK_CORE_SD}Extension-UKCore-MedicationRepeatInformation`;

/** Our extensions (README "Extensions"): no UK Core or base element carries these. */
export const MEDICATION_LAST_ISSUE_DATE_URL = `${JOINEDUP_BASE}/StructureDefinition/Extension-MedicationLastIssueDate`;
export const CANCER_PATHWAY_URL = `${JOINEDUP_BASE}/StructureDefinition/Extension-CancerPathway`;
export const IMMUNISATION_DUE_DATE_URL = `${JOINEDUP_BASE}/StructureDefinition/Extension-ImmunisationDueDate`;

export function orderNumberSystem(odsCode: string, kind: 'placer' | 'filler'): string {
  return `${JOINEDUP_BASE}/Id/${odsCode}/${kind}-order-number`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function frozen<T>(value: T): T {
  return deepFreeze(value);
}

function concept(system: string, code: string, display: string): CodeableConcept {
  return frozen({ coding: [{ system, code, display }] });
}

function profile(name: string): Meta {
  return frozen({ profile: [`${UK_CORE_SD}UKCore-${name}`] });
}

/** domain.md 1.2: UK Core profiles (canonical base https://fhir.hl7.org.uk/StructureDefinition/UKCore-*). */
export const META = {
  Organization: profile('Organization'),
  Location: profile('Location'),
  Practitioner: profile('Practitioner'),
  PractitionerRole: profile('PractitionerRole'),
  Patient: profile('Patient'),
  Encounter: profile('Encounter'),
  Condition: profile('Condition'),
  MedicationRequest: profile('MedicationRequest'),
  AllergyIntolerance: profile('AllergyIntolerance'),
  Observation: profile('Observation'),
  ObservationLab: profile('Observation-Lab'),
  DiagnosticReportLab: profile('DiagnosticReport-Lab'),
  Immunization: profile('Immunization'),
  ServiceRequest: profile('ServiceRequest'),
  Procedure: profile('Procedure'),
  DocumentReference: profile('DocumentReference'),
  Appointment: profile('Appointment'),
} as const;

/**
 * UK Core's specific Observation profiles, by the code they fix: the vital-sign profiles follow the FHIR vital
 * signs LOINC codes; NEWS2 total is SNOMED 1104051000000101 (domain.md 5.3).
 */
export const OBSERVATION_META_BY_CODE: ReadonlyMap<string, Meta> = new Map([
  ['85354-9', profile('Observation-BloodPressure')],
  ['8867-4', profile('Observation-HeartRate')],
  ['9279-2', profile('Observation-RespirationRate')],
  ['2708-6', profile('Observation-OxygenSaturation')],
  ['59408-5', profile('Observation-OxygenSaturation')],
  ['8310-5', profile('Observation-BodyTemperature')],
  ['8302-2', profile('Observation-BodyHeight')],
  ['29463-7', profile('Observation-BodyWeight')],
  ['39156-5', profile('Observation-BMI')],
  ['1104051000000101', profile('Observation-EarlyWarningTotalScore')],
]);

/** NHS Data Dictionary NHS number status indicator, as UK Core's England CodeSystem words it. */
const NHS_NUMBER_STATUS: Record<string, string> = {
  '01': 'Number present and verified',
  '02': 'Number present but not traced',
  '03': 'Trace required',
  '04': 'Trace attempted - No match or multiple match found',
  '05': 'Trace needs to be resolved - (NHS number or patient detail conflict)',
  '06': 'Trace in progress',
  '07': 'Number not present and trace not required',
  '08': 'Trace postponed (baby under six weeks old)',
};

export const NHS_NUMBER_STATUS_EXTENSION: ReadonlyMap<string, Extension> = new Map(
  Object.entries(NHS_NUMBER_STATUS).map(([code, display]) => [
    code,
    frozen<Extension>({
      url: NHS_NUMBER_VERIFICATION_URL,
      valueCodeableConcept: concept(NHS_NUMBER_VERIFICATION_SYSTEM, code, display),
    }),
  ]),
);

/**
 * Encounter.class from v3 ActCode (the R4 extensible binding). Mental health is IMP when the person was
 * detained or stayed overnight, AMB otherwise (`encounterClass`).
 */
const ACT_CODE = `${HL7_CS}v3-ActCode`;
export const ENCOUNTER_CLASS = {
  AMB: frozen<Coding>({ system: ACT_CODE, code: 'AMB', display: 'ambulatory' }),
  EMER: frozen<Coding>({ system: ACT_CODE, code: 'EMER', display: 'emergency' }),
  IMP: frozen<Coding>({ system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' }),
  HH: frozen<Coding>({ system: ACT_CODE, code: 'HH', display: 'home health' }),
  VR: frozen<Coding>({ system: ACT_CODE, code: 'VR', display: 'virtual' }),
  FLD: frozen<Coding>({ system: ACT_CODE, code: 'FLD', display: 'field' }),
};

export const CLASS_BY_SETTING: Record<EncounterEvent['setting'], Coding> = {
  gp: ENCOUNTER_CLASS.AMB,
  outpatient: ENCOUNTER_CLASS.AMB,
  inpatient: ENCOUNTER_CLASS.IMP,
  emergency: ENCOUNTER_CLASS.EMER,
  // v3 ActCode FLD: "outside a dedicated healthcare environment", e.g. the scene a 999 crew attends.
  ambulance: ENCOUNTER_CLASS.FLD,
  // NHS 111 is a telephone or online assessment.
  nhs111: ENCOUNTER_CLASS.VR,
  'mental-health': ENCOUNTER_CLASS.AMB,
  community: ENCOUNTER_CLASS.HH,
  'social-care': ENCOUNTER_CLASS.HH,
  'care-home': ENCOUNTER_CLASS.HH,
};

/** Discharge destination: base R4 discharge-disposition, and the NHS Data Dictionary code UK Core carries. */
const DISCHARGE_DISPOSITION = `${HL7_CS}discharge-disposition`;
const DISCHARGE_DESTINATION_ENGLAND = `${UK_CORE_CS}UKCore-DischargeDestinationEngland`;
export const DISCHARGE_DISPOSITION_BY_DESTINATION: Record<
  NonNullable<EncounterEvent['dischargeDestination']>,
  CodeableConcept
> = {
  home: frozen({
    coding: [
      { system: DISCHARGE_DISPOSITION, code: 'home', display: 'Home' },
      {
        system: DISCHARGE_DESTINATION_ENGLAND,
        code: '19',
        display:
          'Usual place of residence unless listed below, for example, a private dwelling whether owner occupied or owned by Local Authority, housing association or other landlord. This includes wardened accommodation but not residential accommodation where health care is provided. It also includes patients with no fixed abode.',
      },
    ],
  }),
  'care-home': frozen({
    coding: [
      { system: DISCHARGE_DISPOSITION, code: 'long', display: 'Long-term care' },
      {
        system: DISCHARGE_DESTINATION_ENGLAND,
        code: '85',
        display: 'Non-NHS (other than Local Authority) run Care Home',
      },
    ],
  }),
  hospice: frozen({
    coding: [
      { system: DISCHARGE_DISPOSITION, code: 'hosp', display: 'Hospice' },
      {
        system: DISCHARGE_DESTINATION_ENGLAND,
        code: '88',
        display: 'Non-NHS (other than Local Authority) run Hospice',
      },
    ],
  }),
  died: frozen({
    coding: [
      { system: DISCHARGE_DISPOSITION, code: 'exp', display: 'Expired' },
      { system: DISCHARGE_DESTINATION_ENGLAND, code: '79', display: 'Not applicable - Patient died or stillbirth' },
    ],
  }),
  'other-hospital': frozen({
    coding: [
      { system: DISCHARGE_DISPOSITION, code: 'other-hcf', display: 'Other healthcare facility' },
      {
        system: DISCHARGE_DESTINATION_ENGLAND,
        code: '51',
        display: 'NHS other Hospital Provider - Ward for general patients or the younger physically disabled',
      },
    ],
  }),
};

/**
 * domain.md 4.7: UK Core LegalStatusClassificationEngland codes for the sections the generator uses; the
 * extension's two required parts are the classification and its context (admission).
 */
const LEGAL_STATUS_SECTIONS: Record<NonNullable<EncounterEvent['mhaSection']>, [string, string]> = {
  '2': ['02', 'Formally detained under Mental Health Act Section 2'],
  '3': ['03', 'Formally detained under Mental Health Act Section 3'],
  '4': ['04', 'Formally detained under Mental Health Act Section 4'],
  '5(2)': ['05', 'Formally detained under Mental Health Act Section 5(2)'],
  '135': ['19', 'Formally detained under Mental Health Act Section 135'],
  '136': ['20', 'Formally detained under Mental Health Act Section 136'],
};
const LEGAL_STATUS_CONTEXT_ADMISSION = concept(`${UK_CORE_CS}UKCore-LegalStatusContext`, 'admission', 'Admission');
export const LEGAL_STATUS_EXTENSION = Object.fromEntries(
  Object.entries(LEGAL_STATUS_SECTIONS).map(([section, [code, display]]) => [
    section,
    frozen<Extension>({
      url: LEGAL_STATUS_URL,
      extension: [
        { url: 'legalStatusContext', valueCodeableConcept: LEGAL_STATUS_CONTEXT_ADMISSION },
        {
          url: 'legalStatusClassification',
          valueCodeableConcept: concept(`${UK_CORE_CS}UKCore-LegalStatusClassificationEngland`, code, display),
        },
      ],
    }),
  ]),
) as Record<NonNullable<EncounterEvent['mhaSection']>, Extension>;

export const CONDITION_CLINICAL_STATUS = {
  active: concept(`${HL7_CS}condition-clinical`, 'active', 'Active'),
  resolved: concept(`${HL7_CS}condition-clinical`, 'resolved', 'Resolved'),
  inactive: concept(`${HL7_CS}condition-clinical`, 'inactive', 'Inactive'),
  remission: concept(`${HL7_CS}condition-clinical`, 'remission', 'Remission'),
};
export const CONDITION_CONFIRMED = concept(`${HL7_CS}condition-ver-status`, 'confirmed', 'Confirmed');
export const CONDITION_CATEGORY = {
  'problem-list-item': frozen([concept(`${HL7_CS}condition-category`, 'problem-list-item', 'Problem List Item')]),
  'encounter-diagnosis': frozen([concept(`${HL7_CS}condition-category`, 'encounter-diagnosis', 'Encounter Diagnosis')]),
};

export const ALLERGY_ACTIVE = concept(`${HL7_CS}allergyintolerance-clinical`, 'active', 'Active');
export const ALLERGY_CONFIRMED = concept(`${HL7_CS}allergyintolerance-verification`, 'confirmed', 'Confirmed');

export const COURSE_OF_THERAPY = {
  acute: concept(`${HL7_CS}medicationrequest-course-of-therapy`, 'acute', 'Short course (acute) therapy'),
  repeat: concept(`${HL7_CS}medicationrequest-course-of-therapy`, 'continuous', 'Continuous long term therapy'),
};

export const OBSERVATION_CATEGORY: Record<ObservationEvent['category'], CodeableConcept[]> = {
  'vital-signs': frozen([concept(`${HL7_CS}observation-category`, 'vital-signs', 'Vital Signs')]),
  laboratory: frozen([concept(`${HL7_CS}observation-category`, 'laboratory', 'Laboratory')]),
  survey: frozen([concept(`${HL7_CS}observation-category`, 'survey', 'Survey')]),
  'social-history': frozen([concept(`${HL7_CS}observation-category`, 'social-history', 'Social History')]),
};

const INTERPRETATION = `${HL7_CS}v3-ObservationInterpretation`;
export const OBSERVATION_INTERPRETATION: Record<NonNullable<ObservationEvent['interpretation']>, CodeableConcept[]> = {
  N: frozen([concept(INTERPRETATION, 'N', 'Normal')]),
  H: frozen([concept(INTERPRETATION, 'H', 'High')]),
  L: frozen([concept(INTERPRETATION, 'L', 'Low')]),
  HH: frozen([concept(INTERPRETATION, 'HH', 'Critical high')]),
  LL: frozen([concept(INTERPRETATION, 'LL', 'Critical low')]),
  A: frozen([concept(INTERPRETATION, 'A', 'Abnormal')]),
};

export const DIAGNOSTIC_SERVICE_LAB = frozen([concept(`${HL7_CS}v2-0074`, 'LAB', 'Laboratory')]);
export const PLACER_IDENTIFIER_TYPE = concept(`${HL7_CS}v2-0203`, 'PLAC', 'Placer Identifier');
export const FILLER_IDENTIFIER_TYPE = concept(`${HL7_CS}v2-0203`, 'FILL', 'Filler Identifier');

/** SNOMED CT 3457005 |Patient referral (procedure)|, the category UK referrals (e-RS) use. */
export const REFERRAL_CATEGORY = frozen([concept('http://snomed.info/sct', '3457005', 'Patient referral')]);

const LOCATION_PHYSICAL_TYPE = `${HL7_CS}location-physical-type`;
export const PHYSICAL_TYPE_BUILDING = concept(LOCATION_PHYSICAL_TYPE, 'bu', 'Building');
export const PHYSICAL_TYPE_WARD = concept(LOCATION_PHYSICAL_TYPE, 'wa', 'Ward');

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
export const SITE_TYPE_EMERGENCY = concept(ROLE_CODE, 'ER', 'Emergency room');
/** v3 RoleCode service delivery location types for a trust's sites, by the trust's kind. */
export const SITE_TYPE_BY_KIND: Partial<Record<OrganisationKind, CodeableConcept>> = {
  'acute-trust': concept(ROLE_CODE, 'HOSP', 'Hospital'),
  'out-of-area-trust': concept(ROLE_CODE, 'HOSP', 'Hospital'),
  'mental-health-trust': concept(ROLE_CODE, 'PSYCHF', 'Psychiatric Care Facility'),
  'community-trust': concept(ROLE_CODE, 'COMM', 'Community Location'),
};

const ORGANIZATION_TYPE = `${HL7_CS}organization-type`;
const PROVIDER: Coding = { system: ORGANIZATION_TYPE, code: 'prov', display: 'Healthcare Provider' };
const GOVERNMENT: Coding = { system: ORGANIZATION_TYPE, code: 'govt', display: 'Government' };
const NHS_TRUST: Coding = { system: ODS_ROLE_SYSTEM, code: 'RO197', display: 'NHS Trust' };
const INDEPENDENT_PROVIDER: Coding = {
  system: ODS_ROLE_SYSTEM,
  code: 'RO172',
  display: 'Independent Sector Healthcare Provider',
};

function organisationType(kind: OrganisationKind, odsRole: Coding, hl7: Coding): CodeableConcept[] {
  return frozen([
    { coding: [odsRole] },
    { coding: [hl7] },
    { coding: [{ system: ORGANISATION_KIND_SYSTEM, code: kind, display: kind }] },
  ]);
}

/**
 * Organization.type: the ODS organisation role (ODS ORD role codes), the base R4 organization-type, and our
 * own kind so that a consumer can tell the kinds apart without the ODS role table.
 */
export const ORGANIZATION_TYPE_BY_KIND: Record<OrganisationKind, CodeableConcept[]> = {
  'gp-practice': organisationType(
    'gp-practice',
    { system: ODS_ROLE_SYSTEM, code: 'RO76', display: 'GP Practice' },
    PROVIDER,
  ),
  'acute-trust': organisationType('acute-trust', NHS_TRUST, PROVIDER),
  'mental-health-trust': organisationType('mental-health-trust', NHS_TRUST, PROVIDER),
  'community-trust': organisationType('community-trust', NHS_TRUST, PROVIDER),
  'ambulance-service': organisationType('ambulance-service', NHS_TRUST, PROVIDER),
  'out-of-area-trust': organisationType('out-of-area-trust', NHS_TRUST, PROVIDER),
  'local-authority': organisationType(
    'local-authority',
    { system: ODS_ROLE_SYSTEM, code: 'RO141', display: 'Local Authority' },
    GOVERNMENT,
  ),
  'nhs-111': organisationType('nhs-111', INDEPENDENT_PROVIDER, PROVIDER),
  'care-home': organisationType(
    'care-home',
    { system: ODS_ROLE_SYSTEM, code: 'RO269', display: 'Care Home' },
    PROVIDER,
  ),
  pharmacy: organisationType('pharmacy', { system: ODS_ROLE_SYSTEM, code: 'RO182', display: 'Pharmacy' }, PROVIDER),
  hospice: organisationType('hospice', INDEPENDENT_PROVIDER, PROVIDER),
};

export const ICB_TYPE: CodeableConcept[] = frozen([
  { coding: [{ system: ODS_ROLE_SYSTEM, code: 'RO318', display: 'Integrated Care Board' }] },
  { coding: [GOVERNMENT] },
]);
