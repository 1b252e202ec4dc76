import { generateHistory } from './history/index.ts';
import type { AnswerLine, Life, Region, SourceRecord } from './model.ts';
import { generatePerson } from './people/index.ts';
import { createRng } from './random.ts';
import { buildRegion } from './region/index.ts';
import { answerLines, sourceRecordsFor } from './sources/index.ts';

/**
 * The generator's version. Output is byte-identical for the same version, seed, population size and as-of
 * date; any change to what is generated must bump it (docs/adr/0005-synthetic-region.md).
 */
export const GENERATOR_VERSION = '1.1.0';

/** The as-of date when none is given: fixed, so that the same command gives the same output on any day. */
export const DEFAULT_AS_OF = '2026-11-01';

export interface SynthOptions {
  patients: number;
  seed: string;
  /** The run's "today" (YYYY-MM-DD): histories run up to it, future appointments lie after it. */
  asOf: string;
}

/** One person: their true life, what each organisation holds of them, and the answer lines. */
export interface SyntheticPerson {
  life: Life;
  records: SourceRecord[];
  answers: AnswerLine[];
}

/** The region's organisations and staff, sized for the population. */
export function buildSyntheticRegion(options: SynthOptions): Region {
  return buildRegion(createRng(`${options.seed}/region`), { patients: options.patients });
}

/** Person `index` of the population: the same for the same seed and as-of date, whatever else is generated. */
export function generateSyntheticPerson(region: Region, index: number, options: SynthOptions): SyntheticPerson {
  const person = generatePerson(region, index, options.seed, options.asOf);
  const life: Life = {
    person,
    events: generateHistory(person, region, options.seed, options.asOf),
    asOf: options.asOf,
  };
  const records = sourceRecordsFor(life, region, options.seed);
  return { life, records, answers: answerLines(life, records) };
}

/** The population from `from` (included) to `to` (excluded), one person at a time: nothing is held. */
export function* generatePopulation(
  region: Region,
  options: SynthOptions,
  from = 0,
  to = options.patients,
): Generator<SyntheticPerson> {
  for (let index = from; index < to; index++) yield generateSyntheticPerson(region, index, options);
}
