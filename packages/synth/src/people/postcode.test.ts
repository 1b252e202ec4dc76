import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../random.ts';
import { BOROUGHS, OUTSIDE_LONDON } from './boroughs.ts';
import { generateLandline, generateMobile, LANDLINE_PATTERN, MOBILE_PATTERN } from './phone.ts';
import { generateHomeAddress, generatePostcode, POSTCODE_PATTERN } from './postcode.ts';

test('the Royal Mail pattern accepts every outward format and rejects malformed postcodes', () => {
  for (const ok of ['E1 6AN', 'N16 8DR', 'E1W 1AA', 'SE15 4QX', 'BR1 1AA', 'WC2N 5DU', 'SW1P 3BU']) {
    assert.match(ok, POSTCODE_PATTERN);
  }
  // C, I, K, M, O, V never appear in the inward code; Q never leads; no space; lower case; wrong shapes
  for (const bad of ['SE15 4QC', 'SE15 4IX', 'E1 6AK', 'Q1 1AA', 'SE154QX', 'se15 4qx', 'SE15 44X', 'SEE1 4QX']) {
    assert.doesNotMatch(bad, POSTCODE_PATTERN);
  }
});

test('generated postcodes match the Royal Mail format in every district used', () => {
  const rng = createRng('postcodes');
  for (const area of [...BOROUGHS, ...OUTSIDE_LONDON]) {
    for (const district of area.districts) {
      for (let i = 0; i < 50; i++) {
        const postcode = generatePostcode(rng, district.outward);
        assert.match(postcode, POSTCODE_PATTERN, postcode);
        assert.ok(postcode.startsWith(`${district.outward} `));
      }
    }
  }
});

test('home addresses are in their borough, with a post town and a street', () => {
  const rng = createRng('addresses');
  for (const borough of BOROUGHS) {
    const address = generateHomeAddress(rng, borough, 0.5);
    assert.equal(address.district, borough.name);
    assert.ok(
      borough.districts.some((d) => address.postalCode.startsWith(`${d.outward} `) && d.postTown === address.city),
    );
    assert.ok(address.line.length >= 1 && address.line.length <= 3);
    assert.match(address.line[address.line.length - 1]!, /[A-Z][a-z]+ [A-Z][a-z]+$/);
  }
});

test('phone numbers are in the Ofcom drama ranges', () => {
  const rng = createRng('phones');
  const landlines = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const landline = generateLandline(rng);
    const mobile = generateMobile(rng);
    assert.match(landline, LANDLINE_PATTERN);
    assert.match(mobile, MOBILE_PATTERN);
    const n = Number(landline.slice(-4));
    assert.ok(n >= 0 && n <= 999);
    landlines.add(landline);
  }
  // the whole range is used, not a few numbers
  assert.ok(landlines.size > 900);
});
