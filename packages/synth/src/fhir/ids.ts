/**
 * Resource ids: deterministic, and valid FHIR ids (R4 datatypes.html#id: 1-64 characters of A-Z a-z 0-9 - .).
 * An id that is already valid is used as it is; any other is sanitised and given a hash of the original, so
 * that two inputs that sanitise alike still get different ids.
 */

const MAX_ID_LENGTH = 64;
const HASH_LENGTH = 8;

function isIdChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 45 || // -
    c === 46 // .
  );
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(HASH_LENGTH, '0');
}

export function isValidFhirId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return false;
  for (let i = 0; i < id.length; i++) if (!isIdChar(id.charCodeAt(i))) return false;
  return true;
}

/** `raw` if it is a valid FHIR id; otherwise its id characters (others become `-`), cut short, plus a hash. */
export function toFhirId(raw: string): string {
  if (isValidFhirId(raw)) return raw;
  const keep = Math.min(raw.length, MAX_ID_LENGTH - HASH_LENGTH - 1);
  let out = '';
  for (let i = 0; i < keep; i++) {
    const c = raw.charCodeAt(i);
    out += isIdChar(c) ? raw[i] : '-';
  }
  return `${out}${out ? '-' : ''}${fnv1a(raw)}`;
}

export function organizationId(odsCode: string): string {
  return toFhirId(odsCode);
}

export function locationId(siteOdsCode: string): string {
  return toFhirId(siteOdsCode);
}

export function practitionerId(sdsUserId: string): string {
  return toFhirId(`sds-${sdsUserId}`);
}

export function practitionerRoleId(sdsRoleProfileId: string): string {
  return toFhirId(`role-${sdsRoleProfileId}`);
}

export function patientId(odsCode: string, localId: string): string {
  return toFhirId(`${odsCode}-${localId}`);
}

/**
 * An event's resource id within its source record: `${odsCode}-${localId}-${n}`, where `n` is the event id
 * without its first part. Event ids are `${personId}-${n}` (model.ts), and the person id is the truth that goes
 * only into the answer file: a resource id holding it would tell a matcher which records are the same person.
 */
export function eventResourceId(odsCode: string, localId: string, eventId: string): string {
  const dash = eventId.indexOf('-');
  return toFhirId(`${odsCode}-${localId}-${dash < 0 ? eventId : eventId.slice(dash + 1)}`);
}
