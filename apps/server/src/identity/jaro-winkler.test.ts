import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jaroWinkler } from './jaro-winkler.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const close = (x: number, y: number) => Math.abs(x - y) < 0.001;

test('Jaro-Winkler: the values in Winkler (1990) and the usual worked examples', () => {
  assert.ok(close(jaroWinkler('MARTHA', 'MARHTA'), 0.961), String(jaroWinkler('MARTHA', 'MARHTA')));
  assert.ok(close(jaroWinkler('DWAYNE', 'DUANE'), 0.84));
  assert.ok(close(jaroWinkler('DIXON', 'DICKSONX'), 0.813));
  assert.equal(jaroWinkler('SMITH', 'SMITH'), 1);
  assert.equal(jaroWinkler('ABC', 'XYZ'), 0);
  assert.equal(jaroWinkler('', ''), 0);
  assert.equal(jaroWinkler('A', ''), 0);
  // Below the boost threshold (0.7) the prefix adds nothing.
  assert.ok(close(jaroWinkler('JANE', 'JOHN'), 2 / 3));
});

test('Jaro-Winkler: symmetric, between 0 and 1, 1 only for equal strings (property)', () => {
  const word = fc.stringMatching(/^[A-Z]{0,12}$/);
  fc.assert(
    fc.property(word, word, (a, b) => {
      const s = jaroWinkler(a, b);
      assert.ok(s >= 0 && s <= 1);
      assert.ok(Math.abs(s - jaroWinkler(b, a)) < 1e-12);
      if (a !== b) assert.ok(s < 1);
    }),
    { numRuns: RUNS },
  );
  assert.ok(jaroWinkler('A'.repeat(500), 'A'.repeat(499) + 'B') > 0.99, 'long strings grow the buffers');
});
