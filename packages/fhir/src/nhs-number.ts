// The NHS number (domain.md 1.1; NHS Data Dictionary "NHS NUMBER"): ten digits, the last a Modulus 11 check digit.

/** FHIR identifier system of the NHS number. */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** UK Core extension carrying the NHS number verification status on the identifier. */
export const NHS_NUMBER_VERIFICATION_EXTENSION =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';

/** NHS England verification status 01: "Number present and verified" (traced against PDS). */
export const NHS_NUMBER_VERIFIED = '01';

/**
 * The check digit of the first nine digits: weights 10..2, check = 11 - (sum mod 11), 11 reads as 0. A result
 * of 10 means no valid NHS number starts with these nine digits (such numbers are never issued).
 */
export function nhsNumberCheckDigit(first9: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += first9[i]! * (10 - i);
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check;
}

/**
 * The ten digits of an NHS number written with or without spaces and hyphens (`943 476 5919`), if it passes
 * the Modulus 11 check; otherwise undefined.
 */
export function normaliseNhsNumber(input: string): string | undefined {
  if (input.length > 32) return undefined;
  const digits = input.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(digits)) return undefined;
  const values = Array.from(digits, (c) => c.charCodeAt(0) - 48);
  const check = nhsNumberCheckDigit(values);
  return check !== 10 && check === values[9] ? digits : undefined;
}

export function isValidNhsNumber(input: string): boolean {
  return normaliseNhsNumber(input) !== undefined;
}
