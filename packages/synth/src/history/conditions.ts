import { conditions as codes } from '../codes/index.ts';
import type { AdministrativeSex, Coding, EthnicCategory } from '../model.ts';
import type { Rng } from '../random.ts';
import { YEAR_DAYS } from './dates.ts';

/** The long-term conditions of a person's problem list, in the order they are drawn. */
export type ConditionKey =
  | 'hypertension'
  | 'diabetes'
  | 'asthma'
  | 'copd'
  | 'ckd'
  | 'heartFailure'
  | 'atrialFibrillation'
  | 'ischaemicHeartDisease'
  | 'dementia'
  | 'frailty'
  | 'sickleCell'
  | 'smi'
  | 'learningDisability'
  | 'epilepsy'
  | 'depression'
  | 'cancer';

export type EthnicGroup = 'white' | 'mixed' | 'southAsian' | 'black' | 'other';
export type CancerSite = 'breast' | 'prostate' | 'lung' | 'colorectal' | 'melanoma';

export interface PersonCondition {
  key: ConditionKey;
  code: Coding;
  onsetDay: number;
}

/** The person's long-term conditions, with the detail the rest of the history needs to stay consistent. */
export interface ConditionProfile {
  list: PersonCondition[];
  has: Partial<Record<ConditionKey, PersonCondition>>;
  diabetesType?: 1 | 2;
  ckdStage?: '3a' | '3b' | '4' | '5';
  frailty?: 'moderate' | 'severe';
  smi?: 'schizophrenia' | 'bipolar';
  cancerSite?: CancerSite;
}

export function ethnicGroupOf(category: EthnicCategory): EthnicGroup | undefined {
  switch (category) {
    case 'A':
    case 'B':
    case 'C':
      return 'white';
    case 'D':
    case 'E':
    case 'F':
    case 'G':
      return 'mixed';
    case 'H':
    case 'J':
    case 'K':
    case 'L':
      return 'southAsian';
    case 'M':
    case 'N':
    case 'P':
      return 'black';
    case 'R':
    case 'S':
      return 'other';
    case 'Z':
      return undefined;
  }
}

// ONS Census 2021, London: ethnic group shares (Asian other than Chinese counted with South Asian, Chinese
// with other). Used to scale the ethnic risk ratios so that London as a whole keeps the register prevalence.
const LONDON_ETHNIC_SHARES: Record<EthnicGroup, number> = {
  white: 0.538,
  mixed: 0.057,
  southAsian: 0.19,
  black: 0.135,
  other: 0.08,
};

interface ConditionRule {
  key: ConditionKey;
  /** Prevalence at each age (piecewise constant from the `fromAge` of each band), before sex and ethnicity. */
  bands: readonly (readonly [fromAge: number, prevalence: number])[];
  male?: number;
  female?: number;
  ethnic?: Partial<Record<EthnicGroup, number>>;
  /** Earliest age of onset, and how many years before now onset may be. */
  minOnsetAge: number;
  maxYears: number;
}

// Figures and their sources: history/README.md ("Long-term conditions"). The bands are tuned so that a London
// age structure (ONS mid-2022) gives the London QOF register prevalence named there.
const RULES: readonly ConditionRule[] = [
  {
    key: 'hypertension',
    bands: [
      [0, 0],
      [18, 0.01],
      [30, 0.03],
      [40, 0.09],
      [50, 0.18],
      [60, 0.33],
      [70, 0.5],
      [80, 0.6],
    ],
    male: 1.1,
    female: 0.9,
    ethnic: { black: 1.4, southAsian: 1.1, white: 0.95, mixed: 0.9, other: 0.85 },
    minOnsetAge: 25,
    maxYears: 25,
  },
  {
    key: 'diabetes',
    bands: [
      [0, 0],
      [5, 0.002],
      [17, 0.005],
      [30, 0.019],
      [40, 0.052],
      [50, 0.105],
      [60, 0.165],
      [70, 0.21],
      [80, 0.19],
    ],
    male: 1.2,
    female: 0.8,
    ethnic: { southAsian: 2.0, black: 1.6, white: 0.75, mixed: 1.0, other: 1.1 },
    minOnsetAge: 2,
    maxYears: 25,
  },
  {
    key: 'asthma',
    bands: [
      [0, 0],
      [2, 0.012],
      [6, 0.065],
      [18, 0.048],
      [40, 0.05],
      [60, 0.055],
    ],
    ethnic: { black: 1.15, white: 1.05, southAsian: 0.95, mixed: 1.1, other: 0.7 },
    minOnsetAge: 2,
    maxYears: 120,
  },
  {
    key: 'copd',
    bands: [
      [0, 0],
      [35, 0.0025],
      [50, 0.012],
      [60, 0.033],
      [70, 0.058],
      [80, 0.066],
    ],
    male: 1.1,
    female: 0.9,
    ethnic: { white: 1.4, black: 0.5, southAsian: 0.5, mixed: 1.0, other: 0.6 },
    minOnsetAge: 40,
    maxYears: 15,
  },
  {
    key: 'ckd',
    bands: [
      [0, 0],
      [18, 0.0035],
      [50, 0.017],
      [60, 0.051],
      [70, 0.137],
      [80, 0.32],
    ],
    ethnic: { black: 1.3, southAsian: 1.3 },
    minOnsetAge: 18,
    maxYears: 10,
  },
  {
    key: 'heartFailure',
    bands: [
      [0, 0],
      [40, 0.0026],
      [60, 0.013],
      [70, 0.039],
      [80, 0.104],
    ],
    male: 1.3,
    female: 0.7,
    minOnsetAge: 40,
    maxYears: 8,
  },
  {
    key: 'atrialFibrillation',
    bands: [
      [0, 0],
      [40, 0.003],
      [60, 0.02],
      [70, 0.06],
      [80, 0.14],
    ],
    male: 1.2,
    female: 0.8,
    ethnic: { white: 1.4, black: 0.5, southAsian: 0.5, mixed: 0.8, other: 0.6 },
    minOnsetAge: 40,
    maxYears: 12,
  },
  {
    key: 'ischaemicHeartDisease',
    bands: [
      [0, 0],
      [40, 0.005],
      [50, 0.02],
      [60, 0.05],
      [70, 0.1],
      [80, 0.15],
    ],
    male: 1.5,
    female: 0.5,
    ethnic: { southAsian: 1.5, black: 0.6 },
    minOnsetAge: 35,
    maxYears: 15,
  },
  {
    key: 'dementia',
    bands: [
      [0, 0],
      [60, 0.002],
      [65, 0.006],
      [70, 0.015],
      [75, 0.035],
      [80, 0.08],
      [85, 0.15],
      [90, 0.28],
    ],
    male: 0.9,
    female: 1.1,
    minOnsetAge: 60,
    maxYears: 6,
  },
  {
    key: 'frailty',
    bands: [
      [0, 0],
      [65, 0.095],
      [75, 0.2],
      [85, 0.4],
    ],
    minOnsetAge: 65,
    maxYears: 5,
  },
  {
    key: 'sickleCell',
    bands: [
      [0, 1],
      [60, 0.3],
    ],
    ethnic: { black: 0.0044, mixed: 0.001, white: 0.00001, southAsian: 0.00003, other: 0.0001 },
    minOnsetAge: 0,
    maxYears: 120,
  },
  {
    key: 'smi',
    bands: [
      [0, 0],
      [16, 0.004],
      [20, 0.011],
      [25, 0.016],
      [65, 0.012],
    ],
    male: 1.1,
    female: 0.9,
    ethnic: { black: 2.2, white: 0.85, southAsian: 0.9, mixed: 1.2, other: 1.0 },
    minOnsetAge: 16,
    maxYears: 40,
  },
  {
    key: 'learningDisability',
    bands: [
      [0, 0],
      [3, 0.005],
    ],
    male: 1.4,
    female: 0.6,
    minOnsetAge: 2,
    maxYears: 120,
  },
  {
    key: 'epilepsy',
    bands: [
      [0, 0],
      [1, 0.004],
      [18, 0.007],
    ],
    minOnsetAge: 1,
    maxYears: 120,
  },
  {
    key: 'depression',
    bands: [
      [0, 0],
      [16, 0.03],
      [18, 0.07],
      [65, 0.06],
    ],
    male: 0.7,
    female: 1.3,
    ethnic: { white: 1.25, black: 0.7, southAsian: 0.7, mixed: 1.1, other: 0.7 },
    minOnsetAge: 16,
    maxYears: 10,
  },
  {
    key: 'cancer',
    bands: [
      [0, 0],
      [20, 0.003],
      [40, 0.012],
      [50, 0.029],
      [60, 0.072],
      [70, 0.13],
      [80, 0.17],
    ],
    ethnic: { white: 1.3, black: 0.8, southAsian: 0.5, mixed: 0.9, other: 0.7 },
    minOnsetAge: 20,
    maxYears: 10,
  },
];

const MAX_AGE = 120;

interface CompiledRule {
  rule: ConditionRule;
  byAge: Float64Array;
  ethnic: Record<EthnicGroup, number>;
  /** For an ethnicity not stated: London's average. */
  ethnicUnknown: number;
}

function compile(rule: ConditionRule): CompiledRule {
  const byAge = new Float64Array(MAX_AGE + 1);
  for (let age = 0; age <= MAX_AGE; age++) {
    let p = 0;
    for (const [from, prevalence] of rule.bands) if (age >= from) p = prevalence;
    byAge[age] = p;
  }
  const ethnic: Record<EthnicGroup, number> = { white: 1, mixed: 1, southAsian: 1, black: 1, other: 1 };
  let ethnicUnknown = 1;
  if (rule.ethnic) {
    let mean = 0;
    for (const group of Object.keys(LONDON_ETHNIC_SHARES) as EthnicGroup[]) {
      ethnic[group] = rule.ethnic[group] ?? 1;
      mean += LONDON_ETHNIC_SHARES[group] * ethnic[group];
    }
    // Sickle cell is defined by its ethnic rates directly; the other rules keep London's overall prevalence.
    if (rule.key !== 'sickleCell') for (const group of Object.keys(ethnic) as EthnicGroup[]) ethnic[group] /= mean;
    else ethnicUnknown = mean;
  }
  return { rule, byAge, ethnic, ethnicUnknown };
}

const COMPILED: readonly CompiledRule[] = RULES.map(compile);

/** The probability that a person of this age, sex and ethnicity is on the condition's register. */
export function conditionProbability(
  key: ConditionKey,
  age: number,
  sex: AdministrativeSex,
  ethnicCategory: EthnicCategory,
): number {
  const compiled = COMPILED.find((c) => c.rule.key === key);
  if (!compiled) throw new Error(`unknown condition ${key}`);
  return probabilityOf(compiled, age, sex, ethnicGroupOf(ethnicCategory));
}

function probabilityOf(c: CompiledRule, age: number, sex: AdministrativeSex, group: EthnicGroup | undefined): number {
  let p = c.byAge[age < 0 ? 0 : age > MAX_AGE ? MAX_AGE : age]!;
  if (sex === 'male') p *= c.rule.male ?? 1;
  else if (sex === 'female') p *= c.rule.female ?? 1;
  p *= group ? c.ethnic[group] : c.ethnicUnknown;
  return p > 1 ? 1 : p;
}

/** Life-limiting conditions: the ones that put a person near the end of life (domain.md 3.1). */
export const LIFE_LIMITING: readonly ConditionKey[] = ['cancer', 'heartFailure', 'copd', 'dementia', 'frailty'];

export interface ConditionDrawInput {
  birthDay: number;
  /** The last day of the history (asOf, or the death date). */
  lastDay: number;
  age: number;
  sex: AdministrativeSex;
  ethnicCategory: EthnicCategory;
  isDead: boolean;
}

/** Draws the person's long-term conditions, each with an onset between birth and the last day. */
export function drawConditions(rng: Rng, input: ConditionDrawInput): ConditionProfile {
  const profile: ConditionProfile = { list: [], has: {} };
  const group = ethnicGroupOf(input.ethnicCategory);
  for (const c of COMPILED) {
    if (rng.next() < probabilityOf(c, input.age, input.sex, group)) addCondition(rng, profile, c.rule, input);
  }
  // ONS deaths registered: about three in four deaths follow a long illness (cancer, organ failure, frailty or
  // dementia), so most of the dead carry a life-limiting condition.
  if (input.isDead && input.age >= 40 && !LIFE_LIMITING.some((k) => profile.has[k]) && rng.chance(0.7)) {
    const key: ConditionKey =
      input.age >= 75
        ? rng.weighted([
            ['cancer', 4],
            ['heartFailure', 2],
            ['copd', 1.5],
            ['dementia', 2.5],
            ['frailty', 2],
          ])
        : rng.weighted([
            ['cancer', 6],
            ['heartFailure', 2],
            ['copd', 2],
          ]);
    const rule = RULES.find((r) => r.key === key)!;
    if (input.age >= rule.minOnsetAge) addCondition(rng, profile, rule, input);
  }
  return profile;
}

function addCondition(rng: Rng, profile: ConditionProfile, rule: ConditionRule, input: ConditionDrawInput): void {
  const onsetDay = drawOnset(rng, rule, input);
  let code: Coding;
  switch (rule.key) {
    case 'diabetes': {
      const onsetAge = (onsetDay - input.birthDay) / YEAR_DAYS;
      // NHS Digital National Diabetes Audit: about 8% of people with diabetes have type 1, mostly from childhood.
      profile.diabetesType = onsetAge < 17 || rng.chance(0.05) ? 1 : 2;
      code = profile.diabetesType === 1 ? codes.type1Diabetes : codes.type2Diabetes;
      break;
    }
    case 'ckd':
      profile.ckdStage = rng.weighted([
        ['3a', 60],
        ['3b', 25],
        ['4', 12],
        ['5', 3],
      ]);
      code =
        profile.ckdStage === '3a'
          ? codes.ckdStage3a
          : profile.ckdStage === '3b'
            ? codes.ckdStage3b
            : profile.ckdStage === '4'
              ? codes.ckdStage4
              : codes.ckdStage5;
      break;
    case 'frailty': {
      // eFI (Clegg 2016): among the moderately or severely frail, about one in four is severe, more with age.
      profile.frailty = rng.chance(input.age >= 85 ? 0.4 : input.age >= 75 ? 0.25 : 0.15) ? 'severe' : 'moderate';
      code = profile.frailty === 'severe' ? codes.severeFrailty : codes.moderateFrailty;
      break;
    }
    case 'smi':
      profile.smi = rng.chance(0.6) ? 'schizophrenia' : 'bipolar';
      code = profile.smi === 'schizophrenia' ? codes.schizophrenia : codes.bipolarDisorder;
      break;
    case 'cancer': {
      const site: CancerSite =
        input.sex === 'female'
          ? rng.weighted([
              ['breast', 55],
              ['colorectal', 15],
              ['lung', 12],
              ['melanoma', 18],
            ])
          : input.sex === 'male'
            ? rng.weighted([
                ['prostate', 48],
                ['colorectal', 20],
                ['lung', 16],
                ['melanoma', 16],
              ])
            : rng.weighted([
                ['colorectal', 40],
                ['lung', 30],
                ['melanoma', 30],
              ]);
      profile.cancerSite = site;
      code =
        site === 'breast'
          ? codes.breastCancer
          : site === 'prostate'
            ? codes.prostateCancer
            : site === 'lung'
              ? codes.lungCancer
              : site === 'colorectal'
                ? codes.colonCancer
                : codes.melanoma;
      break;
    }
    case 'hypertension':
      code = codes.hypertension;
      break;
    case 'asthma':
      code = codes.asthma;
      break;
    case 'copd':
      code = codes.copd;
      break;
    case 'heartFailure':
      code = codes.heartFailure;
      break;
    case 'atrialFibrillation':
      code = codes.atrialFibrillation;
      break;
    case 'ischaemicHeartDisease':
      code = codes.ischaemicHeartDisease;
      break;
    case 'dementia':
      code = codes.dementia;
      break;
    case 'sickleCell':
      code = codes.sickleCell;
      break;
    case 'learningDisability':
      code = codes.learningDisability;
      break;
    case 'epilepsy':
      code = codes.epilepsy;
      break;
    case 'depression':
      code = codes.depression;
      break;
  }
  const condition: PersonCondition = { key: rule.key, code, onsetDay };
  profile.list.push(condition);
  profile.has[rule.key] = condition;
}

function drawOnset(rng: Rng, rule: ConditionRule, input: ConditionDrawInput): number {
  const { birthDay, lastDay } = input;
  // Sickle cell disease is found by newborn blood spot screening (NHS Sickle Cell and Thalassaemia Screening
  // Programme), in the first weeks of life.
  if (rule.key === 'sickleCell') return Math.min(lastDay, birthDay + rng.int(7, 42));
  const ageNow = (lastDay - birthDay) / YEAR_DAYS;
  let fromAge = Math.max(rule.minOnsetAge, ageNow - rule.maxYears);
  let toAge = ageNow;
  // Asthma: about half of adult asthma began in childhood (Asthma + Lung UK).
  if (rule.key === 'asthma' && ageNow > 12 && rng.chance(0.5)) toAge = 12;
  // Psychosis and bipolar disorder usually start in early adulthood (NICE CG178, CG185).
  if (rule.key === 'smi') toAge = Math.min(ageNow, 35);
  if (rule.key === 'learningDisability') toAge = Math.min(ageNow, 6);
  if (fromAge > toAge) fromAge = toAge;
  const onset = birthDay + Math.floor((fromAge + rng.next() * (toAge - fromAge)) * YEAR_DAYS);
  return Math.max(birthDay + 1, Math.min(lastDay, onset));
}
