// The HL7 v2 message layer: one message text in, a typed message (or an error that says where) out.
// Rules followed: HL7 v2.4 and v2.5.1 chapter 2 (control): message construction (segments, fields, components,
// subcomponents, repetitions, MSH-1/MSH-2), escape sequences in text fields, and HL7 table 0357 for error codes.
// Nothing here logs, and no error text ever contains message content (it is patient data).

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Hl7Encoding {
  readonly fieldSeparator: string;
  readonly componentSeparator: string;
  readonly repetitionSeparator: string;
  readonly escapeCharacter: string;
  readonly subcomponentSeparator: string;
  /** HL7 v2.7 MSH-2: the optional fifth encoding character; undefined when MSH-2 has four. */
  readonly truncationCharacter: string | undefined;
}

/** The encoding characters HL7 recommends (`|^~\&`), used when a sender's own cannot be read. */
export const HL7_DEFAULT_ENCODING: Hl7Encoding = {
  fieldSeparator: '|',
  componentSeparator: '^',
  repetitionSeparator: '~',
  escapeCharacter: '\\',
  subcomponentSeparator: '&',
  truncationCharacter: undefined,
};

/** HL7 table 0357 (message error condition codes, v2.5.1), with the table's own texts. */
export const HL7_ERROR_CODES = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
} as const;

export type Hl7ErrorCode = keyof typeof HL7_ERROR_CODES;

/**
 * Where a message is wrong and why. `text` is one of our fixed texts with numbers in it, never message content.
 * `segment` is set only when the segment's name is a valid one (a broken line may be patient text).
 */
export interface Hl7ParseError {
  code: Hl7ErrorCode;
  text: string;
  segment?: string;
  /** 0-based position in the message: `message.segments[segmentIndex]`. */
  segmentIndex?: number;
  /** 1-based occurrence of this segment name in the message, as ERR-2.2 (ERL) and ERR-1.2 (ELD) count. */
  segmentSequence?: number;
  field?: number;
  component?: number;
}

/** What could be read from MSH even when the message as a whole could not be parsed (for the ACK). */
export interface Hl7HeaderSummary {
  encoding?: Hl7Encoding;
  /** MSH-3.1 */
  sendingApplication?: string;
  /** MSH-4.1 */
  sendingFacility?: string;
  /** MSH-5.1 */
  receivingApplication?: string;
  /** MSH-6.1 */
  receivingFacility?: string;
  /** MSH-9.1 */
  messageType?: string;
  /** MSH-9.2 */
  triggerEvent?: string;
  /** MSH-10 */
  controlId?: string;
  /** MSH-11.1 */
  processingId?: string;
  /** MSH-12.1 */
  version?: string;
}

export type Hl7ParseResult =
  { ok: true; message: Hl7Message } | { ok: false; error: Hl7ParseError; partial?: Hl7HeaderSummary };

export interface Hl7ParseOptions {
  /** Longest text accepted, in UTF-16 code units; default HL7_MAX_MESSAGE_LENGTH. */
  maxLength?: number;
  /** Most segments accepted; default HL7_MAX_SEGMENTS. */
  maxSegments?: number;
  /** Most field, repetition, component and subcomponent separators in one segment; default
   * HL7_MAX_DELIMITERS_PER_SEGMENT. */
  maxDelimitersPerSegment?: number;
}

/** 16 Mi characters: above the MLLP listener's 8 MiB frame cap, so whatever a frame carries can be parsed. */
export const HL7_MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;

/**
 * Memory for a message is about proportional to its length plus its segments and (when read) their pieces, so
 * these bound it: 4 characters a segment could otherwise make 4 million segment objects of a 16 MB text, and a
 * field of 10 million repetition separators 10 million field objects.
 */
export const HL7_MAX_SEGMENTS = 100_000;
export const HL7_MAX_DELIMITERS_PER_SEGMENT = 100_000;

/** Longest MSH-3..6 and MSH-9..12 accepted: these are copied into the ACK, which must stay small. */
export const HL7_MAX_HEADER_FIELD_LENGTH = 1000;

export interface Hl7Message {
  /** The text as given (line breaks, BOM and all). */
  readonly raw: string;
  readonly encoding: Hl7Encoding;
  /** Every segment in order; `segments[0]` is MSH. */
  readonly segments: readonly Hl7Segment[];
  /** The first segment with this name. */
  segment(name: string): Hl7Segment | undefined;
  segmentsNamed(name: string): Hl7Segment[];
  /** MSH-3.1 */
  readonly sendingApplication: string;
  /** MSH-4.1 */
  readonly sendingFacility: string;
  /** MSH-5.1 */
  readonly receivingApplication: string;
  /** MSH-6.1 */
  readonly receivingFacility: string;
  /** MSH-7.1, not converted: see hl7-datetime.ts. */
  readonly sentAt: string;
  /** MSH-9.1 */
  readonly messageType: string;
  /** MSH-9.2 */
  readonly triggerEvent: string;
  /** MSH-9.3 ('' before v2.3.1, which has no message structure component). */
  readonly structure: string;
  /** MSH-10 */
  readonly controlId: string;
  /** MSH-11.1 */
  readonly processingId: string;
  /** MSH-12.1 */
  readonly version: string;
  /** MSH-15 (original or enhanced acknowledgement mode) */
  readonly acceptAckType: string;
  /** MSH-16 */
  readonly applicationAckType: string;
  /** MSH-18, first repetition ('' = the default character set). */
  readonly characterSet: string;
}

/**
 * One segment. Numbers are 1-based as HL7 numbers them. For MSH, field 1 is the field separator and field 2 the
 * encoding characters, both returned as they are (never split or unescaped), so MSH-9 is `get(9)` as HL7 says.
 */
export interface Hl7Segment {
  readonly name: string;
  /** 0-based position in the message. */
  readonly index: number;
  /** 1-based occurrence of this name in the message (ERR-2.2). */
  readonly sequence: number;
  /** The number of fields present, trailing empty ones included (MSH counts MSH-1). */
  readonly fieldCount: number;
  /** The segment as received, without its terminator. */
  readonly text: string;
  /**
   * One value of the first repetition, unescaped: component 1 and subcomponent 1 unless given.
   * '' when absent, and '' for the HL7 null `""` (see isNull).
   */
  get(field: number, component?: number, subcomponent?: number): string;
  /** True when the value (first repetition) is exactly `""`: HL7 "null, delete the receiver's value". */
  isNull(field: number, component?: number, subcomponent?: number): boolean;
  /** Every repetition of a field; [] when the field is empty or absent. */
  repetitions(field: number): Hl7Field[];
  /** The whole field as received, still escaped ('' when absent). */
  raw(field: number): string;
}

/** One repetition of a field. */
export interface Hl7Field {
  /** This repetition as received, still escaped. */
  readonly raw: string;
  /** The number of components (0 when the repetition is empty). */
  readonly componentCount: number;
  /** Unescaped; component 1 and subcomponent 1 unless given; '' when absent or `""`. */
  get(component?: number, subcomponent?: number): string;
  isNull(component?: number, subcomponent?: number): boolean;
  /** The number of subcomponents of a component (0 when it is empty or absent). */
  subcomponentCount(component: number): number;
}

// HL7 v2.5.1 ch. 2 (fields, null values): a value of exactly two double quotes means "null: delete the value".
const HL7_NULL = '""';

const CR = 13;
const LF = 10;
const TAB = 9;
const BOM = 0xfeff;
/** How far into a text the lenient MSH reader looks for the MSH segment's end. */
const HEADER_SCAN_LIMIT = 64 * 1024;
const SEGMENT_NAME = /^[A-Z0-9]{3}$/;
const VERSION_ID = /^2\.[0-9]{1,2}(\.[0-9]{1,2}){0,2}$/;

/** Parses one HL7 v2 message. Never throws on any input; linear in the length of the text. */
export function parseHl7(text: string, options: Hl7ParseOptions = {}): Hl7ParseResult {
  const maxLength = options.maxLength ?? HL7_MAX_MESSAGE_LENGTH;
  if (text.length > maxLength) {
    return failure(text, { code: '102', text: `The message is longer than the limit of ${maxLength} characters` });
  }
  const start = skipLeadingBreaks(text, 0, text.length);
  if (!text.startsWith('MSH', start)) {
    return failure(text, { code: '100', text: 'The message does not start with an MSH segment' });
  }

  const maxSegments = options.maxSegments ?? HL7_MAX_SEGMENTS;
  const maxDelimiters = options.maxDelimitersPerSegment ?? HL7_MAX_DELIMITERS_PER_SEGMENT;
  const lines = splitSegments(text, start, maxSegments + 1);
  if (lines.length > maxSegments) {
    return failure(text, { code: '102', text: `The message has more than ${maxSegments} segments` });
  }
  const mshLine = lines[0]!;
  const encodingOrError = readEncoding(text, mshLine.start, mshLine.end);
  if ('code' in encodingOrError) return failure(text, encodingOrError);
  const encoding = encodingOrError;

  const segments: SegmentImpl[] = [];
  const byName = new Map<string, SegmentImpl[]>();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const nameOk = isSegmentName(text, line.start, line.end, encoding.fieldSeparator);
    const name = nameOk ? text.slice(line.start, line.start + 3) : undefined;
    const sameName = name === undefined ? undefined : byName.get(name);
    const sequence = (sameName?.length ?? 0) + 1;
    const { bad, delimiters } = scanSegment(text, line.start, line.end, encoding, maxDelimiters);
    if (bad >= 0) {
      return failure(text, {
        code: '102',
        text: `Segment ${index + 1} holds a control character or invalid UTF-16, which HL7 text may not contain`,
        ...(name === undefined ? {} : { segment: name, segmentSequence: sequence }),
        segmentIndex: index,
        ...locateInSegment(text, line.start, bad, encoding, name === 'MSH'),
      });
    }
    if (name === undefined) {
      return failure(text, {
        code: '100',
        text: `Segment ${index + 1} does not start with a name of three upper-case letters or digits and the field separator`,
        segmentIndex: index,
      });
    }
    if (delimiters > maxDelimiters) {
      return failure(text, {
        code: '102',
        text: `Segment ${index + 1} has more than ${maxDelimiters} separators`,
        segment: name,
        segmentIndex: index,
        segmentSequence: sequence,
      });
    }
    if (name === 'MSH' && index > 0) {
      return failure(text, {
        code: '100',
        text: `Segment ${index + 1} is a second MSH segment: one message may have only one`,
        segment: name,
        segmentIndex: index,
        segmentSequence: sequence,
      });
    }
    const segment = new SegmentImpl(name, index, sequence, text.slice(line.start, line.end), encoding);
    segments.push(segment);
    if (sameName) sameName.push(segment);
    else byName.set(name, [segment]);
  }

  const msh = segments[0]!;
  const headerError = checkHeader(msh);
  if (headerError) return failure(text, headerError);
  return { ok: true, message: new MessageImpl(text, encoding, segments, byName, msh) };
}

/** The message as HL7 text: segments as received, each ended by CR (HL7 v2.5.1 ch. 2: the segment terminator). */
export function serialiseHl7(message: Hl7Message): string {
  let out = '';
  for (const segment of message.segments) out += segment.text + '\r';
  return out;
}

/**
 * Reads what it can of MSH without requiring the rest of the message to be valid: for an ACK to a message that
 * failed to parse (MSA-2 must still echo MSH-10). Looks at most 64 KiB into the text; omits any value that is
 * longer than HL7_MAX_HEADER_FIELD_LENGTH or holds characters HL7 text may not.
 */
export function readHl7Header(text: string): Hl7HeaderSummary {
  const start = skipLeadingBreaks(text, 0, Math.min(text.length, HEADER_SCAN_LIMIT));
  if (!text.startsWith('MSH', start) || start + 3 >= text.length) return {};
  const fieldSeparator = text[start + 3]!;
  if (!isDelimiter(fieldSeparator)) return {};
  const limit = Math.min(text.length, start + HEADER_SCAN_LIMIT);
  let end = start;
  while (end < limit && text.charCodeAt(end) !== CR && text.charCodeAt(end) !== LF) end++;
  // The split segment: [0] is 'MSH', [n - 1] is MSH-n for n >= 2.
  const parts = text.slice(start, end).split(fieldSeparator);
  const encoding = readEncoding(text, start, end);
  const known = 'code' in encoding ? undefined : encoding;
  const summary: Hl7HeaderSummary = known ? { encoding: known } : {};
  const value = (field: number, component: number): string | undefined => {
    const raw = parts[field - 1];
    if (raw === undefined || raw.length > HL7_MAX_HEADER_FIELD_LENGTH) return undefined;
    let v: string;
    if (known) {
      const e = known;
      const escaped = piece(
        piece(piece(raw, e.repetitionSeparator, 1), e.componentSeparator, component),
        e.subcomponentSeparator,
        1,
      );
      if (escaped === HL7_NULL) return undefined;
      v = decodeHl7Text(escaped, e);
    } else if (field === 10) {
      // MSH-10 is an ST in every version: without readable delimiters, the whole field is the value to echo.
      v = raw;
    } else {
      // Without readable encoding characters, the recommended component separator is the best guess at MSH-9's
      // structure and the HD types' namespace id; no escape sequence is decoded.
      v = piece(raw, HL7_DEFAULT_ENCODING.componentSeparator, component);
    }
    if (v === '' || (!known && v === HL7_NULL)) return undefined;
    if (findNonTextCharacter(v, 0, v.length) >= 0 || hasLineBreak(v)) return undefined;
    return v;
  };
  const set = (key: Exclude<keyof Hl7HeaderSummary, 'encoding'>, field: number, component: number): void => {
    const v = value(field, component);
    if (v !== undefined) summary[key] = v;
  };
  set('sendingApplication', 3, 1);
  set('sendingFacility', 4, 1);
  set('receivingApplication', 5, 1);
  set('receivingFacility', 6, 1);
  set('messageType', 9, 1);
  set('triggerEvent', 9, 2);
  set('controlId', 10, 1);
  set('processingId', 11, 1);
  set('version', 12, 1);
  return summary;
}

/**
 * Decodes HL7 escape sequences (HL7 v2.4 and v2.5.1 ch. 2, "Use of escape sequences in text fields"):
 * - `\F\ \S\ \T\ \R\ \E\` (and v2.7's `\P\` when MSH-2 declares a truncation character): the delimiter itself.
 * - `\Xhh..\`: the bytes, read as UTF-8 when they are valid UTF-8, else as windows-1252; adjacent hex escapes are
 *   read as one byte run, so a character split over two of them survives.
 * - `\H\ \N\` (highlighting on/off): removed; a FHIR string has no highlighting.
 * - Formatted text: `\.br\` a line break; `\.sp n\` n line breaks (one when n is absent); `\.ce\` a line break;
 *   `\.sk n\` n spaces; `\.fi\ \.nf\ \.in n\ \.ti n\` removed. Counts above 100 are read as 100.
 * - `\Z..\` (locally defined), `\Cxxyy\` and `\Mxxyy[zz]\` (ISO 2022 character set switches): kept as received,
 *   escape characters included; we define no local escapes and read one character set per message.
 * - Anything else, and an escape character with no closing one: kept as received (a stray backslash in a
 *   sender's text is common); scanning resumes at the next escape character.
 */
export function decodeHl7Text(value: string, encoding: Hl7Encoding): string {
  const e = encoding.escapeCharacter;
  let i = value.indexOf(e);
  if (i < 0) return value;
  const out = new TextBuilder(value.length);
  let literalFrom = 0;
  let hexRuns: number[] = [];
  const flushHex = (): void => {
    if (hexRuns.length > 0) {
      out.append(decodeHexRuns(value, hexRuns));
      hexRuns = [];
    }
  };
  while (i >= 0) {
    const j = value.indexOf(e, i + 1);
    if (j < 0) break;
    const decoded = decodeEscape(value, i + 1, j, encoding);
    if (decoded === undefined) {
      // Not an escape sequence: the first escape character is text, and the second may open one.
      i = j;
      continue;
    }
    if (i > literalFrom) {
      flushHex();
      out.appendSlice(value, literalFrom, i);
    }
    if (decoded === HEX_ESCAPE) {
      hexRuns.push(i + 2, j);
    } else {
      flushHex();
      out.append(decoded);
    }
    literalFrom = j + 1;
    i = value.indexOf(e, literalFrom);
  }
  flushHex();
  out.appendSlice(value, literalFrom, value.length);
  return out.toString();
}

/**
 * Escapes a value for an HL7 field (HL7 v2.5.1 ch. 2, escape sequences): every delimiter as its escape sequence, and CR, LF and
 * any other control character as `\Xhh..\` (its UTF-8 bytes), since raw ones end a segment or are not text.
 * decodeHl7Text(encodeHl7Text(v)) === v for every well-formed v (lone surrogates become U+FFFD).
 */
export function encodeHl7Text(value: string, encoding: Hl7Encoding): string {
  const v = value.isWellFormed() ? value : value.toWellFormed();
  const e = encoding.escapeCharacter;
  let out = '';
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    const code = v.charCodeAt(i);
    let replacement: string | undefined;
    if (ch === encoding.fieldSeparator) replacement = `${e}F${e}`;
    else if (ch === encoding.componentSeparator) replacement = `${e}S${e}`;
    else if (ch === encoding.subcomponentSeparator) replacement = `${e}T${e}`;
    else if (ch === encoding.repetitionSeparator) replacement = `${e}R${e}`;
    else if (ch === e) replacement = `${e}E${e}`;
    else if (ch === encoding.truncationCharacter) replacement = `${e}P${e}`;
    else if (isNonTextCode(code) || code === CR || code === LF) {
      replacement = `${e}X${Buffer.from(ch, 'utf8').toString('hex').toUpperCase()}${e}`;
    }
    if (replacement !== undefined) {
      out += v.slice(from, i) + replacement;
      from = i + 1;
    }
  }
  return from === 0 ? v : out + v.slice(from);
}

// ---------------------------------------------------------------------------------------------------------------

class MessageImpl implements Hl7Message {
  readonly raw: string;
  readonly encoding: Hl7Encoding;
  readonly segments: readonly Hl7Segment[];
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  readonly sentAt: string;
  readonly messageType: string;
  readonly triggerEvent: string;
  readonly structure: string;
  readonly controlId: string;
  readonly processingId: string;
  readonly version: string;
  readonly acceptAckType: string;
  readonly applicationAckType: string;
  readonly characterSet: string;
  readonly #byName: Map<string, SegmentImpl[]>;

  constructor(
    raw: string,
    encoding: Hl7Encoding,
    segments: SegmentImpl[],
    byName: Map<string, SegmentImpl[]>,
    msh: SegmentImpl,
  ) {
    this.raw = raw;
    this.encoding = encoding;
    this.segments = segments;
    this.#byName = byName;
    this.sendingApplication = msh.get(3);
    this.sendingFacility = msh.get(4);
    this.receivingApplication = msh.get(5);
    this.receivingFacility = msh.get(6);
    this.sentAt = msh.get(7);
    this.messageType = msh.get(9, 1);
    this.triggerEvent = msh.get(9, 2);
    this.structure = msh.get(9, 3);
    this.controlId = msh.get(10);
    this.processingId = msh.get(11);
    this.version = msh.get(12);
    this.acceptAckType = msh.get(15);
    this.applicationAckType = msh.get(16);
    this.characterSet = msh.get(18);
  }

  segment(name: string): Hl7Segment | undefined {
    return this.#byName.get(name)?.[0];
  }

  segmentsNamed(name: string): Hl7Segment[] {
    return [...(this.#byName.get(name) ?? [])];
  }
}

class SegmentImpl implements Hl7Segment {
  readonly name: string;
  readonly index: number;
  readonly sequence: number;
  readonly text: string;
  readonly #encoding: Hl7Encoding;
  readonly #isMsh: boolean;
  /** fields[n] is field n as received; fields[0] is the name. Split on first use. */
  #fields: string[] | undefined;

  constructor(name: string, index: number, sequence: number, text: string, encoding: Hl7Encoding) {
    this.name = name;
    this.index = index;
    this.sequence = sequence;
    this.text = text;
    this.#encoding = encoding;
    this.#isMsh = name === 'MSH';
  }

  get fieldCount(): number {
    return this.#split().length - 1;
  }

  raw(field: number): string {
    checkPosition(field, 'field');
    return this.#split()[field] ?? '';
  }

  get(field: number, component = 1, subcomponent = 1): string {
    const value = this.#value(field, component, subcomponent);
    if (value === HL7_NULL) return '';
    return this.#isMsh && field <= 2 ? value : decodeHl7Text(value, this.#encoding);
  }

  isNull(field: number, component = 1, subcomponent = 1): boolean {
    return this.#value(field, component, subcomponent) === HL7_NULL;
  }

  repetitions(field: number): Hl7Field[] {
    const raw = this.raw(field);
    if (raw === '') return [];
    if (this.#isMsh && field <= 2) return [new FieldImpl(raw, this.#encoding, true)];
    return raw.split(this.#encoding.repetitionSeparator).map((r) => new FieldImpl(r, this.#encoding, false));
  }

  #value(field: number, component: number, subcomponent: number): string {
    checkPosition(component, 'component');
    checkPosition(subcomponent, 'subcomponent');
    const raw = this.raw(field);
    if (this.#isMsh && field <= 2) return component === 1 && subcomponent === 1 ? raw : '';
    const e = this.#encoding;
    return piece(
      piece(piece(raw, e.repetitionSeparator, 1), e.componentSeparator, component),
      e.subcomponentSeparator,
      subcomponent,
    );
  }

  #split(): string[] {
    if (this.#fields) return this.#fields;
    const parts = this.text.split(this.#encoding.fieldSeparator);
    // HL7 v2.5.1 MSH-1: the field separator is itself field 1, so the text after it is MSH-2, and so on.
    this.#fields = this.#isMsh ? [parts[0]!, this.#encoding.fieldSeparator, ...parts.slice(1)] : parts;
    return this.#fields;
  }
}

class FieldImpl implements Hl7Field {
  readonly raw: string;
  readonly #encoding: Hl7Encoding;
  /** MSH-1 and MSH-2 are taken as they are: their characters are the delimiters, not data. */
  readonly #isLiteral: boolean;

  constructor(raw: string, encoding: Hl7Encoding, isLiteral: boolean) {
    this.raw = raw;
    this.#encoding = encoding;
    this.#isLiteral = isLiteral;
  }

  get componentCount(): number {
    if (this.raw === '') return 0;
    return this.#isLiteral ? 1 : countPieces(this.raw, this.#encoding.componentSeparator);
  }

  subcomponentCount(component: number): number {
    checkPosition(component, 'component');
    if (this.#isLiteral) return component === 1 && this.raw !== '' ? 1 : 0;
    const value = piece(this.raw, this.#encoding.componentSeparator, component);
    return value === '' ? 0 : countPieces(value, this.#encoding.subcomponentSeparator);
  }

  get(component = 1, subcomponent = 1): string {
    const value = this.#value(component, subcomponent);
    if (value === HL7_NULL) return '';
    return this.#isLiteral ? value : decodeHl7Text(value, this.#encoding);
  }

  isNull(component = 1, subcomponent = 1): boolean {
    return this.#value(component, subcomponent) === HL7_NULL;
  }

  #value(component: number, subcomponent: number): string {
    checkPosition(component, 'component');
    checkPosition(subcomponent, 'subcomponent');
    if (this.#isLiteral) return component === 1 && subcomponent === 1 ? this.raw : '';
    const e = this.#encoding;
    return piece(piece(this.raw, e.componentSeparator, component), e.subcomponentSeparator, subcomponent);
  }
}

interface Line {
  start: number;
  end: number;
}

function failure(text: string, error: Hl7ParseError): Hl7ParseResult {
  const partial = readHl7Header(text);
  return Object.keys(partial).length > 0 ? { ok: false, error, partial } : { ok: false, error };
}

function checkPosition(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`HL7 ${what} numbers start at 1`);
}

/** The n-th (1-based) piece of `s` split on `separator`, without splitting the rest. */
function piece(s: string, separator: string, n: number): string {
  let from = 0;
  for (let k = 1; k < n; k++) {
    const at = s.indexOf(separator, from);
    if (at < 0) return '';
    from = at + 1;
  }
  const to = s.indexOf(separator, from);
  return to < 0 ? (from === 0 ? s : s.slice(from)) : s.slice(from, to);
}

function countPieces(s: string, separator: string): number {
  let count = 1;
  for (let at = s.indexOf(separator); at >= 0; at = s.indexOf(separator, at + 1)) count++;
  return count;
}

function skipLeadingBreaks(text: string, from: number, to: number): number {
  let i = from;
  // A byte order mark is not text: some senders put one before MSH.
  if (i < to && text.charCodeAt(i) === BOM) i++;
  while (i < to && (text.charCodeAt(i) === CR || text.charCodeAt(i) === LF)) i++;
  return i;
}

/**
 * Segment boundaries. HL7 v2.5.1 ch. 2 ends a segment with CR; LF and CRLF are accepted too, as senders use them,
 * and empty lines are skipped. The next CR and LF are each searched once per pass over the text (linear time).
 */
function splitSegments(text: string, start: number, maxLines: number): Line[] {
  const lines: Line[] = [];
  let nextCr = text.indexOf('\r', start);
  let nextLf = text.indexOf('\n', start);
  let pos = start;
  while (pos < text.length && lines.length < maxLines) {
    if (nextCr >= 0 && nextCr < pos) nextCr = text.indexOf('\r', pos);
    if (nextLf >= 0 && nextLf < pos) nextLf = text.indexOf('\n', pos);
    let end = text.length;
    if (nextCr >= 0) end = nextCr;
    if (nextLf >= 0 && nextLf < end) end = nextLf;
    if (end > pos) lines.push({ start: pos, end });
    pos = end + 1;
  }
  return lines;
}

/** HL7 v2.5.1 ch. 2 (delimiters): single displayable ASCII characters; letters, digits and space would be data. */
function isDelimiter(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return ch.length === 1 && code > 0x20 && code < 0x7f && !/[A-Za-z0-9]/.test(ch);
}

function readEncoding(text: string, start: number, end: number): Hl7Encoding | Hl7ParseError {
  const where = { segment: 'MSH', segmentIndex: 0, segmentSequence: 1 };
  if (end <= start + 3) return { code: '101', text: 'MSH-1 (the field separator) is missing', ...where, field: 1 };
  const fieldSeparator = text[start + 3]!;
  if (!isDelimiter(fieldSeparator)) {
    return {
      code: '102',
      text: 'MSH-1 is not a printable ASCII character other than a letter or digit',
      ...where,
      field: 1,
    };
  }
  let to = text.indexOf(fieldSeparator, start + 4);
  if (to < 0 || to > end) to = end;
  const chars = text.slice(start + 4, to);
  if (chars === '') return { code: '101', text: 'MSH-2 (the encoding characters) is missing', ...where, field: 2 };
  // HL7 v2.5.1 MSH-2: four encoding characters; v2.7 adds an optional fifth (the truncation character).
  if (chars.length !== 4 && chars.length !== 5) {
    return { code: '102', text: 'MSH-2 must hold four or five encoding characters', ...where, field: 2 };
  }
  const all = fieldSeparator + chars;
  for (let i = 0; i < all.length; i++) {
    if (!isDelimiter(all[i]!) || all.indexOf(all[i]!) !== i) {
      return {
        code: '102',
        text: 'MSH-2 encoding characters must be distinct printable ASCII characters other than letters, digits and MSH-1',
        ...where,
        field: 2,
      };
    }
  }
  return {
    fieldSeparator,
    componentSeparator: chars[0]!,
    repetitionSeparator: chars[1]!,
    escapeCharacter: chars[2]!,
    subcomponentSeparator: chars[3]!,
    truncationCharacter: chars[4],
  };
}

function isSegmentName(text: string, start: number, end: number, fieldSeparator: string): boolean {
  if (end - start < 3) return false;
  if (end - start > 3 && text[start + 3] !== fieldSeparator) return false;
  return SEGMENT_NAME.test(text.slice(start, start + 3));
}

/**
 * Control characters (C0 but TAB, DEL, C1) and lone surrogates are not text: they come from binary data or a
 * wrong character set, and a C0 control may be a framing byte (MLLP 0x0B/0x1C). CR and LF never reach here
 * (they end segments). Returns the position of the first, or -1.
 */
function findNonTextCharacter(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      if (code !== TAB) return i;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < to ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    }
  }
  return -1;
}

/**
 * The first non-text character of a segment (-1 if none) and how many separators it has, counted up to max + 1.
 * One pass over the segment's own characters: searching with indexOf could run past the segment's end to the
 * end of the text, for every segment.
 */
function scanSegment(
  text: string,
  from: number,
  to: number,
  encoding: Hl7Encoding,
  max: number,
): { bad: number; delimiters: number } {
  const bad = findNonTextCharacter(text, from, to);
  if (bad >= 0) return { bad, delimiters: 0 };
  const fs = encoding.fieldSeparator.charCodeAt(0);
  const cs = encoding.componentSeparator.charCodeAt(0);
  const rs = encoding.repetitionSeparator.charCodeAt(0);
  const ss = encoding.subcomponentSeparator.charCodeAt(0);
  let delimiters = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if ((code === fs || code === cs || code === rs || code === ss) && ++delimiters > max) break;
  }
  return { bad, delimiters };
}

function isNonTextCode(code: number): boolean {
  return (code < 0x20 && code !== TAB) || (code >= 0x7f && code <= 0x9f);
}

function hasLineBreak(s: string): boolean {
  return s.includes('\r') || s.includes('\n');
}

/** The field and component holding position `at` of a segment (for an error's location). */
function locateInSegment(
  text: string,
  start: number,
  at: number,
  encoding: Hl7Encoding,
  isMsh: boolean,
): { field?: number; component?: number } {
  let field = 0;
  let component = 1;
  for (let i = start; i < at; i++) {
    const ch = text[i];
    if (ch === encoding.fieldSeparator) {
      field++;
      component = 1;
    } else if (ch === encoding.repetitionSeparator) component = 1;
    else if (ch === encoding.componentSeparator) component++;
  }
  if (field === 0) return {};
  return isMsh ? { field: field + 1, ...(field + 1 > 2 ? { component } : {}) } : { field, component };
}

/** MSH fields a receiver needs to route and acknowledge (HL7 v2.4 and v2.5.1 MSH: MSH-9, -10 and -12 are required). */
function checkHeader(msh: SegmentImpl): Hl7ParseError | undefined {
  const where = { segment: 'MSH', segmentIndex: 0, segmentSequence: 1 };
  for (const field of [3, 4, 5, 6, 9, 10, 11, 12]) {
    if (msh.raw(field).length > HL7_MAX_HEADER_FIELD_LENGTH) {
      return {
        code: '102',
        text: `MSH-${field} is longer than ${HL7_MAX_HEADER_FIELD_LENGTH} characters`,
        ...where,
        field,
      };
    }
  }
  if (msh.get(9, 1) === '') {
    return { code: '101', text: 'MSH-9 (message type) is missing', ...where, field: 9, component: 1 };
  }
  if (msh.get(10) === '') return { code: '101', text: 'MSH-10 (message control id) is missing', ...where, field: 10 };
  const version = msh.get(12);
  if (version === '') return { code: '101', text: 'MSH-12 (version id) is missing', ...where, field: 12 };
  if (!VERSION_ID.test(version)) {
    return { code: '203', text: 'MSH-12 is not an HL7 version 2 version id', ...where, field: 12, component: 1 };
  }
  return undefined;
}

/** Marks a valid `\Xhh..\` escape: its digits are decoded with the run of hex escapes it belongs to. */
const HEX_ESCAPE = Symbol('hex escape');

/** One escape sequence's body value[from, to) decoded, HEX_ESCAPE, or undefined when it is not an escape. */
function decodeEscape(
  value: string,
  from: number,
  to: number,
  encoding: Hl7Encoding,
): string | typeof HEX_ESCAPE | undefined {
  const length = to - from;
  if (length === 0) return undefined;
  const kind = value[from]!;
  if (length === 1) {
    switch (kind) {
      case 'F':
        return encoding.fieldSeparator;
      case 'S':
        return encoding.componentSeparator;
      case 'T':
        return encoding.subcomponentSeparator;
      case 'R':
        return encoding.repetitionSeparator;
      case 'E':
        return encoding.escapeCharacter;
      case 'P':
        return encoding.truncationCharacter;
      case 'H':
      case 'N':
        return '';
      default:
        return undefined;
    }
  }
  if (kind === 'X') {
    if ((length - 1) % 2 !== 0) return undefined;
    for (let i = from + 1; i < to; i++) if (hexValue(value.charCodeAt(i)) < 0) return undefined;
    return HEX_ESCAPE;
  }
  const e = encoding.escapeCharacter;
  const body = value.slice(from, to);
  if (
    kind === 'Z' ||
    (kind === 'C' && /^C[0-9A-Fa-f]{4}$/.test(body)) ||
    (kind === 'M' && /^M[0-9A-Fa-f]{4}([0-9A-Fa-f]{2})?$/.test(body))
  ) {
    return e + body + e;
  }
  if (kind === '.') return decodeFormatting(body);
  return undefined;
}

const FORMATTING = /^\.(br|sp|fi|nf|in|ti|sk|ce)(?: ?([+-]?[0-9]{1,9}))?$/;
const MAX_FORMATTING_COUNT = 100;

/** HL7 v2.5.1 ch. 2 formatting commands (formatted text, FT) read as plain text. */
function decodeFormatting(body: string): string | undefined {
  const match = FORMATTING.exec(body);
  if (!match) return undefined;
  const [, command = '', digits] = match;
  const count = digits === undefined ? undefined : Math.min(Math.abs(parseInt(digits, 10)), MAX_FORMATTING_COUNT);
  switch (command) {
    case 'br':
    case 'ce':
      return digits === undefined ? '\n' : undefined;
    case 'sp':
      return '\n'.repeat(count === undefined ? 1 : Math.max(count, 1));
    case 'sk':
      return ' '.repeat(count ?? 1);
    case 'fi':
    case 'nf':
      return digits === undefined ? '' : undefined;
    case 'in':
    case 'ti':
      // Indentation, which plain text does not keep.
      return '';
    default:
      return undefined;
  }
}

// ignoreBOM: a U+FEFF that the text holds is kept, not taken for a byte order mark.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16 = new TextDecoder(new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 'utf-16le' : 'utf-16be', {
  ignoreBOM: true,
});
// WHATWG Encoding: the label 'latin1' is windows-1252, a superset of ISO 8859-1's printable characters.
const windows1252 = new TextDecoder('windows-1252');

/** The bytes of hex runs (pairs of [from, to) positions of hex digits in `value`) as text. */
function decodeHexRuns(value: string, runs: number[]): string {
  let size = 0;
  for (let r = 0; r < runs.length; r += 2) size += (runs[r + 1]! - runs[r]!) / 2;
  const bytes = new Uint8Array(size);
  let n = 0;
  for (let r = 0; r < runs.length; r += 2) {
    for (let i = runs[r]!; i < runs[r + 1]!; i += 2) {
      bytes[n++] = hexValue(value.charCodeAt(i)) * 16 + hexValue(value.charCodeAt(i + 1));
    }
  }
  try {
    return utf8.decode(bytes);
  } catch {
    return windows1252.decode(bytes);
  }
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Text built in one growing buffer of UTF-16 code units: appending to a string instead would build a rope of a
 * node per piece (hundreds of MB for a field of millions of escapes). Input must be well-formed UTF-16, as
 * parseHl7 guarantees.
 */
class TextBuilder {
  #buffer: Uint16Array;
  #length = 0;

  constructor(capacity: number) {
    this.#buffer = new Uint16Array(Math.max(capacity, 16));
  }

  append(s: string): void {
    this.appendSlice(s, 0, s.length);
  }

  appendSlice(s: string, from: number, to: number): void {
    const needed = this.#length + (to - from);
    if (needed > this.#buffer.length) {
      const bigger = new Uint16Array(Math.max(needed, this.#buffer.length * 2));
      bigger.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = bigger;
    }
    const buffer = this.#buffer;
    let n = this.#length;
    for (let i = from; i < to; i++) buffer[n++] = s.charCodeAt(i);
    this.#length = n;
  }

  toString(): string {
    return utf16.decode(this.#buffer.subarray(0, this.#length));
  }
}
