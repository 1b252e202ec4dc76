import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isLoincCode, isSnomedConceptId } from './hl7-datatypes.ts';
import { isValidNhsNumber, normaliseNhsNumber } from '@joinedup/fhir';
import { patientResourceId, sourceResourceId, toResourceId } from './resource-ids.ts';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

test('a valid id is kept as it is', () => {
  assert.equal(toResourceId('RXX-K123.4'), 'RXX-K123.4');
  assert.equal(sourceResourceId('RXX', 'V1', '2'), 'RXX-V1-2');
  assert.equal(patientResourceId('RXX', 'K1'), 'RXX-K1');
  assert.equal(patientResourceId('RXX', 'K1', 'RXX'), 'RXX-K1');
});

test('any text gives a valid id, and two different texts give different ids', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 200, unit: 'grapheme' }),
      fc.string({ maxLength: 200, unit: 'grapheme' }),
      (a, b) => {
        const ia = toResourceId(a);
        assert.match(ia, ID);
        assert.equal(toResourceId(a), ia);
        if (a !== b) assert.notEqual(toResourceId(b), ia);
      },
    ),
    { numRuns: RUNS },
  );
});

test('a patient of another assigning authority never shares an id, however the parts split', () => {
  assert.notEqual(patientResourceId('RXX', 'C', 'A-B'), patientResourceId('RXX', 'B-C', 'A'));
  assert.notEqual(patientResourceId('RXX', 'K1', 'SITE'), patientResourceId('RXX', 'K1'));
  assert.match(patientResourceId('RXX', 'K1', 'SITE'), /^RXX-SITE-K1-[0-9a-f]{16}$/);
});

test('NHS number: Modulus 11 (domain.md 1.1 worked examples)', () => {
  assert.equal(isValidNhsNumber('9434765919'), true);
  assert.equal(isValidNhsNumber('943 476 5919'), true);
  assert.equal(isValidNhsNumber('9000000009'), true);
  assert.equal(isValidNhsNumber('9434765870'), true);
  assert.equal(isValidNhsNumber('1234567890'), false);
  assert.equal(isValidNhsNumber('9434765918'), false);
  assert.equal(isValidNhsNumber('943476591'), false);
  assert.equal(isValidNhsNumber('94347659190'), false);
  assert.equal(normaliseNhsNumber('943-476-5919'), '9434765919');
  assert.equal(normaliseNhsNumber('943x4765919'), undefined);
});

test('SNOMED CT ids by their Verhoeff check digit; LOINC codes by their form', () => {
  for (const code of ['373942005', '260385009', '394594003', '1107451000000100', '22298006']) {
    assert.equal(isSnomedConceptId(code), true, code);
  }
  for (const code of ['373942006', '12345', '0373942005', '1107451000000101', 'ABC']) {
    assert.equal(isSnomedConceptId(code), false, code);
  }
  assert.equal(isLoincCode('2951-2'), true);
  assert.equal(isLoincCode('LP12345-6'), true);
  assert.equal(isLoincCode('tt-0005-01'), false);
  assert.equal(isLoincCode('2951'), false);
});
