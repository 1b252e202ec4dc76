import type { Address, DemographicNoise, OrganisationKind, Person, PersonName, SourceDemographics } from '../model.ts';
import type { Rng } from '../random.ts';

/**
 * How often each kind of organisation holds each kind of demographic error. GP practices register people from
 * the national spine and are nearly always right; emergency and out-of-hospital services record people in a
 * hurry, often without an NHS number (ambulance crews trace it for only part of their patients, as the
 * national ambulance data set's completeness figures show). These shares are the product's assumptions for a
 * realistic matching workload, not measured figures: see packages/synth/README.md.
 */
interface NoiseProfile {
  nhsMissing: number;
  nhsWrong: number;
  nameTypo: number;
  /** Holds an earlier family name (maiden name), for people who have one. */
  maidenName: number;
  dayMonthSwapped: number;
  birthYearTypo: number;
  oldAddress: number;
  noAddress: number;
  givenShort: number;
  /** NHS number verification status when one is held: traced and verified (01) or not traced (02). */
  verified: number;
}

const P = (p: Partial<NoiseProfile>): NoiseProfile => ({
  nhsMissing: 0,
  nhsWrong: 0,
  nameTypo: 0,
  maidenName: 0,
  dayMonthSwapped: 0,
  birthYearTypo: 0,
  oldAddress: 0,
  noAddress: 0,
  givenShort: 0,
  verified: 1,
  ...p,
});

export const NOISE: Record<OrganisationKind, NoiseProfile> = {
  'gp-practice': P({ nameTypo: 0.002, oldAddress: 0.01 }),
  'acute-trust': P({
    nhsMissing: 0.02,
    nhsWrong: 0.002,
    nameTypo: 0.02,
    maidenName: 0.3,
    dayMonthSwapped: 0.005,
    birthYearTypo: 0.003,
    oldAddress: 0.08,
    givenShort: 0.02,
    verified: 0.95,
  }),
  'mental-health-trust': P({ nhsMissing: 0.01, nameTypo: 0.01, maidenName: 0.2, oldAddress: 0.1, verified: 0.95 }),
  'community-trust': P({ nhsMissing: 0.01, nameTypo: 0.01, maidenName: 0.2, oldAddress: 0.08, verified: 0.95 }),
  'out-of-area-trust': P({ nhsMissing: 0.02, nameTypo: 0.02, maidenName: 0.3, oldAddress: 0.1, verified: 0.9 }),
  hospice: P({ nhsMissing: 0.01, nameTypo: 0.01, oldAddress: 0.05, verified: 0.95 }),
  'local-authority': P({
    nhsMissing: 0.15,
    nhsWrong: 0.005,
    nameTypo: 0.03,
    maidenName: 0.4,
    dayMonthSwapped: 0.01,
    birthYearTypo: 0.005,
    oldAddress: 0.15,
    givenShort: 0.05,
    verified: 0.3,
  }),
  'ambulance-service': P({
    nhsMissing: 0.3,
    nhsWrong: 0.01,
    nameTypo: 0.06,
    maidenName: 0.2,
    dayMonthSwapped: 0.02,
    birthYearTypo: 0.02,
    noAddress: 0.1,
    oldAddress: 0.05,
    givenShort: 0.05,
    verified: 0.2,
  }),
  'nhs-111': P({
    nhsMissing: 0.2,
    nhsWrong: 0.005,
    nameTypo: 0.04,
    dayMonthSwapped: 0.01,
    birthYearTypo: 0.01,
    noAddress: 0.05,
    oldAddress: 0.05,
    givenShort: 0.03,
    verified: 0.5,
  }),
  'care-home': P({ nhsMissing: 0.05, nameTypo: 0.02, maidenName: 0.3, oldAddress: 0, verified: 0.5 }),
  pharmacy: P({ nhsMissing: 0.02, nameTypo: 0.01, oldAddress: 0.05, verified: 0.9 }),
};

const KEYBOARD_NEIGHBOURS: Record<string, string> = {
  a: 'sq',
  b: 'vn',
  c: 'xv',
  d: 'sf',
  e: 'wr',
  f: 'dg',
  g: 'fh',
  h: 'gj',
  i: 'uo',
  j: 'hk',
  k: 'jl',
  l: 'k',
  m: 'n',
  n: 'bm',
  o: 'ip',
  p: 'o',
  q: 'w',
  r: 'et',
  s: 'ad',
  t: 'ry',
  u: 'yi',
  v: 'cb',
  w: 'qe',
  x: 'zc',
  y: 'tu',
  z: 'x',
};

/** One typing error: a swapped pair, a dropped letter, a doubled letter or a neighbouring key. */
export function typo(rng: Rng, word: string): string {
  if (word.length < 3) return word;
  const i = rng.int(1, word.length - 2);
  switch (rng.int(0, 3)) {
    case 0:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + word[i] + word.slice(i);
    default: {
      const c = word[i]!;
      const near = KEYBOARD_NEIGHBOURS[c.toLowerCase()];
      if (!near) return word.slice(0, i) + word.slice(i + 1);
      const n = near[rng.int(0, near.length - 1)]!;
      return word.slice(0, i) + (c === c.toUpperCase() ? n.toUpperCase() : n) + word.slice(i + 1);
    }
  }
}

/** Two adjacent digits transposed: the commonest keying error in a number. */
function transposeDigits(rng: Rng, digits: string): string {
  const i = rng.int(0, digits.length - 2);
  if (digits[i] === digits[i + 1]) return digits.slice(0, i) + ((Number(digits[i]) + 1) % 10) + digits.slice(i + 1);
  return digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
}

/** The person as `kind` of organisation holds them, and the errors in that copy. */
export function sourceDemographics(
  rng: Rng,
  kind: OrganisationKind,
  person: Person,
): { demographics: SourceDemographics; noise: DemographicNoise[] } {
  const p = NOISE[kind];
  const noise: DemographicNoise[] = [];
  let name: PersonName = person.name;
  if (person.previousNames.length > 0 && rng.chance(p.maidenName)) {
    name = { ...name, family: person.previousNames[person.previousNames.length - 1]!.family };
    noise.push('maiden-name');
  }
  if (rng.chance(p.nameTypo)) {
    if (rng.chance(0.5)) name = { ...name, family: typo(rng, name.family) };
    else name = { ...name, given: [typo(rng, name.given[0] ?? ''), ...name.given.slice(1)] };
    noise.push('name-typo');
  }
  if (name.given.length > 1 && rng.chance(p.givenShort)) {
    name = { ...name, given: [name.given[0]!] };
    noise.push('given-name-short');
  }

  let birthDate = person.birthDate;
  const [y, m, d] = birthDate.split('-') as [string, string, string];
  if (Number(d) <= 12 && d !== m && rng.chance(p.dayMonthSwapped)) {
    birthDate = `${y}-${d}-${m}`;
    noise.push('day-month-swapped');
  } else if (rng.chance(p.birthYearTypo)) {
    const year = Number(y) + (rng.chance(0.5) ? 1 : -1) * (rng.chance(0.7) ? 1 : 10);
    birthDate = `${year}-${m}-${d}`;
    noise.push('birth-year-typo');
  }

  let nhsNumber = person.nhsNumber;
  if (nhsNumber && rng.chance(p.nhsMissing)) {
    nhsNumber = undefined;
    noise.push('nhs-number-missing');
  } else if (nhsNumber && rng.chance(p.nhsWrong)) {
    nhsNumber = transposeDigits(rng, nhsNumber);
    noise.push('nhs-number-wrong');
  }

  let address: Address | undefined = person.address;
  if (rng.chance(p.noAddress)) {
    address = undefined;
    noise.push('no-address');
  } else if (person.previousAddresses.length > 0 && rng.chance(p.oldAddress)) {
    address = person.previousAddresses[person.previousAddresses.length - 1]!.address;
    noise.push('old-address');
  }

  const demographics: SourceDemographics = {
    name,
    sex: person.sex,
    birthDate,
    ...(nhsNumber ? { nhsNumber, nhsNumberStatus: rng.chance(p.verified) ? '01' : '02' } : {}),
    ...(address ? { address } : {}),
    ...(person.homePhone && kind !== 'ambulance-service' ? { homePhone: person.homePhone } : {}),
    ...(person.mobilePhone ? { mobilePhone: person.mobilePhone } : {}),
  };
  return { demographics, noise };
}
