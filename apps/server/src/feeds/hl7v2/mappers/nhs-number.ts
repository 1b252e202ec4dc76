// NHS number (domain.md 1.1; NHS Data Dictionary "NHS NUMBER"): 10 digits, the last a Modulus 11 check digit.

/** Spaces and hyphens removed (senders write `943 476 5919`); undefined when the rest is not 10 digits. */
export function normaliseNhsNumber(input: string): string | undefined {
  const s = input.replace(/[\s-]/g, '');
  return /^\d{10}$/.test(s) ? s : undefined;
}

/** Modulus 11: digits 1-9 weighted 10..2; check = 11 - (sum mod 11), 11 reads as 0, and 10 is never issued. */
export function isValidNhsNumber(input: string): boolean {
  const s = normaliseNhsNumber(input);
  if (s === undefined) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(s[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10) return false;
  return check === Number(s[9]);
}
