// What every mapper of one message needs to know.

import type { Extension, Patient, Reference } from '@joinedup/fhir';
import type { Hl7Message } from '../hl7-message.ts';
import { SOURCE_EVENT_TIME_URL } from './code-systems.ts';

export interface MapScope {
  message: Hl7Message;
  senderOds: string;
  timeZone: string;
  /** EVN-2 or MSH-7 as a UTC instant. */
  eventTime: string;
}

/** The event time of this message on a resource it sets (the service refuses an older update with it). */
export function sourceEventTime(scope: MapScope): Extension {
  return { url: SOURCE_EVENT_TIME_URL, valueInstant: scope.eventTime };
}

export function patientReference(patientId: string): Reference<Patient> {
  return { reference: `Patient/${patientId}` };
}
