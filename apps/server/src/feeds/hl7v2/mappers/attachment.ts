// Document content as a FHIR Attachment: plain text (MDM OBX text lines) or HL7 v2 ED (encapsulated data).

import { createHash } from 'node:crypto';
import type { Attachment } from '@joinedup/fhir';
import type { Hl7Segment } from '../hl7-message.ts';
import { cleanCode } from './hl7-datatypes.ts';
import { mapError, requiredField } from './map-error.ts';

export const TEXT_PLAIN_UTF8 = 'text/plain;charset=utf-8';

/** R4 Attachment: data (base64), size in bytes and hash (SHA-1 of the bytes, base64). */
function fromBytes(bytes: Buffer, contentType: string, title: string | undefined): Attachment {
  return {
    contentType,
    data: bytes.toString('base64'),
    size: bytes.length,
    hash: createHash('sha1').update(bytes).digest('base64'),
    ...(title === undefined ? {} : { title }),
  };
}

export function textAttachment(text: string, title?: string): Attachment {
  return fromBytes(Buffer.from(text, 'utf8'), TEXT_PLAIN_UTF8, title);
}

/** HL7 table 0191 (type of referenced data) to the MIME top-level type. */
const MIME_TYPE: Record<string, string> = {
  AP: 'application',
  APPLICATION: 'application',
  IM: 'image',
  IMAGE: 'image',
  AU: 'audio',
  AUDIO: 'audio',
  TEXT: 'text',
  TX: 'text',
  VIDEO: 'video',
  MULTIPART: 'multipart',
};

const MIME_TOKEN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/**
 * ED (HL7 v2.5.1 2A.24): source application ^ type of data (table 0191) ^ data subtype ^ encoding (table 0299: A,
 * Hex, Base64) ^ data. The content type is `type/subtype` (AP^PDF -> application/pdf); without a usable subtype,
 * application/octet-stream. Base64 and hex must be well formed (102); empty data is 101.
 */
export function encapsulatedData(obx: Hl7Segment, field: number, title: string | undefined): Attachment {
  const ed = obx.repetitions(field)[0];
  const data = (ed?.get(5) ?? '').replace(/\s+/g, '');
  if (ed === undefined || data === '') throw requiredField(obx, field, 'encapsulated data', 5);
  const type = MIME_TYPE[ed.get(2).trim().toUpperCase()];
  const subtype = cleanCode(ed.get(3))?.toLowerCase();
  const encoding = ed.get(4).trim().toUpperCase();
  const isOurText = encoding === 'A' || encoding === '';
  let contentType = 'application/octet-stream';
  if (type !== undefined && subtype !== undefined && MIME_TOKEN.test(subtype)) contentType = `${type}/${subtype}`;
  else if (type === 'text') contentType = 'text/plain';
  // Text we encode ourselves is UTF-8; the character set of bytes a sender encoded is not known.
  if (isOurText && contentType.startsWith('text/')) contentType += ';charset=utf-8';
  let bytes: Buffer;
  if (encoding === 'BASE64') {
    if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
      throw mapError(obx, field, '102', `${obx.name}-${field}.5 is not valid Base64`, 5);
    }
    bytes = Buffer.from(data, 'base64');
  } else if (encoding === 'HEX') {
    if (!/^([0-9A-Fa-f]{2})+$/.test(data)) {
      throw mapError(obx, field, '102', `${obx.name}-${field}.5 is not valid hexadecimal`, 5);
    }
    bytes = Buffer.from(data, 'hex');
  } else if (isOurText) {
    bytes = Buffer.from(ed.get(5), 'utf8');
  } else {
    throw mapError(obx, field, '103', `${obx.name}-${field}.4 is not an encoding of HL7 table 0299`, 4);
  }
  return fromBytes(bytes, contentType, title);
}
