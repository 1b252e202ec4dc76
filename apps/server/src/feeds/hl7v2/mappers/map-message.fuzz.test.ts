// Property: for any message the parser accepts, mapHl7Message never throws and never fails with an internal
// error; what it maps passes structural validation with valid ids; an error never echoes message content.
// Runs: FUZZ_RUNS (default 2,000 per property; the suite runs twice in CI).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Resource } from '@joinedup/fhir';
import { validateResource } from '../../../fhir/validate/validate.ts';
import { parseHl7 } from '../hl7-message.ts';
import { CTX, DEFAULT_PID, DEFAULT_PV1, evn, msh, pid, pv1, segment } from './hl7-fixtures.test-support.ts';
import { mapHl7Message } from './map-message.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Marks every value the fuzzer writes, so an error text that echoes one is caught. */
const MARK = 'Qz7';

const SEEDS: string[][] = [
  [msh('ADT^A01'), evn('A01'), pid(), pv1()],
  [msh('ADT^A03'), evn('A03'), pid(), pv1({ 36: '19', 45: '20240305120000' })],
  [msh('ADT^A02'), evn('A02', '20240302090000', '20240302085500'), pid(), pv1({ 3: 'Ward 7^^^RXX01' })],
  [msh('ADT^A13'), evn('A13'), pid(), pv1()],
  [msh('ADT^A31'), evn('A31'), pid({ 29: '20240301', 30: 'Y' }), segment('PV1', { 1: '1', 2: 'N' })],
  [msh('ADT^A40'), evn('A40'), pid(), segment('MRG', { 1: 'K999^^^RXX^MR', 7: 'Smith^Jane' })],
  [
    msh('ORU^R01'),
    pid(),
    pv1(),
    segment('ORC', { 1: 'RE', 2: 'PL1', 3: 'FL1' }),
    segment('OBR', {
      1: '1',
      2: 'PL1',
      3: 'FL1',
      4: '24362-6^Renal^LN',
      7: '20240301090000',
      22: '20240301120000',
      25: 'F',
    }),
    segment('NTE', { 1: '1', 3: 'Conclusion' }),
    segment('OBX', {
      1: '1',
      2: 'NM',
      3: '2951-2^Sodium^LN',
      5: '135',
      6: 'mmol/L^mmol/L^UCUM',
      7: '133-146',
      8: 'N',
      11: 'F',
    }),
    segment('OBX', { 1: '2', 2: 'SN', 3: 'A^a^L', 5: '^1^-^5', 6: 'UMOLL', 7: '[ < 3 ]', 8: 'H', 11: 'C' }),
    segment('OBX', { 1: '3', 2: 'CE', 3: 'B^b^L', 5: '260385009^Negative^SCT', 11: 'F' }),
    segment('OBX', { 1: '4', 2: 'ED', 3: 'C^c^L', 5: '^AP^PDF^Base64^JVBERg==', 11: 'F' }),
    segment('OBX', { 1: '5', 2: 'TS', 3: 'D^d^L', 5: '20240301', 11: 'X' }),
    segment('NTE', { 1: '1', 3: 'Not done' }),
  ],
  [
    msh('MDM^T08'),
    evn('T08'),
    pid(),
    pv1(),
    segment('TXA', {
      1: '1',
      2: 'DS',
      4: '20240301100000',
      5: '555000000001^Jones',
      6: '20240301103000',
      12: 'DOC-2',
      13: 'DOC-1',
      16: 'Title',
      17: 'AU',
      19: 'AV',
    }),
    segment('OBX', { 1: '1', 2: 'TX', 3: 'DS^Discharge^L', 5: 'line one', 11: 'F' }),
    segment('OBX', { 1: '2', 2: 'FT', 3: 'DS^Discharge^L', 5: 'line\\.br\\two', 11: 'F' }),
  ],
  [
    msh('SIU^S12'),
    segment('SCH', {
      1: 'A1^RXX',
      2: 'A1^RXX',
      6: 'BOOK^Booked^L',
      7: '394594003^Ophthalmology^SCT',
      9: '30',
      10: 'MIN',
      11: '^^^20240701091500^20240701094500',
      25: 'Booked',
    }),
    pid(),
    segment('AIL', { 1: '1', 2: 'A', 3: 'Clinic^^^RXX01', 6: '20240701091500', 9: '30', 10: 'MIN' }),
    segment('AIP', { 1: '1', 2: 'A', 3: '555000000003^Brown^Jason', 6: '20240701091500' }),
  ],
];

/** Values that exercise the mappers: dates (valid, invalid, partial), codes, HL7 nulls, composites, long text. */
const value: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => MARK + s),
  fc.constantFrom(
    '',
    '""',
    '^',
    '^^^',
    '~',
    '~~',
    '&',
    'MR',
    'NH',
    'N',
    'P',
    'E',
    'ED',
    'NM',
    'SN',
    'X',
    'Y',
    '01',
    '19',
  ),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 999999 }),
    )
    .map(([y, m, d, t]) =>
      `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${String(t).padStart(6, '0')}`.slice(
        0,
        4 + 2 * (t % 6),
      ),
    ),
  fc
    .array(
      fc.string({ maxLength: 6 }).map((s) => MARK + s),
      { maxLength: 6 },
    )
    .map((parts) => parts.join('^')),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 4 }).map((parts) => `${MARK}${parts.join('~')}`),
  fc.constantFrom('\\X0D\\', '\\X00\\', '\\.br\\', '\\E\\', `${MARK}\\F\\x`),
  fc.float({ noNaN: true }).map((n) => `${n}`),
  fc.integer({ min: 1, max: 20000 }).map((n) => MARK + 'x'.repeat(n)),
);

type Mutation =
  | { kind: 'set'; segment: number; field: number; value: string }
  | { kind: 'delete'; segment: number }
  | { kind: 'duplicate'; segment: number }
  | { kind: 'swap'; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      segment: fc.nat(),
      field: fc.integer({ min: 1, max: 45 }),
      value,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), segment: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), segment: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }) },
);

/** Applies mutations to a seed; MSH stays first, so the result is a message the parser can read. */
function mutate(seed: string[], mutations: Mutation[]): string {
  const segments = seed.map((s) => s.split('|'));
  for (const m of mutations) {
    const n = segments.length;
    if (m.kind === 'set') {
      const target = segments[m.segment % n]!;
      // MSH-1 and MSH-2 are the delimiters, and MSH-9/10/12 what the parser needs: leave them to the parser's tests.
      const index = target[0] === 'MSH' ? m.field - 1 : m.field;
      if (target[0] === 'MSH' && [0, 1, 8, 9, 11].includes(index)) continue;
      while (target.length <= index) target.push('');
      target[index] = m.value;
    } else if (n > 1) {
      const i = 1 + ((m.kind === 'swap' ? m.a : m.segment) % (n - 1));
      if (m.kind === 'delete') segments.splice(i, 1);
      else if (m.kind === 'duplicate') segments.splice(i, 0, [...segments[i]!]);
      else {
        const j = 1 + (m.b % (n - 1));
        [segments[i], segments[j]] = [segments[j]!, segments[i]!];
      }
    }
  }
  return segments.map((s) => s.join('|')).join('\r');
}

function resourceIds(resource: Resource): boolean {
  return resource.id !== undefined && ID.test(resource.id);
}

test('any message the parser accepts maps without a throw, an internal error, an invalid resource or an echo', () => {
  let mapped = 0;
  let refused = 0;
  fc.assert(
    fc.property(
      fc.nat({ max: SEEDS.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      (seedIndex, mutations) => {
        const parsed = parseHl7(mutate(SEEDS[seedIndex]!, mutations));
        if (!parsed.ok) return;
        const result = mapHl7Message(parsed.message, CTX);
        if (!result.ok) {
          refused++;
          assert.ok(['100', '101', '102', '103', '200', '201', '207'].includes(result.error.code));
          assert.notEqual(result.error.text, 'Application internal error');
          assert.ok(!result.error.text.includes(MARK), result.error.text);
          assert.ok(result.error.segment.length === 3);
          return;
        }
        mapped++;
        assert.match(result.patientId, ID);
        assert.ok(Number.isFinite(Date.parse(result.eventTime)));
        for (const op of result.operations) {
          if (op.kind === 'upsert') {
            assert.ok(resourceIds(op.resource));
            assert.deepEqual(validateResource(op.resource), [], `${op.resource.resourceType}/${op.resource.id}`);
          } else if (op.kind === 'merge') {
            assert.match(op.priorPatientId, ID);
            assert.match(op.survivingPatientId, ID);
          } else assert.match(op.id, ID);
        }
      },
    ),
    { numRuns: RUNS },
  );
  // The property must have been tested both ways, not vacuously.
  assert.ok(mapped > RUNS / 10, `${mapped} mapped`);
  assert.ok(refused > RUNS / 20, `${refused} refused`);
});

test('the unmutated seeds all map', () => {
  for (const seed of SEEDS) {
    const parsed = parseHl7(seed.join('\r'));
    assert.ok(parsed.ok);
    const result = mapHl7Message(parsed.message, CTX);
    assert.ok(result.ok, JSON.stringify(result.ok ? '' : result.error));
  }
  assert.ok(DEFAULT_PID[3] && DEFAULT_PV1[19]);
});
