import {
  compareRecords,
  FIELD_LEVELS,
  BIRTH,
  GIVEN,
  MATCH_FIELDS,
  NHS,
  SEX,
  type FieldLevel,
  type MatchField,
} from './comparison.ts';
import type { MatchRecord } from './demographics.ts';
import { prepareRecord } from './prepared-record.ts';
import { DEFAULT_WEIGHTS, levelWeights, type MatchWeights } from './weights.ts';

export type MatchOutcome = 'MATCH' | 'POSSIBLE_MATCH' | 'NO_MATCH';

/**
 * A rule that decides or bounds the outcome whatever the score:
 * - `verified-nhs-number-equal`: both hold the same verified NHS number: the same person (domain.md 1.1, 2.2).
 * - `verified-nhs-numbers-differ`: both hold verified NHS numbers and they differ: never linked automatically
 *   (issue 4; domain.md 2.2 rule 3). At most a possible match, for a person to decide (a PDS duplicate).
 * - `personal-details-differ`: the first given name (a different name, not a typing error, nickname, middle
 *   name or initial), the birth date (not a swap, a year or a one-digit slip) or the sex differs and no NHS number
 *   agrees (equal, or one keying error apart for an identifier without a check digit); or two of them differ even
 *   though an unverified NHS number agrees. At most a possible match. This is
 *   the pattern of twins, siblings and a parent and child of the same name, who share surname, address and
 *   telephone: evidence about the household cannot outweigh a contradiction about the person, and an unverified
 *   number may have been picked from the wrong member of the household.
 */
export type MatchRule = 'verified-nhs-number-equal' | 'verified-nhs-numbers-differ' | 'personal-details-differ';

export interface FieldContribution<F extends MatchField = MatchField> {
  field: F;
  level: FieldLevel<F>;
  /** log2(m/u) of the level: positive for evidence of the same person. 0 when `missing`. */
  weight: number;
}

/** The score of a pair and why: the review queue shows the contributions. */
export interface MatchScore {
  /** Sum of the field weights (bits of evidence). */
  total: number;
  fields: FieldContribution[];
  rule?: MatchRule;
}

export interface MatchThresholds {
  /** A score at or above this is a MATCH (linked automatically). */
  upper: number;
  /** A score below this is a NO_MATCH; from here to `upper` a POSSIBLE_MATCH for review. */
  lower: number;
}

/**
 * Thresholds for DEFAULT_WEIGHTS, chosen on the synthetic London feeds the weights were estimated on (seed joinedup)
 * and checked on other seeds (README.md, "Benchmark"): `upper` sits in a gap of the score distribution between
 * 6.7 (a true pair with a new address in the same district) and 7.7; `lower` keeps the review queue to pairs with
 * a real chance of being the same person.
 */
export const DEFAULT_THRESHOLDS: MatchThresholds = { upper: 7.5, lower: 3 };

const vector = new Uint8Array(8);

/** Scores a pair of records field by field (Fellegi-Sunter), with the deterministic rules applied. */
export function scorePair(a: MatchRecord, b: MatchRecord, weights: MatchWeights = DEFAULT_WEIGHTS): MatchScore {
  compareRecords(prepareRecord(a), prepareRecord(b), vector);
  const table = levelWeights(weights);
  const fields: FieldContribution[] = [];
  let total = 0;
  for (let f = 0; f < MATCH_FIELDS.length; f++) {
    const field = MATCH_FIELDS[f]!;
    const level = vector[f]!;
    const weight = table[f]![level]!;
    total += weight;
    fields.push({ field, level: FIELD_LEVELS[field][level]!, weight });
  }
  const rule = ruleFor(a, b, vector);
  return rule ? { total, fields, rule } : { total, fields };
}

/**
 * The outcome of a scored pair. The score alone decides, except that a rule forces a MATCH (equal verified NHS
 * numbers) or caps the outcome at POSSIBLE_MATCH (differing verified NHS numbers; a different first given name).
 */
export function classify(score: MatchScore, thresholds: MatchThresholds = DEFAULT_THRESHOLDS): MatchOutcome {
  return outcomeOf(score.total, score.rule, thresholds);
}

/**
 * The outcome of a pair without building the explanation: for bulk deduplication, where millions of pairs are
 * scored and only those above `lower` need their contributions.
 */
export function matchOutcome(
  a: MatchRecord,
  b: MatchRecord,
  weights: MatchWeights = DEFAULT_WEIGHTS,
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): { outcome: MatchOutcome; total: number; rule: MatchRule | undefined } {
  compareRecords(prepareRecord(a), prepareRecord(b), vector);
  const table = levelWeights(weights);
  let total = 0;
  for (let f = 0; f < 8; f++) total += table[f]![vector[f]!]!;
  const rule = ruleFor(a, b, vector);
  return { outcome: outcomeOf(total, rule, thresholds), total, rule };
}

function outcomeOf(total: number, rule: MatchRule | undefined, t: MatchThresholds): MatchOutcome {
  if (rule === 'verified-nhs-number-equal') return 'MATCH';
  if (total < t.lower) return 'NO_MATCH';
  if (total < t.upper || rule !== undefined) return 'POSSIBLE_MATCH';
  return 'MATCH';
}

const GIVEN_DIFFER = FIELD_LEVELS.given.indexOf('differ');
const BIRTH_DIFFER = FIELD_LEVELS.birthDate.indexOf('differ');
const SEX_DIFFER = FIELD_LEVELS.sex.indexOf('differ');
const NHS_EQUAL = FIELD_LEVELS.nhsNumber.indexOf('equal');
const NHS_CLOSE = FIELD_LEVELS.nhsNumber.indexOf('close');

function ruleFor(a: MatchRecord, b: MatchRecord, v: Uint8Array): MatchRule | undefined {
  if (a.nhsNumberVerified && b.nhsNumberVerified && a.nhsNumber !== undefined && b.nhsNumber !== undefined) {
    return a.nhsNumber === b.nhsNumber ? 'verified-nhs-number-equal' : 'verified-nhs-numbers-differ';
  }
  const conflicts =
    Number(v[GIVEN] === GIVEN_DIFFER) + Number(v[BIRTH] === BIRTH_DIFFER) + Number(v[SEX] === SEX_DIFFER);
  // `close` arises only for an identifier without a check digit (comparison.ts): one keying error from equal.
  const identifierAgrees = v[NHS] === NHS_EQUAL || v[NHS] === NHS_CLOSE;
  if (conflicts >= (identifierAgrees ? 2 : 1)) return 'personal-details-differ';
  return undefined;
}

/** A record already in the index, with the person it is linked to. */
export interface IndexedCandidate {
  personId: string;
  record: MatchRecord;
  /**
   * The verified NHS number the person holds on any of their records (the golden record's), which may not be on
   * this record: a person with another verified number is never linked automatically.
   */
  personVerifiedNhsNumber?: string;
}

export interface LinkDecision {
  outcome: MatchOutcome;
  /** The person to link to: set when the outcome is MATCH. */
  personId?: string;
  /** Every candidate person scoring at least `lower`, best first, with its best-scoring record: the review queue. */
  candidates: { personId: string; recordId: string; outcome: MatchOutcome; score: MatchScore }[];
  /** Why a MATCH became a POSSIBLE_MATCH at the person level. */
  reason?: 'several-people-match' | 'person-has-another-verified-nhs-number';
}

/**
 * What to do with an incoming record given the records its blocking keys retrieved: link it to the one person it
 * matches, queue it for review, or make a new person. Decided per person, not per record:
 * - a person with any record holding a verified NHS number other than the incoming record's verified number is
 *   never linked automatically (issue 4; domain.md 2.2 rule 3), even through another of their records;
 * - matching two people is ambiguous (the index may hold a duplicate person): review, never a guess.
 */
export function decideLink(
  incoming: MatchRecord,
  candidates: readonly IndexedCandidate[],
  weights: MatchWeights = DEFAULT_WEIGHTS,
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): LinkDecision {
  type Best = { recordId: string; outcome: MatchOutcome; score: MatchScore; conflict: boolean };
  const people = new Map<string, Best>();
  const rank: Record<MatchOutcome, number> = { MATCH: 2, POSSIBLE_MATCH: 1, NO_MATCH: 0 };
  const incomingVerified = incoming.nhsNumberVerified ? incoming.nhsNumber : undefined;
  for (const c of candidates) {
    const score = scorePair(incoming, c.record, weights);
    const outcome = classify(score, thresholds);
    const conflict =
      score.rule === 'verified-nhs-numbers-differ' ||
      (incomingVerified !== undefined &&
        c.personVerifiedNhsNumber !== undefined &&
        c.personVerifiedNhsNumber !== incomingVerified);
    const best = people.get(c.personId);
    if (!best || rank[outcome] > rank[best.outcome] || (outcome === best.outcome && score.total > best.score.total)) {
      people.set(c.personId, {
        recordId: c.record.id,
        outcome,
        score,
        conflict: conflict || (best?.conflict ?? false),
      });
    } else if (conflict) {
      best.conflict = true;
    }
  }
  let conflicted = false;
  const ranked = [...people.entries()]
    .map(([personId, p]) => {
      const capped = p.conflict && p.outcome === 'MATCH';
      if (capped) conflicted = true;
      return { personId, recordId: p.recordId, outcome: capped ? 'POSSIBLE_MATCH' : p.outcome, score: p.score };
    })
    .filter((p) => p.outcome !== 'NO_MATCH')
    .sort((x, y) => rank[y.outcome] - rank[x.outcome] || y.score.total - x.score.total);
  const matched = ranked.filter((p) => p.outcome === 'MATCH');
  // Equal verified NHS numbers decide between people (domain.md 1.1): the others are left as candidates to review.
  const deterministic = matched.filter((p) => p.score.rule === 'verified-nhs-number-equal');
  if (deterministic.length === 1) {
    for (const p of matched) if (p !== deterministic[0]) p.outcome = 'POSSIBLE_MATCH';
    return { outcome: 'MATCH', personId: deterministic[0]!.personId, candidates: ranked };
  }
  if (matched.length === 1) return { outcome: 'MATCH', personId: matched[0]!.personId, candidates: ranked };
  if (matched.length > 1) {
    for (const p of matched) p.outcome = 'POSSIBLE_MATCH';
    return { outcome: 'POSSIBLE_MATCH', candidates: ranked, reason: 'several-people-match' };
  }
  if (ranked.length > 0) {
    return conflicted
      ? { outcome: 'POSSIBLE_MATCH', candidates: ranked, reason: 'person-has-another-verified-nhs-number' }
      : { outcome: 'POSSIBLE_MATCH', candidates: ranked };
  }
  return { outcome: 'NO_MATCH', candidates: [] };
}
