/** Titles and honorifics that arrive inside name fields (HL7 v2 XPN without a prefix component, free text). */
const TITLES = new Set([
  'MR',
  'MRS',
  'MS',
  'MISS',
  'MX',
  'MASTER',
  'DR',
  'DOCTOR',
  'PROF',
  'PROFESSOR',
  'REV',
  'REVD',
  'REVEREND',
  'FR',
  'FATHER',
  'SIR',
  'DAME',
  'LADY',
  'LORD',
  'CAPT',
  'CAPTAIN',
  'MAJ',
  'COL',
  'SGT',
]);

/** Generational suffixes: not part of the name that distinguishes a person from another. */
const SUFFIXES = new Set(['JR', 'JNR', 'JUNIOR', 'SR', 'SNR', 'SENIOR', 'II', 'III', 'IV']);

/**
 * Family-name particles (van der Berg, de Souza, Al Hassan, bin Laden): kept in the name, but a shared particle is
 * no evidence that two double-barrelled names share a part.
 */
export const FAMILY_PARTICLES: ReadonlySet<string> = new Set([
  'VAN',
  'VON',
  'DER',
  'DEN',
  'DE',
  'DA',
  'DI',
  'DU',
  'DOS',
  'DAS',
  'DEL',
  'LA',
  'LE',
  'AL',
  'EL',
  'BIN',
  'BINTI',
  'BINT',
  'ABU',
  'ST',
]);

// Letters that Unicode decomposition (NFD) does not reduce to a base letter and a combining mark.
const FOLD: Record<string, string> = {
  Æ: 'AE',
  Œ: 'OE',
  Ø: 'O',
  Ł: 'L',
  Đ: 'D',
  Ð: 'D',
  Þ: 'TH',
  Ħ: 'H',
  ẞ: 'SS',
};

/** Longest name text read: a longer field is cut there (bounded work per record). */
const MAX_NAME_LENGTH = 200;

/**
 * Upper case A-Z and spaces only: accents folded (é → E, ł → L, ß → SS), apostrophes dropped (O'Brien →
 * OBRIEN), every other character (hyphens, dots, commas, and digits unless kept) a word break; words separated by
 * one space.
 */
export function foldText(input: string, keepDigits = false): string {
  const upper = input.slice(0, MAX_NAME_LENGTH).toUpperCase().normalize('NFD');
  let out = '';
  let space = true;
  for (const c of upper) {
    const code = c.charCodeAt(0);
    if ((code >= 65 && code <= 90) || (keepDigits && code >= 48 && code <= 57)) {
      out += c;
      space = false;
    } else if (c === "'" || c === '’' || c === '`' || (code >= 0x300 && code <= 0x36f)) {
      continue;
    } else if (FOLD[c] !== undefined) {
      out += FOLD[c];
      space = false;
    } else if (!space) {
      out += ' ';
      space = true;
    }
  }
  return space ? out.slice(0, -1) : out;
}

/** The words of a family name: folded, hyphenated and double-barrelled names split, suffixes dropped. */
export function normaliseFamilyName(input: string): string[] {
  const words = foldText(input).split(' ').filter(Boolean);
  const kept = words.filter((w) => !SUFFIXES.has(w));
  return kept.length > 0 ? kept : words;
}

/** The words of the given names, in order: folded, hyphenated names split, titles and suffixes dropped. */
export function normaliseGivenNames(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const input of inputs.slice(0, 10)) {
    for (const w of foldText(input).split(' ')) if (w && !TITLES.has(w) && !SUFFIXES.has(w)) out.push(w);
  }
  return out;
}
