const MAX_PHONE_LENGTH = 40;

/**
 * A telephone number in UK national form (`+44 (0)20 7946 0650` → `02079460650`), or undefined when it is not a
 * plausible number. Ofcom numbering: national numbers are 0 plus nine or ten digits; +44 / 0044 replace the 0.
 * A number in another country's plan keeps its `+` and country code.
 */
export function normalisePhone(input: string): string | undefined {
  if (input.length > MAX_PHONE_LENGTH) return undefined;
  const international = /^\s*(\+|00)/.test(input);
  let digits = input.replace(/\(0\)/g, '').replace(/\D/g, '');
  if (international && digits.startsWith('00')) digits = digits.slice(2);
  if (international || (digits.startsWith('44') && digits.length >= 11)) {
    if (!digits.startsWith('44')) return /^\d{8,15}$/.test(digits) ? `+${digits}` : undefined;
    digits = '0' + digits.slice(2).replace(/^0/, '');
  }
  return /^0\d{9,10}$/.test(digits) ? digits : undefined;
}

/** Ofcom: 07 numbers (other than 070 personal numbers) are mobiles: a person's own, unlike a household landline. */
export function isMobile(phone: string): boolean {
  return phone.startsWith('07') && !phone.startsWith('070');
}
