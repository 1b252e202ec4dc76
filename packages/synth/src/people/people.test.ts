import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Person } from '../model.ts';
import { createRng } from '../random.ts';
import { buildRegion } from '../region/index.ts';
import { ageOnDay, isoToDay } from './dates.ts';
import {
  generatePerson,
  isValidNhsNumber,
  LANDLINE_PATTERN,
  LONDON_AGE_BANDS,
  LONDON_MALE_PERCENT,
  MOBILE_PATTERN,
  nhsNumberForIndex,
  POSTCODE_PATTERN,
} from './index.ts';

const SEED = 'people-test';
const AS_OF = '2026-06-30';
const asOfDay = isoToDay(AS_OF);
const region = buildRegion(createRng('people-test-region'), { patients: 20_000 });
const N = 20_000;
const people: Person[] = [];
for (let i = 0; i < N; i++) people.push(generatePerson(region, i, SEED, AS_OF));
const ages = new Map<Person, number>(people.map((p) => [p, ageOnDay(isoToDay(p.birthDate), asOfDay)]));
const ageOf = (p: Person): number => ages.get(p) ?? ageOnDay(isoToDay(p.birthDate), asOfDay);
const percent = (count: number): number => (100 * count) / N;

test('the age structure is within 1.5 points of the London table in every 5-year band', () => {
  for (const band of LONDON_AGE_BANDS) {
    const got = percent(people.filter((p) => ageOf(p) >= band.from && ageOf(p) <= band.to).length);
    assert.ok(Math.abs(got - band.percent) < 1.5, `${band.from}-${band.to}: ${got.toFixed(2)} vs ${band.percent}`);
  }
  assert.ok(people.every((p) => ageOf(p) >= 0 && ageOf(p) <= 105));
});

test('sex is about half and half, with at most a tiny share of other and unknown', () => {
  const male = percent(people.filter((p) => p.sex === 'male').length);
  assert.ok(Math.abs(male - LONDON_MALE_PERCENT) < 1.5, `male ${male}`);
  const rare = people.filter((p) => p.sex === 'other' || p.sex === 'unknown').length;
  assert.ok(rare <= N * 0.002, `other/unknown ${rare}`);
});

test('identifiers: person ids, NHS numbers valid and unique, about 0.5% without one', () => {
  const numbers = new Set<string>();
  people.forEach((p, i) => {
    assert.equal(p.index, i);
    assert.equal(p.personId, `P${String(i + 1).padStart(7, '0')}`);
    assert.equal(p.nhsNumber, nhsNumberForIndex(i, SEED));
    if (p.nhsNumber) {
      assert.ok(isValidNhsNumber(p.nhsNumber));
      assert.ok(!numbers.has(p.nhsNumber));
      numbers.add(p.nhsNumber);
    }
  });
  const without = N - numbers.size;
  assert.ok(without > 20 && without < 200, `without ${without}`);
});

test('addresses: London postcodes, in a borough, and phones only from the drama ranges', () => {
  for (const p of people) {
    assert.match(p.address.postalCode, POSTCODE_PATTERN);
    for (const previous of p.previousAddresses) assert.match(previous.address.postalCode, POSTCODE_PATTERN);
    if (p.homePhone !== undefined) assert.match(p.homePhone, LANDLINE_PATTERN);
    if (p.mobilePhone !== undefined) assert.match(p.mobilePhone, MOBILE_PATTERN);
  }
  const adults = people.filter((p) => ageOf(p) >= 18);
  const withMobile = adults.filter((p) => p.mobilePhone).length / adults.length;
  assert.ok(withMobile > 0.8 && withMobile < 0.98, `mobile ${withMobile}`);
  const withHomePhone = people.filter((p) => p.homePhone).length / N;
  assert.ok(withHomePhone > 0.3 && withHomePhone < 0.5, `home phone ${withHomePhone}`);
  assert.ok(people.filter((p) => ageOf(p) < 11).every((p) => p.mobilePhone === undefined));
});

test('previous addresses: 10-20% moved in the last 5 years, dates in order, after birth and before asOf', () => {
  const fiveYearsAgo = asOfDay - 5 * 365;
  let recent = 0;
  for (const p of people) {
    let last = isoToDay(p.birthDate);
    for (const previous of p.previousAddresses) {
      const until = isoToDay(previous.until);
      assert.ok(until > last && until < asOfDay, `${p.personId} ${previous.until}`);
      last = until;
    }
    if (p.previousAddresses.some((a) => isoToDay(a.until) >= fiveYearsAgo)) recent++;
  }
  assert.ok(percent(recent) >= 10 && percent(recent) <= 20, `recent movers ${percent(recent)}%`);
});

test('households share an address; children live with an adult old enough to be their parent', () => {
  const households = new Map<string, Person[]>();
  for (const p of people) {
    const members = households.get(p.householdId);
    if (members) members.push(p);
    else households.set(p.householdId, [p]);
  }
  let privateHouseholds = 0;
  let privatePeople = 0;
  for (const [id, members] of households) {
    const postcodes = new Set(members.map((m) => `${m.address.line.join('|')} ${m.address.postalCode}`));
    assert.equal(postcodes.size, 1, id);
    if (members[0]!.careHomeOdsCode) continue;
    privateHouseholds++;
    privatePeople += members.length;
    const oldestAdult = Math.max(...members.map(ageOf));
    for (const child of members.filter((m) => ageOf(m) < 16)) {
      assert.ok(oldestAdult >= ageOf(child) + 16, `${id}: child ${ageOf(child)}, oldest ${oldestAdult}`);
    }
  }
  const mean = privatePeople / privateHouseholds;
  assert.ok(mean > 2.3 && mean < 2.9, `mean household size ${mean}`);
});

test('deaths: only in the two years before asOf, at a realistic rate, each with a place of death', () => {
  const dead = people.filter((p) => p.deathDate !== undefined);
  for (const p of people) {
    assert.equal(p.deathDate === undefined, p.placeOfDeath === undefined);
    if (p.deathDate === undefined) continue;
    const day = isoToDay(p.deathDate);
    assert.ok(day >= asOfDay - 730 && day < asOfDay, p.deathDate);
    assert.ok(day > isoToDay(p.birthDate));
    assert.ok(p.registeredSince <= p.deathDate);
  }
  // about 0.6% a year over two years
  assert.ok(percent(dead.length) > 0.7 && percent(dead.length) < 2, `dead ${percent(dead.length)}%`);
  // strongly age-dependent: most deaths are of people over 65
  assert.ok(dead.filter((p) => ageOf(p) >= 65).length > dead.length * 0.6);
  const places = new Set(dead.map((p) => p.placeOfDeath));
  assert.ok(places.has('hospital') && places.has('home'));
});

test('care home residents are old, at a care home of the region, and live at its address', () => {
  const residents = people.filter((p) => p.careHomeOdsCode !== undefined);
  assert.ok(percent(residents.length) > 0.2 && percent(residents.length) < 0.8, `residents ${residents.length}`);
  for (const p of residents) {
    const home = region.byOdsCode.get(p.careHomeOdsCode!);
    assert.equal(home?.kind, 'care-home');
    assert.equal(p.address.postalCode, home.address.postalCode);
    assert.equal(p.address.line[0], home.name);
    assert.ok(ageOf(p) >= 65);
    assert.ok(p.previousAddresses.length >= 1, 'the home they left');
  }
  assert.ok(residents.filter((p) => ageOf(p) >= 80).length >= residents.length * 0.6);
});

test('every person is registered with a GP practice of the region after birth and not after asOf', () => {
  for (const p of people) {
    assert.equal(region.byOdsCode.get(p.gpPracticeOdsCode)?.kind, 'gp-practice');
    assert.ok(p.registeredSince > p.birthDate, `${p.personId} ${p.birthDate} ${p.registeredSince}`);
    assert.ok(p.registeredSince <= AS_OF);
  }
});

test('names, maiden names, ethnicity and language look like London', () => {
  const whiteBritish = percent(people.filter((p) => p.ethnicCategory === 'A').length);
  assert.ok(whiteBritish > 32 && whiteBritish < 40, `White British ${whiteBritish}`);
  const categories = new Set(people.map((p) => p.ethnicCategory));
  assert.ok(categories.size >= 15);
  const otherLanguage = percent(people.filter((p) => p.language !== 'en').length);
  assert.ok(otherLanguage > 15 && otherLanguage < 28, `other language ${otherLanguage}`);
  const interpreter = percent(people.filter((p) => p.interpreterRequired).length);
  assert.ok(interpreter > 2 && interpreter < 6.5, `interpreter ${interpreter}`);
  assert.ok(people.filter((p) => p.interpreterRequired).every((p) => p.language !== 'en'));
  assert.ok(people.some((p) => p.name.given.length > 1));
  const maiden = people.filter((p) => p.previousNames.length > 0);
  assert.ok(maiden.length > N * 0.05);
  for (const p of maiden) {
    assert.equal(p.sex === 'male', false);
    assert.ok(ageOnDay(isoToDay(p.birthDate), isoToDay(p.previousNames[0]!.until)) >= 18);
    assert.ok(p.previousNames[0]!.until < AS_OF);
  }
  assert.ok(people.every((p) => p.name.family.length > 0 && p.name.given[0]!.length > 0));
});

test('the same inputs give deep-equal people, whatever else was generated before and in whatever order', () => {
  const fresh = (i: number): Person => generatePerson(region, i, SEED, AS_OF);
  for (const i of [19_999, 5, 12_345, 6, 0, 7]) assert.deepEqual(fresh(i), people[i]);
  const otherRegion = buildRegion(createRng('people-test-region'), { patients: 20_000 });
  assert.deepEqual(generatePerson(otherRegion, 777, SEED, AS_OF), people[777]);
  assert.notDeepEqual(generatePerson(region, 777, 'another-seed', AS_OF), people[777]);
});

test("one person's record is their own copy: editing it does not change another member's", () => {
  const a = generatePerson(region, 100, SEED, AS_OF);
  const b = generatePerson(region, 101, SEED, AS_OF);
  a.address.line[0] = 'changed';
  assert.notEqual(b.address.line[0], 'changed');
  assert.notEqual(generatePerson(region, 100, SEED, AS_OF).address.line[0], 'changed');
});
