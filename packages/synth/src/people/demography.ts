import type { PlaceOfDeath } from '../model.ts';

/**
 * London's age structure in 5-year bands, percentages of all residents: rounded from the ONS mid-2022
 * population estimates for London. A bulge of young adults (25-39 is about 27% against England's 20%) and
 * fewer over-65s (about 12% against England's 19%). The generated population is checked against this table.
 */
export const LONDON_AGE_BANDS: readonly { from: number; to: number; percent: number }[] = [
  { from: 0, to: 4, percent: 6.4 },
  { from: 5, to: 9, percent: 6.2 },
  { from: 10, to: 14, percent: 6.2 },
  { from: 15, to: 19, percent: 5.6 },
  { from: 20, to: 24, percent: 6.4 },
  { from: 25, to: 29, percent: 8.9 },
  { from: 30, to: 34, percent: 9.6 },
  { from: 35, to: 39, percent: 8.7 },
  { from: 40, to: 44, percent: 7.6 },
  { from: 45, to: 49, percent: 6.6 },
  { from: 50, to: 54, percent: 6.3 },
  { from: 55, to: 59, percent: 5.6 },
  { from: 60, to: 64, percent: 4.4 },
  { from: 65, to: 69, percent: 3.4 },
  { from: 70, to: 74, percent: 3.0 },
  { from: 75, to: 79, percent: 2.2 },
  { from: 80, to: 84, percent: 1.5 },
  { from: 85, to: 89, percent: 0.9 },
  { from: 90, to: 104, percent: 0.5 },
];

/** Share of residents who are male (ONS mid-2022, London: about 49%). */
export const LONDON_MALE_PERCENT = 49.3;

/**
 * Household sizes (number of residents), weights for households: Census 2021, London (one person 29%,
 * two 30%, three 16%, four 14%, five 6%, six or more 5%), nudged towards larger households so that the mean
 * is about 2.6-2.7 people.
 */
export const HOUSEHOLD_SIZE_WEIGHTS: readonly (readonly [number, number])[] = [
  [1, 0.27],
  [2, 0.29],
  [3, 0.17],
  [4, 0.15],
  [5, 0.07],
  [6, 0.035],
  [7, 0.015],
];

/**
 * Age of a household's reference person (the first adult), by band. Not a published figure: calibrated so
 * that, after partners, children, sharers and grandparents are added by household.ts, the whole population
 * matches LONDON_AGE_BANDS.
 */
export const REFERENCE_AGE_WEIGHTS: readonly { from: number; to: number; weight: number }[] = [
  { from: 18, to: 19, weight: 0.9 },
  { from: 20, to: 24, weight: 5.97 },
  { from: 25, to: 29, weight: 9.61 },
  { from: 30, to: 34, weight: 10.71 },
  { from: 35, to: 39, weight: 11.19 },
  { from: 40, to: 44, weight: 10.18 },
  { from: 45, to: 49, weight: 9.15 },
  { from: 50, to: 54, weight: 9.18 },
  { from: 55, to: 59, weight: 8.6 },
  { from: 60, to: 64, weight: 7.18 },
  { from: 65, to: 69, weight: 5.52 },
  { from: 70, to: 74, weight: 5.36 },
  { from: 75, to: 79, weight: 4.09 },
  { from: 80, to: 84, weight: 2.85 },
  { from: 85, to: 89, weight: 1.75 },
  { from: 90, to: 104, weight: 0.85 },
];

/**
 * Annual probability of death by age band (persons): rounded from the ONS National Life Tables, England,
 * 2020-2022 (qx), lowered by about a tenth for London's lower mortality. Men's rates are higher, women's lower.
 * With LONDON_AGE_BANDS this gives about 0.55-0.6% of the population a year (ONS deaths registered, London,
 * about 50,000 a year).
 */
export const ANNUAL_MORTALITY: readonly { from: number; q: number }[] = [
  { from: 0, q: 0.0008 },
  { from: 5, q: 0.0001 },
  { from: 10, q: 0.0001 },
  { from: 15, q: 0.0003 },
  { from: 20, q: 0.0004 },
  { from: 25, q: 0.0005 },
  { from: 30, q: 0.0007 },
  { from: 35, q: 0.001 },
  { from: 40, q: 0.0014 },
  { from: 45, q: 0.002 },
  { from: 50, q: 0.003 },
  { from: 55, q: 0.0045 },
  { from: 60, q: 0.007 },
  { from: 65, q: 0.011 },
  { from: 70, q: 0.018 },
  { from: 75, q: 0.03 },
  { from: 80, q: 0.055 },
  { from: 85, q: 0.1 },
  { from: 90, q: 0.2 },
];
export const MALE_MORTALITY_FACTOR = 1.2;
export const FEMALE_MORTALITY_FACTOR = 0.83;
/** Care home residents die at several times the rate of people of the same age at home (ONS, CQC). */
export const CARE_HOME_MORTALITY_FACTOR = 2.5;

/** Annual probability of death at an age (whole years) for a sex. */
export function annualMortality(age: number, male: boolean): number {
  let q = ANNUAL_MORTALITY[0]!.q;
  for (const band of ANNUAL_MORTALITY) if (age >= band.from) q = band.q;
  return q * (male ? MALE_MORTALITY_FACTOR : FEMALE_MORTALITY_FACTOR);
}

/**
 * Place of death: England (Office for Health Improvement and Disparities, palliative and end of life care
 * profiles): hospital about 44%, home 29%, care home 20%, hospice 5%, elsewhere 2%. Care home residents mostly
 * die in their care home; the weights for everyone else are set so that the whole matches those shares.
 */
export const PLACE_OF_DEATH_CARE_HOME_RESIDENT: readonly (readonly [PlaceOfDeath, number])[] = [
  ['care-home', 0.74],
  ['hospital', 0.22],
  ['hospice', 0.02],
  ['other', 0.02],
];
export const PLACE_OF_DEATH_OTHERS: readonly (readonly [PlaceOfDeath, number])[] = [
  ['hospital', 0.48],
  ['home', 0.34],
  ['care-home', 0.1],
  ['hospice', 0.06],
  ['other', 0.02],
];
