// Bytes to text for HL7 v2: MLLP delivers bytes, and MSH-18 (HL7 table 0211) says which character set they are in.

import { TextDecoder } from 'node:util';

/** WHATWG Encoding names of the character sets we read. */
export type Hl7Charset =
  | 'utf-8'
  | 'ascii'
  | 'windows-1252'
  | 'iso-8859-2'
  | 'iso-8859-3'
  | 'iso-8859-4'
  | 'iso-8859-5'
  | 'iso-8859-6'
  | 'iso-8859-7'
  | 'iso-8859-8'
  | 'windows-1254'
  | 'iso-8859-15';

export type Hl7DecodeResult = { text: string; charset: Hl7Charset } | { error: string };

/**
 * Decodes one message's bytes, honouring MSH-18 (first repetition; HL7 table 0211):
 * - `UNICODE UTF-8`: UTF-8, and bytes that are not valid UTF-8 are an error;
 * - `8859/1`: windows-1252 (as WHATWG reads ISO 8859-1: the same printable characters, and 0x80-0x9F as the
 *   quotes and dashes Windows senders mean rather than control characters);
 * - `8859/2`..`8859/9`, `8859/15`: those sets (8859/9 as its superset windows-1254);
 * - `ASCII`, and MSH-18 empty or absent: UTF-8 when the bytes are valid UTF-8, else windows-1252. A sender that
 *   declares ASCII and sends other bytes is read that way too rather than losing the message;
 * - anything else (ISO 2022 sets, UTF-16/32, BIG-5, ...): an error.
 * A UTF-8 byte order mark is dropped. Error texts never hold message content.
 */
export function decodeHl7Bytes(bytes: Uint8Array): Hl7DecodeResult {
  const declared = readCharacterSet(bytes);
  if (declared === undefined || declared === '' || declared === 'ASCII') {
    const isAscii = bytes.every((b) => b < 0x80);
    if (isAscii && declared === 'ASCII') return { text: decoder('utf-8').decode(bytes), charset: 'ascii' };
    return decodeAuto(bytes);
  }
  const charset = charsetOf(declared);
  if (charset === undefined) return { error: 'MSH-18 names a character set that is not supported' };
  if (charset === 'utf-8') {
    try {
      return { text: strictUtf8.decode(bytes), charset };
    } catch {
      return { error: 'The message is not valid UTF-8, as MSH-18 declares' };
    }
  }
  return { text: decoder(charset).decode(bytes), charset };
}

/**
 * Text (an ACK) as bytes in a character set decodeHl7Bytes returned, so the reply is in the sender's own set.
 * A character the set cannot hold is written as `?`.
 */
export function encodeHl7Bytes(text: string, charset: Hl7Charset): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const table = reverseTable(charset);
  const out = Buffer.alloc(text.length);
  let length = 0;
  for (const ch of text) out[length++] = table.get(ch) ?? 0x3f;
  return out.subarray(0, length);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const decoders = new Map<string, TextDecoder>();

function decoder(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

function decodeAuto(bytes: Uint8Array): Hl7DecodeResult {
  try {
    return { text: strictUtf8.decode(bytes), charset: 'utf-8' };
  } catch {
    return { text: decoder('windows-1252').decode(bytes), charset: 'windows-1252' };
  }
}

const ISO_8859 = /^(?:ISO[ -]?)?8859[/-]([0-9]{1,2})$/;
const ISO_8859_CHARSETS: Record<string, Hl7Charset> = {
  '1': 'windows-1252',
  '2': 'iso-8859-2',
  '3': 'iso-8859-3',
  '4': 'iso-8859-4',
  '5': 'iso-8859-5',
  '6': 'iso-8859-6',
  '7': 'iso-8859-7',
  '8': 'iso-8859-8',
  '9': 'windows-1254',
  '15': 'iso-8859-15',
};

function charsetOf(declared: string): Hl7Charset | undefined {
  // Table 0211 says `UNICODE UTF-8`; `UTF-8` is what many senders write.
  if (declared === 'UNICODE UTF-8' || declared === 'UTF-8' || declared === 'UTF8') return 'utf-8';
  const match = ISO_8859.exec(declared);
  return match ? ISO_8859_CHARSETS[match[1]!] : undefined;
}

const HEADER_SCAN_LIMIT = 64 * 1024;

/**
 * MSH-18 read from the bytes before they are decoded: MSH's delimiters and table 0211 values are ASCII in every
 * set we read. Undefined when the bytes do not start with MSH (after a BOM or line breaks).
 */
function readCharacterSet(bytes: Uint8Array): string | undefined {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  while (bytes[start] === 0x0d || bytes[start] === 0x0a) start++;
  if (bytes[start] !== 0x4d || bytes[start + 1] !== 0x53 || bytes[start + 2] !== 0x48) return undefined;
  let end = start;
  const limit = Math.min(bytes.length, start + HEADER_SCAN_LIMIT);
  while (end < limit && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
  const msh = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  if (msh.length < 8) return undefined;
  const [fieldSeparator, componentSeparator, repetitionSeparator] = [msh[3]!, msh[4]!, msh[5]!];
  // The split segment: [0] is 'MSH', [n - 1] is MSH-n.
  const field = msh.split(fieldSeparator)[17] ?? '';
  const value = field.split(repetitionSeparator)[0]!.split(componentSeparator)[0]!;
  return value.trim().toUpperCase().replace(/ +/g, ' ');
}

const reverseTables = new Map<Hl7Charset, Map<string, number>>();

function reverseTable(charset: Hl7Charset): Map<string, number> {
  let table = reverseTables.get(charset);
  if (!table) {
    table = new Map();
    const top = charset === 'ascii' ? 0x80 : 0x100;
    const d = charset === 'ascii' ? decoder('windows-1252') : decoder(charset);
    for (let b = 0; b < top; b++) {
      const ch = d.decode(Uint8Array.of(b));
      if (ch !== '\ufffd' && !table.has(ch)) table.set(ch, b);
    }
    reverseTables.set(charset, table);
  }
  return table;
}
