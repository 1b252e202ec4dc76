import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Patient } from '@joinedup/fhir';
import { normaliseAddressLines } from './address.ts';
import { fromDemographics, fromFhirPatient, normaliseBirthDate } from './demographics.ts';
import { foldText, normaliseFamilyName, normaliseGivenNames } from './names.ts';
import { NHS_NUMBER_SYSTEM, NHS_NUMBER_VERIFICATION_EXTENSION, normaliseNhsNumber } from '@joinedup/fhir';
import { isMobile, normalisePhone } from './phone.ts';
import { normaliseUkPostcode, outwardCode } from './postcode.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

test('NHS number: spaces and dashes removed, Modulus 11 checked (domain.md 1.1 worked examples)', () => {
  assert.equal(normaliseNhsNumber('943 476 5919'), '9434765919');
  assert.equal(normaliseNhsNumber('943-476-5919'), '9434765919');
  assert.equal(normaliseNhsNumber(' 9000000009 '), '9000000009');
  assert.equal(normaliseNhsNumber('9434765870'), '9434765870', 'check 11 maps to 0');
  assert.equal(normaliseNhsNumber('9434765918'), undefined, 'wrong check digit');
  assert.equal(normaliseNhsNumber('1234567890'), undefined, 'check digit 10 is never issued');
  assert.equal(normaliseNhsNumber('943476591'), undefined, 'nine digits');
  assert.equal(normaliseNhsNumber('94347659190'), undefined, 'eleven digits');
  assert.equal(normaliseNhsNumber('943476591X'), undefined);
  assert.equal(normaliseNhsNumber(''), undefined);
  assert.equal(normaliseNhsNumber('9'.repeat(10_000)), undefined);
});

function checkDigit(nine: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check;
}

test('NHS number: every single keying error of a valid number is caught (property)', () => {
  const valid = fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 })
    .map((d) => d.join(''))
    .filter((nine) => checkDigit(nine) !== 10)
    .map((nine) => nine + checkDigit(nine));
  fc.assert(
    fc.property(valid, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (n, pos, delta) => {
      assert.equal(normaliseNhsNumber(n), n);
      const substituted = n.slice(0, pos) + ((Number(n[pos]) + delta) % 10) + n.slice(pos + 1);
      assert.equal(normaliseNhsNumber(substituted), undefined);
      const i = pos === 9 ? 8 : pos;
      if (n[i] !== n[i + 1]) {
        const swapped = n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2);
        assert.equal(normaliseNhsNumber(swapped), undefined);
      }
    }),
    { numRuns: RUNS },
  );
});

test('names: upper case, accents folded, apostrophes dropped, hyphenated names split', () => {
  assert.equal(foldText('José Ñúñez'), 'JOSE NUNEZ');
  assert.equal(foldText('Łukasz Wałęsa'), 'LUKASZ WALESA');
  assert.equal(foldText('Søren Ærø'), 'SOREN AERO');
  assert.equal(foldText('Straße'), 'STRASSE');
  assert.equal(foldText("O'Brien"), 'OBRIEN');
  assert.equal(foldText('  d’Arcy  '), 'DARCY');
  assert.deepEqual(normaliseFamilyName('Smith-Jones'), ['SMITH', 'JONES']);
  assert.deepEqual(normaliseFamilyName('Bonham Carter'), ['BONHAM', 'CARTER']);
  assert.deepEqual(normaliseFamilyName('van der Berg'), ['VAN', 'DER', 'BERG']);
  assert.deepEqual(normaliseFamilyName('Davies Jnr'), ['DAVIES']);
  assert.deepEqual(normaliseFamilyName('Junior'), ['JUNIOR'], 'a suffix alone is the name');
  assert.deepEqual(normaliseGivenNames(['Mary-Jane', 'Anne']), ['MARY', 'JANE', 'ANNE']);
  assert.deepEqual(normaliseGivenNames(['Dr. John', 'Paul']), ['JOHN', 'PAUL'], 'titles dropped');
  assert.deepEqual(normaliseGivenNames(['MRS', 'Aisha']), ['AISHA']);
  assert.deepEqual(normaliseGivenNames(['张伟']), [], 'a script with no Latin letters leaves nothing');
});

test('postcodes: upper case, one space, Royal Mail format checked', () => {
  assert.equal(normaliseUkPostcode('sw1a1aa'), 'SW1A 1AA');
  assert.equal(normaliseUkPostcode(' ec1a  1bb '), 'EC1A 1BB');
  assert.equal(normaliseUkPostcode('M1 1AE'), 'M1 1AE');
  assert.equal(normaliseUkPostcode('B33 8TH'), 'B33 8TH');
  assert.equal(normaliseUkPostcode('CR2 6XH'), 'CR2 6XH');
  assert.equal(normaliseUkPostcode('DN55 1PT'), 'DN55 1PT');
  assert.equal(normaliseUkPostcode('GIR 0AA'), 'GIR 0AA');
  assert.equal(normaliseUkPostcode('SW1A 1CA'), undefined, 'C is never an inward letter');
  assert.equal(normaliseUkPostcode('SW1A'), undefined);
  assert.equal(normaliseUkPostcode('12345'), undefined);
  assert.equal(normaliseUkPostcode('Q1 1AA Q'), undefined);
  assert.equal(normaliseUkPostcode('x'.repeat(100)), undefined);
  assert.equal(outwardCode('SW1A 1AA'), 'SW1A');
  assert.equal(outwardCode('4223'), undefined);
});

test('phones: national form, +44 and 0044 and (0) handled, mobiles told from landlines', () => {
  assert.equal(normalisePhone('020 7946 0650'), '02079460650');
  assert.equal(normalisePhone('+44 (0)20 7946 0650'), '02079460650');
  assert.equal(normalisePhone('+44 20 7946 0650'), '02079460650');
  assert.equal(normalisePhone('0044 7700 900123'), '07700900123');
  assert.equal(normalisePhone('447700900123'), '07700900123');
  assert.equal(normalisePhone('07700-900-123'), '07700900123');
  assert.equal(normalisePhone('+33 1 23 45 67 89'), '+33123456789');
  assert.equal(normalisePhone('123'), undefined);
  assert.equal(normalisePhone('ask at reception'), undefined);
  assert.equal(normalisePhone('0'.repeat(50)), undefined);
  assert.equal(isMobile('07700900123'), true);
  assert.equal(isMobile('07012345678'), false, '070 is a personal number, not a mobile');
  assert.equal(isMobile('02079460650'), false);
});

test('address lines: one comparable line, abbreviations written out, house numbers kept', () => {
  assert.equal(normaliseAddressLines(['12a Oak Rd.']), '12A OAK ROAD');
  assert.equal(normaliseAddressLines(['12 A', 'Oak Road']), '12A OAK ROAD');
  assert.equal(normaliseAddressLines(['Flat 3, Lime Ct']), 'FLAT 3 LIME COURT');
  assert.equal(normaliseAddressLines(['St Johns Road']), 'ST JOHNS ROAD', 'a leading ST is Saint');
  assert.equal(normaliseAddressLines(['', '  ']), undefined);
});

test('birth dates: real calendar dates only', () => {
  assert.equal(normaliseBirthDate('1984-03-12'), '1984-03-12');
  assert.equal(normaliseBirthDate('19840312'), '1984-03-12');
  assert.equal(normaliseBirthDate('2024-02-29'), '2024-02-29');
  assert.equal(normaliseBirthDate('2023-02-29'), undefined);
  assert.equal(normaliseBirthDate('1900-02-29'), undefined);
  assert.equal(normaliseBirthDate('1984-13-01'), undefined);
  assert.equal(normaliseBirthDate('1984-04-31'), undefined);
  assert.equal(normaliseBirthDate('1984'), undefined, 'a partial date is absent');
  assert.equal(normaliseBirthDate('1700-01-01'), undefined);
});

test('fromDemographics: invalid values are dropped and flagged, never kept', () => {
  const r = fromDemographics({
    id: 'x',
    source: 'RJ1',
    nhsNumber: '943 476 5918',
    nhsNumberVerified: true,
    family: '',
    given: [],
    birthDate: '2023-02-30',
    postcode: 'NOT A POSTCODE',
    phones: ['12', '020 7946 0650', '+44 20 7946 0650'],
  });
  assert.equal(r.nhsNumber, undefined);
  assert.equal(r.nhsNumberVerified, false, 'a dropped number is not verified');
  assert.equal(r.birthDate, undefined);
  assert.equal(r.postcode, undefined);
  assert.deepEqual(r.phone, ['02079460650'], 'duplicates removed');
  assert.deepEqual([...r.flags!].sort(), [
    'birth-date-invalid',
    'name-missing',
    'nhs-number-invalid',
    'phone-invalid',
    'postcode-invalid',
  ]);
  const unchecked = fromDemographics(
    { id: 'y', source: 'febrl', nhsNumber: '1234567', postcode: '4223' },
    { identifier: 'unchecked', postcode: 'any' },
  );
  assert.equal(unchecked.nhsNumber, '1234567');
  assert.equal(unchecked.postcode, '4223');
});

test('fromDemographics never throws and keeps only normalised values (fuzz)', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ maxLength: 40, unit: 'binary' }),
    fc.stringMatching(/^[+0-9 ()-]{0,16}$/),
    fc.stringMatching(/^[A-Za-z0-9 ]{0,10}$/),
  );
  fc.assert(
    fc.property(
      fc.record({
        nhsNumber: text,
        family: text,
        given: fc.array(text, { maxLength: 4 }),
        birthDate: text,
        sex: text,
        postcode: text,
        addressLines: fc.array(text, { maxLength: 3 }),
        phones: fc.array(text, { maxLength: 3 }),
      }),
      (input) => {
        const r = fromDemographics({ id: 'f', source: 'S', ...input });
        if (r.nhsNumber !== undefined) assert.equal(normaliseNhsNumber(r.nhsNumber), r.nhsNumber);
        assert.match(r.family, /^([A-Z]+( [A-Z]+)*)?$/);
        for (const g of r.given) assert.match(g, /^[A-Z]+$/);
        if (r.birthDate !== undefined) assert.equal(normaliseBirthDate(r.birthDate), r.birthDate);
        if (r.postcode !== undefined) assert.equal(normaliseUkPostcode(r.postcode), r.postcode);
        for (const p of r.phone ?? []) assert.match(p, /^(0\d{9,10}|\+\d{8,15})$/);
        if (r.addressLine !== undefined) assert.match(r.addressLine, /^[A-Z0-9]+( [A-Z0-9]+)*$/);
      },
    ),
    { numRuns: RUNS },
  );
});

const nhsIdentifier = (value: string, status?: string) => ({
  system: NHS_NUMBER_SYSTEM,
  value,
  ...(status
    ? {
        extension: [
          {
            url: NHS_NUMBER_VERIFICATION_EXTENSION,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
                  code: status,
                },
              ],
            },
          },
        ],
      }
    : {}),
});

test('fromFhirPatient: NHS number by system with its verification status (UK Core)', () => {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'RJ1-123',
    identifier: [
      { system: 'https://fhir.joinedup.example/Id/RJ1/mrn', value: 'MRN123' },
      nhsIdentifier('943 476 5919', '01'),
    ],
    name: [
      { use: 'maiden', family: 'Jones', given: ['Mary'] },
      { use: 'official', family: 'Smith-Jones', given: ['Mary-Anne', 'Louise'], prefix: ['Mrs'] },
    ],
    gender: 'female',
    birthDate: '1970-06-01',
    address: [
      { use: 'old', line: ['1 Old Street'], postalCode: 'N1 1AA' },
      { use: 'home', line: ['Flat 2', '5 New Road'], postalCode: 'se154qx' },
    ],
    telecom: [
      { system: 'phone', value: '020 7946 0001', use: 'old' },
      { system: 'phone', value: '07700 900456', use: 'mobile' },
      { system: 'email', value: 'mary@example.org' },
    ],
  };
  const r = fromFhirPatient(patient, 'RJ1');
  assert.deepEqual(r, {
    id: 'RJ1-123',
    source: 'RJ1',
    nhsNumber: '9434765919',
    nhsNumberVerified: true,
    family: 'SMITH JONES',
    given: ['MARY', 'ANNE', 'LOUISE'],
    birthDate: '1970-06-01',
    sex: 'female',
    postcode: 'SE15 4QX',
    addressLine: 'FLAT 2 5 NEW ROAD',
    phone: ['07700900456'],
  });
});

test('fromFhirPatient: status 02 is not verified; an invalid number is flagged; a name from text only', () => {
  const traced = fromFhirPatient(
    { resourceType: 'Patient', id: 'a', identifier: [nhsIdentifier('9434765919', '02')] },
    'X',
  );
  assert.equal(traced.nhsNumber, '9434765919');
  assert.equal(traced.nhsNumberVerified, false);
  const noStatus = fromFhirPatient(
    { resourceType: 'Patient', id: 'b', identifier: [nhsIdentifier('9434765919')] },
    'X',
  );
  assert.equal(noStatus.nhsNumberVerified, false);
  const invalid = fromFhirPatient(
    { resourceType: 'Patient', id: 'c', identifier: [nhsIdentifier('9434765918', '01')], name: [{ text: 'Ann Lee' }] },
    'X',
  );
  assert.equal(invalid.nhsNumber, undefined);
  assert.equal(invalid.nhsNumberVerified, false);
  assert.deepEqual(invalid.flags, ['nhs-number-invalid']);
  assert.equal(invalid.family, 'LEE');
  assert.deepEqual(invalid.given, ['ANN']);
  const empty = fromFhirPatient({ resourceType: 'Patient' }, 'X');
  assert.deepEqual(empty, {
    id: '',
    source: 'X',
    nhsNumberVerified: false,
    family: '',
    given: [],
    flags: ['name-missing'],
  });
});
