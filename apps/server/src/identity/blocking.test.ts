import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blockingKeys, findCandidatePairs } from './blocking.ts';
import type { DemographicsInput } from './demographics.ts';
import { aRecord, NHS_A } from './records.test-support.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

function sharesKey(x: Partial<DemographicsInput>, y: Partial<DemographicsInput>): boolean {
  const a = blockingKeys(aRecord(x));
  return blockingKeys(aRecord(y)).some((k) => a.includes(k));
}

test('keys are short strings for an indexed text column, one per kind', () => {
  const keys = blockingKeys(aRecord({ nhsNumber: NHS_A }));
  assert.deepEqual(keys, [
    'n:9990000018',
    'd:19840312:S',
    'g:19840312:JN',
    'f:SM0:J:1984',
    'm:SM0:JN:0312',
    'p:SE154QX:0312',
    'q:SE154QX:SM0',
    'x:19840312:JS',
  ]);
  for (const k of keys) assert.match(k, /^[a-z]:[A-Z0-9:]{1,30}$/);
  assert.deepEqual(blockingKeys(aRecord({ family: '', given: [], birthDate: '', postcode: '' })), []);
});

test('the true pairs of the scoring tests share a key', () => {
  assert.ok(sharesKey({}, { birthDate: '1984-12-03' }), 'day and month transposed');
  assert.ok(sharesKey({}, { birthDate: '1985-03-12', postcode: 'N1 1AA' }), 'year typo');
  assert.ok(sharesKey({}, { birthDate: '1994-03-12', postcode: '' }), 'year typo, no address');
  assert.ok(sharesKey({}, { family: 'Okafor', postcode: 'N1 1AA' }), 'married name, moved');
  assert.ok(sharesKey({}, { family: 'Smtih' }), 'family typo');
  assert.ok(sharesKey({}, { given: ['Jnae'], postcode: 'N1 1AA' }), 'given typo, moved');
  assert.ok(sharesKey({}, { birthDate: '1984-03-13', postcode: '' }), 'one digit of the day, no address');
  assert.ok(sharesKey({ family: 'Mason', given: ['Leon'] }, { family: 'Leon', given: ['Mason'] }), 'names swapped');
  assert.ok(sharesKey({ nhsNumber: NHS_A }, { nhsNumber: NHS_A, family: 'Okafor', birthDate: '1990-01-01' }));
  // Twins share keys too: they must be compared for the rules to hold them apart.
  assert.ok(sharesKey({ given: ['Jane'], sex: 'female' }, { given: ['John'], sex: 'male' }));
});

test('findCandidatePairs: every pair sharing a key, each once, no record with itself (property)', () => {
  const input = fc.record({
    family: fc.constantFrom('Smith', 'Smyth', 'Khan', 'Okafor', ''),
    given: fc.constantFrom(['Jane'], ['John'], ['Amira'], []),
    birthDate: fc.constantFrom('1984-03-12', '1984-12-03', '1985-03-12', '1990-01-01', ''),
    postcode: fc.constantFrom('SE15 4QX', 'N1 1AA', ''),
    nhsNumber: fc.constantFrom(NHS_A, ''),
  });
  fc.assert(
    fc.property(fc.array(input, { maxLength: 25 }), (inputs) => {
      const records = inputs.map((i) => aRecord(i));
      const keys = records.map((r) => blockingKeys(r));
      const { pairs, count } = findCandidatePairs(records);
      const seen = new Set<string>();
      for (let p = 0; p < count; p++) {
        const a = pairs[p * 2]!;
        const b = pairs[p * 2 + 1]!;
        assert.notEqual(a, b);
        const id = a < b ? `${a}|${b}` : `${b}|${a}`;
        assert.ok(!seen.has(id), 'each pair once');
        seen.add(id);
      }
      for (let a = 0; a < records.length; a++)
        for (let b = a + 1; b < records.length; b++) {
          const shared = keys[a]!.some((k) => keys[b]!.includes(k));
          assert.equal(seen.has(`${a}|${b}`), shared);
        }
    }),
    { numRuns: RUNS },
  );
});

test('findCandidatePairs: a key shared by too many records is skipped, pairs sharing another key are kept', () => {
  // Twelve people born on the same day with the same initial sound: the `d:` key holds all of them.
  const records = Array.from({ length: 12 }, (_, i) =>
    aRecord({ given: [`Name${String.fromCharCode(65 + i)}x`], postcode: '', phones: [] }),
  );
  records.push(aRecord({ given: ['NameAx'], postcode: '', phones: [] }));
  const all = findCandidatePairs(records);
  assert.equal(all.skippedKeys, 0);
  const capped = findCandidatePairs(records, { maxBlockSize: 10 });
  assert.ok(capped.skippedKeys >= 1);
  assert.ok(capped.count < all.count);
  const pairs = Array.from({ length: capped.count }, (_, p) =>
    [capped.pairs[p * 2], capped.pairs[p * 2 + 1]].join('|'),
  );
  assert.ok(pairs.includes('0|12'), 'the two NameAx records still share their given-name keys');
});
