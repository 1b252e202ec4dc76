// PV1 -> UK Core Encounter, for the ADT visit events (HL7 v2.5.1 ch. 3; domain.md 2.2 trigger -> action table).

import type { CodeableConcept, Coding, Encounter, EncounterLocation, EncounterParticipant } from '@joinedup/fhir';
import type { Hl7Segment } from '../hl7-message.ts';
import {
  ACT_CODE_SYSTEM,
  DISCHARGE_DESTINATION_SYSTEM,
  LOCATION_PHYSICAL_TYPE_SYSTEM,
  PARTICIPATION_TYPE_SYSTEM,
  UK_CORE_PROFILE,
} from './code-systems.ts';
import type { UpsertOperation } from './feed-operation.ts';
import {
  cleanCode,
  firstRepetition,
  localIdentifier,
  localTableConcept,
  locationDisplay,
  locationPhysicalType,
  organizationReference,
  practitionerReference,
  v2TableConcept,
} from './hl7-datatypes.ts';
import { dateTimeAt } from './hl7-times.ts';
import { requiredField } from './map-error.ts';
import { patientReference, sourceEventTime, type MapScope } from './map-scope.ts';
import { sourceResourceId, toResourceId } from './resource-ids.ts';

const CLASS: Record<string, Coding> = {
  IMP: { system: ACT_CODE_SYSTEM, code: 'IMP', display: 'inpatient encounter' },
  AMB: { system: ACT_CODE_SYSTEM, code: 'AMB', display: 'ambulatory' },
  EMER: { system: ACT_CODE_SYSTEM, code: 'EMER', display: 'emergency' },
  PRENC: { system: ACT_CODE_SYSTEM, code: 'PRENC', display: 'pre-admission' },
};

/** HL7 table 0004 (patient class) to v3 ActCode, as the HL7 v2-to-FHIR PV1 mapping reads it. */
const CLASS_BY_PATIENT_CLASS: Record<string, keyof typeof CLASS> = {
  E: 'EMER',
  I: 'IMP',
  O: 'AMB',
  P: 'PRENC',
  R: 'AMB',
  B: 'IMP',
};

/** When PV1-2 is empty or not in table 0004: what the trigger event itself says. */
const CLASS_BY_TRIGGER: Record<string, keyof typeof CLASS> = {
  A01: 'IMP',
  A02: 'IMP',
  A06: 'IMP',
  A04: 'AMB',
  A07: 'AMB',
  A05: 'PRENC',
};

/** HL7 table 0007 (admission type). */
const ADMISSION_TYPE: Record<string, string> = {
  A: 'Accident',
  C: 'Elective',
  E: 'Emergency',
  L: 'Labor and Delivery',
  N: 'Newborn (Birth in healthcare facility)',
  R: 'Routine',
  U: 'Urgent',
};

/** PV1 doctors (HL7 v2.5.1 3.4.3) and their v3 ParticipationType. */
const PARTICIPANTS: readonly { field: number; code: string; display: string }[] = [
  { field: 7, code: 'ATND', display: 'attender' },
  { field: 8, code: 'REF', display: 'referrer' },
  { field: 9, code: 'CON', display: 'consultant' },
  { field: 17, code: 'ADM', display: 'admitter' },
];

/**
 * The Encounter id: `${senderOds}-${PV1-19 visit number}`; without a visit number, the Patient id and PV1-44
 * (the admit time), which every message about the same visit repeats. Undefined when PV1 has neither.
 */
export function encounterIdOf(pv1: Hl7Segment, patientId: string, scope: MapScope): string | undefined {
  const visitNumber = cleanCode(pv1.get(19));
  if (visitNumber !== undefined) return sourceResourceId(scope.senderOds, visitNumber);
  const admitted = pv1.get(44).replace(/[^0-9]/g, '');
  return admitted === '' ? undefined : toResourceId(`${patientId}-${admitted}`);
}

export function requireEncounterId(pv1: Hl7Segment, patientId: string, scope: MapScope): string {
  const id = encounterIdOf(pv1, patientId, scope);
  if (id === undefined) throw requiredField(pv1, 19, 'visit number, or PV1-44 admit date/time');
  return id;
}

/**
 * PV1 (with EVN and PV2) -> UK Core Encounter for one ADT visit event. Status by trigger: A05 planned, A03
 * finished, A08 finished when PV1-45 is there, every other in-progress. The location is the one PV1-3 names
 * now: applyFeedOperation keeps the earlier ones as history (README "Encounter location history").
 */
export function mapEncounter(
  pv1: Hl7Segment,
  trigger: string,
  patientId: string,
  scope: MapScope,
  evn: Hl7Segment | undefined,
  pv2: Hl7Segment | undefined,
): UpsertOperation {
  const { senderOds, timeZone } = scope;
  const id = requireEncounterId(pv1, patientId, scope);
  const defaults: string[] = [];
  const clear: string[] = [];

  const admitted = dateTimeAt(pv1, 44, timeZone);
  const discharged = dateTimeAt(pv1, 45, timeZone);
  const occurred = (evn && dateTimeAt(evn, 6, timeZone)) ?? scope.eventTime;
  const patientClass = pv1.get(2).trim().toUpperCase();

  let status: Encounter['status'] = 'in-progress';
  if (trigger === 'A05' || (trigger === 'A08' && patientClass === 'P' && discharged === undefined)) status = 'planned';
  if (trigger === 'A03' || (trigger === 'A08' && discharged !== undefined)) status = 'finished';
  // An A08 that does not say the visit ended has not said it is still going on: keep a stored 'finished'.
  if (trigger === 'A08' && discharged === undefined) defaults.push('status');

  let classCode = CLASS_BY_PATIENT_CLASS[patientClass];
  if (trigger === 'A06') classCode = 'IMP';
  if (trigger === 'A07' && classCode !== 'EMER') classCode = 'AMB';
  if (classCode === undefined) {
    classCode = CLASS_BY_TRIGGER[trigger] ?? 'AMB';
    defaults.push('class');
  }

  const start = status === 'planned' ? ((pv2 && dateTimeAt(pv2, 8, timeZone)) ?? admitted) : admitted;
  const end = status === 'finished' ? (discharged ?? occurred) : discharged;

  const encounter: Encounter = {
    resourceType: 'Encounter',
    id,
    meta: { profile: [UK_CORE_PROFILE.Encounter] },
    extension: [sourceEventTime(scope)],
    status,
    class: CLASS[classCode]!,
    subject: patientReference(patientId),
    serviceProvider: organizationReference(senderOds),
  };
  const visitNumber = cleanCode(pv1.get(19));
  if (visitNumber !== undefined) {
    encounter.identifier = [localIdentifier(senderOds, 'visit-number', visitNumber, 'VN')];
  }

  const admissionType = cleanCode(pv1.get(4));
  if (admissionType !== undefined) {
    const display = ADMISSION_TYPE[admissionType.toUpperCase()];
    encounter.type = [
      display === undefined
        ? localTableConcept(senderOds, '0007', admissionType)
        : v2TableConcept('0007', admissionType.toUpperCase(), display),
    ];
  } else if (pv1.isNull(4)) clear.push('type');

  const service = cleanCode(pv1.get(10));
  if (service !== undefined) encounter.serviceType = localTableConcept(senderOds, '0069', service);
  else if (pv1.isNull(10)) clear.push('serviceType');

  const participant: EncounterParticipant[] = [];
  for (const { field, code, display } of PARTICIPANTS) {
    for (const rep of pv1.repetitions(field)) {
      const individual = practitionerReference(rep, senderOds);
      if (individual === undefined) continue;
      participant.push({ type: [{ coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code, display }] }], individual });
    }
  }
  if (participant.length > 0) encounter.participant = participant;
  else if (PARTICIPANTS.some((p) => pv1.isNull(p.field))) clear.push('participant');

  if (start !== undefined || end !== undefined) {
    encounter.period = { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
  }

  // A location starts when the visit does (A01, A04, A05) or at a transfer (A02); other events do not say when
  // the patient came to the place PV1-3 names.
  const locationStart = trigger === 'A02' ? occurred : ['A01', 'A04', 'A05'].includes(trigger) ? start : undefined;
  const location = currentLocation(pv1, status, locationStart, end);
  if (location) encounter.location = [location];

  const disposition = dischargeDisposition(pv1, senderOds);
  if (disposition) encounter.hospitalization = { dischargeDisposition: disposition };
  else if (pv1.isNull(36)) clear.push('hospitalization');

  return {
    kind: 'upsert',
    resource: encounter,
    ...(clear.length > 0 ? { clear } : {}),
    ...(defaults.length > 0 ? { defaults } : {}),
  };
}

function currentLocation(
  pv1: Hl7Segment,
  status: Encounter['status'],
  start: string | undefined,
  end: string | undefined,
): EncounterLocation | undefined {
  const pl = firstRepetition(pv1, 3);
  const display = locationDisplay(pl);
  if (pl === undefined || display === undefined) return undefined;
  const physicalType = locationPhysicalType(pl);
  let locationStatus: EncounterLocation['status'] = 'active';
  if (status === 'planned') locationStatus = 'planned';
  if (status === 'finished') locationStatus = 'completed';
  const period =
    start !== undefined || (end !== undefined && status === 'finished')
      ? {
          ...(start === undefined ? {} : { start }),
          ...(status === 'finished' && end !== undefined ? { end } : {}),
        }
      : undefined;
  return {
    // Wards, rooms and beds are not Locations we hold: a display-only reference, as the synthetic FHIR feeds do.
    location: { display },
    status: locationStatus,
    physicalType: {
      coding: [
        {
          system: LOCATION_PHYSICAL_TYPE_SYSTEM,
          code: physicalType,
          display: physicalType === 'bd' ? 'Bed' : physicalType === 'ro' ? 'Room' : 'Ward',
        },
      ],
    },
    ...(period === undefined ? {} : { period }),
  };
}

/**
 * PV1-36 (discharge disposition, HL7 user-defined table 0112). English PAS send the NHS Data Dictionary discharge
 * destination (two digits), which UK Core codes in UKCore-DischargeDestinationEngland; anything else is local.
 */
function dischargeDisposition(pv1: Hl7Segment, senderOds: string): CodeableConcept | undefined {
  const code = cleanCode(pv1.get(36));
  if (code === undefined) return undefined;
  if (/^[0-9]{2}$/.test(code)) return { coding: [{ system: DISCHARGE_DESTINATION_SYSTEM, code }] };
  return localTableConcept(senderOds, '0112', code);
}
