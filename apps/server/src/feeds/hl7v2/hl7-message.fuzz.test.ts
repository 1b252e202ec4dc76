// Reliability matrix row 12 (parser part): malformed HL7 never crashes or hangs the parser; every failure has a
// table 0357 code and an ACK that parses with MSA-2 = MSH-10; valid messages round-trip. Grammar-generated
// messages, mutations of a seed corpus (Simulated Hospital and hand-written), random text, truncations, and
// pathological inputs of 10 MB. FUZZ_RUNS cases per property (default 15,000: seven properties, over 100,000
// cases, the matrix's PR tier, in about 16 s); FUZZ_RUNS=1500000 for its scheduled tier's 10 million.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { publicDataSet } from '../../platform/public-data.ts';
import { ackCodeFor, ackErrorFrom, buildAck } from './ack.ts';
import { HL7_ERROR_CODES, decodeHl7Text, encodeHl7Text, parseHl7, serialiseHl7 } from './hl7-message.ts';
import type { Hl7Encoding } from './hl7-message.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 15_000);
const NOW = '20250615093000+0100';

/**
 * Parses and acknowledges one text, checking every invariant; returns what MSA-2 echoed.
 * `expectedControlId`, when given, is the MSH-10 the input is known to carry (an independent oracle).
 */
function checkInvariants(text: string, expectedControlId?: string): string {
  const result = parseHl7(text);
  let ack: string;
  let echoed: string;
  if (result.ok) {
    const again = parseHl7(serialiseHl7(result.message));
    if (!again.ok) assert.fail(`serialised message did not parse: ${JSON.stringify(again.error)}`);
    assert.deepEqual(
      again.message.segments.map((s) => s.text),
      result.message.segments.map((s) => s.text),
    );
    assert.deepEqual(again.message.encoding, result.message.encoding);
    ack = buildAck({ message: result.message }, 'AA', { controlId: 'ACK1', now: NOW });
    echoed = result.message.controlId;
  } else {
    assert.ok(result.error.code in HL7_ERROR_CODES, result.error.code);
    assert.notEqual(result.error.code, '0');
    assert.ok(result.error.text.length > 0);
    ack = buildAck({ partial: result.partial, raw: text }, ackCodeFor(result.error), {
      controlId: 'ACK1',
      now: NOW,
      errors: [ackErrorFrom(result.error)],
    });
    echoed = result.partial?.controlId ?? '';
  }
  const parsedAck = parseHl7(ack);
  if (!parsedAck.ok) assert.fail(`ACK did not parse: ${JSON.stringify(parsedAck.error)}`);
  const msa = parsedAck.message.segment('MSA')!;
  assert.equal(msa.get(2), echoed, 'MSA-2 is the incoming MSH-10');
  assert.equal(msa.get(1), result.ok ? 'AA' : ackCodeFor(result.error));
  if (expectedControlId !== undefined) assert.equal(echoed, expectedControlId);
  return ack;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeds

const simhospital = publicDataSet('hl7v2-simhospital');
const simhospitalSeeds = fs
  .readdirSync(simhospital)
  .filter((f) => f.endsWith('.hl7'))
  .sort()
  .filter((_, i) => i % 25 === 0 || i === 143)
  .map((f) => fs.readFileSync(path.join(simhospital, f), 'utf8'));

const handWrittenSeeds = [
  'MSH|^~\\&|PAS|RRK|JU|LDN|20250615093000||ADT^A08^ADT_A01|C\\T\\1|P|2.5.1|||AL|NE|GBR|UNICODE UTF-8\r' +
    'PID|1||111^^^RRK^MR~9434765919^^^NHS^NH||O\\E\\Brien^Se\\XC3A1\\n||19800101|M\r' +
    'NTE|1||Line one\\.br\\line two \\H\\bold\\N\\ \\Zlocal\\ \\X0D0A\\ "" ~\r',
  'MSH#*!$%@#PAS#RRK#JU#LDN#2025##ORU*R01*ORU_R01#ID9#P#2.7\rOBX#1#TX#a%b!x$T$y$F$$P$@\n',
  'MSH|^~\\&|A|B|C|D|2025||MDM^T02|77|T|2.3\r\nTXA|1|PN\r\nOBX|1|TX|||text\r\n',
];

const seeds = [...simhospitalSeeds, ...handWrittenSeeds];

function controlIdOf(seed: string): string {
  const result = parseHl7(seed);
  if (!result.ok) assert.fail('seeds are valid');
  return result.message.controlId;
}

function mshEnd(seed: string): number {
  const cr = seed.indexOf('\r');
  const lf = seed.indexOf('\n');
  return Math.min(cr < 0 ? seed.length : cr, lf < 0 ? seed.length : lf);
}

const special = fc.constantFrom(
  '|',
  '^',
  '~',
  '\\',
  '&',
  '#',
  '\r',
  '\n',
  '\r\n',
  '\u0000',
  '\u000b',
  '\u001c',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udc00',
  '\ufeff',
  '\\X',
  '\\X4',
  '\\XZZ\\',
  '\\Z',
  '\\Zab\\',
  '\\.br\\',
  '\\.sp 99999\\',
  '\\F\\',
  'MSH|^~\\&|',
  'PID|',
  'pid|',
  'ZZZ',
  '""',
  'é',
  '😀',
);
const fragment = fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }));

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Applies mutations at positions in [from, text.length]. */
function mutate(text: string, mutations: Mutation[], from = 0): string {
  let t = text;
  for (const m of mutations) {
    const span = t.length - from + 1;
    if (span <= 0) break;
    const at = from + (m.at % span);
    switch (m.kind) {
      case 'insert':
        t = t.slice(0, at) + m.text + t.slice(at);
        break;
      case 'replace':
        t = t.slice(0, at) + m.text + t.slice(at + m.text.length);
        break;
      case 'delete':
        t = t.slice(0, at) + t.slice(at + m.length);
        break;
      case 'duplicate':
        t = t.slice(0, at + m.length) + t.slice(at, at + m.length) + t.slice(at + m.length);
        break;
      case 'truncate':
        t = t.slice(0, Math.max(at, from));
        break;
    }
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Properties

test('mutations of the seed corpus: never a throw; a 0357 code for every failure; ACKs parse and echo MSH-10', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
      checkInvariants(mutate(seed, mutations));
    }),
    { numRuns: RUNS },
  );
});

test('mutations after MSH: MSA-2 always equals the original MSH-10', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
      // Past the MSH segment's terminator, so MSH itself is untouched.
      checkInvariants(mutate(seed, mutations, mshEnd(seed) + 1), controlIdOf(seed));
    }),
    { numRuns: RUNS },
  );
});

test('every truncation of a message: never a throw, and MSH-10 is echoed once it has arrived whole', () => {
  for (const seed of [...handWrittenSeeds, simhospitalSeeds[0]!]) {
    const controlId = controlIdOf(seed);
    const raw10 = parseHl7(seed).ok ? seed.slice(0, mshEnd(seed)).split(seed[3]!)[9]! : '';
    const whole = seed.indexOf(seed[3]! + raw10 + seed[3]!) + raw10.length + 2;
    for (let n = 0; n <= seed.length; n++) {
      const prefix = seed.slice(0, n);
      checkInvariants(prefix, n >= whole ? controlId : undefined);
    }
  }
});

test('random text: never a throw', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join('')),
    fc.array(fragment, { maxLength: 60 }).map((parts) => 'MSH|^~\\&|' + parts.join('')),
  );
  fc.assert(
    fc.property(text, (t) => {
      checkInvariants(t);
    }),
    { numRuns: RUNS },
  );
});

test('wrong encoding characters: refused with MSH-2 named, or read with what they declare', () => {
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 7,
  });
  fc.assert(
    fc.property(printable, (declared) => {
      const text = `MSH${declared}|A|B|C|D|2025||ADT^A01|CTRL9|P|2.4\rPID|1`;
      const result = parseHl7(text);
      if (!result.ok && result.error.segment === 'MSH') assert.ok([1, 2, 9, 10, 12].includes(result.error.field!));
      checkInvariants(text);
    }),
    { numRuns: RUNS },
  );
});

// Grammar: messages built from random structure with a random legal choice of encoding characters.

const DELIMITER_POOL = [...'|^~\\&#!$%*@+-=/?:;,.<>[]{}()_\'"`'];

const encodingArb: fc.Arbitrary<Hl7Encoding> = fc
  .tuple(fc.shuffledSubarray(DELIMITER_POOL, { minLength: 6, maxLength: 6 }), fc.boolean())
  .map(([[f, c, r, e, s, t], withTruncation]) => ({
    fieldSeparator: f!,
    componentSeparator: c!,
    repetitionSeparator: r!,
    escapeCharacter: e!,
    subcomponentSeparator: s!,
    truncationCharacter: withTruncation ? t! : undefined,
  }));

const valueChar = fc.oneof(
  fc.constantFrom(
    ...DELIMITER_POOL,
    'a',
    'Z',
    '0',
    ' ',
    '\t',
    '\r',
    '\n',
    '\u0001',
    '\u0085',
    'é',
    '€',
    '😀',
    '\ufeff',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: valueChar, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant('""') },
);
type FieldValue = string[][][]; // repetitions -> components -> subcomponents
const fieldArb: fc.Arbitrary<FieldValue> = fc.array(
  fc.array(fc.array(valueArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  { minLength: 1, maxLength: 3 },
);
const segmentArb = fc.record({
  name: fc.stringMatching(/^[A-Z][A-Z0-9]{2}$/).filter((n) => n !== 'MSH'),
  fields: fc.array(fieldArb, { maxLength: 6 }),
});
const messageArb = fc.record({
  encoding: encodingArb,
  version: fc.constantFrom('2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.7', '2.8.2'),
  type: fc.stringMatching(/^[A-Z]{3}$/),
  trigger: fc.stringMatching(/^[A-Z][0-9]{2}$/),
  controlId: fc.string({ unit: valueChar, minLength: 1, maxLength: 20 }).filter((v) => v !== '""'),
  application: valueArb,
  segments: fc.array(segmentArb, { maxLength: 6 }),
  lineEnd: fc.constantFrom('\r', '\n', '\r\n'),
});

function encodeField(field: FieldValue, e: Hl7Encoding): string {
  return field
    .map((rep) =>
      rep
        .map((component) => component.map((sub) => encodeHl7Text(sub, e)).join(e.subcomponentSeparator))
        .join(e.componentSeparator),
    )
    .join(e.repetitionSeparator);
}

test('grammar-generated messages in any legal encoding parse to exactly the values they were built from', () => {
  fc.assert(
    fc.property(messageArb, (m) => {
      const e = m.encoding;
      const enc = (v: string): string => encodeHl7Text(v, e);
      const msh = [
        'MSH',
        e.componentSeparator +
          e.repetitionSeparator +
          e.escapeCharacter +
          e.subcomponentSeparator +
          (e.truncationCharacter ?? ''),
        enc(m.application),
        'FAC',
        '',
        '',
        '20250615093000',
        '',
        [m.type, m.trigger].join(e.componentSeparator),
        enc(m.controlId),
        'P',
        enc(m.version),
      ].join(e.fieldSeparator);
      const lines = [msh];
      for (const s of m.segments) {
        lines.push([s.name, ...s.fields.map((f) => encodeField(f, e))].join(e.fieldSeparator));
      }
      const text = lines.join(m.lineEnd);
      const result = parseHl7(text);
      if (!result.ok) assert.fail(JSON.stringify(result.error));
      const message = result.message;
      assert.deepEqual(message.encoding, e);
      assert.equal(message.controlId, m.controlId);
      // The HL7 null is a raw "" only: where '"' is a delimiter, the value "" arrives escaped and is data.
      const isNull = (v: string): boolean => enc(v) === '""';
      assert.equal(message.sendingApplication, isNull(m.application) ? '' : m.application);
      assert.equal(message.messageType, m.type);
      assert.equal(message.triggerEvent, m.trigger);
      assert.equal(message.version, m.version);
      assert.equal(message.segments.length, m.segments.length + 1);
      m.segments.forEach((s, i) => {
        const segment = message.segments[i + 1]!;
        assert.equal(segment.name, s.name);
        assert.equal(segment.fieldCount, s.fields.length);
        s.fields.forEach((field, f) => {
          const raw = encodeField(field, e);
          assert.equal(segment.raw(f + 1), raw);
          const reps = segment.repetitions(f + 1);
          assert.equal(reps.length, raw === '' ? 0 : field.length);
          reps.forEach((rep, r) => {
            field[r]!.forEach((component, c) => {
              component.forEach((sub, sc) => {
                const expected = isNull(sub) ? '' : sub;
                assert.equal(rep.get(c + 1, sc + 1), expected);
                assert.equal(rep.isNull(c + 1, sc + 1), isNull(sub));
                if (r === 0) assert.equal(segment.get(f + 1, c + 1, sc + 1), expected);
              });
            });
          });
        });
      });
      checkInvariants(text, m.controlId);
    }),
    { numRuns: RUNS },
  );
});

test('escaping round-trips any text in any legal encoding, and leaves no delimiter, line break or control', () => {
  fc.assert(
    fc.property(encodingArb, fc.string({ unit: valueChar, maxLength: 60 }), (e, value) => {
      const encoded = encodeHl7Text(value, e);
      assert.equal(decodeHl7Text(encoded, e), value);
      for (const ch of [e.fieldSeparator, e.componentSeparator, e.repetitionSeparator, e.subcomponentSeparator]) {
        assert.ok(!encoded.includes(ch));
      }
      if (e.truncationCharacter !== undefined) assert.ok(!encoded.includes(e.truncationCharacter));
      // eslint-disable-next-line no-control-regex -- the very characters that must not be left raw
      assert.doesNotMatch(encoded, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
    }),
    { numRuns: RUNS },
  );
});

test('no text from outside MSH ever reaches an error text or an ACK', () => {
  // Lower case: a segment's name (upper case) is a location and does reach ERR-2, its values never.
  const canaryMessage = messageArb.map((m) => ({
    ...m,
    segments: m.segments.map((s) => ({
      ...s,
      fields: s.fields.map((f) => f.map((rep) => rep.map((c) => c.map((v) => `qzx-canary${v}`)))),
    })),
  }));
  fc.assert(
    fc.property(canaryMessage, fc.array(mutation, { maxLength: 4 }), (m, mutations) => {
      const e = m.encoding;
      const msh = [
        'MSH',
        e.componentSeparator + e.repetitionSeparator + e.escapeCharacter + e.subcomponentSeparator,
        'APP',
        'FAC',
        '',
        '',
        '2025',
        '',
        [m.type, m.trigger].join(e.componentSeparator),
        'CID',
        'P',
        encodeHl7Text(m.version, e),
      ].join(e.fieldSeparator);
      const body = m.segments.map((s) => [s.name, ...s.fields.map((f) => encodeField(f, e))].join(e.fieldSeparator));
      const text = mutate([msh, ...body].join('\r'), mutations, msh.length + 1);
      const result = parseHl7(text);
      if (!result.ok) assert.ok(!result.error.text.includes('qzx-canary'));
      assert.ok(!checkInvariants(text, 'CID').includes('qzx-canary'));
    }),
    { numRuns: RUNS },
  );
});

// Pathological inputs of 10 MB: each finishes (linear time, no catastrophic regex: a quadratic step would take
// hours at this size) and never throws. The timeout only turns a hang into a failure.
const HEAD = 'MSH|^~\\&|A|B|C|D|2025||ORU^R01|BIG1|P|2.5\rOBX|1|TX|';
const TEN_MB = 10 * 1024 * 1024;
const pathological: [string, () => string, boolean][] = [
  ['a 10 MB field', () => HEAD + 'x'.repeat(TEN_MB), true],
  ['10 MB of escape characters', () => HEAD + '\\'.repeat(TEN_MB), true],
  ['\\X without an end', () => HEAD + '\\X' + '0'.repeat(TEN_MB), true],
  ['one 10 MB hex escape', () => HEAD + '\\X' + '41'.repeat(TEN_MB / 2) + '\\', true],
  ['3 million \\F\\', () => HEAD + '\\F\\'.repeat(3_000_000), true],
  ['\\Z with a 10 MB body', () => HEAD + '\\Z' + 'z'.repeat(TEN_MB) + '\\', true],
  ['\\.sp with a 10 MB count', () => HEAD + '\\.sp ' + '9'.repeat(TEN_MB) + '\\', true],
  ['10 MB of separators in one field', () => HEAD + '^~&'.repeat(TEN_MB / 3), false],
  ['10 MB of field separators', () => HEAD + '|'.repeat(TEN_MB), false],
  ['10 MB of line breaks', () => HEAD + '\r\n'.repeat(TEN_MB / 2), true],
  ['2.5 million segments', () => HEAD + '\rZZZ'.repeat(TEN_MB / 4), false],
  ['10 MB without a line break or MSH', () => 'x'.repeat(TEN_MB), false],
  ['a 10 MB MSH-3', () => 'MSH|^~\\&|' + 'A'.repeat(TEN_MB) + '||ORU^R01|1|P|2.5', false],
  ['over the size limit', () => HEAD + 'x'.repeat(17 * 1024 * 1024), false],
];
for (const [name, make, shouldParse] of pathological) {
  test(`pathological input: ${name}`, { timeout: 30_000 }, () => {
    const text = make();
    const result = parseHl7(text);
    assert.equal(result.ok, shouldParse);
    if (result.ok) {
      const obx = result.message.segment('OBX')!;
      assert.equal(typeof obx.get(3), 'string');
      assert.ok(Array.isArray(obx.repetitions(3)));
    }
    checkInvariants(text, text.startsWith(HEAD) ? 'BIG1' : undefined);
  });
}
