// Deterministic resource ids: the same thing sent again, or sent later, lands on the same resource.
// FHIR R4 datatypes.html#id: 1-64 characters of A-Z a-z 0-9 - and '.'. Ids hold only what the sender sent as an
// identifier and its ODS code: never a name or a date of birth.

import { createHash } from 'node:crypto';

const MAX_ID_LENGTH = 64;
/** 64 bits of SHA-256: two values of one sender that differ only in characters an id cannot hold stay apart. */
const HASH_LENGTH = 16;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const NOT_ID_CHAR = /[^A-Za-z0-9\-.]/g;

/**
 * `raw` when it is a valid id. Otherwise its characters that an id can hold (others become '-'), cut to leave
 * room, then '-' and a hash of the whole of `raw`, so that two inputs that sanitise alike still differ.
 * `hashOf`, when given, is hashed instead of `raw` and the hash is added even to a valid id (for ids built from
 * several parts: see patientResourceId).
 */
export function toResourceId(raw: string, hashOf?: string): string {
  if (hashOf === undefined && ID.test(raw)) return raw;
  const hash = createHash('sha256')
    .update(hashOf ?? raw, 'utf8')
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const prefix = raw.slice(0, MAX_ID_LENGTH - HASH_LENGTH - 1).replace(NOT_ID_CHAR, '-');
  return prefix === '' ? hash : `${prefix}-${hash}`;
}

/**
 * Patient: `${senderOds}-${MRN}`. When PID-3.4 names an assigning authority other than the sender, the MRN is
 * only unique within that authority, so the authority is part of the id, and a hash of the exact parts keeps
 * ('A-B', 'C') and ('A', 'B-C') apart: two people must never share an id.
 */
export function patientResourceId(senderOds: string, mrn: string, authority = ''): string {
  if (authority === '' || authority === senderOds) return toResourceId(`${senderOds}-${mrn}`);
  return toResourceId(`${senderOds}-${authority}-${mrn}`, JSON.stringify([senderOds, authority, mrn]));
}

/** Any other resource: the sender's ODS code and the sender's own number for the thing, joined by '-'. */
export function sourceResourceId(senderOds: string, ...parts: string[]): string {
  return toResourceId([senderOds, ...parts].join('-'));
}
