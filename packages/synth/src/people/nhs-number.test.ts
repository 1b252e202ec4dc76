import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidNhsNumber, nhsNumberCapacity, nhsNumberForIndex } from './nhs-number.ts';

test('isValidNhsNumber: the worked examples of domain.md 1.1', () => {
  assert.equal(isValidNhsNumber('9434765919'), true);
  assert.equal(isValidNhsNumber('943 476 5919'), true);
  assert.equal(isValidNhsNumber('9000000009'), true);
  // remainder 0 gives check 11, which maps to 0
  assert.equal(isValidNhsNumber('9434765870'), true);
  // check digit 10: never issued
  assert.equal(isValidNhsNumber('1234567890'), false);
  assert.equal(isValidNhsNumber('9434765918'), false);
  assert.equal(isValidNhsNumber('943476591'), false);
  assert.equal(isValidNhsNumber('94347659190'), false);
  assert.equal(isValidNhsNumber('943476591X'), false);
});

test('the first 100,000 NHS numbers are valid, in the 999 range, unique, and not sequential', () => {
  const seen = new Set<string>();
  let missing = 0;
  let increasing = 0;
  let previous: number | undefined;
  for (let i = 0; i < 100_000; i++) {
    const n = nhsNumberForIndex(i, 'test-seed');
    if (n === undefined) {
      missing++;
      previous = undefined;
      continue;
    }
    assert.match(n, /^999\d{7}$/);
    assert.ok(isValidNhsNumber(n), n);
    assert.ok(!seen.has(n), `duplicate ${n}`);
    seen.add(n);
    const value = Number(n);
    if (previous !== undefined && value > previous) increasing++;
    previous = value;
  }
  // about 0.5% have none
  assert.ok(missing > 300 && missing < 700, `missing ${missing}`);
  // a shuffle goes up about half the time; a sequence would always go up
  assert.ok(increasing > 45_000 && increasing < 55_000, `increasing ${increasing}`);
});

test('capacity is every valid number of the 999 range; past it there is none', () => {
  let valid = 0;
  for (let suffix = 0; suffix < 1_000_000; suffix += 1) {
    const digits = `999${String(suffix).padStart(6, '0')}`;
    for (let check = 0; check <= 9; check++) if (isValidNhsNumber(`${digits}${check}`)) valid++;
  }
  const capacity = nhsNumberCapacity('test-seed');
  assert.equal(capacity, valid);
  assert.ok(capacity > 900_000 && capacity < 920_000);
  assert.equal(nhsNumberForIndex(capacity, 'test-seed'), undefined);
  assert.equal(nhsNumberForIndex(-1, 'test-seed'), undefined);
  let found = 0;
  for (let i = capacity - 1000; i < capacity; i++) if (nhsNumberForIndex(i, 'test-seed')) found++;
  assert.ok(found > 980);
});

test('the same index and seed give the same number; another seed gives another shuffle', () => {
  assert.equal(nhsNumberForIndex(42, 'a'), nhsNumberForIndex(42, 'a'));
  let same = 0;
  for (let i = 0; i < 1000; i++) if (nhsNumberForIndex(i, 'a') === nhsNumberForIndex(i, 'b')) same++;
  assert.ok(same < 5, `same ${same}`);
});
