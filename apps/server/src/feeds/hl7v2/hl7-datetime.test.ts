import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatHl7Timestamp, parseHl7Date, parseHl7DateTime, parseHl7Instant } from './hl7-datetime.ts';
import type { Hl7DateTimeResult } from './hl7-datetime.ts';

const LONDON = { timeZone: 'Europe/London' };
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

function value(result: Hl7DateTimeResult): string {
  if (!result.ok) assert.fail(result.error.text);
  return result.value;
}

test('dates keep their precision', () => {
  assert.equal(value(parseHl7Date('1989')), '1989');
  assert.equal(value(parseHl7Date('198901')), '1989-01');
  assert.equal(value(parseHl7Date('19890118')), '1989-01-18');
  assert.equal(value(parseHl7Date('19890118000000')), '1989-01-18', 'a time part is dropped');
  assert.equal(value(parseHl7Date('19890118233000-0500')), '1989-01-18', "the sender's date, not UTC's");
  const r = parseHl7Date('19890118123456');
  assert.ok(r.ok && r.precision === 'day');
  const y = parseHl7Date('1989');
  assert.ok(y.ok && y.precision === 'year');
});

test('dateTime: a date stays a date; a time gets seconds and an offset', () => {
  assert.equal(value(parseHl7DateTime('2025', LONDON)), '2025');
  assert.equal(value(parseHl7DateTime('202506', LONDON)), '2025-06');
  assert.equal(value(parseHl7DateTime('20250615', LONDON)), '2025-06-15');
  assert.equal(value(parseHl7DateTime('2025061509', LONDON)), '2025-06-15T09:00:00+01:00');
  assert.equal(value(parseHl7DateTime('202506150930', LONDON)), '2025-06-15T09:30:00+01:00');
  assert.equal(value(parseHl7DateTime('20250615093015', LONDON)), '2025-06-15T09:30:15+01:00');
  assert.equal(value(parseHl7DateTime('20250615093015.1234', LONDON)), '2025-06-15T09:30:15.1234+01:00');
  assert.equal(value(parseHl7DateTime('20250115093015', LONDON)), '2025-01-15T09:30:15+00:00', 'GMT in winter');
  assert.equal(value(parseHl7DateTime('20250615093015-0500', LONDON)), '2025-06-15T09:30:15-05:00', 'offset kept');
  assert.equal(value(parseHl7DateTime('20250615093015+0000', LONDON)), '2025-06-15T09:30:15+00:00');
  assert.equal(value(parseHl7DateTime('20250615093015+1400', LONDON)), '2025-06-15T09:30:15+14:00');
  assert.equal(value(parseHl7DateTime('20250615093015+0545', LONDON)), '2025-06-15T09:30:15+05:45');
  assert.equal(
    value(parseHl7DateTime('20250615093015', { timeZone: 'America/New_York' })),
    '2025-06-15T09:30:15-04:00',
  );
  const r = parseHl7DateTime('202506150930', LONDON);
  assert.ok(r.ok && r.precision === 'minute');
  const f = parseHl7DateTime('20250615093015.1', LONDON);
  assert.ok(f.ok && f.precision === 'fraction');
});

test('British Summer Time edges (Europe/London)', () => {
  // Clocks go forward at 01:00 GMT on 2025-03-30.
  assert.equal(value(parseHl7DateTime('20250330005959', LONDON)), '2025-03-30T00:59:59+00:00');
  assert.equal(value(parseHl7DateTime('20250330020000', LONDON)), '2025-03-30T02:00:00+01:00');
  // 01:30 does not exist that day: read with the offset before the change (the instant 02:30 BST).
  assert.equal(value(parseHl7DateTime('20250330013000', LONDON)), '2025-03-30T01:30:00+00:00');
  assert.equal(Date.parse(value(parseHl7Instant('20250330013000', LONDON))), Date.UTC(2025, 2, 30, 1, 30));
  // Clocks go back at 01:00 GMT on 2025-10-26: 01:00-01:59 happens twice; the first (BST) is taken.
  assert.equal(value(parseHl7DateTime('20251026003000', LONDON)), '2025-10-26T00:30:00+01:00');
  assert.equal(value(parseHl7DateTime('20251026013000', LONDON)), '2025-10-26T01:30:00+01:00');
  assert.equal(value(parseHl7DateTime('20251026020000', LONDON)), '2025-10-26T02:00:00+00:00');
  assert.equal(
    value(parseHl7DateTime('20251026013000+0000', LONDON)),
    '2025-10-26T01:30:00+00:00',
    'an offset settles it',
  );
});

test('any instant written as London wall time without an offset reads back as that instant (or the hour before, when ambiguous)', () => {
  const wall = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(1980, 0, 1) / 1000, max: Date.UTC(2060, 0, 1) / 1000 }), (seconds) => {
      const ms = seconds * 1000;
      const wallOf = (at: number) => {
        const p = Object.fromEntries(wall.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
        return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
      };
      const hl7 = wallOf(ms);
      const read = Date.parse(value(parseHl7Instant(hl7, LONDON)));
      // The repeated autumn hour is read as its first occurrence, one hour earlier than the second: only when
      // the hour before shows the same wall time (01:xx since 1981, 02:xx under the earlier UK rules).
      assert.ok(read === ms || read === ms - 3_600_000, `${hl7}: ${read} vs ${ms}`);
      if (read !== ms) assert.equal(wallOf(ms - 3_600_000), hl7);
    }),
    { numRuns: RUNS },
  );
});

test('instant needs at least minutes', () => {
  assert.equal(value(parseHl7Instant('202506150930', LONDON)), '2025-06-15T09:30:00+01:00');
  for (const v of ['2025', '20250615', '2025061509']) {
    const r = parseHl7Instant(v, { ...LONDON, location: { segment: 'OBX', field: 14 } });
    assert.ok(!r.ok);
    assert.equal(r.error.code, '102');
    assert.equal(r.error.field, 14);
    assert.match(r.error.text, /^OBX-14 is not precise enough/);
  }
});

test('invalid values are errors naming the field, never echoing the value', () => {
  const location = { segment: 'PID', segmentSequence: 1, field: 7 };
  const cases = [
    '198',
    '1989011',
    '19890132',
    '19890230',
    '19000229',
    '19891301',
    '19890001',
    '00000101',
    '1989011824',
    '198901182360',
    '19890118235960',
    '19890118235959.',
    '19890118235959.12345',
    '19890118235959+01',
    '19890118235959+1401',
    '19890118235959+0160',
    '19890118235959Z',
    ' 19890118',
    '1989-01-18',
    '١٩٨٩',
  ];
  for (const v of cases) {
    for (const r of [parseHl7Date(v, location), parseHl7DateTime(v, { ...LONDON, location })]) {
      assert.ok(!r.ok, v);
      assert.equal(r.error.code, '102', v);
      assert.equal(r.error.segment, 'PID');
      assert.equal(r.error.field, 7);
      assert.match(r.error.text, /^PID-7 /);
      assert.ok(!r.error.text.includes(v), 'the value is not echoed');
    }
  }
  const empty = parseHl7Date('', { segment: 'PID', field: 7, component: 1 });
  assert.ok(!empty.ok && empty.error.code === '101' && empty.error.text.startsWith('PID-7.1 '));
  assert.ok(!parseHl7Date('x').ok);
  assert.equal(value(parseHl7Date('20000229')), '2000-02-29', 'leap year');
});

test('formatHl7Timestamp writes the local time with its offset', () => {
  assert.equal(
    formatHl7Timestamp(new Date(Date.UTC(2025, 5, 15, 8, 30, 15, 999)), 'Europe/London'),
    '20250615093015+0100',
  );
  assert.equal(formatHl7Timestamp(new Date(Date.UTC(2025, 0, 15, 8, 30, 15)), 'Europe/London'), '20250115083015+0000');
  assert.equal(
    formatHl7Timestamp(new Date(Date.UTC(2025, 0, 15, 8, 30, 15)), 'America/New_York'),
    '20250115033015-0500',
  );
  assert.throws(() => formatHl7Timestamp(new Date(), 'Not/AZone'), RangeError);
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
      const written = formatHl7Timestamp(new Date(ms), 'Europe/London');
      assert.equal(Date.parse(value(parseHl7Instant(written, LONDON))), Math.floor(ms / 1000) * 1000);
    }),
    { numRuns: RUNS },
  );
});
