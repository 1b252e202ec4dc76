/**
 * Check digits of the code systems we bundle, so a mistyped code is caught by a test rather than by a
 * terminology server months later.
 */

export { isSnomedConceptId as isValidSctId } from '@joinedup/fhir';

/** True when `code` is a LOINC code (`NNNNN-C`) whose check digit matches (LOINC Users' Guide, mod 10). */
export function isValidLoincCode(code: string): boolean {
  const match = /^([0-9]{1,7})-([0-9])$/.exec(code);
  if (!match) return false;
  const body = match[1]!;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10 === Number(match[2]);
}
