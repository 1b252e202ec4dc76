import type { MatchRecord } from './demographics.ts';
import { doubleMetaphone } from './double-metaphone.ts';
import { FAMILY_PARTICLES } from './names.ts';
import { nicknameGroups } from './nicknames.ts';
import { isMobile } from './phone.ts';
import { outwardCode } from './postcode.ts';

/**
 * A MatchRecord with everything a comparison needs worked out once: compact names, phonetic codes, nickname groups,
 * date parts, postcode district, house number, mobiles apart from landlines. Scoring a pair then costs plain
 * string and number comparisons.
 */
export interface PreparedRecord {
  record: MatchRecord;
  /** Family name without spaces (`SMITH JONES` → `SMITHJONES`); '' when absent. */
  family: string;
  /** Words of a double-barrelled family name that identify (no particles, no initials). */
  familyParts: string[];
  /** Double Metaphone primary and alternate codes of the whole family name. */
  familyCodes: string[];
  /** First given name; '' when absent. */
  given: string;
  givenCodes: string[];
  givenGroups: readonly number[];
  /** Later given names (middle names). */
  otherGiven: string[];
  /** Birth date as YYYYMMDD, and its parts (0 when absent). */
  birth: string;
  year: number;
  month: number;
  day: number;
  sex: 'male' | 'female' | 'other' | undefined;
  postcode: string;
  district: string;
  address: string;
  /** The numbers of the address (flat, house) in order: neighbours differ here and nowhere else. */
  houseNumbers: string;
  mobiles: string[];
  landlines: string[];
}

const cache = new WeakMap<MatchRecord, PreparedRecord>();

/** The prepared form of a record, made once per record object. */
export function prepareRecord(record: MatchRecord): PreparedRecord {
  let prepared = cache.get(record);
  if (!prepared) {
    prepared = buildPrepared(record);
    cache.set(record, prepared);
  }
  return prepared;
}

function codesOf(word: string): string[] {
  if (word === '') return [];
  const { primary, alternate } = doubleMetaphone(word);
  if (primary === '') return [];
  return alternate !== primary && alternate !== '' ? [primary, alternate] : [primary];
}

function buildPrepared(r: MatchRecord): PreparedRecord {
  const familyWords = r.family === '' ? [] : r.family.split(' ');
  const family = familyWords.join('');
  const given = r.given[0] ?? '';
  const birth = r.birthDate ? r.birthDate.replace(/-/g, '') : '';
  const mobiles: string[] = [];
  const landlines: string[] = [];
  for (const p of r.phone ?? []) (isMobile(p) ? mobiles : landlines).push(p);
  const address = r.addressLine ?? '';
  return {
    record: r,
    family,
    familyParts: familyWords.filter((w) => w.length > 1 && !FAMILY_PARTICLES.has(w)),
    familyCodes: codesOf(family),
    given,
    givenCodes: codesOf(given),
    givenGroups: nicknameGroups(given),
    otherGiven: r.given.slice(1).filter((g) => g.length > 1),
    birth,
    year: birth ? Number(birth.slice(0, 4)) : 0,
    month: birth ? Number(birth.slice(4, 6)) : 0,
    day: birth ? Number(birth.slice(6, 8)) : 0,
    sex: r.sex === 'unknown' ? undefined : r.sex,
    postcode: r.postcode ?? '',
    district: (r.postcode && outwardCode(r.postcode)) ?? '',
    address,
    houseNumbers: address.match(/\b\d+[A-Z]?\b/g)?.join(' ') ?? '',
    mobiles,
    landlines,
  };
}
