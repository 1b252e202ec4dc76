import { fromDemographics, type DemographicsInput, type MatchRecord } from './demographics.ts';

let serial = 0;

/**
 * A source record for tests: Jane Smith, born 1984-03-12, at 12 Oak Road SE15 4QX with a mobile, no NHS number,
 * unless told otherwise. NHS numbers here are from the never-issued 999 range.
 */
export function aRecord(overrides: Partial<DemographicsInput> = {}): MatchRecord {
  serial++;
  return fromDemographics({
    id: `r${serial}`,
    source: 'RJ1',
    family: 'Smith',
    given: ['Jane'],
    birthDate: '1984-03-12',
    sex: 'female',
    postcode: 'SE15 4QX',
    addressLines: ['12 Oak Road'],
    phones: ['07700 900123'],
    ...overrides,
  });
}

/** Valid NHS numbers (Modulus 11) from the 999 test range. */
export const NHS_A = '9990000018';
export const NHS_B = '9990000026';
export const NHS_C = '9990000034';
