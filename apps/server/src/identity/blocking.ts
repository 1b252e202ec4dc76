import type { MatchRecord } from './demographics.ts';
import { prepareRecord } from './prepared-record.ts';

/**
 * Blocking keys: a record is compared only with records that share at least one key. Each key is a short string
 * meant for an indexed text column (`mpi_blocking_key(key text, record_id ...)`, a btree on key), so candidate
 * retrieval is one index scan per key. Each key survives a different kind of error, so that a true pair shares at
 * least one of them unless it has several errors at once (README.md, "Blocking", for the measured pair
 * completeness):
 *
 * | key | value | survives |
 * |---|---|---|
 * | `n:` | NHS number | any demographic error |
 * | `d:` | birth date (day and month in sorted order) + first sound of the family name | name typos after the first sound, day/month swap, address change |
 * | `g:` | birth date (sorted day/month) + phonetic code of the first given name | a changed family name (marriage), day/month swap |
 * | `f:` | phonetic family name + first given initial + birth year | a wrong day or month |
 * | `m:` | phonetic family and given names + day and month of birth (sorted) | a wrong birth year and a new address |
 * | `p:` | postcode + day and month of birth (sorted) | a wrong birth year, a changed family name |
 * | `q:` | postcode + phonetic family name | a wrong or missing birth date |
 * | `x:` | birth date (sorted day/month) + first sounds of both names, in sorted order | given and family names swapped |
 *
 * Sorting day and month (`1985-03-12` and `1985-12-03` both give `19850312`) makes a day/month swap share the key
 * at the cost of at most doubling the block.
 */
export const BLOCKING_KEY_KINDS = ['n', 'd', 'g', 'f', 'm', 'p', 'q', 'x'] as const;
export type BlockingKeyKind = (typeof BLOCKING_KEY_KINDS)[number];

/** The blocking keys of a record, one per kind at most, in the order of `BLOCKING_KEY_KINDS` (absent kinds left out). */
export function blockingKeys(r: MatchRecord): string[] {
  const keys: string[] = [];
  for (const k of blockingKeysByKind(r)) if (k !== undefined) keys.push(k);
  return keys;
}

/** The blocking keys of a record by kind (undefined where the record lacks what the key needs). */
export function blockingKeysByKind(r: MatchRecord): (string | undefined)[] {
  const p = prepareRecord(r);
  const sortedDate = p.birth === '' ? '' : p.year + sortedDayMonth(p.month, p.day);
  const familyCode = p.familyCodes[0] ?? '';
  const givenCode = p.givenCodes[0] ?? '';
  const initial = p.given[0] ?? '';
  return [
    r.nhsNumber !== undefined ? `n:${r.nhsNumber}` : undefined,
    sortedDate && familyCode ? `d:${sortedDate}:${familyCode[0]}` : undefined,
    sortedDate && givenCode ? `g:${sortedDate}:${givenCode}` : undefined,
    familyCode && initial && p.year ? `f:${familyCode}:${initial}:${p.year}` : undefined,
    familyCode && givenCode && p.month ? `m:${familyCode}:${givenCode}:${sortedDayMonth(p.month, p.day)}` : undefined,
    p.postcode && p.month ? `p:${p.postcode.replace(' ', '')}:${sortedDayMonth(p.month, p.day)}` : undefined,
    p.postcode && familyCode ? `q:${p.postcode.replace(' ', '')}:${familyCode}` : undefined,
    sortedDate && familyCode && givenCode ? `x:${sortedDate}:${sortedPair(familyCode[0]!, givenCode[0]!)}` : undefined,
  ];
}

function sortedPair(a: string, b: string): string {
  return a < b ? a + b : b + a;
}

function sortedDayMonth(month: number, day: number): string {
  const lo = Math.min(month, day);
  const hi = Math.max(month, day);
  return (lo < 10 ? '0' : '') + lo + (hi < 10 ? '0' : '') + hi;
}

export interface CandidatePairs {
  /** Pairs of indexes into the records, flat: [a0, b0, a1, b1, ...], each unordered pair once. */
  pairs: Uint32Array;
  count: number;
  /** Keys left out because more than `maxBlockSize` records share them. */
  skippedKeys: number;
  largestBlock: number;
}

export interface CandidateOptions {
  /**
   * A key shared by more records than this is a stop key (a default date of birth, a placeholder name): it is
   * skipped rather than compared all against all. Default 1,000.
   */
  maxBlockSize?: number;
}

/**
 * Every pair of records sharing at least one blocking key, each once: a pair is emitted at the first key kind the
 * two share, so records sharing several keys are not compared several times.
 */
export function findCandidatePairs(records: readonly MatchRecord[], options: CandidateOptions = {}): CandidatePairs {
  const maxBlock = options.maxBlockSize ?? 1000;
  const kinds = BLOCKING_KEY_KINDS.length;
  const keyOf: (string | undefined)[] = new Array<string | undefined>(records.length * kinds);
  const blocks = new Map<string, number[]>();
  for (let i = 0; i < records.length; i++) {
    const keys = blockingKeysByKind(records[i]!);
    for (let k = 0; k < kinds; k++) {
      const key = keys[k];
      keyOf[i * kinds + k] = key;
      if (key === undefined) continue;
      const block = blocks.get(key);
      if (block) block.push(i);
      else blocks.set(key, [i]);
    }
  }

  const skipped = new Set<string>();
  for (const [key, block] of blocks) if (block.length > maxBlock) skipped.add(key);
  let pairs = new Uint32Array(1 << 16);
  let count = 0;
  let largestBlock = 0;
  for (const [key, block] of blocks) {
    if (block.length < 2 || skipped.has(key)) continue;
    if (block.length > largestBlock) largestBlock = block.length;
    const kind = BLOCKING_KEY_KINDS.indexOf(key[0] as BlockingKeyKind);
    for (let x = 0; x < block.length; x++) {
      const i = block[x]!;
      for (let y = x + 1; y < block.length; y++) {
        const j = block[y]!;
        if (sharesEarlierKey(keyOf, skipped, i, j, kind, kinds)) continue;
        if ((count + 1) * 2 > pairs.length) {
          const grown = new Uint32Array(pairs.length * 2);
          grown.set(pairs);
          pairs = grown;
        }
        pairs[count * 2] = i;
        pairs[count * 2 + 1] = j;
        count++;
      }
    }
  }
  return { pairs: pairs.subarray(0, count * 2), count, skippedKeys: skipped.size, largestBlock };
}

function sharesEarlierKey(
  keyOf: (string | undefined)[],
  skipped: ReadonlySet<string>,
  i: number,
  j: number,
  kind: number,
  kinds: number,
): boolean {
  for (let k = 0; k < kind; k++) {
    const a = keyOf[i * kinds + k];
    if (a !== undefined && a === keyOf[j * kinds + k] && !skipped.has(a)) return true;
  }
  return false;
}
