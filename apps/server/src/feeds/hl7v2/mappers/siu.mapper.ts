// SIU (HL7 v2.5.1 ch. 10: scheduling, filler application notifications) -> UK Core Appointment.

import type { Appointment, AppointmentParticipant, Identifier } from '@joinedup/fhir';
import type { Hl7Segment } from '../hl7-message.ts';
import { SNOMED_SYSTEM, UK_CORE_PROFILE } from './code-systems.ts';
import type { FeedOperation } from './feed-operation.ts';
import {
  cleanCode,
  codeableConcept,
  entityId,
  firstRepetition,
  localIdentifier,
  locationDisplay,
  practitionerReference,
} from './hl7-datatypes.ts';
import { addMinutes, instantAt } from './hl7-times.ts';
import { mapError, requiredField, requiredSegment } from './map-error.ts';
import { sourceEventTime, type MapScope } from './map-scope.ts';
import type { MappedMessage } from './adt.mapper.ts';
import { mapPatient, patientIdentity } from './patient.mapper.ts';
import { sourceResourceId } from './resource-ids.ts';

/** S12 new, S13 rescheduled, S14 modified, S15 cancelled, S17 deleted, S26 no-show. */
export const SIU_TRIGGERS: ReadonlySet<string> = new Set(['S12', 'S13', 'S14', 'S15', 'S17', 'S26']);

/** HL7 table 0278 (filler status code, SCH-25) to Appointment.status. */
const STATUS_BY_FILLER_STATUS: Record<string, Appointment['status']> = {
  BOOKED: 'booked',
  OVERBOOK: 'booked',
  CANCELLED: 'cancelled',
  DC: 'cancelled',
  COMPLETE: 'fulfilled',
  DELETED: 'entered-in-error',
  NOSHOW: 'noshow',
  PENDING: 'pending',
  STARTED: 'arrived',
  WAITLIST: 'waitlist',
};

function appointmentStatus(trigger: string, sch: Hl7Segment): Appointment['status'] {
  if (trigger === 'S15') return 'cancelled';
  if (trigger === 'S26') return 'noshow';
  return STATUS_BY_FILLER_STATUS[sch.get(25).trim().toUpperCase()] ?? 'booked';
}

/** Minutes from a duration (SCH-9, AIS-7, AIL-9) and its units (CE; MIN by default, HR / H hours, S seconds). */
function minutesOf(segment: Hl7Segment, field: number, unitsField: number): number | undefined {
  const amount = Number(segment.get(field).trim());
  if (segment.get(field).trim() === '' || !Number.isFinite(amount) || amount <= 0) return undefined;
  const units = segment.get(unitsField).trim().toUpperCase();
  const factor =
    units === 'HR' || units === 'H' || units === 'HOURS' ? 60 : units === 'S' || units === 'SEC' ? 1 / 60 : 1;
  const minutes = Math.round(amount * factor);
  return minutes >= 1 && minutes <= 2_147_483_647 ? minutes : undefined;
}

/**
 * Start and end: SCH-11 (timing quantity, components 4 and 5), else the first AIS-4, AIL-6 or AIP-6 start with
 * its duration; an end missing is the start plus the duration (SCH-9/10).
 */
function timing(message: MapScope['message'], sch: Hl7Segment, timeZone: string) {
  let start = instantAt(sch, 11, timeZone, 4);
  let end = instantAt(sch, 11, timeZone, 5);
  let minutes = minutesOf(sch, 9, 10);
  const resources: [string, number, number, number][] = [
    ['AIS', 4, 7, 8],
    ['AIL', 6, 9, 10],
    ['AIP', 6, 9, 10],
  ];
  for (const [name, startField, durationField, unitsField] of resources) {
    for (const segment of message.segmentsNamed(name)) {
      if (start === undefined) {
        start = instantAt(segment, startField, timeZone);
        if (start !== undefined) minutes ??= minutesOf(segment, durationField, unitsField);
      }
    }
  }
  if (start !== undefined && end === undefined && minutes !== undefined) end = addMinutes(start, minutes);
  return { start, end, minutes };
}

export function mapSiu(trigger: string, scope: MapScope): MappedMessage {
  const { message, senderOds, timeZone } = scope;
  const sch = message.segment('SCH');
  if (!sch) throw requiredSegment('SCH', 1, `SIU^${trigger}`);
  const pid = message.segment('PID');
  if (!pid) throw requiredSegment('PID', 3, `SIU^${trigger}`);
  const identity = patientIdentity(pid, 3, senderOds);
  const operations: FeedOperation[] = [mapPatient(pid, identity, scope)];

  // The filler (the scheduling system that sends SIU) owns the appointment: its id first, else the placer's.
  const placer = entityId(sch, 1);
  const filler = entityId(sch, 2);
  const appointmentNumber = filler ?? placer;
  if (appointmentNumber === undefined) throw requiredField(sch, 2, 'filler appointment id, or SCH-1 placer id');
  const id = sourceResourceId(senderOds, appointmentNumber);
  if (trigger === 'S17') {
    operations.push({ kind: 'cancel', resourceType: 'Appointment', id, to: 'entered-in-error' });
    return { patientId: identity.id, operations };
  }

  const status = appointmentStatus(trigger, sch);
  const { start, end, minutes } = timing(message, sch, timeZone);
  // FHIR R4 app-3: only proposed, cancelled and waitlisted appointments may lack a start and an end.
  if ((start === undefined || end === undefined) && !['proposed', 'cancelled', 'waitlist'].includes(status)) {
    throw requiredField(sch, 11, 'appointment start and end (or AIS/AIL/AIP start and duration)', 4);
  }
  if (start !== undefined && end !== undefined && Date.parse(end) < Date.parse(start)) {
    throw mapError(sch, 11, '102', 'SCH-11 ends before it starts', 5);
  }

  const identifier: Identifier[] = [];
  if (placer !== undefined) identifier.push(localIdentifier(senderOds, 'placer-appointment-id', placer, 'PLAC'));
  if (filler !== undefined) identifier.push(localIdentifier(senderOds, 'filler-appointment-id', filler, 'FILL'));

  const participant: AppointmentParticipant[] = [
    { actor: { reference: `Patient/${identity.id}`, type: 'Patient' }, required: 'required', status: 'accepted' },
  ];
  for (const ail of message.segmentsNamed('AIL')) {
    const display = locationDisplay(firstRepetition(ail, 3));
    if (display !== undefined) participant.push({ actor: { type: 'Location', display }, status: 'accepted' });
  }
  for (const aip of message.segmentsNamed('AIP')) {
    const rep = firstRepetition(aip, 3);
    const actor = rep && practitionerReference(rep, senderOds);
    if (actor) participant.push({ actor, status: 'accepted' });
  }

  const reason = codeableConcept(firstRepetition(sch, 7), senderOds);
  const service = codeableConcept(firstRepetition(message.segment('AIS'), 3), senderOds) ?? reason;
  // UK Core binds Appointment.specialty to SNOMED CT practice settings: SCH-7 is one when it is a SNOMED CT code.
  const specialty = reason?.coding?.some((c) => c.system === SNOMED_SYSTEM) ? reason : undefined;
  const eventReason = codeableConcept(firstRepetition(sch, 6), senderOds);

  const appointment: Appointment = {
    resourceType: 'Appointment',
    id,
    meta: { profile: [UK_CORE_PROFILE.Appointment] },
    extension: [sourceEventTime(scope)],
    ...(identifier.length > 0 ? { identifier } : {}),
    status,
    ...(status === 'cancelled' && eventReason !== undefined ? { cancelationReason: eventReason } : {}),
    ...(service === undefined ? {} : { serviceType: [service] }),
    ...(specialty === undefined ? {} : { specialty: [specialty] }),
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
    ...(minutes === undefined ? {} : { minutesDuration: minutes }),
    participant,
  };
  const code = cleanCode(sch.get(8));
  if (code !== undefined) appointment.appointmentType = { text: code };
  operations.push({ kind: 'upsert', resource: appointment });
  return { patientId: identity.id, operations };
}
