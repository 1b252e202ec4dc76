import { findCandidatePairs, type CandidateOptions } from './blocking.ts';
import {
  compareRecords,
  FIELD_LEVELS,
  MATCH_FIELDS,
  MISSING,
  type MatchField,
  type WeightedLevel,
} from './comparison.ts';
import type { MatchRecord } from './demographics.ts';
import { prepareRecord } from './prepared-record.ts';

/**
 * Fellegi-Sunter parameters of one field: for each agreement level, m = P(level | same person) and
 * u = P(level | different people), among candidate pairs (pairs that share a blocking key). The weight of a level
 * is log2(m / u).
 */
export interface FieldWeights<F extends MatchField> {
  m: Record<WeightedLevel<F>, number>;
  u: Record<WeightedLevel<F>, number>;
}

export type MatchWeights = { [F in MatchField]: FieldWeights<F> };

/** The m and u of one field by level name, whichever the field. */
type LevelProbabilities = { m: Record<string, number>; u: Record<string, number> };

/**
 * Default m- and u-probabilities, for UK records (NHS number, sex, telephone; London-like population). Estimated by
 * `estimateWeights` (EM) on the synthetic London feeds (`npm run synth -- --patients 20000 --seed joinedup
 * --outputs bulk,answers`: 76,387 Patient records, 366,484 candidate pairs, 9 iterations), rounded. The levels
 * marked † are errors the generator never makes, where EM can only say "never seen in a true pair"; they are set by
 * hand to a rate a real feed has, so that one such error weighs as a strong contradiction (about -8 to -10 bits)
 * and not as an impossibility (-20): NHS number differs (a superseded or mistyped number, 0.2%), family name of a
 * man differs (0.2%), nickname (0.5%), middle name used (0.2%), initial only (0.1%), one digit of the birth date
 * (0.3%), birth date differs (0.1%), sex differs (0.2%), address close (0.5%), telephone differs (people change
 * numbers, 8%), and the u of an equal unverified NHS number (1 in 100,000 candidate pairs: a number keyed from
 * the wrong member of a household). See README.md, "Weights", to re-estimate.
 */
export const DEFAULT_WEIGHTS: MatchWeights = {
  nhsNumber: {
    m: { equal: 0.9979, close: 0.0001, differ: 0.002 },
    u: { equal: 0.00001, close: 0.0001, differ: 0.99989 },
  },
  family: {
    m: { exact: 0.9342, part: 0.0005, close: 0.0226, phonetic: 0.002, differ: 0.002, 'differ-female': 0.0427 },
    u: { exact: 0.8427, part: 0.00005, close: 0.03715, phonetic: 0.01105, differ: 0.07765, 'differ-female': 0.03145 },
  },
  given: {
    m: { exact: 0.9643, nickname: 0.005, close: 0.0255, other: 0.002, initial: 0.001, differ: 0.002 },
    u: { exact: 0.0521, nickname: 0.0008, close: 0.0114, other: 0.00998, initial: 0.0005, differ: 0.9257 },
  },
  birthDate: {
    m: { exact: 0.978, swapped: 0.0048, year: 0.0131, digit: 0.003, differ: 0.001 },
    u: { exact: 0.0949, swapped: 0.0198, year: 0.000708, digit: 0.00832, differ: 0.8762 },
  },
  sex: { m: { equal: 0.998, differ: 0.002 }, u: { equal: 0.4672, differ: 0.5328 } },
  postcode: {
    m: { exact: 0.9606, district: 0.00417, differ: 0.03524 },
    u: { exact: 0.7925, district: 0.00105, differ: 0.2064 },
  },
  address: {
    m: { exact: 0.9556, close: 0.005, differ: 0.0394 },
    u: { exact: 0.7915, close: 0.001, differ: 0.2075 },
  },
  phone: {
    m: { mobile: 0.85, landline: 0.07, differ: 0.08 },
    u: { mobile: 0.000569, landline: 0.3899, differ: 0.6095 },
  },
};

const compiled = new WeakMap<MatchWeights, Float64Array[]>();

/**
 * log2(m/u) of every level of every field, by field position and level index (`missing` weighs 0), made monotone:
 * a level of (partial) agreement never counts against a match, nor more than exact agreement (the first level),
 * and a disagreement never counts for one. EM assumes fields agree independently; within a household surname, postcode,
 * address and landline agree together, and the estimate can then score a shared landline as evidence against.
 */
export function levelWeights(weights: MatchWeights): Float64Array[] {
  let table = compiled.get(weights);
  if (!table) {
    table = MATCH_FIELDS.map((field) => {
      const levels = FIELD_LEVELS[field];
      const w = new Float64Array(levels.length);
      const fw: LevelProbabilities = weights[field];
      for (let k = 0; k < levels.length - 1; k++) {
        const level = levels[k]!;
        const raw = Math.log2(
          Math.max(fw.m[level] ?? 0, PROBABILITY_FLOOR) / Math.max(fw.u[level] ?? 0, PROBABILITY_FLOOR),
        );
        w[k] = isDisagreement(level) ? Math.min(raw, 0) : Math.max(raw, 0);
      }
      for (let k = 1; k < levels.length - 1; k++) if (!isDisagreement(levels[k]!)) w[k] = Math.min(w[k]!, w[0]!);
      return w;
    });
    compiled.set(weights, table);
  }
  return table;
}

function isDisagreement(level: string): boolean {
  return level === 'differ' || level === 'differ-female';
}

/** No level is impossible: a probability of 0 would make one field veto or force a link alone. */
export const PROBABILITY_FLOOR = 1e-6;

export interface EstimateOptions extends CandidateOptions {
  /** Starting values (default DEFAULT_WEIGHTS). */
  initial?: MatchWeights;
  /** Starting share of candidate pairs that are the same person (default 0.1). */
  initialMatchShare?: number;
  maxIterations?: number;
  /** Stop when no probability moves by more than this (default 1e-7). */
  tolerance?: number;
  /**
   * Where the u-probabilities come from. `candidates` (default): estimated by EM with the m-probabilities, among
   * candidate pairs, where lookalikes (household members, people born the same day) are common: right where fields
   * agree together within households. `random`: counted on random pairs of records (nearly all different people)
   * and held fixed while EM estimates m (Splink's method): the choice when nearly every candidate pair is a true
   * pair, which leaves EM too few different people to learn u from.
   */
  u?: 'candidates' | 'random';
  /** Random pairs counted for `u: 'random'` (default 200,000). */
  randomPairs?: number;
}

export interface WeightEstimate {
  weights: MatchWeights;
  /** Estimated share of candidate pairs that are the same person. */
  matchShare: number;
  candidatePairs: number;
  /** Distinct comparison vectors the estimate ran on. */
  patterns: number;
  iterations: number;
}

/**
 * Estimates m- and u-probabilities from unlabelled records by expectation-maximisation over the comparison
 * vectors of their candidate pairs (Fellegi & Sunter 1969 section 3.3; Winkler 1988, "Using the EM algorithm for
 * weight computation in the Fellegi-Sunter model of record linkage"), assuming fields agree independently given
 * match status. Runs on counts of distinct vectors, so its cost is one pass over the pairs.
 */
export function estimateWeights(records: readonly MatchRecord[], options: EstimateOptions = {}): WeightEstimate {
  const candidates = findCandidatePairs(records, options);
  const counts = new Map<number, number>();
  const vector = new Uint8Array(8);
  for (let p = 0; p < candidates.count; p++) {
    const a = prepareRecord(records[candidates.pairs[p * 2]!]!);
    const b = prepareRecord(records[candidates.pairs[p * 2 + 1]!]!);
    compareRecords(a, b, vector);
    const key = packVector(vector);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const fixedU = options.u === 'random' ? randomPairU(records, options.randomPairs ?? 200_000) : undefined;
  return estimateFromPatterns(counts, candidates.count, options, fixedU);
}

/** Level frequencies on random pairs (a deterministic sequence, so the estimate is repeatable), half a pair added. */
function randomPairU(records: readonly MatchRecord[], pairs: number): Float64Array[] {
  const u = MATCH_FIELDS.map((f) => new Float64Array(FIELD_LEVELS[f].length).fill(0.5));
  const n = records.length;
  if (n < 2) return u;
  const vector = new Uint8Array(8);
  let state = 0x9e3779b9;
  const next = (): number => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  for (let p = 0; p < pairs; p++) {
    const a = next();
    const b = next();
    if (a === b) continue;
    compareRecords(prepareRecord(records[a]!), prepareRecord(records[b]!), vector);
    for (let f = 0; f < MATCH_FIELDS.length; f++) u[f]![vector[f]!]!++;
  }
  for (let f = 0; f < MATCH_FIELDS.length; f++) normalise(u[f]!, MISSING[f]!);
  return u;
}

/**
 * Weights counted from labelled comparison vectors (the alternative to EM when the truth is known, e.g. from review
 * decisions), with half a pair added to every level (Jeffreys prior) so that a level never seen is not impossible.
 */
export function weightsFromLabelledVectors(vectors: Iterable<{ vector: Uint8Array; isMatch: boolean }>): MatchWeights {
  const m = MATCH_FIELDS.map((f) => new Float64Array(FIELD_LEVELS[f].length).fill(0.5));
  const u = MATCH_FIELDS.map((f) => new Float64Array(FIELD_LEVELS[f].length).fill(0.5));
  for (const { vector, isMatch } of vectors) {
    const table = isMatch ? m : u;
    for (let f = 0; f < MATCH_FIELDS.length; f++) table[f]![vector[f]!]!++;
  }
  return toWeights(m, u);
}

function packVector(v: Uint8Array): number {
  let key = 0;
  for (let f = 0; f < 8; f++) key = key * 8 + v[f]!;
  return key;
}

function unpackVector(key: number, out: Uint8Array): void {
  for (let f = 7; f >= 0; f--) {
    out[f] = key % 8;
    key = Math.floor(key / 8);
  }
}

function estimateFromPatterns(
  counts: Map<number, number>,
  pairs: number,
  options: EstimateOptions,
  fixedU: Float64Array[] | undefined,
): WeightEstimate {
  const initial = options.initial ?? DEFAULT_WEIGHTS;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-7;
  const fields = MATCH_FIELDS.length;
  const patterns = [...counts.entries()].map(([key, n]) => {
    const v = new Uint8Array(8);
    unpackVector(key, v);
    return { v, n };
  });
  let m = MATCH_FIELDS.map((f) => probabilities(initial, f, 'm'));
  let u = fixedU ?? MATCH_FIELDS.map((f) => probabilities(initial, f, 'u'));
  let share = options.initialMatchShare ?? 0.1;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const mNext = MATCH_FIELDS.map((f) => new Float64Array(FIELD_LEVELS[f].length));
    const uNext = MATCH_FIELDS.map((f) => new Float64Array(FIELD_LEVELS[f].length));
    let matched = 0;
    let total = 0;
    for (const { v, n } of patterns) {
      let pm = share;
      let pu = 1 - share;
      for (let f = 0; f < fields; f++) {
        const level = v[f]!;
        if (level === MISSING[f]) continue;
        pm *= m[f]![level]!;
        pu *= u[f]![level]!;
      }
      const g = pm + pu > 0 ? pm / (pm + pu) : 0;
      matched += g * n;
      total += n;
      for (let f = 0; f < fields; f++) {
        const level = v[f]!;
        if (level === MISSING[f]) continue;
        mNext[f]![level]! += g * n;
        uNext[f]![level]! += (1 - g) * n;
      }
    }
    for (let f = 0; f < fields; f++) {
      normalise(mNext[f]!, MISSING[f]!);
      normalise(uNext[f]!, MISSING[f]!);
    }
    const shareNext = total > 0 ? matched / total : share;
    const moved = Math.max(maxChange(m, mNext), fixedU ? 0 : maxChange(u, uNext), Math.abs(shareNext - share));
    m = mNext;
    if (!fixedU) u = uNext;
    share = shareNext;
    if (moved < tolerance) {
      iterations++;
      break;
    }
  }
  return { weights: toWeights(m, u), matchShare: share, candidatePairs: pairs, patterns: patterns.length, iterations };
}

function probabilities(weights: MatchWeights, field: MatchField, which: 'm' | 'u'): Float64Array {
  const levels = FIELD_LEVELS[field];
  const out = new Float64Array(levels.length);
  const fw: LevelProbabilities = weights[field];
  const values = fw[which];
  for (let k = 0; k < levels.length - 1; k++) out[k] = Math.max(values[levels[k]!] ?? 0, PROBABILITY_FLOOR);
  normalise(out, levels.length - 1);
  return out;
}

function normalise(p: Float64Array, missing: number): void {
  let sum = 0;
  for (let k = 0; k < p.length; k++) if (k !== missing) sum += p[k]!;
  for (let k = 0; k < p.length; k++) p[k] = k === missing || sum === 0 ? 0 : Math.max(p[k]! / sum, PROBABILITY_FLOOR);
}

function maxChange(a: Float64Array[], b: Float64Array[]): number {
  let max = 0;
  for (let f = 0; f < a.length; f++)
    for (let k = 0; k < a[f]!.length; k++) max = Math.max(max, Math.abs(a[f]![k]! - b[f]![k]!));
  return max;
}

function toWeights(m: Float64Array[], u: Float64Array[]): MatchWeights {
  const out: Record<string, { m: Record<string, number>; u: Record<string, number> }> = {};
  MATCH_FIELDS.forEach((field, f) => {
    const levels = FIELD_LEVELS[field];
    const mf = Float64Array.from(m[f]!);
    const uf = Float64Array.from(u[f]!);
    normalise(mf, levels.length - 1);
    normalise(uf, levels.length - 1);
    const entry = { m: {} as Record<string, number>, u: {} as Record<string, number> };
    for (let k = 0; k < levels.length - 1; k++) {
      entry.m[levels[k]!] = round(mf[k]!);
      entry.u[levels[k]!] = round(uf[k]!);
    }
    out[field] = entry;
  });
  return out as unknown as MatchWeights;
}

function round(p: number): number {
  return Number(p.toPrecision(4));
}
