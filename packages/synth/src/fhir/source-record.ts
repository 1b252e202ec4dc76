import type {
  AllergyIntolerance,
  Appointment,
  AppointmentParticipant,
  Condition,
  ContactPoint,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  EncounterLocation,
  Extension,
  Identifier,
  Immunization,
  Location,
  MedicationRequest,
  Observation,
  Organization,
  Patient,
  Practitioner,
  Procedure,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import {
  NHS_NUMBER_SYSTEM,
  UCUM,
  type AllergyEvent,
  type AppointmentEvent,
  type ClinicalEvent,
  type ClinicalEventKind,
  type Coding,
  type ConditionEvent,
  type DocumentEvent,
  type EncounterEvent,
  type ImmunisationEvent,
  type LabReportEvent,
  type MedicationEvent,
  type ObservationEvent,
  type ProcedureEvent,
  type Quantity,
  type ReferralEvent,
  type Region,
  type SourceDemographics,
  type SourceRecord,
} from '../model.ts';
import {
  ALLERGY_ACTIVE,
  ALLERGY_CONFIRMED,
  CANCER_PATHWAY_URL,
  CLASS_BY_SETTING,
  CONDITION_CATEGORY,
  CONDITION_CLINICAL_STATUS,
  CONDITION_CONFIRMED,
  COURSE_OF_THERAPY,
  DIAGNOSTIC_SERVICE_LAB,
  DISCHARGE_DISPOSITION_BY_DESTINATION,
  ENCOUNTER_CLASS,
  FILLER_IDENTIFIER_TYPE,
  IMMUNISATION_DUE_DATE_URL,
  LEGAL_STATUS_EXTENSION,
  MEDICATION_LAST_ISSUE_DATE_URL,
  MEDICATION_REPEAT_INFORMATION_URL,
  META,
  NHS_NUMBER_STATUS_EXTENSION,
  OBSERVATION_CATEGORY,
  OBSERVATION_INTERPRETATION,
  OBSERVATION_META_BY_CODE,
  PHYSICAL_TYPE_WARD,
  PLACER_IDENTIFIER_TYPE,
  REFERRAL_CATEGORY,
  orderNumberSystem,
} from './codes.ts';
import { fhirAddress, fhirName, phone } from './datatypes.ts';
import { eventResourceId, patientId } from './ids.ts';
import { indexRegion, locationRefOf, organizationRefOf, type RegionIndex } from './region-index.ts';

/** What every event of one source record needs: built once per record. */
interface RecordContext {
  index: RegionIndex;
  record: SourceRecord;
  patient: Reference<Patient>;
  /** Event id -> kind, for the events this record holds: references go only to resources it sends. */
  kinds: Map<string, ClinicalEventKind>;
}

const DAY_MS = 86_400_000;

function id(ctx: RecordContext, eventId: string): string {
  return eventResourceId(ctx.record.odsCode, ctx.record.localId, eventId);
}

function refTo<T extends Resource>(
  ctx: RecordContext,
  type: T['resourceType'],
  kind: ClinicalEventKind,
  eventId: string | undefined,
): Reference<T> | undefined {
  if (eventId === undefined || ctx.kinds.get(eventId) !== kind) return undefined;
  return { reference: `${type}/${id(ctx, eventId)}` };
}

function encounterRef(ctx: RecordContext, event: ClinicalEvent): Reference<Encounter> | undefined {
  return refTo<Encounter>(ctx, 'Encounter', 'encounter', event.encounterId);
}

function practitionerRef(ctx: RecordContext, event: ClinicalEvent): Reference<Practitioner> | undefined {
  return event.performer === undefined ? undefined : ctx.index.practitionerRefs.get(event.performer);
}

function organizationRef(ctx: RecordContext, event: ClinicalEvent): Reference<Organization> {
  return organizationRefOf(ctx.index, event.odsCode);
}

function concept(coding: Coding): { coding: Coding[] } {
  return { coding: [coding] };
}

/** FHIR `instant` needs a time and zone; the model's instants have them, a bare date becomes midnight UTC. */
function instant(value: string): string {
  return value.length === 10 ? `${value}T00:00:00Z` : value;
}

// ------------------------------------------------------------------------------------------------- Patient

function patientResource(
  ctx: RecordContext,
  resourceId: string,
  localId: string,
  demographics: SourceDemographics,
): Patient {
  const { record, index } = ctx;
  const identifier: Identifier[] = [{ system: record.localIdSystem, value: localId }];
  if (demographics.nhsNumber) {
    const nhs: Identifier = { system: NHS_NUMBER_SYSTEM, value: demographics.nhsNumber };
    // domain.md 1.1: the verification status rides on the NHS number identifier (UK Core Patient).
    const status = demographics.nhsNumberStatus && NHS_NUMBER_STATUS_EXTENSION.get(demographics.nhsNumberStatus);
    if (status) nhs.extension = [status];
    identifier.push(nhs);
  }
  const source = organizationRefOf(index, record.odsCode);
  const out: Patient = {
    resourceType: 'Patient',
    id: resourceId,
    meta: META.Patient,
    identifier,
    active: true,
    name: [fhirName(demographics.name)],
    gender: demographics.sex,
    birthDate: demographics.birthDate,
  };
  const telecom: ContactPoint[] = [];
  if (demographics.homePhone) telecom.push(phone(demographics.homePhone, 'home'));
  if (demographics.mobilePhone) telecom.push(phone(demographics.mobilePhone, 'mobile'));
  if (telecom.length > 0) out.telecom = telecom;
  if (demographics.deathDate) out.deceasedDateTime = demographics.deathDate;
  if (demographics.address) out.address = [fhirAddress(demographics.address, 'home')];
  if (index.region.byOdsCode.get(record.odsCode)?.kind === 'gp-practice') out.generalPractitioner = [source];
  out.managingOrganization = source;
  return out;
}

// ------------------------------------------------------------------------------------------------- events

function encounterClass(e: EncounterEvent) {
  if (e.setting !== 'mental-health') return CLASS_BY_SETTING[e.setting];
  // A detention, a ward move or a stay past a day is an admission; otherwise a community contact.
  if (e.mhaSection || e.wardTransfers?.length) return ENCOUNTER_CLASS.IMP;
  if (e.end && Date.parse(e.end) - Date.parse(e.at) > DAY_MS) return ENCOUNTER_CLASS.IMP;
  return ENCOUNTER_CLASS.AMB;
}

function encounterLocations(ctx: RecordContext, e: EncounterEvent, isInpatient: boolean): EncounterLocation[] {
  const out: EncounterLocation[] = [];
  const finished = e.end !== undefined;
  const site = locationRefOf(ctx.index, e.odsCode, e.siteOdsCode);
  if (site) {
    const period = finished ? { start: e.at, end: e.end } : { start: e.at };
    out.push({ location: site, status: finished ? 'completed' : 'active', period });
  }
  // Wards are not Locations of the region: they travel as display-only references, in order, with periods.
  const transfers = e.wardTransfers ?? [];
  if (e.location) {
    const until = transfers[0]?.at ?? e.end;
    const here: EncounterLocation = {
      location: { display: e.location },
      status: until !== undefined ? 'completed' : 'active',
      period: until !== undefined ? { start: e.at, end: until } : { start: e.at },
    };
    if (isInpatient) here.physicalType = PHYSICAL_TYPE_WARD;
    out.push(here);
  }
  for (let i = 0; i < transfers.length; i++) {
    const t = transfers[i]!;
    const until = transfers[i + 1]?.at ?? e.end;
    out.push({
      location: { display: t.ward },
      status: until !== undefined ? 'completed' : 'active',
      physicalType: PHYSICAL_TYPE_WARD,
      period: until !== undefined ? { start: t.at, end: until } : { start: t.at },
    });
  }
  return out;
}

function encounterResource(ctx: RecordContext, e: EncounterEvent): Encounter {
  const cls = encounterClass(e);
  const out: Encounter = {
    resourceType: 'Encounter',
    id: id(ctx, e.id),
    meta: META.Encounter,
    status: e.end ? 'finished' : 'in-progress',
    class: cls,
    subject: ctx.patient,
    period: e.end ? { start: e.at, end: e.end } : { start: e.at },
    serviceProvider: organizationRef(ctx, e),
  };
  // domain.md 1.2 and 4.7: the Mental Health Act section as UK Core's legal status extension on Encounter.
  if (e.mhaSection) out.extension = [LEGAL_STATUS_EXTENSION[e.mhaSection]];
  const performer = practitionerRef(ctx, e);
  if (performer) out.participant = [{ individual: performer }];
  if (e.reason) out.reasonCode = [concept(e.reason)];
  if (e.dischargeDestination) {
    out.hospitalization = { dischargeDisposition: DISCHARGE_DISPOSITION_BY_DESTINATION[e.dischargeDestination] };
  }
  const locations = encounterLocations(ctx, e, cls === ENCOUNTER_CLASS.IMP);
  if (locations.length > 0) out.location = locations;
  return out;
}

function conditionResource(ctx: RecordContext, e: ConditionEvent): Condition {
  const out: Condition = {
    resourceType: 'Condition',
    id: id(ctx, e.id),
    meta: META.Condition,
    clinicalStatus: CONDITION_CLINICAL_STATUS[e.clinicalStatus],
    verificationStatus: CONDITION_CONFIRMED,
    category: CONDITION_CATEGORY[e.category],
    code: concept(e.code),
    subject: ctx.patient,
    onsetDateTime: e.onset,
    recordedDate: e.at,
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  // R4 con-4: an abated condition is inactive, resolved or in remission, never active.
  if (e.abatement && e.clinicalStatus !== 'active') out.abatementDateTime = e.abatement;
  const recorder = practitionerRef(ctx, e);
  if (recorder) out.recorder = recorder;
  return out;
}

function medicationRequestResource(ctx: RecordContext, e: MedicationEvent): MedicationRequest {
  const out: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: id(ctx, e.id),
    meta: META.MedicationRequest,
    status: e.status,
    intent: 'order',
    medicationCodeableConcept: concept(e.code),
    subject: ctx.patient,
    authoredOn: e.at,
    requester: practitionerRef(ctx, e) ?? organizationRef(ctx, e),
    courseOfTherapyType: COURSE_OF_THERAPY[e.courseType],
    dosageInstruction: [{ text: e.dosageText }],
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  // One MedicationRequest per prescription, not per issue (README "Medication issues"): the issue count in
  // UK Core's repeat information, the last issue date in our extension.
  const extension: Extension[] = [];
  if (e.courseType === 'repeat') {
    extension.push({
      url: MEDICATION_REPEAT_INFORMATION_URL,
      extension: [{ url: 'numberOfPrescriptionsIssued', valueUnsignedInt: e.issues.length }],
    });
  }
  const lastIssue = e.issues[e.issues.length - 1];
  if (lastIssue) extension.push({ url: MEDICATION_LAST_ISSUE_DATE_URL, valueDateTime: lastIssue });
  if (extension.length > 0) out.extension = extension;
  const dispenseRequest: NonNullable<MedicationRequest['dispenseRequest']> = {};
  if (e.courseType === 'repeat' && e.issues.length > 1) dispenseRequest.numberOfRepeatsAllowed = e.issues.length - 1;
  if (e.quantity) dispenseRequest.quantity = { value: e.quantity.value, unit: e.quantity.unit };
  if (dispenseRequest.numberOfRepeatsAllowed !== undefined || dispenseRequest.quantity) {
    out.dispenseRequest = dispenseRequest;
  }
  return out;
}

function allergyResource(ctx: RecordContext, e: AllergyEvent): AllergyIntolerance {
  const out: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: id(ctx, e.id),
    meta: META.AllergyIntolerance,
    clinicalStatus: ALLERGY_ACTIVE,
    verificationStatus: ALLERGY_CONFIRMED,
    type: 'allergy',
    category: [e.category],
    criticality: e.criticality,
    code: concept(e.code),
    patient: ctx.patient,
    recordedDate: e.at,
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  const recorder = practitionerRef(ctx, e);
  if (recorder) out.recorder = recorder;
  if (e.reaction) out.reaction = [{ manifestation: [concept(e.reaction)] }];
  return out;
}

function isCoding(value: Quantity | Coding): value is Coding {
  return (value as Coding).system !== undefined;
}

function quantity(q: Quantity) {
  return { value: q.value, unit: q.unit, system: UCUM, code: q.code };
}

function observationResource(ctx: RecordContext, e: ObservationEvent): Observation {
  const meta =
    OBSERVATION_META_BY_CODE.get(e.code.code) ?? (e.category === 'laboratory' ? META.ObservationLab : META.Observation);
  const out: Observation = {
    resourceType: 'Observation',
    id: id(ctx, e.id),
    meta,
    status: 'final',
    category: OBSERVATION_CATEGORY[e.category],
    code: concept(e.code),
    subject: ctx.patient,
    effectiveDateTime: e.at,
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  out.performer = [practitionerRef(ctx, e) ?? organizationRef(ctx, e)];
  const value = e.value;
  if (typeof value === 'string') out.valueString = value;
  else if (value !== undefined) {
    if (isCoding(value)) out.valueCodeableConcept = concept(value);
    else out.valueQuantity = quantity(value);
  }
  if (e.interpretation) out.interpretation = OBSERVATION_INTERPRETATION[e.interpretation];
  if (e.note) out.note = [{ text: e.note }];
  const range = e.referenceRange;
  if (range && (range.low !== undefined || range.high !== undefined)) {
    // The range shares the result's UCUM code when it is in the result's unit.
    const code = value !== undefined && typeof value !== 'string' && !isCoding(value) && value.unit === range.unit;
    const bound = (v: number) =>
      code ? { value: v, unit: range.unit, system: UCUM, code: value.code } : { value: v, unit: range.unit };
    const r: NonNullable<Observation['referenceRange']>[number] = {};
    if (range.low !== undefined) r.low = bound(range.low);
    if (range.high !== undefined) r.high = bound(range.high);
    out.referenceRange = [r];
  }
  if (e.components && e.components.length > 0) {
    out.component = e.components.map((c) => ({ code: concept(c.code), valueQuantity: quantity(c.value) }));
  }
  return out;
}

function diagnosticReportResource(ctx: RecordContext, e: LabReportEvent): DiagnosticReport {
  const lab = e.odsCode;
  const out: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: id(ctx, e.id),
    meta: META.DiagnosticReportLab,
    identifier: [
      { type: PLACER_IDENTIFIER_TYPE, system: orderNumberSystem(lab, 'placer'), value: e.placerOrderNumber },
      { type: FILLER_IDENTIFIER_TYPE, system: orderNumberSystem(lab, 'filler'), value: e.fillerOrderNumber },
    ],
    status: 'final',
    category: DIAGNOSTIC_SERVICE_LAB,
    code: concept(e.code),
    subject: ctx.patient,
    effectiveDateTime: e.at,
    issued: instant(e.issued),
    performer: [organizationRef(ctx, e)],
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  const interpreter = practitionerRef(ctx, e);
  if (interpreter) out.resultsInterpreter = [interpreter];
  const result: Reference<Observation>[] = [];
  for (const resultId of e.resultIds) {
    const ref = refTo<Observation>(ctx, 'Observation', 'observation', resultId);
    if (ref) result.push(ref);
  }
  if (result.length > 0) out.result = result;
  if (e.conclusion) out.conclusion = e.conclusion;
  return out;
}

function immunizationResource(ctx: RecordContext, e: ImmunisationEvent): Immunization {
  const out: Immunization = {
    resourceType: 'Immunization',
    id: id(ctx, e.id),
    meta: META.Immunization,
    status: e.status,
    vaccineCode: concept(e.vaccineCode),
    patient: ctx.patient,
    occurrenceDateTime: e.at,
    recorded: e.at,
    primarySource: true,
  };
  if (e.dueDate) out.extension = [{ url: IMMUNISATION_DUE_DATE_URL, valueDate: e.dueDate }];
  if (e.statusReason) out.statusReason = concept(e.statusReason);
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  const location = locationRefOf(ctx.index, e.odsCode, e.siteOdsCode);
  if (location) out.location = location;
  const performer = practitionerRef(ctx, e);
  if (performer) out.performer = [{ actor: performer }];
  // R4: doseNumberPositiveInt is 1 or more.
  if (e.doseNumber !== undefined && e.doseNumber >= 1) out.protocolApplied = [{ doseNumberPositiveInt: e.doseNumber }];
  return out;
}

function cancerPathwayExtension(cancer: NonNullable<ReferralEvent['cancer']>): Extension {
  const parts: Extension[] = [
    { url: 'tumourSite', valueString: cancer.tumourSite },
    { url: 'referralDate', valueDate: cancer.referralDate },
  ];
  if (cancer.firstSeenDate) parts.push({ url: 'firstSeenDate', valueDate: cancer.firstSeenDate });
  if (cancer.diagnosisCommunicatedDate) {
    parts.push({ url: 'diagnosisCommunicatedDate', valueDate: cancer.diagnosisCommunicatedDate });
  }
  parts.push({ url: 'diagnosed', valueBoolean: cancer.diagnosed });
  if (cancer.decisionToTreatDate) parts.push({ url: 'decisionToTreatDate', valueDate: cancer.decisionToTreatDate });
  if (cancer.firstTreatmentDate) parts.push({ url: 'firstTreatmentDate', valueDate: cancer.firstTreatmentDate });
  return { url: CANCER_PATHWAY_URL, extension: parts };
}

function serviceRequestResource(ctx: RecordContext, e: ReferralEvent): ServiceRequest {
  const out: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: id(ctx, e.id),
    meta: META.ServiceRequest,
    status: 'active',
    intent: 'order',
    category: REFERRAL_CATEGORY,
    priority: e.priority,
    code: concept(e.code),
    subject: ctx.patient,
    authoredOn: e.at,
    requester: practitionerRef(ctx, e) ?? organizationRef(ctx, e),
    performer: [organizationRefOf(ctx.index, e.toOdsCode)],
  };
  // domain.md 6.5: the cancer waiting-time clock dates, as one complex extension (README "Extensions").
  if (e.cancer) out.extension = [cancerPathwayExtension(e.cancer)];
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  return out;
}

function procedureResource(ctx: RecordContext, e: ProcedureEvent): Procedure {
  const out: Procedure = {
    resourceType: 'Procedure',
    id: id(ctx, e.id),
    meta: META.Procedure,
    status: 'completed',
    code: concept(e.code),
    subject: ctx.patient,
    performedDateTime: e.at,
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.encounter = encounter;
  const performer = practitionerRef(ctx, e);
  if (performer) out.performer = [{ actor: performer }];
  const location = locationRefOf(ctx.index, e.odsCode, e.siteOdsCode);
  if (location) out.location = location;
  return out;
}

function documentReferenceResource(ctx: RecordContext, e: DocumentEvent): DocumentReference {
  const org = organizationRef(ctx, e);
  const author = practitionerRef(ctx, e);
  const out: DocumentReference = {
    resourceType: 'DocumentReference',
    id: id(ctx, e.id),
    meta: META.DocumentReference,
    status: 'current',
    docStatus: 'final',
    type: concept(e.type),
    subject: ctx.patient,
    date: instant(e.at),
    author: author ? [author, org] : [org],
    custodian: org,
    description: e.title,
    content: [
      {
        attachment: {
          contentType: 'text/plain;charset=utf-8',
          data: Buffer.from(e.text, 'utf8').toString('base64'),
          title: e.title,
          creation: e.at,
        },
      },
    ],
  };
  const encounter = encounterRef(ctx, e);
  if (encounter) out.context = { encounter: [encounter] };
  return out;
}

function appointmentResource(ctx: RecordContext, e: AppointmentEvent): Appointment {
  const participant: AppointmentParticipant[] = [{ actor: ctx.patient, status: 'accepted' }];
  const location: Reference<Location> | undefined = locationRefOf(ctx.index, e.odsCode, e.siteOdsCode);
  if (location) participant.push({ actor: location, status: 'accepted' });
  const performer = practitionerRef(ctx, e);
  if (performer) participant.push({ actor: performer, status: 'accepted' });
  return {
    resourceType: 'Appointment',
    id: id(ctx, e.id),
    meta: META.Appointment,
    status: e.status,
    specialty: [concept(e.specialty)],
    description: e.specialty.display,
    start: instant(e.start),
    end: instant(e.end),
    created: e.at,
    participant,
  };
}

function eventResource(ctx: RecordContext, e: ClinicalEvent): Resource {
  switch (e.kind) {
    case 'encounter':
      return encounterResource(ctx, e);
    case 'condition':
      return conditionResource(ctx, e);
    case 'medication':
      return medicationRequestResource(ctx, e);
    case 'allergy':
      return allergyResource(ctx, e);
    case 'observation':
      return observationResource(ctx, e);
    case 'lab-report':
      return diagnosticReportResource(ctx, e);
    case 'immunisation':
      return immunizationResource(ctx, e);
    case 'referral':
      return serviceRequestResource(ctx, e);
    case 'procedure':
      return procedureResource(ctx, e);
    case 'document':
      return documentReferenceResource(ctx, e);
    case 'appointment':
      return appointmentResource(ctx, e);
  }
}

/**
 * What one organisation sends about one person: its Patient (and the merged duplicate Patient, if any), then a
 * resource per event in the record's order.
 */
export function sourceRecordResources(record: SourceRecord, region: Region): Resource[] {
  const index = indexRegion(region);
  const survivorId = patientId(record.odsCode, record.localId);
  const kinds = new Map<string, ClinicalEventKind>();
  for (const e of record.events) kinds.set(e.id, e.kind);
  const ctx: RecordContext = { index, record, patient: { reference: `Patient/${survivorId}` }, kinds };

  const out: Resource[] = [];
  const survivor = patientResource(ctx, survivorId, record.localId, record.demographics);
  out.push(survivor);
  const dup = record.duplicate;
  if (dup) {
    // domain.md 2.2: after a merge the old record is inactive and `replaced-by` the survivor, which `replaces` it.
    const dupId = patientId(record.odsCode, dup.localId);
    const duplicate = patientResource(ctx, dupId, dup.localId, dup.demographics);
    duplicate.active = false;
    duplicate.link = [{ other: ctx.patient, type: 'replaced-by' }];
    survivor.link = [{ other: { reference: `Patient/${dupId}` }, type: 'replaces' }];
    out.push(duplicate);
  }
  for (const e of record.events) out.push(eventResource(ctx, e));
  return out;
}
