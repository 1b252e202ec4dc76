import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FIELD_LEVELS, MATCH_FIELDS } from './comparison.ts';
import type { MatchRecord } from './demographics.ts';
import { aRecord, NHS_A } from './records.test-support.ts';
import {
  DEFAULT_WEIGHTS,
  estimateWeights,
  levelWeights,
  weightsFromLabelledVectors,
  type MatchWeights,
} from './weights.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

/** m/u of every weighted level of every field, from a list of numbers. */
function weightsFrom(values: number[]): MatchWeights {
  let i = 0;
  const out: Record<string, { m: Record<string, number>; u: Record<string, number> }> = {};
  for (const field of MATCH_FIELDS) {
    out[field] = { m: {}, u: {} };
    for (const level of FIELD_LEVELS[field].slice(0, -1)) {
      out[field].m[level] = values[i++ % values.length]!;
      out[field].u[level] = values[i++ % values.length]!;
    }
  }
  return out as unknown as MatchWeights;
}

test('level weights are monotone: agreement never counts against, nor above exact; disagreement never for', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 80 }), (values) => {
      const table = levelWeights(weightsFrom(values));
      MATCH_FIELDS.forEach((field, f) => {
        const levels = FIELD_LEVELS[field];
        const w = table[f]!;
        assert.equal(w[levels.length - 1], 0, 'missing weighs nothing');
        for (let k = 0; k < levels.length - 1; k++) {
          assert.ok(Number.isFinite(w[k]!), 'a probability of 0 is floored, never infinite');
          if (levels[k]!.startsWith('differ')) assert.ok(w[k]! <= 0);
          else assert.ok(w[k]! >= 0 && w[k]! <= w[0]!);
        }
      });
    }),
    { numRuns: RUNS },
  );
});

test('the defaults: an agreeing NHS number and mobile are strong, a differing given name and birth date are strong against', () => {
  const table = levelWeights(DEFAULT_WEIGHTS);
  const w = (field: (typeof MATCH_FIELDS)[number], level: string) =>
    table[MATCH_FIELDS.indexOf(field)]![(FIELD_LEVELS[field] as readonly string[]).indexOf(level)]!;
  assert.ok(w('nhsNumber', 'equal') > 15);
  assert.ok(w('phone', 'mobile') > 9);
  assert.ok(w('given', 'differ') < -8);
  assert.ok(w('birthDate', 'differ') < -8);
  assert.ok(w('sex', 'differ') < -7);
  assert.ok(w('family', 'differ') < w('family', 'differ-female'), 'a woman may have married');
});

test('weightsFromLabelledVectors counts levels with half a pair added to each', () => {
  const v = (levels: number[]) => Uint8Array.from(levels);
  const weights = weightsFromLabelledVectors([
    { vector: v([0, 0, 0, 0, 0, 0, 0, 0]), isMatch: true },
    { vector: v([0, 0, 0, 0, 0, 0, 0, 0]), isMatch: true },
    { vector: v([2, 4, 5, 4, 1, 2, 2, 2]), isMatch: false },
  ]);
  // nhsNumber levels: equal, close, differ (+ missing): matches 2.5, 0.5, 0.5 of 3.5.
  assert.ok(Math.abs(weights.nhsNumber.m.equal - 2.5 / 3.5) < 1e-3);
  assert.ok(Math.abs(weights.nhsNumber.u.differ - 1.5 / 2.5) < 1e-3);
  assert.ok(weights.given.u.differ > weights.given.m.differ);
});

/** People with known errors: the same person twice (one copy with a typo or no phone), and lookalike neighbours. */
function population(): { records: MatchRecord[]; person: number[] } {
  const records: MatchRecord[] = [];
  const person: number[] = [];
  const families = ['Smith', 'Khan', 'Okafor', 'Nowak', 'Patel', 'Jones', 'Silva', 'Chen'];
  const givens = ['Jane', 'Amira', 'Ola', 'Zofia', 'Priya', 'Megan', 'Ana', 'Mei', 'Sara', 'Lena'];
  for (let i = 0; i < 400; i++) {
    const base = {
      family: families[i % families.length]!,
      given: [givens[Math.floor(i / 8) % givens.length]!],
      birthDate: `19${50 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`,
      postcode: `SE${1 + (i % 28)} 4QX`,
      addressLines: [`${1 + (i % 50)} Oak Road`],
      phones: [`07700 9${String(i).padStart(5, '0')}`],
      ...(i % 3 === 0 ? { nhsNumber: NHS_A } : {}),
    };
    records.push(aRecord({ ...base, nhsNumber: '' }));
    person.push(i);
    const copy = i % 4 === 0 ? { ...base, family: base.family + 'e' } : i % 4 === 1 ? { ...base, phones: [] } : base;
    records.push(aRecord({ ...copy, nhsNumber: '' }));
    person.push(i);
  }
  return { records, person };
}

test('estimateWeights (EM) separates the true pairs from the lookalikes without labels', () => {
  const { records, person } = population();
  const estimate = estimateWeights(records);
  assert.ok(estimate.candidatePairs > 400);
  assert.ok(estimate.iterations > 1 && estimate.iterations <= 500);
  assert.ok(estimate.patterns > 3);
  const trueShare = (() => {
    let truePairs = 0;
    for (let i = 0; i < records.length; i += 2) if (person[i] === person[i + 1]) truePairs++;
    return truePairs / estimate.candidatePairs;
  })();
  assert.ok(Math.abs(estimate.matchShare - trueShare) < 0.1, `${estimate.matchShare} vs ${trueShare}`);
  const w = estimate.weights;
  assert.ok(w.given.m.exact > w.given.u.exact, 'the same given name is evidence of the same person');
  assert.ok(w.phone.m.mobile > 10 * w.phone.u.mobile);
  assert.ok(w.birthDate.m.exact > w.birthDate.u.exact);
  for (const field of MATCH_FIELDS) {
    const fw: { m: Record<string, number>; u: Record<string, number> } = w[field];
    for (const p of [...Object.values(fw.m), ...Object.values(fw.u)]) assert.ok(p >= 0 && p <= 1);
  }
});

test('estimateWeights on no records or no candidate pairs returns the starting weights shape', () => {
  const none = estimateWeights([]);
  assert.equal(none.candidatePairs, 0);
  assert.deepEqual(Object.keys(none.weights), MATCH_FIELDS);
  const lonely = estimateWeights([
    aRecord(),
    aRecord({ family: 'Okafor', birthDate: '1990-01-01', postcode: 'N1 1AA' }),
  ]);
  assert.equal(lonely.candidatePairs, 0);
});
