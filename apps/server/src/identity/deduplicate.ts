import { findCandidatePairs, type CandidateOptions } from './blocking.ts';
import type { MatchRecord } from './demographics.ts';
import { DEFAULT_THRESHOLDS, matchOutcome, type MatchOutcome, type MatchThresholds } from './match.ts';
import { DEFAULT_WEIGHTS, type MatchWeights } from './weights.ts';

export interface DeduplicateOptions extends CandidateOptions {
  weights?: MatchWeights;
  thresholds?: MatchThresholds;
  /** Leave a candidate pair out (e.g. two records of the same file when linking two files). */
  skipPair?: (a: number, b: number) => boolean;
}

/** A candidate pair scored at or above `lower`. `a` and `b` index the records. */
export interface ScoredLink {
  a: number;
  b: number;
  total: number;
  outcome: Exclude<MatchOutcome, 'NO_MATCH'>;
  /** Linked by equal verified NHS numbers, whatever the score. */
  deterministic: boolean;
  /** Scored MATCH, but not followed: it would have joined two verified NHS numbers (now POSSIBLE_MATCH). */
  refused?: true;
}

export interface Deduplication {
  /** MATCH and POSSIBLE_MATCH pairs; NO_MATCH pairs are not kept. */
  links: ScoredLink[];
  candidatePairs: number;
  /** The person of each record: the index of the first record of its cluster of automatic links. */
  person: Int32Array;
  /**
   * MATCH links not followed because they would put two different verified NHS numbers in one person; they are
   * left for review (counted in `links` as POSSIBLE_MATCH).
   */
  refusedMerges: number;
}

/**
 * Finds the people in a set of records: blocks, scores every candidate pair, and joins records by their automatic
 * links (MATCH), strongest first, never putting two different verified NHS numbers in one person (issue 4;
 * domain.md 2.2 rule 3): transitivity must not do what a single pair may not.
 */
export function deduplicate(records: readonly MatchRecord[], options: DeduplicateOptions = {}): Deduplication {
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const candidates = findCandidatePairs(records, options);
  const links: ScoredLink[] = [];
  for (let p = 0; p < candidates.count; p++) {
    const a = candidates.pairs[p * 2]!;
    const b = candidates.pairs[p * 2 + 1]!;
    if (options.skipPair?.(a, b)) continue;
    const { outcome, total, rule } = matchOutcome(records[a]!, records[b]!, weights, thresholds);
    if (outcome !== 'NO_MATCH')
      links.push({ a, b, total, outcome, deterministic: rule === 'verified-nhs-number-equal' });
  }
  const { person, refused } = joinPeople(records, links);
  return { links, candidatePairs: candidates.count, person, refusedMerges: refused };
}

function joinPeople(records: readonly MatchRecord[], links: ScoredLink[]): { person: Int32Array; refused: number } {
  const parent = new Int32Array(records.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  // The verified NHS number of each cluster, at its root.
  const verified: (string | undefined)[] = records.map((r) => (r.nhsNumberVerified ? r.nhsNumber : undefined));
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  let refused = 0;
  const automatic = links
    .filter((l) => l.outcome === 'MATCH')
    .sort((x, y) => Number(y.deterministic) - Number(x.deterministic) || y.total - x.total);
  for (const link of automatic) {
    const ra = find(link.a);
    const rb = find(link.b);
    if (ra === rb) continue;
    const va = verified[ra];
    const vb = verified[rb];
    if (va !== undefined && vb !== undefined && va !== vb) {
      link.outcome = 'POSSIBLE_MATCH';
      link.refused = true;
      refused++;
      continue;
    }
    const root = Math.min(ra, rb);
    const other = root === ra ? rb : ra;
    parent[other] = root;
    verified[root] = va ?? vb;
  }
  const person = new Int32Array(records.length);
  for (let i = 0; i < person.length; i++) person[i] = find(i);
  return { person, refused };
}
