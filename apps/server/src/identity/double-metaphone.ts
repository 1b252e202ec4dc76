/**
 * Double Metaphone (Lawrence Philips, "The Double Metaphone Search Algorithm", C/C++ Users Journal, June 2000):
 * a primary and an alternate phonetic code of at most four characters for a name, so that spellings that sound
 * alike (Smith / Smyth, Kaur / Caur, Schmidt / Smith) share a code.
 *
 * Written to give the same codes as PostgreSQL's fuzzystrmatch `dmetaphone()` / `dmetaphone_alt()` (checked on
 * every name of the synthetic region and a list of the algorithm's special cases: double-metaphone.test.ts), so
 * that blocking keys can be computed in SQL as well as here. Like that implementation, it reads the word padded
 * with spaces, so "at the end of the word" tests see a space.
 *
 * Input: upper-case A-Z and spaces (see `normaliseNamePart`); other characters are skipped.
 */
export interface PhoneticCode {
  primary: string;
  alternate: string;
}

const MAX = 4;
const PAD = '     ';

function isVowelChar(c: string | undefined): boolean {
  return c === 'A' || c === 'E' || c === 'I' || c === 'O' || c === 'U' || c === 'Y';
}

export function doubleMetaphone(word: string): PhoneticCode {
  const length = word.length;
  if (length === 0) return { primary: '', alternate: '' };
  const last = length - 1;
  const s = word + PAD;
  let primary = '';
  let alternate = '';

  const add = (p: string, a: string = p): void => {
    primary += p;
    alternate += a;
  };
  // True if one of `options` (all of the same length) starts at `start`.
  const at = (start: number, ...options: string[]): boolean => {
    if (start < 0 || start >= s.length) return false;
    for (const o of options) if (s.startsWith(o, start)) return true;
    return false;
  };
  const ch = (i: number): string => (i >= 0 && i < s.length ? s[i]! : '');
  const isVowel = (i: number): boolean => i >= 0 && i < length && isVowelChar(s[i]);

  const slavoGermanic = word.includes('W') || word.includes('K') || word.includes('CZ') || word.includes('WITZ');

  let i = 0;
  if (at(0, 'GN', 'KN', 'PN', 'WR', 'PS')) i = 1;
  // Philips: an initial X sounds as Z (Xavier).
  if (s[0] === 'X') {
    add('S');
    i = 1;
  }

  while (primary.length < MAX || alternate.length < MAX) {
    if (i >= length) break;
    const c = s[i]!;
    switch (c) {
      case 'A':
      case 'E':
      case 'I':
      case 'O':
      case 'U':
      case 'Y':
        if (i === 0) add('A');
        i += 1;
        break;
      case 'B':
        add('P');
        i += ch(i + 1) === 'B' ? 2 : 1;
        break;
      case 'C':
        i = encodeC(i);
        break;
      case 'D':
        if (at(i, 'DG')) {
          if (at(i + 2, 'I', 'E', 'Y')) {
            add('J');
            i += 3;
          } else {
            add('TK');
            i += 2;
          }
        } else {
          add('T');
          i += at(i, 'DT', 'DD') ? 2 : 1;
        }
        break;
      case 'F':
        add('F');
        i += ch(i + 1) === 'F' ? 2 : 1;
        break;
      case 'G':
        i = encodeG(i);
        break;
      case 'H':
        if ((i === 0 || isVowel(i - 1)) && isVowel(i + 1)) {
          add('H');
          i += 2;
        } else {
          i += 1;
        }
        break;
      case 'J':
        i = encodeJ(i);
        break;
      case 'K':
        add('K');
        i += ch(i + 1) === 'K' ? 2 : 1;
        break;
      case 'L':
        if (ch(i + 1) === 'L') {
          // Spanish double L (Cabrillo, Gallegos) is silent in the alternate.
          if (
            (i === length - 3 && at(i - 1, 'ILLO', 'ILLA', 'ALLE')) ||
            ((at(last - 1, 'AS', 'OS') || at(last, 'A', 'O')) && at(i - 1, 'ALLE'))
          ) {
            add('L', '');
            i += 2;
            break;
          }
          i += 2;
        } else {
          i += 1;
        }
        add('L');
        break;
      case 'M':
        i += (at(i - 1, 'UMB') && (i + 1 === last || at(i + 2, 'ER'))) || ch(i + 1) === 'M' ? 2 : 1;
        add('M');
        break;
      case 'N':
        i += ch(i + 1) === 'N' ? 2 : 1;
        add('N');
        break;
      case 'P':
        if (ch(i + 1) === 'H') {
          add('F');
          i += 2;
        } else {
          i += at(i + 1, 'P', 'B') ? 2 : 1;
          add('P');
        }
        break;
      case 'Q':
        i += ch(i + 1) === 'Q' ? 2 : 1;
        add('K');
        break;
      case 'R':
        // French final R after IE (Rogier) is silent in the primary.
        if (i === last && !slavoGermanic && at(i - 2, 'IE') && !at(i - 4, 'ME', 'MA')) add('', 'R');
        else add('R');
        i += ch(i + 1) === 'R' ? 2 : 1;
        break;
      case 'S':
        i = encodeS(i);
        break;
      case 'T':
        if (at(i, 'TION') || at(i, 'TIA', 'TCH')) {
          add('X');
          i += 3;
        } else if (at(i, 'TH') || at(i, 'TTH')) {
          if (at(i + 2, 'OM', 'AM') || at(0, 'VAN ', 'VON ') || at(0, 'SCH')) add('T');
          else add('0', 'T');
          i += 2;
        } else {
          i += at(i + 1, 'T', 'D') ? 2 : 1;
          add('T');
        }
        break;
      case 'V':
        i += ch(i + 1) === 'V' ? 2 : 1;
        add('F');
        break;
      case 'W':
        i = encodeW(i);
        break;
      case 'X':
        // French final X (Breaux) is silent.
        if (!(i === last && (at(i - 3, 'IAU', 'EAU') || at(i - 2, 'AU', 'OU')))) add('KS');
        i += at(i + 1, 'C', 'X') ? 2 : 1;
        break;
      case 'Z':
        if (ch(i + 1) === 'H') {
          add('J');
          i += 2;
        } else {
          if (at(i + 1, 'ZO', 'ZI', 'ZA') || (slavoGermanic && i > 0 && ch(i - 1) !== 'T')) add('S', 'TS');
          else add('S');
          i += ch(i + 1) === 'Z' ? 2 : 1;
        }
        break;
      default:
        i += 1;
    }
  }
  return { primary: primary.slice(0, MAX), alternate: alternate.slice(0, MAX) };

  function encodeC(i: number): number {
    // Germanic -ACH- (Bacher, Macher), but not -ACHI- or -ACHE-.
    if (
      i > 1 &&
      !isVowel(i - 2) &&
      at(i - 1, 'ACH') &&
      ch(i + 2) !== 'I' &&
      (ch(i + 2) !== 'E' || at(i - 2, 'BACHER', 'MACHER'))
    ) {
      add('K');
      return i + 2;
    }
    if (i === 0 && at(i, 'CAESAR')) {
      add('S');
      return i + 2;
    }
    if (at(i, 'CHIA')) {
      add('K');
      return i + 2;
    }
    if (at(i, 'CH')) {
      if (i > 0 && at(i, 'CHAE')) {
        add('K', 'X');
        return i + 2;
      }
      // Greek roots at the start (Chorus, Charis) but not Chore.
      if (i === 0 && (at(i + 1, 'HARAC', 'HARIS') || at(i + 1, 'HOR', 'HYM', 'HIA', 'HEM')) && !at(0, 'CHORE')) {
        add('K');
        return i + 2;
      }
      if (
        at(0, 'VAN ', 'VON ') ||
        at(0, 'SCH') ||
        at(i - 2, 'ORCHES', 'ARCHIT', 'ORCHID') ||
        at(i + 2, 'T', 'S') ||
        ((at(i - 1, 'A', 'O', 'U', 'E') || i === 0) && at(i + 2, 'L', 'R', 'N', 'M', 'B', 'H', 'F', 'V', 'W', ' '))
      ) {
        add('K');
      } else if (i > 0) {
        if (at(0, 'MC')) add('K');
        else add('X', 'K');
      } else {
        add('X');
      }
      return i + 2;
    }
    if (at(i, 'CZ') && !at(i - 2, 'WICZ')) {
      add('S', 'X');
      return i + 2;
    }
    if (at(i + 1, 'CIA')) {
      add('X');
      return i + 3;
    }
    // Double C, but not McClelland.
    if (at(i, 'CC') && !(i === 1 && s[0] === 'M')) {
      if (at(i + 2, 'I', 'E', 'H') && !at(i + 2, 'HU')) {
        if ((i === 1 && s[0] === 'A') || at(i - 1, 'UCCEE', 'UCCES')) add('KS');
        else add('X');
        return i + 3;
      }
      add('K');
      return i + 2;
    }
    if (at(i, 'CK', 'CG', 'CQ')) {
      add('K');
      return i + 2;
    }
    if (at(i, 'CI', 'CE', 'CY')) {
      if (at(i, 'CIO', 'CIE', 'CIA')) add('S', 'X');
      else add('S');
      return i + 2;
    }
    add('K');
    if (at(i + 1, ' C', ' Q', ' G')) return i + 3;
    if (at(i + 1, 'C', 'K', 'Q') && !at(i + 1, 'CE', 'CI')) return i + 2;
    return i + 1;
  }

  function encodeG(i: number): number {
    if (ch(i + 1) === 'H') {
      if (i > 0 && !isVowel(i - 1)) {
        add('K');
        return i + 2;
      }
      if (i === 0) {
        add(ch(i + 2) === 'I' ? 'J' : 'K');
        return i + 2;
      }
      // Parker's rule: silent GH after B, H or D (Hugh).
      if (
        (i > 1 && at(i - 2, 'B', 'H', 'D')) ||
        (i > 2 && at(i - 3, 'B', 'H', 'D')) ||
        (i > 3 && at(i - 4, 'B', 'H'))
      ) {
        return i + 2;
      }
      if (i > 2 && ch(i - 1) === 'U' && at(i - 3, 'C', 'G', 'L', 'R', 'T')) add('F');
      else if (i > 0 && ch(i - 1) !== 'I') add('K');
      return i + 2;
    }
    if (ch(i + 1) === 'N') {
      if (i === 1 && isVowel(0) && !slavoGermanic) add('KN', 'N');
      else if (!at(i + 2, 'EY') && ch(i + 1) !== 'Y' && !slavoGermanic) add('N', 'KN');
      else add('KN');
      return i + 2;
    }
    if (at(i + 1, 'LI') && !slavoGermanic) {
      add('KL', 'L');
      return i + 2;
    }
    if (i === 0 && (ch(i + 1) === 'Y' || at(i + 1, 'ES', 'EP', 'EB', 'EL', 'EY', 'IB', 'IL', 'IN', 'IE', 'EI', 'ER'))) {
      add('K', 'J');
      return i + 2;
    }
    if (
      (at(i + 1, 'ER') || ch(i + 1) === 'Y') &&
      !at(0, 'DANGER', 'RANGER', 'MANGER') &&
      !at(i - 1, 'E', 'I') &&
      !at(i - 1, 'RGY', 'OGY')
    ) {
      add('K', 'J');
      return i + 2;
    }
    if (at(i + 1, 'E', 'I', 'Y') || at(i - 1, 'AGGI', 'OGGI')) {
      if (at(0, 'VAN ', 'VON ') || at(0, 'SCH') || at(i + 1, 'ET')) add('K');
      else if (at(i + 1, 'IER ')) add('J');
      else add('J', 'K');
      return i + 2;
    }
    add('K');
    return i + (ch(i + 1) === 'G' ? 2 : 1);
  }

  function encodeJ(i: number): number {
    if (at(i, 'JOSE') || at(0, 'SAN ')) {
      if ((i === 0 && ch(i + 4) === ' ') || at(0, 'SAN ')) add('H');
      else add('J', 'H');
      return i + 1;
    }
    if (i === 0) {
      add('J', 'A');
    } else if (isVowel(i - 1) && !slavoGermanic && (ch(i + 1) === 'A' || ch(i + 1) === 'O')) {
      add('J', 'H');
    } else if (i === last) {
      add('J', '');
    } else if (!at(i + 1, 'L', 'T', 'K', 'S', 'N', 'M', 'B', 'Z') && !at(i - 1, 'S', 'K', 'L')) {
      add('J');
    }
    return i + (ch(i + 1) === 'J' ? 2 : 1);
  }

  function encodeS(i: number): number {
    if (at(i - 1, 'ISL', 'YSL')) return i + 1;
    if (i === 0 && at(i, 'SUGAR')) {
      add('X', 'S');
      return i + 1;
    }
    if (at(i, 'SH')) {
      if (at(i + 1, 'HEIM', 'HOEK', 'HOLM', 'HOLZ')) add('S');
      else add('X');
      return i + 2;
    }
    if (at(i, 'SIO', 'SIA') || at(i, 'SIAN')) {
      if (slavoGermanic) add('S');
      else add('S', 'X');
      return i + 3;
    }
    // Smith matches Schmidt, Snider matches Schneider; Slavic -SZ-.
    if ((i === 0 && at(i + 1, 'M', 'N', 'L', 'W')) || at(i + 1, 'Z')) {
      add('S', 'X');
      return i + (at(i + 1, 'Z') ? 2 : 1);
    }
    if (at(i, 'SC')) {
      if (ch(i + 2) === 'H') {
        if (at(i + 3, 'OO', 'ER', 'EN', 'UY', 'ED', 'EM')) {
          if (at(i + 3, 'ER', 'EN')) add('X', 'SK');
          else add('SK');
          return i + 3;
        }
        if (i === 0 && !isVowel(3) && ch(3) !== 'W') add('X', 'S');
        else add('X');
        return i + 3;
      }
      if (at(i + 2, 'I', 'E', 'Y')) add('S');
      else add('SK');
      return i + 3;
    }
    // French final S (Resnais, Artois) is silent in the primary.
    if (i === last && at(i - 2, 'AI', 'OI')) add('', 'S');
    else add('S');
    return i + (at(i + 1, 'S', 'Z') ? 2 : 1);
  }

  function encodeW(i: number): number {
    if (at(i, 'WR')) {
      add('R');
      return i + 2;
    }
    if (i === 0 && (isVowel(i + 1) || at(i, 'WH'))) {
      // Wasserman matches Vasserman.
      if (isVowel(i + 1)) add('A', 'F');
      else add('A');
      return i + 1;
    }
    // Arnow matches Arnoff; Polish -EWSKI.
    if ((i === last && isVowel(i - 1)) || at(i - 1, 'EWSKI', 'EWSKY', 'OWSKI', 'OWSKY') || at(0, 'SCH')) {
      add('', 'F');
      return i + 1;
    }
    if (at(i, 'WICZ', 'WITZ')) {
      add('TS', 'FX');
      return i + 4;
    }
    return i + 1;
  }
}
