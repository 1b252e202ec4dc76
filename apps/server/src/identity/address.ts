import { foldText } from './names.ts';

// Street-type abbreviations written out (Royal Mail PAF thoroughfare descriptors), when they end the line.
const STREET_TYPES: Record<string, string> = {
  RD: 'ROAD',
  ST: 'STREET',
  STR: 'STREET',
  AVE: 'AVENUE',
  AV: 'AVENUE',
  LN: 'LANE',
  CL: 'CLOSE',
  CRES: 'CRESCENT',
  CRS: 'CRESCENT',
  DR: 'DRIVE',
  GDNS: 'GARDENS',
  GRN: 'GREEN',
  GR: 'GROVE',
  GRO: 'GROVE',
  PL: 'PLACE',
  SQ: 'SQUARE',
  TER: 'TERRACE',
  TERR: 'TERRACE',
  CT: 'COURT',
  PK: 'PARK',
  WY: 'WAY',
  HL: 'HILL',
  MS: 'MEWS',
  PDE: 'PARADE',
  CIRC: 'CIRCUIT',
  CCT: 'CIRCUIT',
};

/**
 * The address lines above the town as one comparable line: folded like names (upper case, no punctuation), digits
 * kept, street-type abbreviations written out (`12a Oak Rd.` and `12A OAK ROAD` agree).
 */
export function normaliseAddressLines(lines: readonly string[]): string | undefined {
  const words: string[] = [];
  for (const line of lines.slice(0, 6)) {
    const folded = foldAddress(line);
    if (!folded) continue;
    const parts = folded.split(' ');
    const lastWord = parts[parts.length - 1]!;
    const street = STREET_TYPES[lastWord];
    if (street && parts.length > 1) parts[parts.length - 1] = street;
    words.push(...parts);
  }
  return words.length > 0 ? words.join(' ') : undefined;
}

function foldAddress(line: string): string {
  // A house number and its letter are one word: "12 a" and "12a" both become "12A".
  return foldText(line, true).replace(/\b(\d+) ([A-Z])\b/g, '$1$2');
}
