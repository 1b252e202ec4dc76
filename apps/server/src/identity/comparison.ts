import { jaroWinkler } from './jaro-winkler.ts';
import type { PreparedRecord } from './prepared-record.ts';

/**
 * The compared fields and the agreement levels of each, best first; `missing` (either side has no value) is always
 * last and weighs nothing. Stored level names are never renamed: review decisions and estimated weights refer to
 * them.
 */
export const FIELD_LEVELS = {
  nhsNumber: ['equal', 'close', 'differ', 'missing'],
  family: ['exact', 'part', 'close', 'phonetic', 'differ', 'differ-female', 'missing'],
  given: ['exact', 'nickname', 'close', 'other', 'initial', 'differ', 'missing'],
  birthDate: ['exact', 'swapped', 'year', 'digit', 'differ', 'missing'],
  sex: ['equal', 'differ', 'missing'],
  postcode: ['exact', 'district', 'differ', 'missing'],
  address: ['exact', 'close', 'differ', 'missing'],
  phone: ['mobile', 'landline', 'differ', 'missing'],
} as const;

export type MatchField = keyof typeof FIELD_LEVELS;
export type FieldLevel<F extends MatchField> = (typeof FIELD_LEVELS)[F][number];
/** Levels that carry a weight (every level but `missing`). */
export type WeightedLevel<F extends MatchField> = Exclude<FieldLevel<F>, 'missing'>;

export const MATCH_FIELDS = Object.keys(FIELD_LEVELS) as MatchField[];

/** Field positions in a comparison vector. */
export const NHS = 0;
export const FAMILY = 1;
export const GIVEN = 2;
export const BIRTH = 3;
export const SEX = 4;
export const POSTCODE = 5;
export const ADDRESS = 6;
export const PHONE = 7;

/**
 * Jaro-Winkler scores at or above which two names or address lines count as one written with a keying error. Ours,
 * not Winkler's: set on the benchmark sets so that different common names (Jane / Janet 0.94 is the exception a
 * nickname or the rules must handle) fall below.
 */
export const FAMILY_CLOSE = 0.92;
export const GIVEN_CLOSE = 0.9;
export const ADDRESS_CLOSE = 0.88;

/** Index of `missing` for each field (the last level). */
export const MISSING: readonly number[] = MATCH_FIELDS.map((f) => FIELD_LEVELS[f].length - 1);

/** Compares two records field by field, writing each field's level index into `out` (length 8). */
export function compareRecords(a: PreparedRecord, b: PreparedRecord, out: Uint8Array): void {
  out[NHS] = compareNhsNumber(a.record.nhsNumber, b.record.nhsNumber);
  out[FAMILY] = compareFamily(a, b);
  out[GIVEN] = compareGiven(a, b);
  if (out[FAMILY] >= FAMILY_PHONETIC && out[GIVEN] >= GIVEN_DIFFER && isSwapped(a, b)) {
    out[FAMILY] = FAMILY_CLOSE_LEVEL;
    out[GIVEN] = GIVEN_CLOSE_LEVEL;
  }
  out[BIRTH] = compareBirthDate(a, b);
  out[SEX] = a.sex === undefined || b.sex === undefined ? 2 : a.sex === b.sex ? 0 : 1;
  out[POSTCODE] =
    a.postcode === '' || b.postcode === ''
      ? 3
      : a.postcode === b.postcode
        ? 0
        : a.district !== '' && a.district === b.district
          ? 1
          : 2;
  out[ADDRESS] = compareAddress(a, b);
  out[PHONE] = comparePhone(a, b);
}

const FAMILY_CLOSE_LEVEL = FIELD_LEVELS.family.indexOf('close');
const FAMILY_PHONETIC = FIELD_LEVELS.family.indexOf('phonetic');
const GIVEN_CLOSE_LEVEL = FIELD_LEVELS.given.indexOf('close');
const GIVEN_DIFFER = FIELD_LEVELS.given.indexOf('differ');

/** Given and family names entered in each other's fields: both count as close (a clerical error, not two names). */
function isSwapped(a: PreparedRecord, b: PreparedRecord): boolean {
  if (a.family === '' || b.family === '' || a.given.length < 2 || b.given.length < 2) return false;
  return jaroWinkler(a.family, b.given) >= FAMILY_CLOSE && jaroWinkler(a.given, b.family) >= FAMILY_CLOSE;
}

function compareNhsNumber(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return 3;
  if (a === b) return 0;
  // Two valid NHS numbers never differ by one keying error (Modulus 11 catches every single substitution and
  // adjacent transposition), so `close` only arises for identifiers without a check digit.
  return isOneEditApart(a, b) ? 1 : 2;
}

function isOneEditApart(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let first = -1;
  let diffs = 0;
  for (let i = 0; i < a.length; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) {
      if (++diffs > 2) return false;
      if (first < 0) first = i;
    }
  }
  if (diffs === 1) return true;
  return diffs === 2 && a[first] === b[first + 1] && a[first + 1] === b[first];
}

/**
 * One keying error apart (Damerau 1964: a letter substituted, inserted, dropped, or two adjacent letters swapped),
 * for words of four letters or more: Jaro-Winkler scores such a slip in a short name (EMMA / ENMA) below its
 * threshold.
 */
export function isOneTypoApart(a: string, b: string): boolean {
  const la = a.length;
  const lb = b.length;
  if (Math.min(la, lb) < 4 || Math.abs(la - lb) > 1 || a === b) return false;
  if (la === lb) return isOneEditApart(a, b);
  const [short, long] = la < lb ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short.charCodeAt(i) === long.charCodeAt(i)) i++;
  return short.slice(i) === long.slice(i + 1);
}

function shareAny(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x === y) return true;
  return false;
}

function compareFamily(a: PreparedRecord, b: PreparedRecord): number {
  if (a.family === '' || b.family === '') return 6;
  if (a.family === b.family) return 0;
  if ((a.familyParts.length > 1 || b.familyParts.length > 1) && shareAny(a.familyParts, b.familyParts)) return 1;
  if (jaroWinkler(a.family, b.family) >= FAMILY_CLOSE || isOneTypoApart(a.family, b.family)) return 2;
  if (shareAny(a.familyCodes, b.familyCodes)) return 3;
  // Women change family name on marriage far more often than men, so a different family name is weaker evidence
  // between two female records than otherwise: its own level with its own weight.
  return a.sex === 'female' && b.sex === 'female' ? 5 : 4;
}

function compareGiven(a: PreparedRecord, b: PreparedRecord): number {
  const x = a.given;
  const y = b.given;
  if (x === '' || y === '') return 6;
  if (x === y) return 0;
  if (x.length > 1 && y.length > 1) {
    for (const g of a.givenGroups) if (b.givenGroups.includes(g)) return 1;
    // Not the phonetic code: short given names share one too easily (Jane, Joan, John and June are all JN). A keying
    // error only after the first letter: twins are given names that differ in it (Dean and Sean, Ella and Bella).
    if (jaroWinkler(x, y) >= GIVEN_CLOSE || (x[0] === y[0] && isOneTypoApart(x, y))) return 2;
    if (a.otherGiven.includes(y) || b.otherGiven.includes(x)) return 3;
    return 5;
  }
  // One side holds only an initial.
  return x[0] === y[0] ? 4 : 5;
}

function compareBirthDate(a: PreparedRecord, b: PreparedRecord): number {
  if (a.birth === '' || b.birth === '') return 5;
  if (a.birth === b.birth) return 0;
  if (a.year === b.year && a.day === b.month && a.month === b.day) return 1;
  if (a.month === b.month && a.day === b.day) {
    const dy = Math.abs(a.year - b.year);
    if (dy === 1 || dy === 10) return 2;
  }
  return isOneEditApart(a.birth, b.birth) ? 3 : 4;
}

function compareAddress(a: PreparedRecord, b: PreparedRecord): number {
  if (a.address === '' || b.address === '') return 3;
  if (a.address === b.address) return 0;
  // Neighbours share a street and differ in the number: a different number is a different address.
  if (a.houseNumbers !== b.houseNumbers && a.houseNumbers !== '' && b.houseNumbers !== '') return 2;
  return jaroWinkler(a.address, b.address) >= ADDRESS_CLOSE ? 1 : 2;
}

function comparePhone(a: PreparedRecord, b: PreparedRecord): number {
  const aHas = a.mobiles.length + a.landlines.length > 0;
  const bHas = b.mobiles.length + b.landlines.length > 0;
  if (!aHas || !bHas) return 3;
  if (shareAny(a.mobiles, b.mobiles)) return 0;
  if (shareAny(a.landlines, b.landlines)) return 1;
  return 2;
}
