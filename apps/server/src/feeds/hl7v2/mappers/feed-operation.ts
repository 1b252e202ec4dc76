// What one HL7 v2 message means for the store: the operations the feed service applies in one transaction.

import type { Resource } from '@joinedup/fhir';

export interface MapContext {
  /** MSH-4: the sending facility's ODS code, as the service has authenticated it. */
  senderOds: string;
  /** The sender's IANA time zone, for HL7 times without an offset ('Europe/London'; the synthetic feeds: 'UTC'). */
  timeZone: string;
  /** When we received the message (FHIR instant): an event time later than this is read as this. */
  receivedAt: string;
}

/**
 * PUT by id (update-as-create). `clear` names top-level elements the message nulled (`""`, HL7 v2.5.1 2.5.3:
 * delete the receiver's value); `defaults` names elements filled only so that a new resource is complete, which
 * must not overwrite a stored value. applyFeedOperation honours both.
 */
export interface UpsertOperation {
  kind: 'upsert';
  resource: Resource;
  clear?: string[];
  defaults?: string[];
}

/** ADT A40 (and A18, A34, A39) within one source: the prior Patient's record moves to the survivor. */
export interface MergeOperation {
  kind: 'merge';
  survivingPatientId: string;
  priorPatientId: string;
}

/**
 * A correction of something already stored:
 * - `entered-in-error`: A11 (cancel admit or visit), MDM T11, SIU S17;
 * - `reopen`: A13 (cancel discharge): back in progress, no end, no discharge disposition;
 * - `previous-location`: A12 (cancel transfer): the last location is removed and the one before is current;
 * - `cancelled`: the resource's own cancelled status;
 * - `superseded`: MDM T07-T10 when the document got a new number: the parent document is replaced.
 */
export interface CancelOperation {
  kind: 'cancel';
  resourceType: string;
  id: string;
  to: CancelTarget;
}

export type CancelTarget = 'entered-in-error' | 'reopen' | 'cancelled' | 'previous-location' | 'superseded';

export type FeedOperation = UpsertOperation | MergeOperation | CancelOperation;

/** HL7 table 0357 codes a mapping can fail with. */
export type MapErrorCode = '100' | '101' | '102' | '103' | '200' | '201' | '207';

/**
 * Where the message is wrong, for the ACK's ERR segment. `text` is a fixed text of ours (never message content:
 * it is patient data). `segmentSequence` is the 1-based occurrence of the segment name (ERR-2.2);
 * `segmentIndex` the 0-based position in the message.
 */
export interface MapError {
  segment: string;
  segmentIndex?: number;
  segmentSequence?: number;
  field: number;
  component?: number;
  code: MapErrorCode;
  text: string;
}

export type MapResult =
  | {
      ok: true;
      /** The Patient the message is about (the survivor, for a merge). */
      patientId: string;
      /** EVN-2, else MSH-7, as a UTC instant (`...Z`), so that two event times compare as strings. */
      eventTime: string;
      operations: FeedOperation[];
    }
  | { ok: false; error: MapError };
