// Value normalisation shared by extraction (write time) and compilation (search time): both sides must
// turn a value into the same form, or a search misses what the index holds.

// A btree entry must stay under about 2.7 kB; 600 characters is at most 2.4 kB of UTF-8.
export const MAX_INDEXED_CHARS = 600;

// PostgreSQL text cannot hold U+0000.
export function truncate(s: string): string {
  const clean = s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
  return clean.length > MAX_INDEXED_CHARS ? clean.slice(0, MAX_INDEXED_CHARS) : clean;
}

// Letters that Unicode does not decompose into a base letter and a mark.
const FOLD: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
};

// Coded displays and names repeat across resources, so recent results are kept (cleared when full).
const normalised = new Map<string, string>();
const NORMALISED_MAX = 20_000;

// FHIR R4 search.html#string: matching is case- and accent-insensitive and ignores runs of whitespace.
export function normaliseString(s: string): string {
  let out = normalised.get(s);
  if (out === undefined) {
    if (normalised.size >= NORMALISED_MAX) normalised.clear();
    normalised.set(s, (out = normaliseUncached(s)));
  }
  return out;
}

function normaliseUncached(s: string): string {
  return truncate(
    s
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[øæœßłđðþıħ]/g, (c) => FOLD[c]!)
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

export interface Range {
  low: string;
  high: string;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The instants a FHIR date, dateTime or instant covers at its precision (FHIR R4 search.html#date):
 * `2020` is all of 2020. A time without a zone is taken as UTC. Undefined when the text is not a valid date.
 */
export function dateRange(text: string): Range | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  if (year < 1) return undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysIn(year, month!))) return undefined;
  if (m[4] === undefined) {
    const low = utc(year, (month ?? 1) - 1, day ?? 1, 0, 0, 0, 0);
    const end =
      day !== undefined
        ? utc(year, month! - 1, day + 1, 0, 0, 0, 0)
        : month !== undefined
          ? utc(year, month, 1, 0, 0, 0, 0)
          : utc(year + 1, 0, 1, 0, 0, 0, 0);
    return { low: iso(low), high: iso(end - 1) };
  }
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? undefined : Number(m[6]);
  if (hour > 23 || minute > 59 || (second !== undefined && second > 59)) return undefined;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  let offset = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 14 || om > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const low = utc(year, month! - 1, day!, hour, minute, second ?? 0, ms) - offset;
  const span =
    second === undefined
      ? 60_000
      : fraction === undefined
        ? 1000
        : fraction.length >= 3
          ? 1
          : 10 ** (3 - fraction.length);
  return { low: iso(low), high: iso(low + span - 1) };
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month, 1, 0, 0, 0, 0) - 86_400_000).getUTCDate();
}

// Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const NUMBER_RE = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$/;

export interface NumberRange {
  value: string;
  low: string;
  high: string;
}

/**
 * A decimal and the range its precision implies (FHIR R4 search.html#number: `100` means [99.5, 100.5)),
 * in exact decimal arithmetic. Undefined when the text is not a number.
 */
export function numberRange(text: string): NumberRange | undefined {
  const m = NUMBER_RE.exec(text.trim());
  if (!m) return undefined;
  const negative = m[1] === '-';
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? 0);
  const mantissa = BigInt(m[2]! + fraction) * (negative ? -1n : 1n);
  const scale = fraction.length - exponent;
  if (scale < -300 || scale > 300) return undefined;
  return {
    value: formatScaled(mantissa, scale),
    low: formatScaled(mantissa * 10n - 5n, scale + 1),
    high: formatScaled(mantissa * 10n + 5n, scale + 1),
  };
}

function formatScaled(n: bigint, scale: number): string {
  if (scale <= 0) return (n * 10n ** BigInt(-scale)).toString();
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}

/** Splits on an unescaped separator and removes the escapes of `\,` `\|` `\$` `\\` (FHIR R4 search.html#escaping). */
export function splitEscaped(text: string, separator: ',' | '|' | '$', limit = Infinity): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (next === separator) {
        current += separator === ',' ? '\\,' : separator === '|' ? '\\|' : '\\$';
        i++;
        continue;
      }
      current += c + next;
      i++;
      continue;
    }
    if (c === separator && parts.length < limit - 1) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Removes the search escapes from one atomic value. */
export function unescapeValue(text: string): string {
  return text.replace(/\\([,|$\\])/g, '$1');
}
