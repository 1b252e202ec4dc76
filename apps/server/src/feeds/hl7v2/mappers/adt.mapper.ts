// ADT (HL7 v2.5.1 ch. 3) -> Patient, Encounter and merges, by the trigger -> action table of domain.md 2.2.

import type { Hl7Segment } from '../hl7-message.ts';
import type { FeedOperation } from './feed-operation.ts';
import { encounterIdOf, mapEncounter, requireEncounterId } from './encounter.mapper.ts';
import { mapError, requiredSegment } from './map-error.ts';
import type { MapScope } from './map-scope.ts';
import { mapPatient, patientIdentity } from './patient.mapper.ts';

/** Visit events: the Patient, and the Encounter PV1 describes. */
const VISIT_EVENTS = new Set(['A01', 'A02', 'A03', 'A04', 'A05', 'A06', 'A07', 'A08']);
/** Person events: the Patient only (PV1, when sent, is `N`: no visit). */
const PERSON_EVENTS = new Set(['A28', 'A31']);
/** Merges of one source's patient identifiers: MRG-1 (prior) into PID-3 (survivor). */
const MERGE_EVENTS = new Set(['A18', 'A34', 'A39', 'A40']);
/** Cancellations (domain.md 2.2: "must be supported or state goes wrong"). */
const CANCEL_EVENTS = { A11: 'entered-in-error', A12: 'previous-location', A13: 'reopen' } as const;

export const ADT_TRIGGERS: ReadonlySet<string> = new Set([
  ...VISIT_EVENTS,
  ...PERSON_EVENTS,
  ...MERGE_EVENTS,
  ...Object.keys(CANCEL_EVENTS),
]);

export interface MappedMessage {
  patientId: string;
  operations: FeedOperation[];
}

export function mapAdt(trigger: string, scope: MapScope): MappedMessage {
  if (MERGE_EVENTS.has(trigger)) return mapMerge(scope);
  const { message, senderOds } = scope;
  const pid = message.segment('PID');
  if (!pid) throw requiredSegment('PID', 3, `ADT^${trigger}`);
  const identity = patientIdentity(pid, 3, senderOds);
  const operations: FeedOperation[] = [mapPatient(pid, identity, scope)];
  if (PERSON_EVENTS.has(trigger)) return { patientId: identity.id, operations };

  const pv1 = message.segment('PV1');
  if (trigger in CANCEL_EVENTS) {
    if (!pv1) throw requiredSegment('PV1', 19, `ADT^${trigger}`);
    const to = CANCEL_EVENTS[trigger as keyof typeof CANCEL_EVENTS];
    operations.push({ kind: 'cancel', resourceType: 'Encounter', id: requireEncounterId(pv1, identity.id, scope), to });
    return { patientId: identity.id, operations };
  }

  // A08 is also sent for person-level changes: without a visit (no PV1, PV1-2 N, no visit number or admit time)
  // it updates the Patient only.
  const isPersonLevelA08 =
    trigger === 'A08' &&
    (!pv1 || pv1.get(2).trim().toUpperCase() === 'N' || encounterIdOf(pv1, identity.id, scope) === undefined);
  if (isPersonLevelA08) return { patientId: identity.id, operations };
  if (!pv1) throw requiredSegment('PV1', 19, `ADT^${trigger}`);
  operations.push(mapEncounter(pv1, trigger, identity.id, scope, message.segment('EVN'), message.segment('PV2')));
  return { patientId: identity.id, operations };
}

/**
 * A18/A34/A39/A40: each PID (survivor) with the MRG after it (MRG-1: the prior identifier list), HL7 v2.5.1
 * 3.3.40. Merges are per source (domain.md 2.2 rule 3): both ids are this sender's. A merge of a patient into
 * itself is refused.
 */
function mapMerge(scope: MapScope): MappedMessage {
  const { message, senderOds } = scope;
  const operations: FeedOperation[] = [];
  let survivorId: string | undefined;
  let pid: Hl7Segment | undefined;
  let pairs = 0;
  for (const segment of message.segments) {
    if (segment.name === 'PID') {
      pid = segment;
      continue;
    }
    if (segment.name !== 'MRG') continue;
    if (!pid) throw mapError(segment, 1, '100', 'MRG must follow the PID of the surviving patient');
    const survivor = patientIdentity(pid, 3, senderOds);
    const prior = patientIdentity(segment, 1, senderOds);
    if (prior.id === survivor.id) throw mapError(segment, 1, '102', 'MRG-1 names the same patient as PID-3');
    operations.push(mapPatient(pid, survivor, scope), {
      kind: 'merge',
      survivingPatientId: survivor.id,
      priorPatientId: prior.id,
    });
    survivorId ??= survivor.id;
    pid = undefined;
    pairs++;
  }
  if (pairs === 0 || survivorId === undefined) {
    throw message.segment('PID') ? requiredSegment('MRG', 1, 'A merge') : requiredSegment('PID', 3, 'A merge');
  }
  return { patientId: survivorId, operations };
}
