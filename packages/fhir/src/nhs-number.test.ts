import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidNhsNumber, nhsNumberCheckDigit, normaliseNhsNumber } from './nhs-number.ts';

test('the worked examples of domain.md 1.1', () => {
  assert.equal(normaliseNhsNumber('943 476 5919'), '9434765919');
  assert.equal(normaliseNhsNumber('943-476-5919'), '9434765919');
  assert.equal(isValidNhsNumber('9000000009'), true);
  assert.equal(isValidNhsNumber('9434765870'), true, 'check 11 reads as 0');
  assert.equal(isValidNhsNumber('1234567890'), false, 'check 10 is never issued');
  assert.equal(isValidNhsNumber('9434765918'), false, 'wrong check digit');
  assert.equal(isValidNhsNumber('943476591'), false);
  assert.equal(isValidNhsNumber('9'.repeat(10_000)), false);
});

test('one changed digit or two swapped neighbours are always caught', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }), fc.nat(8), (first9, i) => {
      const check = nhsNumberCheckDigit(first9);
      fc.pre(check !== 10);
      const n = [...first9, check].join('');
      assert.equal(isValidNhsNumber(n), true);
      const changed = n.slice(0, i) + ((Number(n[i]) + 1) % 10) + n.slice(i + 1);
      assert.equal(isValidNhsNumber(changed), false);
      if (n[i] !== n[i + 1]) assert.equal(isValidNhsNumber(n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2)), false);
    }),
  );
});
