import type { Rng } from '../random.ts';

// Ofcom's numbers reserved for drama (TV, radio, film): never allocated to a real line.
// London landline 020 7946 0000 - 020 7946 0999; mobile 07700 900000 - 07700 900999.

function threeDigits(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/** A London landline number from Ofcom's drama range, e.g. `020 7946 0123`. */
export function generateLandline(rng: Rng): string {
  return `020 7946 0${threeDigits(Math.floor(rng.next() * 1000))}`;
}

/** A mobile number from Ofcom's drama range, e.g. `07700 900123`. */
export function generateMobile(rng: Rng): string {
  return `07700 900${threeDigits(Math.floor(rng.next() * 1000))}`;
}

export const LANDLINE_PATTERN = /^020 7946 0\d{3}$/;
export const MOBILE_PATTERN = /^07700 900\d{3}$/;
