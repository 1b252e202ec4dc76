// Mapping failures: thrown inside the mappers, caught once by mapHl7Message and returned as a MapError.

import type { Hl7ParseError, Hl7Segment } from '../hl7-message.ts';
import type { MapError, MapErrorCode } from './feed-operation.ts';

export class MapFailure extends Error {
  readonly error: MapError;

  constructor(error: MapError) {
    super(error.text);
    this.name = 'MapFailure';
    this.error = error;
  }
}

/** Where in a segment: the segment itself (when present) or just its name (when it is missing). */
export type SegmentRef = Hl7Segment | string;

export function mapError(
  at: SegmentRef,
  field: number,
  code: MapErrorCode,
  text: string,
  component?: number,
): MapFailure {
  const where =
    typeof at === 'string'
      ? { segment: at }
      : { segment: at.name, segmentIndex: at.index, segmentSequence: at.sequence };
  return new MapFailure({ ...where, field, ...(component === undefined ? {} : { component }), code, text });
}

/** HL7 table 0357 code 101: a field the message needs is empty. */
export function requiredField(at: SegmentRef, field: number, what: string, component?: number): MapFailure {
  const name = typeof at === 'string' ? at : at.name;
  const place = `${name}-${field}${component === undefined ? '' : `.${component}`}`;
  return mapError(at, field, '101', `${place} (${what}) is required`, component);
}

/** HL7 table 0357 code 100: a segment the message structure requires is missing. */
export function requiredSegment(name: string, field: number, structure: string): MapFailure {
  return mapError(name, field, '100', `${structure} needs a ${name} segment`);
}

/** A date/time parser's error (code and fixed text, which never hold the value), placed on the segment. */
export function fromDateError(at: Hl7Segment, field: number, error: Hl7ParseError, component?: number): MapFailure {
  const code: MapErrorCode = error.code === '101' ? '101' : '102';
  return mapError(at, field, code, error.text, component);
}
