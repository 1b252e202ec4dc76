import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DemographicsInput } from './demographics.ts';
import { classify, decideLink, DEFAULT_THRESHOLDS, matchOutcome, scorePair, type MatchScore } from './match.ts';
import { aRecord, NHS_A, NHS_B } from './records.test-support.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

function levels(score: MatchScore): Record<string, string> {
  return Object.fromEntries(score.fields.map((f) => [f.field, f.level]));
}

test('the same record scores far above the upper threshold and links', () => {
  const score = scorePair(aRecord(), aRecord());
  assert.equal(classify(score), 'MATCH');
  assert.ok(score.total > DEFAULT_THRESHOLDS.upper + 5, String(score.total));
  assert.equal(score.rule, undefined);
});

test('the contributions explain the total, and a missing field weighs nothing', () => {
  const score = scorePair(aRecord({ phones: [] }), aRecord());
  const sum = score.fields.reduce((s, f) => s + f.weight, 0);
  assert.ok(Math.abs(sum - score.total) < 1e-9);
  const phone = score.fields.find((f) => f.field === 'phone')!;
  assert.deepEqual(phone, { field: 'phone', level: 'missing', weight: 0 });
  assert.deepEqual(
    score.fields.map((f) => f.field),
    ['nhsNumber', 'family', 'given', 'birthDate', 'sex', 'postcode', 'address', 'phone'],
  );
});

test('two empty records: every field missing, no weight, no rule', () => {
  const empty = { family: '', given: [], birthDate: '', sex: '', postcode: '', addressLines: [], phones: [] };
  const score = scorePair(aRecord(empty), aRecord(empty));
  assert.ok(score.fields.every((f) => f.level === 'missing' && f.weight === 0));
  assert.equal(score.total, 0);
  assert.equal(classify(score), 'NO_MATCH');
});

test('a birth date with day and month transposed still matches; an unrelated date does not', () => {
  const swapped = scorePair(aRecord(), aRecord({ birthDate: '1984-12-03' }));
  assert.equal(levels(swapped).birthDate, 'swapped');
  assert.equal(classify(swapped), 'MATCH');
  const other = scorePair(aRecord(), aRecord({ birthDate: '1991-07-25' }));
  assert.equal(levels(other).birthDate, 'differ');
  assert.notEqual(classify(other), 'MATCH');
});

test('birth date levels: year off by one or ten, one digit, swapped', () => {
  const dob = (birthDate: string) => levels(scorePair(aRecord(), aRecord({ birthDate }))).birthDate;
  assert.equal(dob('1984-03-12'), 'exact');
  assert.equal(dob('1984-12-03'), 'swapped');
  assert.equal(dob('1985-03-12'), 'year');
  assert.equal(dob('1994-03-12'), 'year');
  assert.equal(dob('1984-03-13'), 'digit');
  assert.equal(dob('1984-03-21'), 'digit', 'adjacent digits transposed');
  assert.equal(dob('1984-05-17'), 'differ');
});

test('a twin (same surname, birth date, address and phone; other given name and sex) is never linked automatically', () => {
  const home = { addressLines: ['12 Oak Road'], postcode: 'SE15 4QX', phones: ['020 7946 0650'] };
  const jane = aRecord({ ...home, given: ['Jane'], sex: 'female' });
  const john = aRecord({ ...home, given: ['John'], sex: 'male' });
  const score = scorePair(jane, john);
  assert.equal(score.rule, 'personal-details-differ');
  assert.notEqual(classify(score), 'MATCH');
  // Even thresholds that would link anything cannot link them: the rule caps the outcome.
  assert.equal(classify(score, { upper: -1000, lower: -2000 }), 'POSSIBLE_MATCH');
  // A same-sex twin with another given name is held back by the given name alone.
  const janet = aRecord({ ...home, given: ['Janet'], sex: 'female' });
  const sisters = scorePair(aRecord({ ...home, given: ['Amira'], sex: 'female' }), janet);
  assert.equal(sisters.rule, 'personal-details-differ');
  assert.notEqual(classify(sisters), 'MATCH');
});

test("twins whose names differ in one letter, with a parent's mobile on both records, are not linked", () => {
  const dean = aRecord({ given: ['Dean'], sex: 'male', birthDate: '2015-06-01', phones: ['07700 900321'] });
  const sean = aRecord({ given: ['Sean'], sex: 'male', birthDate: '2015-06-01', phones: ['07700 900321'] });
  const score = scorePair(dean, sean);
  assert.equal(levels(score).given, 'differ');
  assert.equal(score.rule, 'personal-details-differ');
  assert.notEqual(classify(score), 'MATCH');
});

test('a parent and child of the same name at the same address are not linked', () => {
  const father = aRecord({ given: ['David'], sex: 'male', birthDate: '1960-05-01', phones: ['020 7946 0650'] });
  const son = aRecord({ given: ['David'], sex: 'male', birthDate: '1990-08-19', phones: ['020 7946 0650'] });
  const score = scorePair(father, son);
  assert.equal(levels(score).birthDate, 'differ');
  assert.equal(score.rule, 'personal-details-differ');
  assert.notEqual(classify(score), 'MATCH');
});

test('two different verified NHS numbers never MATCH, even with identical demographics', () => {
  const a = aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true });
  const b = aRecord({ nhsNumber: NHS_B, nhsNumberVerified: true });
  const score = scorePair(a, b);
  assert.equal(score.rule, 'verified-nhs-numbers-differ');
  assert.equal(classify(score), 'POSSIBLE_MATCH', 'identical people with two numbers: a PDS duplicate to review');
  assert.equal(classify(score, { upper: -1000, lower: -2000 }), 'POSSIBLE_MATCH');
  assert.equal(matchOutcome(a, b).outcome, 'POSSIBLE_MATCH');
});

test('different verified NHS numbers never MATCH, whatever the demographics (property)', () => {
  const demographics = fc.record({
    family: fc.constantFrom('Smith', 'Smyth', 'Khan', ''),
    given: fc.constantFrom(['Jane'], ['Jayne'], ['John'], []),
    birthDate: fc.constantFrom('1984-03-12', '1984-12-03', '1985-03-12', ''),
    sex: fc.constantFrom('female', 'male', 'unknown'),
    postcode: fc.constantFrom('SE15 4QX', 'SE15 5AB', ''),
    phones: fc.constantFrom(['07700 900123'], ['020 7946 0650'], []),
  });
  const thresholds = fc.record({ upper: fc.double({ min: -50, max: 50, noNaN: true }), lower: fc.constant(-100) });
  fc.assert(
    fc.property(demographics, demographics, thresholds, (x, y, t) => {
      const a = aRecord({ ...x, nhsNumber: NHS_A, nhsNumberVerified: true });
      const b = aRecord({ ...y, nhsNumber: NHS_B, nhsNumberVerified: true });
      assert.notEqual(classify(scorePair(a, b), t), 'MATCH');
      assert.notEqual(matchOutcome(a, b, undefined, t).outcome, 'MATCH');
    }),
    { numRuns: RUNS },
  );
});

test('an equal verified NHS number links even with a name typo and other errors', () => {
  const a = aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true });
  const b = aRecord({
    nhsNumber: '999 000 0018',
    nhsNumberVerified: true,
    family: 'Smtih',
    birthDate: '1948-01-01',
    postcode: 'N1 1AA',
  });
  const score = scorePair(a, b);
  assert.equal(score.rule, 'verified-nhs-number-equal');
  assert.equal(classify(score), 'MATCH');
  assert.equal(classify(score, { upper: 1000, lower: 999 }), 'MATCH', 'deterministic: no threshold applies');
});

test('an equal unverified NHS number is strong evidence, not a deterministic link', () => {
  const a = aRecord({ nhsNumber: NHS_A });
  const typo = aRecord({ nhsNumber: NHS_A, family: 'Smtih', phones: [] });
  const withTypo = scorePair(a, typo);
  assert.equal(withTypo.rule, undefined);
  assert.equal(classify(withTypo), 'MATCH');
  const nhs = withTypo.fields.find((f) => f.field === 'nhsNumber')!;
  assert.equal(nhs.level, 'equal');
  assert.ok(nhs.weight > 10, 'strong evidence');
  // Someone else entirely, under the same unverified number: a number keyed from the wrong person.
  const other = aRecord({
    nhsNumber: NHS_A,
    family: 'Okafor',
    given: ['Chidi'],
    sex: 'male',
    birthDate: '1990-08-19',
    postcode: 'N1 1AA',
    addressLines: ['3 High Street'],
    phones: ['07700 900999'],
  });
  assert.notEqual(classify(scorePair(a, other)), 'MATCH');
  // A twin with the sibling's number: given name and sex differ.
  const twin = aRecord({ nhsNumber: NHS_A, given: ['John'], sex: 'male' });
  const score = scorePair(a, twin);
  assert.equal(score.rule, 'personal-details-differ');
  assert.notEqual(classify(score), 'MATCH');
});

test('given-name levels: nickname, typo, initial, middle name, different', () => {
  const given = (x: string[], y: string[]) => levels(scorePair(aRecord({ given: x }), aRecord({ given: y }))).given;
  assert.equal(given(['William'], ['Bill']), 'nickname');
  assert.equal(given(['Emma'], ['Enma']), 'close', 'one keying error in a short name');
  assert.equal(given(['Jonathon'], ['Jonathan']), 'close');
  assert.equal(given(['J'], ['Jane']), 'initial');
  assert.equal(given(['Anne', 'Louise'], ['Louise']), 'other');
  assert.equal(given(['Jane'], ['Priya']), 'differ');
  assert.equal(given([], ['Jane']), 'missing');
});

test('family-name levels: double-barrelled, typo, phonetic, swapped with the given name', () => {
  const family = (x: string, y: string) => levels(scorePair(aRecord({ family: x }), aRecord({ family: y }))).family;
  assert.equal(family('Smith-Jones', 'Jones'), 'part');
  assert.equal(family('Smith', 'Smiht'), 'close');
  assert.equal(family('Kaur', 'Caur'), 'close');
  assert.equal(family('Schmidt', 'Smith'), 'phonetic');
  assert.equal(family('Smith', 'Okafor'), 'differ-female', 'between two women: a married name');
  const men = levels(scorePair(aRecord({ sex: 'male' }), aRecord({ sex: 'male', family: 'Okafor' })));
  assert.equal(men.family, 'differ');
  const swapped = scorePair(
    aRecord({ family: 'Mason', given: ['Leon'] }),
    aRecord({ family: 'Leon', given: ['Mason'] }),
  );
  assert.equal(levels(swapped).family, 'close');
  assert.equal(levels(swapped).given, 'close');
  assert.equal(swapped.rule, undefined);
});

test('postcode, address and phone levels', () => {
  const l = (x: Partial<DemographicsInput>) => levels(scorePair(aRecord(), aRecord(x)));
  assert.equal(l({ postcode: 'SE15 5AB' }).postcode, 'district');
  assert.equal(l({ postcode: 'N1 1AA' }).postcode, 'differ');
  assert.equal(l({ addressLines: ['12 Oak Rd'] }).address, 'exact');
  assert.equal(l({ addressLines: ['12 Oak Raod'] }).address, 'close');
  assert.equal(l({ addressLines: ['14 Oak Road'] }).address, 'differ', 'a neighbour');
  assert.equal(l({ phones: ['+44 7700 900123'] }).phone, 'mobile');
  assert.equal(l({ phones: ['020 7946 0650'] }).phone, 'differ');
  const landline = levels(scorePair(aRecord({ phones: ['020 7946 0650'] }), aRecord({ phones: ['020 7946 0650'] })));
  assert.equal(landline.phone, 'landline');
});

test('scores are symmetric and outcomes follow the thresholds (property)', () => {
  const input = fc.record({
    family: fc.constantFrom('Smith', 'Smyth', 'Smith-Jones', 'Khan', ''),
    given: fc.constantFrom(['Jane'], ['Jayne'], ['J'], ['Bill'], ['William'], []),
    birthDate: fc.constantFrom('1984-03-12', '1984-12-03', '1985-03-12', '1984-03-13', '1990-01-01', ''),
    sex: fc.constantFrom('female', 'male', 'unknown'),
    postcode: fc.constantFrom('SE15 4QX', 'SE15 5AB', 'N1 1AA', ''),
    phones: fc.constantFrom(['07700 900123'], ['020 7946 0650'], []),
    nhsNumber: fc.constantFrom(NHS_A, NHS_B, ''),
    nhsNumberVerified: fc.boolean(),
  });
  fc.assert(
    fc.property(input, input, (x, y) => {
      const a = aRecord(x);
      const b = aRecord(y);
      const ab = scorePair(a, b);
      const ba = scorePair(b, a);
      assert.ok(Math.abs(ab.total - ba.total) < 1e-9);
      assert.equal(ab.rule, ba.rule);
      const outcome = classify(ab);
      assert.deepEqual(matchOutcome(a, b), { outcome, total: ab.total, rule: ab.rule });
      if (ab.rule === undefined) {
        const expected =
          ab.total >= DEFAULT_THRESHOLDS.upper
            ? 'MATCH'
            : ab.total >= DEFAULT_THRESHOLDS.lower
              ? 'POSSIBLE_MATCH'
              : 'NO_MATCH';
        assert.equal(outcome, expected);
      }
    }),
    { numRuns: RUNS },
  );
});

test('decideLink: one person matched is linked; two are a question for a person', () => {
  const incoming = aRecord();
  const same = { personId: 'P1', record: aRecord() };
  const stranger = {
    personId: 'P2',
    record: aRecord({ family: 'Okafor', given: ['Chidi'], sex: 'male', birthDate: '1990-08-19' }),
  };
  const one = decideLink(incoming, [same, stranger]);
  assert.equal(one.outcome, 'MATCH');
  assert.equal(one.personId, 'P1');
  assert.deepEqual(
    one.candidates.map((c) => c.personId),
    ['P1'],
    'the stranger scores below lower',
  );

  const duplicatePerson = { personId: 'P3', record: aRecord() };
  const two = decideLink(incoming, [same, duplicatePerson, stranger]);
  assert.equal(two.outcome, 'POSSIBLE_MATCH');
  assert.equal(two.reason, 'several-people-match');
  assert.equal(two.personId, undefined);
  assert.deepEqual(two.candidates.map((c) => c.personId).sort(), ['P1', 'P3']);

  assert.deepEqual(decideLink(incoming, [stranger]), { outcome: 'NO_MATCH', candidates: [] });
  assert.deepEqual(decideLink(incoming, []), { outcome: 'NO_MATCH', candidates: [] });
});

test('decideLink: an equal verified NHS number picks the person; another verified number holds the link back', () => {
  const incoming = aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true });
  const verified = { personId: 'P1', record: aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true, family: 'Smyth' }) };
  const lookalike = { personId: 'P2', record: aRecord() };
  const decided = decideLink(incoming, [lookalike, verified]);
  assert.equal(decided.outcome, 'MATCH');
  assert.equal(decided.personId, 'P1');
  assert.equal(decided.candidates.find((c) => c.personId === 'P2')?.outcome, 'POSSIBLE_MATCH');

  // The person's verified number is on a record the keys did not retrieve: the golden record carries it.
  const elsewhere = { personId: 'P4', record: aRecord(), personVerifiedNhsNumber: NHS_B };
  const held = decideLink(incoming, [elsewhere]);
  assert.equal(held.outcome, 'POSSIBLE_MATCH');
  assert.equal(held.reason, 'person-has-another-verified-nhs-number');
  // Without a verified number of its own the incoming record may join that person.
  assert.equal(decideLink(aRecord(), [elsewhere]).outcome, 'MATCH');
});
