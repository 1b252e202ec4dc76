import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { doubleMetaphone } from './double-metaphone.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

test("Double Metaphone gives PostgreSQL fuzzystrmatch's codes for every word of the fixture", () => {
  // Written by double-metaphone-fixture.ts from dmetaphone()/dmetaphone_alt(): the synthetic region's names and
  // the special cases of Philips's rules.
  const lines = fs
    .readFileSync(path.join(import.meta.dirname, 'double-metaphone.fixture.txt'), 'utf8')
    .split('\n')
    .filter(Boolean);
  assert.ok(lines.length > 900);
  const wrong: string[] = [];
  for (const line of lines) {
    const [word, primary, alternate] = line.split('|') as [string, string, string];
    const got = doubleMetaphone(word);
    if (got.primary !== primary || got.alternate !== alternate)
      wrong.push(`${word}: ${got.primary}/${got.alternate}, PostgreSQL ${primary}/${alternate}`);
  }
  assert.deepEqual(wrong, []);
});

test('Double Metaphone: names that sound alike share a code', () => {
  assert.deepEqual(doubleMetaphone('SMITH'), { primary: 'SM0', alternate: 'XMT' });
  assert.deepEqual(doubleMetaphone('SCHMIDT'), { primary: 'XMT', alternate: 'SMT' });
  assert.equal(doubleMetaphone('KAUR').primary, doubleMetaphone('CAUR').primary);
  assert.equal(doubleMetaphone('MOHAMMED').primary, doubleMetaphone('MUHAMMAD').primary);
  assert.equal(doubleMetaphone('CHOWDHURY').primary, doubleMetaphone('CHOUDHURY').primary);
  assert.deepEqual(doubleMetaphone(''), { primary: '', alternate: '' });
});

test('Double Metaphone: any input gives codes of at most four letters, the same each time (fuzz)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.stringMatching(/^[A-Z ]{0,30}$/), fc.string({ maxLength: 30 })), (word) => {
      const code = doubleMetaphone(word);
      assert.ok(code.primary.length <= 4 && code.alternate.length <= 4);
      assert.match(code.primary, /^[A-Z0]*$/);
      assert.deepEqual(doubleMetaphone(word), code);
    }),
    { numRuns: RUNS },
  );
});
