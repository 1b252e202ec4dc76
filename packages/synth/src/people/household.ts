import type { Address, EthnicCategory, Organisation, Region } from '../model.ts';
import { createRng, type Rng } from '../random.ts';
import { BOROUGH_INDEX_BY_NAME, BOROUGH_WEIGHTS, BOROUGHS, type IcbKey } from './boroughs.ts';
import { DAYS_PER_YEAR } from './dates.ts';
import { HOUSEHOLD_SIZE_WEIGHTS, REFERENCE_AGE_WEIGHTS } from './demography.ts';
import { BOROUGH_ETHNIC_WEIGHTS, childCategory, LANGUAGES_BY_HERITAGE, pickHeritage } from './ethnicity.ts';
import { feminineFamilyName, pickFamilyName, type Heritage } from './names.ts';
import { generateLandline } from './phone.ts';
import { generateHomeAddress } from './postcode.ts';

/**
 * People are grouped into households of consecutive indexes. Indexes are cut into blocks of BLOCK; each block's
 * own stream cuts it into households by size, so any index finds its household from its block alone, and a
 * household's members, ages and address come from the household's own stream: generating one person never
 * needs another person to have been generated.
 */
const BLOCK = 64;

export interface HouseholdSlot {
  /** The index of the household's first member: names the household's stream. */
  householdIndex: number;
  size: number;
  position: number;
}

let lastBlock: { seed: string; block: number; starts: number[] } | undefined;

function householdStarts(seed: string, block: number): number[] {
  if (lastBlock && lastBlock.block === block && lastBlock.seed === seed) return lastBlock.starts;
  const rng = createRng(`${seed}/household-sizes/${block}`);
  const starts: number[] = [];
  let at = 0;
  while (at < BLOCK) {
    starts.push(at);
    at += rng.weighted(HOUSEHOLD_SIZE_WEIGHTS);
  }
  lastBlock = { seed, block, starts };
  return starts;
}

/** Which household person `index` belongs to, its size and the person's position in it. */
export function householdSlot(index: number, seed: string): HouseholdSlot {
  const block = Math.floor(index / BLOCK);
  const starts = householdStarts(seed, block);
  const offset = index - block * BLOCK;
  let k = 0;
  while (k + 1 < starts.length && starts[k + 1]! <= offset) k++;
  const start = starts[k]!;
  const end = k + 1 < starts.length ? starts[k + 1]! : BLOCK;
  return { householdIndex: block * BLOCK + start, size: end - start, position: offset - start };
}

export type MemberRole = 'reference' | 'partner' | 'child' | 'sharer' | 'parent' | 'grandparent';

export interface Member {
  role: MemberRole;
  birthDay: number;
  male: boolean;
  ethnicCategory: EthnicCategory;
  /** The heritage their given names come from. */
  heritage: Heritage;
  family: string;
  maiden?: { family: string; untilDay: number };
  married: boolean;
  /** The language of their household (or their own, for sharers), before a child's own English is counted. */
  language: string;
}

export interface HouseholdPlan {
  householdId: string;
  boroughIndex: number;
  address: Address;
  /** Oldest first. */
  previousAddresses: { address: Address; untilDay: number }[];
  movedInDay: number;
  homePhone?: string;
  gpPractice: Organisation;
  careHome?: { organisation: Organisation; admittedDay: number };
  members: Member[];
}

// ---------------------------------------------------------------------------------------------------------
// Region lookups, built once per region

interface LocalLists {
  byBorough: Organisation[][];
  byIcb: Map<IcbKey, Organisation[]>;
  all: Organisation[];
}

interface RegionLookups {
  practices: LocalLists;
  careHomes: LocalLists;
}

const lookups = new WeakMap<Region, RegionLookups>();

function localLists(organisations: readonly Organisation[]): LocalLists {
  const byBorough: Organisation[][] = BOROUGHS.map(() => []);
  const byIcb = new Map<IcbKey, Organisation[]>();
  for (const org of organisations) {
    const bi = BOROUGH_INDEX_BY_NAME.get(org.address.district);
    if (bi === undefined) continue;
    byBorough[bi]!.push(org);
    const icb = BOROUGHS[bi]!.icb;
    const list = byIcb.get(icb);
    if (list) list.push(org);
    else byIcb.set(icb, [org]);
  }
  return { byBorough, byIcb, all: [...organisations] };
}

function regionLookups(region: Region): RegionLookups {
  let found = lookups.get(region);
  if (!found) {
    found = {
      practices: localLists(region.byKind.get('gp-practice') ?? []),
      careHomes: localLists(region.byKind.get('care-home') ?? []),
    };
    lookups.set(region, found);
  }
  return found;
}

/** One organisation in the borough if there is one, else in the borough's ICB, else anywhere in the region. */
function pickLocal(rng: Rng, lists: LocalLists, boroughIndex: number, kind: string): Organisation {
  const inBorough = lists.byBorough[boroughIndex]!;
  if (inBorough.length > 0) return rng.pick(inBorough);
  const inIcb = lists.byIcb.get(BOROUGHS[boroughIndex]!.icb);
  if (inIcb && inIcb.length > 0) return rng.pick(inIcb);
  if (lists.all.length === 0) throw new Error(`the region has no ${kind}`);
  return rng.pick(lists.all);
}

/** Another GP practice near a home: a person registered apart from the rest of their household. */
export function pickPractice(rng: Rng, region: Region, boroughIndex: number): Organisation {
  return pickLocal(rng, regionLookups(region).practices, boroughIndex, 'GP practice');
}

// ---------------------------------------------------------------------------------------------------------
// Household composition

type HouseholdType =
  | 'single'
  | 'couple'
  | 'lone-parent'
  | 'sharers'
  | 'parent-and-adult-child'
  | 'family'
  | 'family-with-adult-children'
  | 'three-generations'
  | 'extended';

function chooseType(rng: Rng, size: number, age: number): HouseholdType {
  if (size === 1) return 'single';
  const options: [HouseholdType, number][] = [];
  if (size === 2) {
    options.push(['couple', 0.62]);
    if (age >= 20 && age < 60) options.push(['lone-parent', 0.08]);
    if (age < 45) options.push(['sharers', 0.16]);
    if (age >= 45) options.push(['parent-and-adult-child', 0.12]);
  } else {
    if (age >= 24 && age < 58) options.push(['family', 0.34]);
    if (age >= 20 && age < 55) options.push(['lone-parent', 0.08]);
    if (age < 40) options.push(['sharers', 0.2]);
    if (age >= 42 && age < 72) options.push(['family-with-adult-children', 0.22]);
    if (age >= 25 && age < 55 && size >= 4) options.push(['three-generations', 0.04]);
    if (age >= 58) options.push(['extended', 0.3]);
  }
  return rng.weighted(options);
}

function pickReferenceAge(rng: Rng): number {
  let total = 0;
  for (const band of REFERENCE_AGE_WEIGHTS) total += band.weight;
  let r = rng.next() * total;
  for (const band of REFERENCE_AGE_WEIGHTS) {
    r -= band.weight;
    if (r < 0) return band.from + rng.next() * (band.to + 1 - band.from);
  }
  return 40;
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/**
 * An adult's age kept within [lo, hi] without piling those outside onto the bounds: clamping put 0.5% of the
 * population on one birth date (exactly 18 years before the as-of date). Those outside are spread over the
 * three years inside the bound instead.
 */
const withinAges = (rng: Rng, x: number, lo: number, hi: number): number =>
  x < lo ? lo + rng.next() * 3 : x > hi ? hi - rng.next() * 3 : x;

/** Heritages whose women mostly keep their own family name on marriage. */
const KEEPS_OWN_NAME: ReadonlySet<Heritage> = new Set<Heritage>([
  'chinese',
  'vietnamese',
  'arab',
  'persian',
  'east-african',
  'latin-american',
  'south-european',
]);

interface Draft {
  role: MemberRole;
  age: number;
  male: boolean;
  ethnicCategory: EthnicCategory;
  heritage: Heritage;
  /** Index of the draft whose family name they take, or -1 for their own. */
  familyFrom: number;
  family?: string;
  maiden?: { family: string; age: number };
  married: boolean;
  /** Index of the draft they are married to, or -1. */
  spouse: number;
  language?: string;
}

/**
 * The household of `householdIndex`: who lives there (roles, ages, sexes, ethnicity, family names), where, since
 * when, its phone and GP practice. Deterministic from the household's own stream.
 */
export function planHousehold(
  region: Region,
  seed: string,
  householdIndex: number,
  size: number,
  asOfDay: number,
): HouseholdPlan {
  const rng = createRng(`${seed}/household/${householdIndex}`);
  let boroughIndex = rng.weighted(BOROUGH_WEIGHTS);
  const ethnicWeights = BOROUGH_ETHNIC_WEIGHTS[boroughIndex]!;
  const refAge = pickReferenceAge(rng);
  const type = chooseType(rng, size, refAge);
  const refCategory = rng.weighted(ethnicWeights);
  const refHeritage = pickHeritage(rng, refCategory);

  const drafts: Draft[] = [];
  const person = (
    role: MemberRole,
    age: number,
    male: boolean,
    ethnicCategory: EthnicCategory,
    heritage: Heritage,
    familyFrom: number,
  ): Draft => {
    const d: Draft = { role, age, male, ethnicCategory, heritage, familyFrom, married: false, spouse: -1 };
    drafts.push(d);
    return d;
  };
  const partnerOf = (of: Draft, role: MemberRole): Draft => {
    const male = rng.chance(0.97) ? !of.male : of.male;
    // ONS: husbands are on average about two years older than their wives.
    const gap = rng.normal(2, 3);
    const age = withinAges(rng, of.age + (of.male === male ? rng.normal(0, 3) : of.male ? -gap : gap), 18, 100);
    let category = of.ethnicCategory;
    let heritage = of.heritage;
    if (rng.chance(0.08)) {
      category = rng.weighted(ethnicWeights);
      heritage = pickHeritage(rng, category);
    }
    return person(role, age, male, category, heritage, -1);
  };
  const childrenOf = (
    mother: Draft,
    father: Draft | undefined,
    count: number,
    minAge: number,
    maxAge: number,
    role: MemberRole,
  ): void => {
    // Mothers aged 18-45 at the birth (ONS births by mother's age: almost all births).
    const oldest = Math.min(maxAge, mother.age - 18);
    const youngest = Math.max(minAge, mother.age - 45);
    const category = father ? childCategory(mother.ethnicCategory, father.ethnicCategory) : mother.ethnicCategory;
    const nameFrom = father && (father.married || rng.chance(0.7)) ? drafts.indexOf(father) : drafts.indexOf(mother);
    for (let i = 0; i < count; i++) {
      // Children's ages are spread evenly when the mother's age allows it (London's 0-17 bands are nearly flat).
      let age = minAge + rng.next() * (maxAge - minAge);
      for (let tries = 0; tries < 3 && (age > oldest || age < youngest); tries++) {
        age = minAge + rng.next() * (maxAge - minAge);
      }
      if (age > oldest || age < youngest) {
        age = youngest >= oldest ? Math.max(0, oldest) * rng.next() : youngest + rng.next() * (oldest - youngest);
      }
      const heritage = father && rng.chance(0.5) ? father.heritage : mother.heritage;
      person(role, Math.max(age, 1 / 365), rng.chance(0.512), category, heritage, nameFrom);
    }
  };
  const marry = (a: Draft, b: Draft): void => {
    const age = Math.min(a.age, b.age);
    if (a.male === b.male || age < 19) return;
    if (rng.chance(age >= 50 ? 0.8 : age >= 35 ? 0.65 : 0.45)) {
      a.married = true;
      b.married = true;
      a.spouse = drafts.indexOf(b);
      b.spouse = drafts.indexOf(a);
    }
  };

  switch (type) {
    case 'single': {
      const female = refAge >= 70 ? 0.62 : 0.48;
      person('reference', refAge, !rng.chance(female), refCategory, refHeritage, -1);
      break;
    }
    case 'couple': {
      const ref = person('reference', refAge, rng.chance(0.5), refCategory, refHeritage, -1);
      marry(ref, partnerOf(ref, 'partner'));
      break;
    }
    case 'lone-parent': {
      const ref = person('reference', refAge, !rng.chance(0.88), refCategory, refHeritage, -1);
      childrenOf(ref, undefined, size - 1, 0, 17.99, 'child');
      break;
    }
    case 'sharers': {
      person('reference', refAge, rng.chance(0.5), refCategory, refHeritage, -1);
      for (let i = 1; i < size; i++) {
        const category = rng.weighted(ethnicWeights);
        const age = withinAges(rng, refAge + rng.normal(0, 4), 18, 65);
        person('sharer', age, rng.chance(0.5), category, pickHeritage(rng, category), -1);
      }
      break;
    }
    case 'parent-and-adult-child': {
      const ref = person('reference', refAge, !rng.chance(0.65), refCategory, refHeritage, -1);
      const age = withinAges(rng, refAge - (20 + rng.next() * 20), 18, 120);
      person('child', age, rng.chance(0.55), refCategory, refHeritage, 0);
      if (!ref.male) ref.married = rng.chance(0.6);
      break;
    }
    case 'family':
    case 'family-with-adult-children':
    case 'three-generations': {
      const ref = person('reference', refAge, rng.chance(0.5), refCategory, refHeritage, -1);
      const partner = partnerOf(ref, 'partner');
      marry(ref, partner);
      let children = size - 2;
      if (type === 'three-generations') {
        const grandparentAge = clamp(refAge + 22 + rng.next() * 16, 45, 100);
        person('grandparent', grandparentAge, rng.chance(0.35), refCategory, refHeritage, -1);
        children--;
      }
      const mother = !ref.male ? ref : !partner.male ? partner : ref;
      const father = mother === ref ? (partner.male ? partner : undefined) : ref;
      const adultChildren = type === 'family-with-adult-children';
      childrenOf(mother, father, children, adultChildren ? 12 : 0, adultChildren ? 35 : 17.99, 'child');
      break;
    }
    case 'extended': {
      const elder = person('reference', refAge, rng.chance(0.4), refCategory, refHeritage, -1);
      let left = size - 1;
      let nameFrom = 0;
      if (left >= 3 && rng.chance(0.4)) {
        const elderPartner = partnerOf(elder, 'partner');
        marry(elder, elderPartner);
        if (elderPartner.male && elderPartner.married) nameFrom = drafts.indexOf(elderPartner);
        left--;
      }
      const adultChildAge = Math.max(20, refAge - (22 + rng.next() * 16));
      const adultChild = person('child', adultChildAge, rng.chance(0.5), refCategory, refHeritage, nameFrom);
      left--;
      let partner: Draft | undefined;
      if (left >= 2 && rng.chance(0.6)) {
        partner = partnerOf(adultChild, 'partner');
        marry(adultChild, partner);
        left--;
      }
      const mother = !adultChild.male ? adultChild : partner && !partner.male ? partner : adultChild;
      const father = mother === adultChild ? (partner?.male ? partner : undefined) : adultChild;
      childrenOf(mother, father, left, 0, 17.99, 'child');
      break;
    }
    default: {
      const unreachable: never = type;
      throw new Error(`unknown household type ${String(unreachable)}`);
    }
  }

  assignFamilyNames(rng, drafts);
  assignLanguages(rng, drafts);

  const area = BOROUGHS[boroughIndex]!;
  let address = generateHomeAddress(rng, area, area.inner ? 0.7 : 0.4);
  const previousAddresses: { address: Address; untilDay: number }[] = [];
  const refBirthDay = asOfDay - Math.floor(refAge * DAYS_PER_YEAR);
  const adultSince = refBirthDay + Math.ceil(18 * DAYS_PER_YEAR);
  let movedInDay: number;
  const otherArea = (): typeof area => (rng.chance(0.7) ? area : BOROUGHS[rng.weighted(BOROUGH_WEIGHTS)]!);
  // About 15% of people moved home within the last five years (ONS: about 1 in 10 Londoners a year, many of
  // them the same young adults moving again); young adults' households have all moved recently.
  if (refAge < 23 || rng.chance(0.13)) {
    const earliest = Math.min(asOfDay - 1, Math.max(adultSince, asOfDay - 5 * 365));
    movedInDay = earliest + Math.floor(rng.next() * Math.max(1, asOfDay - earliest));
    const from = otherArea();
    previousAddresses.push({ address: generateHomeAddress(rng, from, from.inner ? 0.7 : 0.4), untilDay: movedInDay });
    const before = movedInDay - 365 - Math.floor(rng.next() * 5 * 365);
    if (before > adultSince && rng.chance(0.25)) {
      const older = otherArea();
      previousAddresses.unshift({
        address: generateHomeAddress(rng, older, older.inner ? 0.7 : 0.4),
        untilDay: before,
      });
    }
  } else {
    const years = 5 + rng.next() * Math.max(0, Math.min(40, refAge - 23));
    movedInDay = asOfDay - Math.floor(years * 365.25);
    if (rng.chance(0.3)) {
      const from = otherArea();
      previousAddresses.push({ address: generateHomeAddress(rng, from, from.inner ? 0.7 : 0.4), untilDay: movedInDay });
    }
  }

  const homePhone = rng.chance(refAge >= 65 ? 0.75 : 0.33) ? generateLandline(rng) : undefined;

  let householdId = `H${String(householdIndex + 1).padStart(7, '0')}`;
  let careHome: HouseholdPlan['careHome'];
  const ref = drafts[0]!;
  // About 0.4% of Londoners live in care homes, mostly over 80 (Census 2021 communal establishments; CQC).
  if (type === 'single' && ref.age >= 65) {
    const p = ref.age >= 90 ? 0.9 : ref.age >= 85 ? 0.65 : ref.age >= 80 ? 0.4 : ref.age >= 75 ? 0.12 : 0.03;
    if (rng.chance(p)) {
      const organisation = pickLocal(rng, regionLookups(region).careHomes, boroughIndex, 'care home');
      const admittedDay = asOfDay - 1 - Math.floor(rng.next() * 4 * 365);
      previousAddresses.length = 0;
      previousAddresses.push({ address, untilDay: admittedDay });
      address = { ...organisation.address, line: [organisation.name, ...organisation.address.line] };
      boroughIndex = BOROUGH_INDEX_BY_NAME.get(organisation.address.district) ?? boroughIndex;
      movedInDay = admittedDay;
      householdId = `H${organisation.odsCode}`;
      careHome = { organisation, admittedDay };
    }
  }
  const gpPractice = pickLocal(rng, regionLookups(region).practices, boroughIndex, 'GP practice');

  const members = drafts.map((d): Member => {
    const birthDay = asOfDay - Math.max(1, Math.floor(d.age * DAYS_PER_YEAR));
    const member: Member = {
      role: d.role,
      birthDay,
      male: d.male,
      ethnicCategory: d.ethnicCategory,
      heritage: d.heritage,
      family: d.family!,
      married: d.married,
      language: d.language ?? 'en',
    };
    if (d.maiden) {
      // Rounded up a day so that whole-year arithmetic never puts a marriage before the 18th birthday.
      const untilDay = Math.min(asOfDay - 1, birthDay + Math.ceil(d.maiden.age * DAYS_PER_YEAR) + 1);
      member.maiden = { family: d.maiden.family, untilDay };
    }
    return member;
  });

  const plan: HouseholdPlan = {
    householdId,
    boroughIndex,
    address,
    previousAddresses,
    movedInDay,
    gpPractice,
    members,
  };
  if (homePhone !== undefined && !careHome) plan.homePhone = homePhone;
  if (careHome) plan.careHome = careHome;
  return plan;
}

function assignFamilyNames(rng: Rng, drafts: Draft[]): void {
  for (const d of drafts) {
    if (d.familyFrom === -1) d.family = pickFamilyName(rng, d.heritage);
  }
  for (const d of drafts) {
    if (d.familyFrom !== -1) d.family = drafts[d.familyFrom]!.family;
  }
  // A married woman living with her husband usually took his name: her own becomes her maiden name.
  for (const wife of drafts) {
    if (wife.male || !wife.married) continue;
    const husband = wife.spouse === -1 ? undefined : drafts[wife.spouse];
    if (husband) {
      if (rng.chance(KEEPS_OWN_NAME.has(wife.heritage) ? 0.15 : 0.85)) {
        wife.maiden = { family: wife.family!, age: marriageAge(rng, wife, drafts) };
        wife.family = husband.family;
      }
    } else if (wife.age >= 35 && rng.chance(0.8)) {
      // Widowed, divorced or separated women often keep a married name.
      wife.maiden = { family: pickFamilyName(rng, wife.heritage), age: marriageAge(rng, wife, drafts) };
    }
  }
  for (const d of drafts) {
    if (!d.male && d.role !== 'child' && !d.married && d.age >= 35 && !d.maiden && rng.chance(0.35)) {
      d.maiden = { family: pickFamilyName(rng, d.heritage), age: marriageAge(rng, d, drafts) };
      d.married = true;
    }
    if (!d.male) {
      d.family = feminineFamilyName(rng, d.family!, d.heritage);
      if (d.maiden) d.maiden.family = feminineFamilyName(rng, d.maiden.family, d.heritage);
    }
  }
}

/** Her age when she married: ONS, median age at first marriage about 30; before her first child, mostly. */
function marriageAge(rng: Rng, wife: Draft, drafts: readonly Draft[]): number {
  let age = clamp(rng.normal(29, 5), 18, Math.max(18, wife.age - 0.5));
  let oldestChild = -1;
  for (const d of drafts) {
    if (d.role === 'child' && d.age <= wife.age - 16 && d.age > oldestChild) oldestChild = d.age;
  }
  const ageAtFirstBirth = wife.age - oldestChild;
  if (oldestChild >= 0 && ageAtFirstBirth < age && rng.chance(0.7)) {
    age = Math.max(18, ageAtFirstBirth - 0.5 - rng.next() * 3);
  }
  return Math.min(age, Math.max(18, wife.age - 0.1));
}

function assignLanguages(rng: Rng, drafts: Draft[]): void {
  const chooseLanguage = (heritage: Heritage, chance: number): string => {
    const spec = LANGUAGES_BY_HERITAGE[heritage];
    return spec.languages.length > 0 && rng.chance(chance) ? rng.weighted(spec.languages) : 'en';
  };
  const ref = drafts[0]!;
  const household = chooseLanguage(ref.heritage, LANGUAGES_BY_HERITAGE[ref.heritage].nonEnglish);
  for (const d of drafts) {
    if (d.role === 'sharer') d.language = chooseLanguage(d.heritage, LANGUAGES_BY_HERITAGE[d.heritage].nonEnglish);
    else if (d.heritage === ref.heritage) d.language = household;
    // A partner from another community: their own language only if the household does not speak English.
    else
      d.language = household === 'en' ? 'en' : chooseLanguage(d.heritage, LANGUAGES_BY_HERITAGE[d.heritage].nonEnglish);
  }
}
