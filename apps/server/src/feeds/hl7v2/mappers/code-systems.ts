// The identifier systems, code systems, profiles and extensions the mappers write (domain.md 1.1 and 1.2).

/** Our own canonical base (`.example` is reserved, RFC 2606), as the synthetic region's FHIR output uses. */
export const JOINEDUP_BASE = 'https://fhir.joinedup.example';

/** The event time of the message that last set a resource (valueInstant): an older message does not overwrite. */
export const SOURCE_EVENT_TIME_URL = `${JOINEDUP_BASE}/StructureDefinition/source-event-time`;

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANIZATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const ODS_SITE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-site-code';
export const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
/** UK Core Practitioner identifier slices. */
export const GMC_SYSTEM = 'https://fhir.hl7.org.uk/Id/gmc-number';
export const NMC_SYSTEM = 'https://fhir.hl7.org.uk/Id/nmc-number';
export const GMP_SYSTEM = 'https://fhir.hl7.org.uk/Id/gmp-number';
export const HCPC_SYSTEM = 'https://fhir.hl7.org.uk/Id/hcpc-number';

export const NHS_NUMBER_VERIFICATION_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const NHS_NUMBER_VERIFICATION_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
export const DISCHARGE_DESTINATION_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland';

export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const PARTICIPATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const DIAGNOSTIC_SERVICE_SECTION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0074';
export const DATA_ABSENT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
export const LOCATION_PHYSICAL_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
export const IDENTIFIER_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** HL7 v2 table nnnn as FHIR publishes it (terminology.hl7.org). */
export function v2TableSystem(table: string): string {
  return `http://terminology.hl7.org/CodeSystem/v2-${table}`;
}

/** A sender's own identifier space, e.g. `https://fhir.joinedup.example/Id/RAL/visit-number`. */
export function localIdentifierSystem(senderOds: string, name: string): string {
  return `${JOINEDUP_BASE}/Id/${encodeURIComponent(senderOds)}/${name}`;
}

/** A sender's own code table (an HL7 user-defined table, or a coding system HL7 table 0396 does not name). */
export function localCodeSystem(senderOds: string, name: string): string {
  return `${JOINEDUP_BASE}/CodeSystem/${encodeURIComponent(senderOds)}/${encodeURIComponent(name)}`;
}

/** domain.md 1.2: UK Core profiles (canonical base https://fhir.hl7.org.uk/StructureDefinition/UKCore-*). */
export const UK_CORE_PROFILE = {
  Patient: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient',
  Encounter: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter',
  DiagnosticReport: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-DiagnosticReport-Lab',
  Observation: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation-Lab',
  DocumentReference: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-DocumentReference',
  Appointment: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Appointment',
} as const;
