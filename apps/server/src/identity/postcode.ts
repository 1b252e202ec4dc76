// Royal Mail / BS 7666 postcode format: outward code A9, A99, AA9, AA99, A9A or AA9A; inward code a digit and two
// letters, never C, I, K, M, O or V. GIR 0AA is the one historic exception.
const UK_POSTCODE = /^(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}$/;

/** A UK postcode in upper case with one space before the inward code (`sw1a1aa` → `SW1A 1AA`), or undefined. */
export function normaliseUkPostcode(input: string): string | undefined {
  if (input.length > 16) return undefined;
  const compact = input.toUpperCase().replace(/[\s.-]/g, '');
  if (!UK_POSTCODE.test(compact)) return undefined;
  const inward = compact.slice(-3);
  const outward = compact.slice(0, -3);
  if (outward === 'GIR' && inward !== '0AA') return undefined;
  return `${outward} ${inward}`;
}

/** The outward code (postcode district) of a normalised postcode, or undefined for a form without one. */
export function outwardCode(postcode: string): string | undefined {
  const space = postcode.indexOf(' ');
  return space > 0 ? postcode.slice(0, space) : undefined;
}
