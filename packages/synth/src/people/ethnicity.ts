import type { EthnicCategory } from '../model.ts';
import type { Rng } from '../random.ts';
import { BOROUGHS } from './boroughs.ts';
import type { Heritage } from './names.ts';

/**
 * London's ethnic mix by NHS Data Dictionary ethnic category (A-Z), as percentages: Census 2021, London
 * (White British 36.8%, other White 15%, Asian 20.7%, Black 13.5%, Mixed 5.7%, Arab and any other 6.3%),
 * with a small not-stated share (Z) as GP records have.
 */
export const LONDON_ETHNIC_SHARES: readonly (readonly [EthnicCategory, number])[] = [
  ['A', 36.0],
  ['B', 1.8],
  ['C', 15.0],
  ['D', 1.5],
  ['E', 0.9],
  ['F', 1.2],
  ['G', 2.2],
  ['H', 7.5],
  ['J', 3.3],
  ['K', 3.7],
  ['L', 4.6],
  ['M', 3.9],
  ['N', 7.9],
  ['P', 1.6],
  ['R', 1.7],
  ['S', 6.3],
  ['Z', 0.8],
];

// Census 2021 borough patterns, as multipliers of the London share: e.g. Bangladeshi Londoners are
// concentrated in Tower Hamlets, Indian Londoners in Harrow and Brent, Black Caribbean Londoners in Lewisham
// and Lambeth, White British in the outer south-east and east. The whole is rescaled so that London's totals
// stay as in LONDON_ETHNIC_SHARES.
const BOROUGH_MODIFIERS: Readonly<Record<string, Partial<Record<EthnicCategory, number>>>> = {
  'Tower Hamlets': { K: 9, A: 0.8 },
  Newham: { H: 2, J: 2.5, K: 2.3, N: 1.5, A: 0.45 },
  Redbridge: { H: 2.2, J: 3, K: 1.5, A: 0.8 },
  Harrow: { H: 3.5, L: 2, A: 0.65 },
  Brent: { H: 2.4, N: 1.3, M: 1.5, S: 1.5, C: 1.3, A: 0.45 },
  Ealing: { H: 1.8, J: 1.5, C: 1.4, S: 1.3, A: 0.8 },
  Hounslow: { H: 2.5, J: 1.5, A: 0.9 },
  Hillingdon: { H: 1.7, J: 1.2 },
  Southwark: { N: 2.2, M: 1.3 },
  Lambeth: { N: 1.5, M: 2, C: 1.2 },
  Lewisham: { M: 2.5, N: 1.5 },
  Croydon: { M: 2, N: 1.2, H: 1.2 },
  Greenwich: { N: 1.8, L: 1.3 },
  'Barking and Dagenham': { N: 2.3, K: 1.4, J: 1.5 },
  Enfield: { C: 1.6, N: 1.3, M: 1.2, S: 1.3 },
  Haringey: { C: 1.9, M: 1.3, N: 1.2, S: 1.2 },
  Hackney: { C: 1.5, M: 1.6, N: 1.3 },
  Westminster: { S: 2.2, C: 1.5 },
  'Kensington and Chelsea': { S: 2, C: 1.6, A: 1.1 },
  'Hammersmith and Fulham': { C: 1.4, S: 1.4 },
  Bromley: { A: 1.7, H: 0.5, J: 0.3, K: 0.3, N: 0.6, S: 0.5 },
  Bexley: { A: 1.8, H: 0.5, J: 0.3, K: 0.3, S: 0.4 },
  Havering: { A: 1.9, H: 0.5, J: 0.4, K: 0.4, S: 0.3, M: 0.5 },
  Sutton: { A: 1.5, J: 0.5, K: 0.4, M: 0.5 },
  'Richmond upon Thames': { A: 1.6, J: 0.3, K: 0.2, M: 0.3, N: 0.3 },
  'Kingston upon Thames': { A: 1.3, L: 1.5, M: 0.4 },
  Merton: { L: 1.5, C: 1.3, J: 1.3 },
  Barnet: { C: 1.3, L: 1.4, S: 1.3 },
  Wandsworth: { A: 1.2, C: 1.3 },
  Camden: { C: 1.3, K: 1.4 },
  Islington: { C: 1.3, K: 1.3 },
  'City of London': { A: 1.2, C: 1.4, R: 1.5 },
  'Waltham Forest': { J: 2, C: 1.5, M: 1.3 },
};

/** Per borough (same order as BOROUGHS): ethnic category weights, rescaled to keep London's totals. */
export const BOROUGH_ETHNIC_WEIGHTS: readonly (readonly (readonly [EthnicCategory, number])[])[] = (() => {
  const categories = LONDON_ETHNIC_SHARES.map(([c]) => c);
  const target = LONDON_ETHNIC_SHARES.map(([, s]) => s);
  const raw = BOROUGHS.map((b) => {
    const mod = BOROUGH_MODIFIERS[b.name] ?? {};
    return categories.map((c, i) => target[i]! * (mod[c] ?? 1));
  });
  const totalPopulation = BOROUGHS.reduce((sum, b) => sum + b.population, 0);
  const scale = categories.map(() => 1);
  // Iterative proportional fitting: a few rounds bring the population-weighted London shares back to target.
  for (let round = 0; round < 30; round++) {
    const achieved = categories.map(() => 0);
    BOROUGHS.forEach((b, bi) => {
      const row = raw[bi]!.map((w, i) => w * scale[i]!);
      const rowTotal = row.reduce((s, w) => s + w, 0);
      row.forEach((w, i) => (achieved[i]! += ((w / rowTotal) * 100 * b.population) / totalPopulation));
    });
    categories.forEach((_, i) => (scale[i]! *= target[i]! / achieved[i]!));
  }
  return raw.map((row) => row.map((w, i): [EthnicCategory, number] => [categories[i]!, w * scale[i]!]));
})();

/** Name heritage by ethnic category: within a category, the communities of London that use it most. */
const HERITAGE_BY_CATEGORY: Readonly<Record<EthnicCategory, readonly (readonly [Heritage, number])[]>> = {
  A: [['british', 1]],
  B: [['irish', 1]],
  C: [
    ['east-european', 0.45],
    ['south-european', 0.33],
    ['turkish', 0.1],
    ['british', 0.12],
  ],
  D: [
    ['caribbean', 0.5],
    ['british', 0.5],
  ],
  E: [
    ['west-african', 0.45],
    ['british', 0.55],
  ],
  F: [
    ['british', 0.5],
    ['indian', 0.25],
    ['pakistani', 0.1],
    ['chinese', 0.15],
  ],
  G: [
    ['british', 0.5],
    ['latin-american', 0.2],
    ['arab', 0.15],
    ['caribbean', 0.15],
  ],
  H: [['indian', 1]],
  J: [['pakistani', 1]],
  K: [['bangladeshi', 1]],
  L: [
    ['tamil', 0.5],
    ['filipino', 0.3],
    ['vietnamese', 0.2],
  ],
  M: [['caribbean', 1]],
  N: [
    ['west-african', 0.7],
    ['east-african', 0.3],
  ],
  P: [
    ['caribbean', 0.5],
    ['west-african', 0.5],
  ],
  R: [['chinese', 1]],
  S: [
    ['arab', 0.35],
    ['turkish', 0.25],
    ['latin-american', 0.2],
    ['persian', 0.2],
  ],
  Z: [
    ['british', 0.6],
    ['east-european', 0.1],
    ['indian', 0.1],
    ['west-african', 0.1],
    ['south-european', 0.1],
  ],
};

export function pickHeritage(rng: Rng, category: EthnicCategory): Heritage {
  return rng.weighted(HERITAGE_BY_CATEGORY[category]);
}

/** A heritage drawn from London's whole mix (for staff, whose homes are not modelled). */
export function pickLondonHeritage(rng: Rng): Heritage {
  return pickHeritage(rng, rng.weighted(LONDON_ETHNIC_SHARES));
}

/**
 * Mixed categories for the children of parents of two categories (NHS ethnic category codes D-G), where one
 * parent is White; otherwise the children take the first parent's category.
 */
export function childCategory(a: EthnicCategory, b: EthnicCategory): EthnicCategory {
  const isWhite = (c: EthnicCategory): boolean => c === 'A' || c === 'B' || c === 'C';
  if (a === b || (isWhite(a) && isWhite(b))) return a;
  if (!isWhite(a) && !isWhite(b)) return a;
  const other = isWhite(a) ? b : a;
  if (other === 'M') return 'D';
  if (other === 'N' || other === 'P') return 'E';
  if (other === 'H' || other === 'J' || other === 'K' || other === 'L' || other === 'R') return 'F';
  return 'G';
}

/**
 * Main language by heritage: the chance that a household of this heritage mainly speaks a language other than
 * English, and which (ISO 639-1). Tuned so that about 22% of Londoners have a main language other than English
 * and about 4% cannot speak English well (Census 2021, London: 21.9% and 4.1%), led by Polish, Bengali,
 * Portuguese, Turkish, Romanian, Spanish, Arabic, Gujarati, Urdu and Somali.
 */
export const LANGUAGES_BY_HERITAGE: Readonly<
  Record<Heritage, { nonEnglish: number; languages: readonly (readonly [string, number])[] }>
> = {
  british: { nonEnglish: 0.0, languages: [] },
  irish: { nonEnglish: 0.0, languages: [] },
  caribbean: { nonEnglish: 0.0, languages: [] },
  'east-european': {
    nonEnglish: 0.79,
    languages: [
      ['pl', 0.5],
      ['ro', 0.35],
      ['bg', 0.15],
    ],
  },
  'south-european': {
    nonEnglish: 0.62,
    languages: [
      ['pt', 0.45],
      ['it', 0.25],
      ['es', 0.2],
      ['el', 0.1],
    ],
  },
  turkish: { nonEnglish: 0.68, languages: [['tr', 1]] },
  indian: {
    nonEnglish: 0.34,
    languages: [
      ['gu', 0.4],
      ['pa', 0.3],
      ['hi', 0.2],
      ['ta', 0.1],
    ],
  },
  pakistani: {
    nonEnglish: 0.34,
    languages: [
      ['ur', 0.6],
      ['pa', 0.4],
    ],
  },
  bangladeshi: { nonEnglish: 0.56, languages: [['bn', 1]] },
  chinese: { nonEnglish: 0.56, languages: [['zh', 1]] },
  tamil: { nonEnglish: 0.51, languages: [['ta', 1]] },
  filipino: { nonEnglish: 0.34, languages: [['tl', 1]] },
  vietnamese: { nonEnglish: 0.62, languages: [['vi', 1]] },
  'west-african': {
    nonEnglish: 0.14,
    languages: [
      ['yo', 0.4],
      ['tw', 0.3],
      ['ig', 0.3],
    ],
  },
  'east-african': {
    nonEnglish: 0.62,
    languages: [
      ['so', 0.7],
      ['ti', 0.3],
    ],
  },
  arab: { nonEnglish: 0.62, languages: [['ar', 1]] },
  'latin-american': {
    nonEnglish: 0.68,
    languages: [
      ['es', 0.7],
      ['pt', 0.3],
    ],
  },
  persian: { nonEnglish: 0.62, languages: [['fa', 1]] },
};
