// One parsed HL7 v2 message -> the operations it means for the store. Pure: no database, no I/O, no logging.

import type { Hl7Message, Hl7Segment } from '../hl7-message.ts';
import { ADT_TRIGGERS, mapAdt, type MappedMessage } from './adt.mapper.ts';
import type { MapContext, MapResult } from './feed-operation.ts';
import { instantAt, toUtcInstant } from './hl7-times.ts';
import { MapFailure, mapError, requiredField } from './map-error.ts';
import type { MapScope } from './map-scope.ts';
import { MDM_TRIGGERS, mapMdm } from './mdm.mapper.ts';
import { mapOru } from './oru.mapper.ts';
import { SIU_TRIGGERS, mapSiu } from './siu.mapper.ts';

const TRIGGERS: Record<string, ReadonlySet<string>> = {
  ADT: ADT_TRIGGERS,
  ORU: new Set(['R01']),
  MDM: MDM_TRIGGERS,
  SIU: SIU_TRIGGERS,
};

/** The message types and trigger events mapHl7Message maps, e.g. `ADT^A01`. */
export function supportedMessageTypes(): string[] {
  return Object.entries(TRIGGERS).flatMap(([type, triggers]) => [...triggers].map((t) => `${type}^${t}`));
}

/**
 * Maps one message. Never throws: a message that cannot be mapped gives `ok: false` with an HL7 table 0357 code
 * and the segment and field at fault (200/201 an unsupported type or trigger, 100 a missing segment, 101 a
 * missing field, 102 a bad value, 103 a value outside its table, 207 anything unexpected).
 */
export function mapHl7Message(message: Hl7Message, ctx: MapContext): MapResult {
  try {
    const msh = message.segments[0]!;
    const type = message.messageType.trim().toUpperCase();
    const trigger = message.triggerEvent.trim().toUpperCase();
    if (type === '') throw requiredField(msh, 9, 'message type', 1);
    const triggers = TRIGGERS[type];
    if (triggers === undefined) throw mapError(msh, 9, '200', 'Unsupported message type', 1);
    if (trigger === '') throw requiredField(msh, 9, 'trigger event', 2);
    if (!triggers.has(trigger)) throw mapError(msh, 9, '201', 'Unsupported event code', 2);

    const scope: MapScope = {
      message,
      senderOds: ctx.senderOds,
      timeZone: ctx.timeZone,
      eventTime: eventTimeOf(message, msh, ctx),
    };
    let mapped: MappedMessage;
    switch (type) {
      case 'ADT':
        mapped = mapAdt(trigger, scope);
        break;
      case 'ORU':
        mapped = mapOru(scope);
        break;
      case 'MDM':
        mapped = mapMdm(trigger, scope);
        break;
      default:
        mapped = mapSiu(trigger, scope);
        break;
    }
    return { ok: true, patientId: mapped.patientId, eventTime: scope.eventTime, operations: mapped.operations };
  } catch (e) {
    if (e instanceof MapFailure) return { ok: false, error: e.error };
    // A defect of ours, never the sender's content: the text is fixed.
    return {
      ok: false,
      error: {
        segment: 'MSH',
        segmentIndex: 0,
        segmentSequence: 1,
        field: 9,
        code: '207',
        text: 'Application internal error',
      },
    };
  }
}

/**
 * EVN-2 (recorded date/time), else MSH-7, as a UTC instant. A time later than our receipt (a sender's clock
 * ahead of ours) is read as the receipt time: otherwise the message would win over every later update.
 */
function eventTimeOf(message: Hl7Message, msh: Hl7Segment, ctx: MapContext): string {
  const evn = message.segment('EVN');
  const recorded = evn ? instantAt(evn, 2, ctx.timeZone) : undefined;
  const sent = recorded ?? instantAt(msh, 7, ctx.timeZone);
  if (sent === undefined) {
    if (msh.get(7).trim() === '') throw requiredField(msh, 7, 'date/time of message');
    throw mapError(msh, 7, '102', 'MSH-7 needs a time of day, not only a date');
  }
  const utc = toUtcInstant(sent);
  const received = Date.parse(ctx.receivedAt);
  return Number.isFinite(received) && Date.parse(utc) > received ? new Date(received).toISOString() : utc;
}
