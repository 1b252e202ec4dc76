// SNOMED CT Technical Implementation Guide, "Check-digit": SCTIDs end in a Verhoeff check digit.
const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: number[][] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
];
for (let i = 2; i < 8; i++) VERHOEFF_P.push(VERHOEFF_P[1]!.map((j) => VERHOEFF_P[i - 1]![j]!));

/** True when `id` is 6–18 digits with a valid Verhoeff check digit (SNOMED CT, and dm+d ids, which are SCTIDs). */
export function isSnomedConceptId(id: string): boolean {
  if (!/^[1-9][0-9]{5,17}$/.test(id)) return false;
  let c = 0;
  for (let i = 0; i < id.length; i++) {
    const digit = id.charCodeAt(id.length - 1 - i) - 48;
    c = VERHOEFF_D[c]![VERHOEFF_P[i % 8]![digit]!]!;
  }
  return c === 0;
}
