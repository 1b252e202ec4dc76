import type { Address, AdministrativeSex, PersonName, Person, PlaceOfDeath, Region } from '../model.ts';
import { createRng } from '../random.ts';
import { ageOnDay, dayToIso, isoToDay, yearOfDay } from './dates.ts';
import {
  annualMortality,
  CARE_HOME_MORTALITY_FACTOR,
  PLACE_OF_DEATH_CARE_HOME_RESIDENT,
  PLACE_OF_DEATH_OTHERS,
} from './demography.ts';
import { householdSlot, pickPractice, planHousehold, type HouseholdPlan } from './household.ts';
import { pickGivenName, type Heritage } from './names.ts';
import { nhsNumberForIndex } from './nhs-number.ts';
import { generateMobile } from './phone.ts';

export { isValidNhsNumber, nhsNumberCapacity, nhsNumberForIndex } from './nhs-number.ts';
export { BOROUGHS, OUTSIDE_LONDON, type Area, type Borough, type IcbKey } from './boroughs.ts';
export { generateOrganisationAddress, generatePostcode, PLACE_STEMS, POSTCODE_PATTERN } from './postcode.ts';
export { generateLandline, generateMobile, LANDLINE_PATTERN, MOBILE_PATTERN } from './phone.ts';
export { feminineFamilyName, pickFamilyName, pickGivenName, type Heritage } from './names.ts';
export { pickLondonHeritage } from './ethnicity.ts';
export { LONDON_AGE_BANDS, LONDON_MALE_PERCENT } from './demography.ts';
export { dayToIso, isoToDay } from './dates.ts';

// Middle names: common in British and Irish naming, rarer in some other communities' registrations.
const MIDDLE_NAME_CHANCE: Readonly<Record<Heritage, number>> = {
  british: 0.45,
  irish: 0.45,
  'east-european': 0.15,
  'south-european': 0.35,
  turkish: 0.1,
  indian: 0.2,
  pakistani: 0.25,
  bangladeshi: 0.2,
  chinese: 0.1,
  tamil: 0.1,
  filipino: 0.4,
  vietnamese: 0.3,
  caribbean: 0.45,
  'west-african': 0.5,
  'east-african': 0.2,
  arab: 0.15,
  'latin-american': 0.4,
  persian: 0.1,
};

// Household members (and care home residents) share one address: each person gets their own copy, so that
// a later stage editing one record's address cannot change another's (or the region's).
function copyAddress(address: Address): Address {
  return { line: address.line.slice(), city: address.city, district: address.district, postalCode: address.postalCode };
}

let lastAsOf: { iso: string; day: number } | undefined;
let lastPlan:
  { region: Region; seed: string; asOfDay: number; householdIndex: number; plan: HouseholdPlan } | undefined;

function asOfDayOf(asOf: string): number {
  if (lastAsOf?.iso !== asOf) lastAsOf = { iso: asOf, day: isoToDay(asOf) };
  return lastAsOf.day;
}

function householdPlanOf(
  region: Region,
  seed: string,
  householdIndex: number,
  size: number,
  asOfDay: number,
): HouseholdPlan {
  // Consecutive indexes share households: keep the last plan (it is a pure function of these inputs).
  if (
    lastPlan &&
    lastPlan.householdIndex === householdIndex &&
    lastPlan.region === region &&
    lastPlan.seed === seed &&
    lastPlan.asOfDay === asOfDay
  ) {
    return lastPlan.plan;
  }
  const plan = planHousehold(region, seed, householdIndex, size, asOfDay);
  lastPlan = { region, seed, asOfDay, householdIndex, plan };
  return plan;
}

/**
 * Person `index` of the population of `seed` on `asOf` (YYYY-MM-DD): demographics, household, address history,
 * GP registration, and death if they died in the two years before `asOf`. Depends only on its arguments.
 */
export function generatePerson(region: Region, index: number, seed: string, asOf: string): Person {
  const asOfDay = asOfDayOf(asOf);
  const slot = householdSlot(index, seed);
  const plan = householdPlanOf(region, seed, slot.householdIndex, slot.size, asOfDay);
  const member = plan.members[slot.position]!;
  const rng = createRng(`${seed}/person/${index}`);

  const birthDay = member.birthDay;
  const age = ageOnDay(birthDay, asOfDay);
  const nameSex = member.male ? 'male' : 'female';
  // NHS Data Dictionary person stated gender: a very few records hold "not known" or "not specified".
  const r = rng.next();
  const sex: AdministrativeSex = r < 0.0004 ? 'unknown' : r < 0.0007 ? 'other' : nameSex;

  const birthYear = yearOfDay(birthDay);
  const given = [pickGivenName(rng, member.heritage, nameSex, birthYear)];
  if (rng.chance(MIDDLE_NAME_CHANCE[member.heritage])) {
    const middle = pickGivenName(rng, member.heritage, nameSex, birthYear);
    if (middle !== given[0]) given.push(middle);
  }
  let prefix: string | undefined;
  if (age >= 18) {
    if (age >= 26 && rng.chance(0.005)) prefix = 'Dr';
    else if (member.male) prefix = 'Mr';
    else if (member.married) prefix = 'Mrs';
    else prefix = age < 30 && rng.chance(0.5) ? 'Miss' : 'Ms';
  }
  const name: PersonName = prefix ? { prefix, given, family: member.family } : { given, family: member.family };

  const careHome = plan.careHome;
  let deathDay: number | undefined;
  let placeOfDeath: PlaceOfDeath | undefined;
  let q = annualMortality(age, member.male);
  if (careHome) q = Math.min(0.6, q * CARE_HOME_MORTALITY_FACTOR);
  // Died within the two years before asOf: the chance of dying in either of two years at this age.
  if (rng.chance(1 - (1 - q) * (1 - q))) {
    const start = Math.max(asOfDay - 730, birthDay + 1, careHome ? careHome.admittedDay + 1 : -Infinity);
    if (start <= asOfDay - 1) {
      deathDay = start + Math.floor(rng.next() * (asOfDay - start));
      placeOfDeath = rng.weighted(careHome ? PLACE_OF_DEATH_CARE_HOME_RESIDENT : PLACE_OF_DEATH_OTHERS);
    }
  }
  const lastDay = deathDay ?? asOfDay;

  let mobilePhone: string | undefined;
  const mobileChance = careHome ? 0.25 : age >= 85 ? 0.5 : age >= 75 ? 0.75 : age >= 18 ? 0.93 : age >= 12 ? 0.8 : 0;
  if (rng.chance(mobileChance)) mobilePhone = generateMobile(rng);

  // Registered with the household's practice since birth or since moving in; some adults chose their own.
  let practice = plan.gpPractice;
  let registeredDay: number;
  if (careHome) {
    registeredDay = careHome.admittedDay + Math.floor(rng.next() * 30);
  } else if (birthDay >= plan.movedInDay) {
    registeredDay = birthDay + 7 + Math.floor(rng.next() * 36);
  } else {
    registeredDay = plan.movedInDay + Math.floor(rng.next() * 120);
  }
  if (!careHome && age >= 18 && rng.chance(0.12)) {
    practice = pickPractice(rng, region, plan.boroughIndex);
    const from = Math.max(birthDay + 1, plan.movedInDay);
    registeredDay = from + Math.floor(rng.next() * Math.max(1, lastDay - from));
  }
  registeredDay = Math.max(birthDay + 1, Math.min(registeredDay, lastDay));

  let language = member.language;
  // Children of households speaking another language mostly have English as their main language too
  // (Census 2021 main language is asked of everyone aged 3 and over).
  if (language !== 'en' && age < 18 && !rng.chance(age < 16 ? 0.45 : 0.55)) language = 'en';
  const interpreterRequired = language !== 'en' && age >= 16 && rng.chance(age >= 65 ? 0.45 : 0.16);

  const previousAddresses: Person['previousAddresses'] = [];
  for (const previous of plan.previousAddresses) {
    if (previous.untilDay > birthDay) {
      previousAddresses.push({ address: copyAddress(previous.address), until: dayToIso(previous.untilDay) });
    }
  }

  const person: Person = {
    index,
    personId: `P${String(index + 1).padStart(7, '0')}`,
    name,
    previousNames: member.maiden ? [{ family: member.maiden.family, until: dayToIso(member.maiden.untilDay) }] : [],
    sex,
    birthDate: dayToIso(birthDay),
    ethnicCategory: member.ethnicCategory,
    address: copyAddress(plan.address),
    previousAddresses,
    householdId: plan.householdId,
    gpPracticeOdsCode: practice.odsCode,
    registeredSince: dayToIso(registeredDay),
    language,
    interpreterRequired,
  };
  const nhsNumber = nhsNumberForIndex(index, seed);
  if (nhsNumber !== undefined) person.nhsNumber = nhsNumber;
  if (deathDay !== undefined) {
    person.deathDate = dayToIso(deathDay);
    person.placeOfDeath = placeOfDeath!;
  }
  if (plan.homePhone !== undefined) person.homePhone = plan.homePhone;
  if (mobilePhone !== undefined) person.mobilePhone = mobilePhone;
  if (careHome) person.careHomeOdsCode = careHome.organisation.odsCode;
  return person;
}
