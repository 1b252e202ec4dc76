// HL7 v2 DT/DTM/TS values of a segment as FHIR date, dateTime and instant (hl7-datetime.ts does the reading).
// An empty value is absent; a value that is not a valid HL7 date/time fails the message with 102 naming the field.

import { parseHl7Date, parseHl7DateTime, type Hl7DateTimePrecision } from '../hl7-datetime.ts';
import type { Hl7Segment } from '../hl7-message.ts';
import { fromDateError } from './map-error.ts';

function valueAt(segment: Hl7Segment, field: number, component: number): string {
  return segment.get(field, component).trim();
}

function location(segment: Hl7Segment, field: number, component: number) {
  return { segment: segment.name, segmentSequence: segment.sequence, field, ...(component > 1 ? { component } : {}) };
}

/** A FHIR date (the date part of a DT or TS). */
export function dateAt(segment: Hl7Segment, field: number, component = 1): string | undefined {
  const value = valueAt(segment, field, component);
  if (value === '') return undefined;
  const parsed = parseHl7Date(value, location(segment, field, component));
  if (!parsed.ok) throw fromDateError(segment, field, parsed.error, component > 1 ? component : undefined);
  return parsed.value;
}

/** A FHIR dateTime at the precision sent; a time without an offset is local time in `timeZone`. */
export function dateTimeAt(segment: Hl7Segment, field: number, timeZone: string, component = 1): string | undefined {
  const value = valueAt(segment, field, component);
  if (value === '') return undefined;
  const parsed = parseHl7DateTime(value, { timeZone, location: location(segment, field, component) });
  if (!parsed.ok) throw fromDateError(segment, field, parsed.error, component > 1 ? component : undefined);
  return parsed.value;
}

/**
 * A FHIR instant: a date/time to the hour at least (hl7-datetime.ts writes missing minutes and seconds as zero,
 * with the offset). A valid value with no time (a date only) cannot be an instant and is absent; anything that
 * is not an HL7 date/time fails.
 */
export function instantAt(segment: Hl7Segment, field: number, timeZone: string, component = 1): string | undefined {
  const value = valueAt(segment, field, component);
  if (value === '') return undefined;
  const parsed = parseHl7DateTime(value, { timeZone, location: location(segment, field, component) });
  if (!parsed.ok) throw fromDateError(segment, field, parsed.error, component > 1 ? component : undefined);
  return DATE_ONLY.has(parsed.precision) ? undefined : parsed.value;
}

const DATE_ONLY: ReadonlySet<Hl7DateTimePrecision> = new Set(['year', 'month', 'day']);

/** The same instant in UTC (`YYYY-MM-DDTHH:MM:SS.sssZ`), so that instants compare as strings. */
export function toUtcInstant(instant: string): string {
  return new Date(Date.parse(instant)).toISOString();
}

/** `instant` plus a number of minutes, in UTC. */
export function addMinutes(instant: string, minutes: number): string {
  return new Date(Date.parse(instant) + minutes * 60_000).toISOString();
}
