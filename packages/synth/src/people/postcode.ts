import type { Address } from '../model.ts';
import type { Rng } from '../random.ts';
import type { Area } from './boroughs.ts';

// Royal Mail (Programmers' Guide to PAF / BS 7666): the inward code is a digit then two letters, never
// C, I, K, M, O or V (they look like digits or other letters when handwritten).
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/**
 * Royal Mail postcode format: outward A9, A99, A9A, AA9, AA99 or AA9A, a space, inward 9AA; position-specific
 * letter rules (no Q, V, X first; no I, J, Z second; A9A third letter from ABCDEFGHJKPSTUW; AA9A fourth from
 * ABEHMNPRVWXY).
 */
export const POSTCODE_PATTERN =
  /^(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2}$/;

/** A synthetic postcode in an outward district: the inward half is invented, so it may or may not exist. */
export function generatePostcode(rng: Rng, outward: string): string {
  const i = Math.floor(rng.next() * 4000);
  return `${outward} ${i % 10}${INWARD_LETTERS[Math.floor(i / 10) % 20]}${INWARD_LETTERS[Math.floor(i / 200)]}`;
}

// Invented street-name stems: plausible London street words, but the generated street + postcode pairs are
// synthetic (a real street of the same name may exist elsewhere; that is chance, not data).
const STREET_STEMS = [
  'Ashcombe',
  'Brindlewood',
  'Corvedale',
  'Dunmore',
  'Elderfield',
  'Fennimore',
  'Gaskarth',
  'Harbury',
  'Ivybridge',
  'Juniper',
  'Kestrel',
  'Larchmere',
  'Marlowe',
  'Netherby',
  'Orchardleigh',
  'Pemberton',
  'Quernmore',
  'Rosslyn',
  'Saltwood',
  'Thornbury',
  'Upcott',
  'Vallance',
  'Wexcombe',
  'Yarrowfield',
  'Alderbrook',
  'Bramblecote',
  'Chalkhill',
  'Dovercourt',
  'Eastlake',
  'Farrowdene',
  'Glenthorne',
  'Hollybank',
  'Inglemere',
  'Kingsmead',
  'Lindenhurst',
  'Mayfield',
  'Northcote',
  'Oakhurst',
  'Parkmead',
  'Ravenscourt',
  'Stanmere',
  'Tollgate',
  'Willowbrook',
  'Ambleside',
  'Beverstone',
  'Clarendale',
  'Dalmeny',
  'Ellerslie',
  'Foxgrove',
  'Gladsmuir',
  'Hazelbury',
  'Kelross',
  'Lavenham',
  'Medlar',
  'Newlands',
  'Pellerin',
  'Rothsay',
  'Sandringham',
  'Tressillian',
  'Wickfield',
];

const STREET_SUFFIXES = [
  'Road',
  'Road',
  'Road',
  'Street',
  'Street',
  'Avenue',
  'Gardens',
  'Close',
  'Way',
  'Crescent',
  'Lane',
  'Grove',
  'Terrace',
  'Place',
  'Mews',
  'Rise',
  'Walk',
  'Drive',
];

const BUILDING_SUFFIXES = ['House', 'House', 'Court', 'Lodge', 'Mansions', 'Point', 'Tower'];

const STREETS: readonly string[] = STREET_STEMS.flatMap((stem) => STREET_SUFFIXES.map((s) => `${stem} ${s}`));
const BUILDINGS: readonly string[] = STREET_STEMS.flatMap((stem) => BUILDING_SUFFIXES.map((s) => `${stem} ${s}`));
const CONVERTED_FLATS = ['A', 'B', 'C', 'D', '1', '2', '3', 'Ground Floor', 'First Floor', 'Top Floor'];

/** An invented street name. */
export function pickStreet(rng: Rng): string {
  return STREETS[Math.floor(rng.next() * STREETS.length)]!;
}

/** The invented stems, for naming organisations after local-sounding places. */
export const PLACE_STEMS: readonly string[] = STREET_STEMS;

function areaParts(rng: Rng, area: Area): { city: string; postalCode: string } {
  const district = area.districts[Math.floor(rng.next() * area.districts.length)]!;
  return { city: district.postTown, postalCode: generatePostcode(rng, district.outward) };
}

/**
 * A synthetic home in `area`: a house, a flat in a converted house or a flat in a named block, with a share of
 * flats of `flatShare` (Census 2021: about half of London households live in flats, more in inner London).
 */
export function generateHomeAddress(rng: Rng, area: Area, flatShare: number): Address {
  const street = pickStreet(rng);
  const r = rng.next();
  let line: string[];
  if (r < flatShare * 0.6) {
    const building = BUILDINGS[Math.floor(rng.next() * BUILDINGS.length)]!;
    line = [`Flat ${1 + Math.floor(rng.next() * 80)}`, building, street];
  } else if (r < flatShare) {
    const flat = CONVERTED_FLATS[Math.floor(rng.next() * CONVERTED_FLATS.length)]!;
    line = [`Flat ${flat}`, `${1 + Math.floor(rng.next() * 180)} ${street}`];
  } else {
    line = [`${1 + Math.floor(rng.next() * 180)} ${street}`];
  }
  const { city, postalCode } = areaParts(rng, area);
  return { line, city, district: area.name, postalCode };
}

/** A synthetic address for an organisation's building in `area`. */
export function generateOrganisationAddress(rng: Rng, area: Area): Address {
  const { city, postalCode } = areaParts(rng, area);
  return { line: [`${1 + Math.floor(rng.next() * 250)} ${pickStreet(rng)}`], city, district: area.name, postalCode };
}
