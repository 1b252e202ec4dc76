// HL7 v2 acknowledgements (original mode): MSH, MSA and ERR, in the sender's version and encoding characters.
// HL7 v2.4 and v2.5.1 ch. 2: the general acknowledgement message ACK, MSA, ERR; table 0008 (AA/AE/AR), table 0357
// (error codes), table 0516 (severity, v2.5+). An ACK holds only header values, locations and our fixed texts:
// never a value from the message body, which is patient data.

import { HL7_DEFAULT_ENCODING, HL7_ERROR_CODES, encodeHl7Text, readHl7Header } from './hl7-message.ts';
import type { Hl7Encoding, Hl7ErrorCode, Hl7HeaderSummary, Hl7Message, Hl7ParseError } from './hl7-message.ts';

/** HL7 table 0008, original mode: application accept, error, reject. */
export type Hl7AckCode = 'AA' | 'AE' | 'AR';

/** HL7 table 0516 (ERR-4): error, warning, information. */
export type Hl7ErrorSeverity = 'E' | 'W' | 'I';

/** One ERR entry. `text` must be a fixed text of ours (numbers allowed), never content from the message. */
export interface Hl7AckError {
  code: Hl7ErrorCode;
  severity: Hl7ErrorSeverity;
  text: string;
  segment?: string;
  /** 1-based occurrence of the segment name in the message (ERL.2 and ELD.2 count this way). */
  segmentSequence?: number;
  field?: number;
  repetition?: number;
  component?: number;
  subcomponent?: number;
}

/** What is being acknowledged: the parsed message, or what could be read of a message that did not parse. */
export interface Hl7AckInput {
  message?: Hl7Message;
  partial?: Hl7HeaderSummary;
  /** The received text, read leniently (readHl7Header) when neither message nor partial is given. */
  raw?: string;
}

export interface Hl7AckOptions {
  /** MSH-10 of the ACK itself. */
  controlId: string;
  /** MSH-7 of the ACK: an HL7 TS (see formatHl7Timestamp in hl7-datetime.ts). */
  now: string;
  errors?: readonly Hl7AckError[];
  /** Our application and facility (ACK MSH-3, MSH-4); default: the incoming MSH-5 and MSH-6. */
  receivingApplication?: string;
  receivingFacility?: string;
}

/** Used when the sender's version cannot be read. */
export const HL7_ACK_FALLBACK_VERSION = '2.4';

const VERSION_ID = /^2\.[0-9]{1,2}(\.[0-9]{1,2}){0,2}$/;
const EVENT_CODE = /^[A-Z0-9]{3}$/;
const SEGMENT_NAME = /^[A-Z0-9]{3}$/;

/**
 * Builds an ACK (HL7 v2.4/v2.5.1 ch. 2, original acknowledgement rules). MSA-2 is the incoming MSH-10 in every
 * case: copied as received from a parsed message; from a failed one, as far as readHl7Header could read it
 * (empty when it could not). Returns the text with CR after every segment, unframed.
 */
export function buildAck(input: Hl7AckInput, code: Hl7AckCode, options: Hl7AckOptions): string {
  if (options.controlId === '') throw new RangeError('An ACK needs its own MSH-10');
  const header = readIncoming(input);
  const e = header.encoding;
  const fs = e.fieldSeparator;
  const cs = e.componentSeparator;
  const text = (value: string): string => encodeHl7Text(value, e);
  const isV25 = isAtLeast(header.version, [2, 5]);

  const messageType = ['ACK'];
  if (header.triggerEvent !== undefined || isAtLeast(header.version, [2, 3, 1]))
    messageType.push(header.triggerEvent ?? '');
  // HL7 v2.3.1 added MSH-9.3, the message structure; ACK's is ACK.
  if (isAtLeast(header.version, [2, 3, 1])) messageType.push('ACK');

  const msh = [
    'MSH',
    e.componentSeparator +
      e.repetitionSeparator +
      e.escapeCharacter +
      e.subcomponentSeparator +
      (e.truncationCharacter ?? ''),
    options.receivingApplication === undefined ? header.receivingApplication : text(options.receivingApplication),
    options.receivingFacility === undefined ? header.receivingFacility : text(options.receivingFacility),
    header.sendingApplication,
    header.sendingFacility,
    text(options.now),
    '',
    messageType.map(text).join(cs),
    text(options.controlId),
    header.processingId,
    header.versionRaw,
  ];
  const errors = (options.errors ?? []).map(cleanLocation);
  const first = errors[0];
  const msa = ['MSA', code, header.controlId];
  // Before v2.5, MSA-3 (text message) is where a receiver shows why; v2.5 keeps it only for compatibility.
  if (!isV25 && first) msa.push(text(first.text));

  const segments = [msh.join(fs), msa.join(fs)];
  if (isV25) {
    for (const error of errors) segments.push(errSegmentV25(error, e, '').join(fs));
  } else if (first) {
    // HL7 v2.4 ACK has at most one ERR, whose ERR-1 (ELD: segment^sequence^field^code) repeats once per error.
    // ERR-2..4 and -8 (the v2.5 fields) describe the first error too: a v2.4 receiver ignores fields it does not
    // expect (HL7 message processing rules), a newer one reads them.
    const eld = errors.map((error) => eldOf(error, e)).join(e.repetitionSeparator);
    segments.push(errSegmentV25(first, e, eld).join(fs));
  }
  return segments.map((s) => s + '\r').join('');
}

/** AR when the message cannot be taken at all (HL7 v2.5.1 original mode: MSH-9, -11, -12 not acceptable, or
 * an internal failure); AE for an error in the message's content or structure. */
export function ackCodeFor(error: { code: Hl7ErrorCode }): Exclude<Hl7AckCode, 'AA'> {
  switch (error.code) {
    case '200':
    case '201':
    case '202':
    case '203':
    case '207':
      return 'AR';
    case '0':
    case '100':
    case '101':
    case '102':
    case '103':
    case '204':
    case '205':
    case '206':
      return 'AE';
  }
}

/** A parse error as an ERR entry. */
export function ackErrorFrom(error: Hl7ParseError, severity: Hl7ErrorSeverity = 'E'): Hl7AckError {
  const { code, text, segment, segmentSequence, field, component } = error;
  return { code, severity, text, segment, segmentSequence, field, component };
}

interface IncomingHeader {
  encoding: Hl7Encoding;
  /** Already escaped for `encoding`. */
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  controlId: string;
  processingId: string;
  versionRaw: string;
  /** Unescaped. */
  version: string;
  triggerEvent: string | undefined;
}

function readIncoming(input: Hl7AckInput): IncomingHeader {
  const message = input.message;
  if (message) {
    // Copied as received (same encoding characters), so MSA-2 is byte for byte the sender's MSH-10.
    const msh = message.segments[0]!;
    return {
      encoding: message.encoding,
      sendingApplication: msh.raw(3),
      sendingFacility: msh.raw(4),
      receivingApplication: msh.raw(5),
      receivingFacility: msh.raw(6),
      controlId: msh.raw(10),
      processingId: msh.raw(11) === '' ? 'P' : msh.raw(11),
      versionRaw: msh.raw(12),
      version: message.version,
      triggerEvent: EVENT_CODE.test(message.triggerEvent) ? message.triggerEvent : undefined,
    };
  }
  const summary = input.partial ?? (input.raw === undefined ? {} : readHl7Header(input.raw));
  const encoding = summary.encoding ?? HL7_DEFAULT_ENCODING;
  const text = (value: string | undefined): string => (value === undefined ? '' : encodeHl7Text(value, encoding));
  const version = summary.version !== undefined && VERSION_ID.test(summary.version) ? summary.version : undefined;
  return {
    encoding,
    sendingApplication: text(summary.sendingApplication),
    sendingFacility: text(summary.sendingFacility),
    receivingApplication: text(summary.receivingApplication),
    receivingFacility: text(summary.receivingFacility),
    controlId: text(summary.controlId),
    processingId: summary.processingId === undefined ? 'P' : text(summary.processingId),
    // Escaped too: a sender may have chosen '.' as a delimiter.
    versionRaw: text(version ?? HL7_ACK_FALLBACK_VERSION),
    version: version ?? HL7_ACK_FALLBACK_VERSION,
    triggerEvent:
      summary.triggerEvent !== undefined && EVENT_CODE.test(summary.triggerEvent) ? summary.triggerEvent : undefined,
  };
}

/** Drops a location that is not a valid segment name and positive numbers, so nothing else reaches the ACK. */
function cleanLocation(error: Hl7AckError): Hl7AckError {
  const n = (v: number | undefined): number | undefined =>
    v !== undefined && Number.isInteger(v) && v > 0 ? v : undefined;
  const cleaned: Hl7AckError = { code: error.code, severity: error.severity, text: error.text };
  if (error.segment === undefined || !SEGMENT_NAME.test(error.segment)) return cleaned;
  return {
    ...cleaned,
    segment: error.segment,
    segmentSequence: n(error.segmentSequence) ?? 1,
    field: n(error.field),
    repetition: n(error.repetition),
    component: n(error.component),
    subcomponent: n(error.subcomponent),
  };
}

/** ERR as v2.5 defines it: ERR-1 (given), ERR-2 location (ERL), ERR-3 code (CWE), ERR-4 severity, ERR-8 text. */
function errSegmentV25(error: Hl7AckError, e: Hl7Encoding, err1: string): string[] {
  const location: (number | string | undefined)[] = [];
  if (error.segment !== undefined) {
    // ERL: segment ID ^ sequence ^ field ^ field repetition ^ component ^ subcomponent.
    location.push(
      error.segment,
      error.segmentSequence,
      error.field,
      error.repetition,
      error.component,
      error.subcomponent,
    );
  }
  const code = [error.code, HL7_ERROR_CODES[error.code], 'HL70357'].map((v) => encodeHl7Text(v, e));
  return [
    'ERR',
    err1,
    trimJoin(location, e.componentSeparator),
    code.join(e.componentSeparator),
    error.severity,
    '',
    '',
    '',
    encodeHl7Text(error.text, e),
  ];
}

/** ELD (v2.4 ERR-1): segment ID ^ sequence ^ field position ^ code (CE: identifier & text & coding system). */
function eldOf(error: Hl7AckError, e: Hl7Encoding): string {
  const ce = [error.code, HL7_ERROR_CODES[error.code], 'HL70357']
    .map((v) => encodeHl7Text(v, e))
    .join(e.subcomponentSeparator);
  return [error.segment ?? '', error.segmentSequence ?? '', error.field ?? '', ce].join(e.componentSeparator);
}

function trimJoin(values: (number | string | undefined)[], separator: string): string {
  let last = values.length;
  while (last > 0 && values[last - 1] === undefined) last--;
  return values
    .slice(0, last)
    .map((v) => (v === undefined ? '' : String(v)))
    .join(separator);
}

function isAtLeast(version: string, minimum: number[]): boolean {
  const parts = version.split('.').map((p) => parseInt(p, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i]!;
    if (have !== want) return have > want;
  }
  return true;
}
