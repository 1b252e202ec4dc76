import { nhsNumberCheckDigit } from '@joinedup/fhir';
import { createRng } from '../random.ts';

// domain.md 1.1: 999 000 0000 - 999 999 9999 is the never-issued test range, so the six digits after `999`
// are free; the tenth digit is the Modulus 11 check digit.
const RANGE_PREFIX = 999;
const FREE_DIGITS = 1_000_000;

/** Check digit for `999` followed by `suffix` (0..999999) as six digits. */
function checkDigitOfSuffix(suffix: number): number {
  const digits = [9, 9, 9, 0, 0, 0, 0, 0, 0];
  let rest = suffix;
  for (let i = 8; i >= 3; i--) {
    digits[i] = rest % 10;
    rest = Math.floor(rest / 10);
  }
  return nhsNumberCheckDigit(digits);
}

export { isValidNhsNumber } from '@joinedup/fhir';

/** The valid suffixes in the order of one seed's shuffle, built once per seed (about 909,000 numbers). */
const shuffles = new Map<string, Int32Array>();
const SHUFFLES_KEPT = 4;

function shuffledSuffixes(seed: string): Int32Array {
  const cached = shuffles.get(seed);
  if (cached) return cached;
  const valid = new Int32Array(FREE_DIGITS);
  let count = 0;
  for (let suffix = 0; suffix < FREE_DIGITS; suffix++) {
    if (checkDigitOfSuffix(suffix) !== 10) valid[count++] = suffix;
  }
  const table = valid.slice(0, count);
  // Fisher-Yates with the seed's own stream: a bijection from index to number that is not sequential.
  const rng = createRng(`${seed}/nhs-numbers`);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = table[i]!;
    table[i] = table[j]!;
    table[j] = t;
  }
  if (shuffles.size >= SHUFFLES_KEPT) shuffles.delete(shuffles.keys().next().value!);
  shuffles.set(seed, table);
  return table;
}

/** How many people of one seed can have distinct NHS numbers from the 999 range. */
export function nhsNumberCapacity(seed: string): number {
  return shuffledSuffixes(seed).length;
}

/**
 * About 0.5% of people have no NHS number (recent arrivals not yet registered with a number): those whose
 * shuffled suffix falls in this residue class, so the choice is deterministic, uncorrelated with the index and
 * free to compute.
 */
const NO_NUMBER_MODULUS = 200;
const NO_NUMBER_RESIDUE = 137;

/**
 * The NHS number of person `index` under `seed`: valid Modulus 11, from the 999 test range, unique per index;
 * undefined for the ~0.5% without one and for every index at or past the range's capacity.
 */
export function nhsNumberForIndex(index: number, seed: string): string | undefined {
  const table = shuffledSuffixes(seed);
  if (!Number.isInteger(index) || index < 0 || index >= table.length) return undefined;
  const suffix = table[index]!;
  if (suffix % NO_NUMBER_MODULUS === NO_NUMBER_RESIDUE) return undefined;
  return `${RANGE_PREFIX}${String(suffix).padStart(6, '0')}${checkDigitOfSuffix(suffix)}`;
}
