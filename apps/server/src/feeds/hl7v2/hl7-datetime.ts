// HL7 v2 dates and times (DT, and DTM / TS component 1) to FHIR R4 date, dateTime and instant.
// HL7 v2.5.1 ch. 2A DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. FHIR R4 datatypes.html: a dateTime with a
// time SHALL have an offset and seconds; an instant is known at least to the second.

import { offsetMinutesAt, wallTimeOffset } from '../../platform/time-zone.ts';
import type { Hl7ParseError } from './hl7-message.ts';

export type Hl7DateTimePrecision = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction';

/** Where the value came from, for the error: e.g. `{ segment: 'PID', field: 7 }`. */
export interface Hl7ValueLocation {
  segment?: string;
  segmentSequence?: number;
  field?: number;
  component?: number;
}

export type Hl7DateTimeResult =
  { ok: true; value: string; precision: Hl7DateTimePrecision } | { ok: false; error: Hl7ParseError };

export interface Hl7DateTimeOptions {
  /** The sender's IANA time zone, for values without an offset (UK senders: 'Europe/London'). */
  timeZone: string;
  location?: Hl7ValueLocation;
}

const DTM =
  /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;
const PRECISIONS: readonly Hl7DateTimePrecision[] = ['year', 'month', 'day', 'hour', 'minute', 'second', 'fraction'];

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string | undefined;
  /** Minutes east of UTC, when the value has an offset. */
  offset: number | undefined;
  precision: Hl7DateTimePrecision;
  /** The date as written, at its precision: YYYY, YYYY-MM or YYYY-MM-DD. */
  date: string;
}

/** An HL7 date or date/time as a FHIR date at its own precision (a time part is dropped: the sender's date). */
export function parseHl7Date(value: string, location: Hl7ValueLocation = {}): Hl7DateTimeResult {
  const parts = readParts(value, location);
  if ('code' in parts) return { ok: false, error: parts };
  const precision = PRECISIONS.indexOf(parts.precision) > 2 ? 'day' : parts.precision;
  return { ok: true, value: parts.date, precision };
}

/**
 * An HL7 date/time as a FHIR dateTime. A value without a time stays a date (FHIR allows YYYY, YYYY-MM,
 * YYYY-MM-DD). With a time, FHIR needs seconds and an offset: minutes and seconds missing are written as zero
 * (`precision` says what was sent), and a value without an offset is read as local time in `timeZone`.
 */
export function parseHl7DateTime(value: string, options: Hl7DateTimeOptions): Hl7DateTimeResult {
  const parts = readParts(value, options.location ?? {});
  if ('code' in parts) return { ok: false, error: parts };
  if (PRECISIONS.indexOf(parts.precision) <= 2) return { ok: true, value: parts.date, precision: parts.precision };
  return { ok: true, value: withTime(parts, options.timeZone), precision: parts.precision };
}

/** An HL7 date/time as a FHIR instant; it needs at least minutes (YYYYMMDDHHMM). */
export function parseHl7Instant(value: string, options: Hl7DateTimeOptions): Hl7DateTimeResult {
  const location = options.location ?? {};
  const parts = readParts(value, location);
  if ('code' in parts) return { ok: false, error: parts };
  if (PRECISIONS.indexOf(parts.precision) < 4) {
    return { ok: false, error: dateError(location, 'is not precise enough for an instant (minutes at least)') };
  }
  return { ok: true, value: withTime(parts, options.timeZone), precision: parts.precision };
}

/** An instant as an HL7 DTM to the second with the offset `timeZone` has then (e.g. for ACK MSH-7). */
export function formatHl7Timestamp(instant: Date, timeZone: string): string {
  const ms = instant.getTime();
  const offset = offsetMinutesAt(Math.floor(ms / 1000) * 1000, timeZone);
  const local = new Date(ms + offset * 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    pad(local.getUTCFullYear(), 4) +
    pad(local.getUTCMonth() + 1) +
    pad(local.getUTCDate()) +
    pad(local.getUTCHours()) +
    pad(local.getUTCMinutes()) +
    pad(local.getUTCSeconds()) +
    sign +
    pad(Math.floor(abs / 60)) +
    pad(abs % 60)
  );
}

function readParts(value: string, location: Hl7ValueLocation): Parts | Hl7ParseError {
  if (value === '') return { ...dateError(location, 'is empty'), code: '101' };
  const m = DTM.exec(value);
  if (!m) return dateError(location, 'is not an HL7 date/time (YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ])');
  const [, y, mo, d, h, mi, s, fraction, sign, oh, om] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (year < 1) return dateError(location, 'has year 0000');
  if (month < 1 || month > 12) return dateError(location, 'has a month outside 01-12');
  if (day < 1 || day > daysInMonth(year, month)) return dateError(location, 'has a day that the month does not have');
  if (hour > 23) return dateError(location, 'has an hour outside 00-23');
  if (minute > 59) return dateError(location, 'has minutes outside 00-59');
  if (second > 59) return dateError(location, 'has seconds outside 00-59');
  let offset: number | undefined;
  if (sign !== undefined) {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    // FHIR R4 dateTime: offsets run from -14:00 to +14:00.
    if (offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60) {
      return dateError(location, 'has a time zone offset outside -1400 to +1400');
    }
    offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  }
  const given = [mo, d, h, mi, s, fraction].filter((p) => p !== undefined).length;
  const precision = PRECISIONS[given]!;
  const date = [y, mo, d].filter((p) => p !== undefined).join('-');
  return { year, month, day, hour, minute, second, fraction, offset, precision, date };
}

function dateError(location: Hl7ValueLocation, problem: string): Hl7ParseError {
  const name =
    location.segment !== undefined && location.field !== undefined
      ? `${location.segment}-${location.field}${location.component === undefined ? '' : `.${location.component}`}`
      : 'The date/time';
  return { code: '102', text: `${name} ${problem}`, ...location };
}

function withTime(parts: Parts, timeZone: string): string {
  const offset = parts.offset ?? wallTimeOffset(wallMs(parts), timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const [year, month, day] = [String(parts.year).padStart(4, '0'), pad(parts.month), pad(parts.day)];
  const fraction = parts.fraction === undefined ? '' : `.${parts.fraction}`;
  return `${year}-${month}-${day}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}${fraction}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function wallMs(parts: Parts): number {
  const date = new Date(0);
  date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  date.setUTCHours(parts.hour, parts.minute, parts.second, 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
