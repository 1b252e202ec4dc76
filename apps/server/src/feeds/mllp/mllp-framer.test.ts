import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createMllpDecoder, frame } from './mllp-framer.ts';
import type { MllpFrameEvent, MllpFramingError } from './mllp-framer.ts';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SB = 0x0b;
const EB = 0x1c;
const CR = 0x0d;

const bytes = (...parts: (number[] | string | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function decodeAll(chunks: Buffer[], maxMessageBytes = 1024): MllpFrameEvent[] {
  const decoder = createMllpDecoder({ maxMessageBytes });
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.finish()];
}

const message = (text: string): MllpFrameEvent => ({ type: 'message', payload: Buffer.from(text, 'latin1') });
const error = (kind: MllpFramingError): MllpFrameEvent => ({ type: 'framing-error', kind });

test('frame wraps a payload in 0x0B ... 0x1C 0x0D and the decoder gives it back', () => {
  const framed = frame('MSH|^~\\&|A\rPID|1\r');
  assert.deepEqual(framed, bytes([SB], 'MSH|^~\\&|A\rPID|1\r', [EB, CR]));
  assert.deepEqual(decodeAll([framed]), [message('MSH|^~\\&|A\rPID|1\r')]);
  assert.deepEqual(frame(Buffer.from([0xc3, 0xa9])), bytes([SB, 0xc3, 0xa9, EB, CR]));
  assert.deepEqual(frame('é'), bytes([SB, 0xc3, 0xa9, EB, CR]), 'strings are sent as UTF-8');
  assert.deepEqual(frame(''), bytes([SB, EB, CR]));
});

test('frame refuses a payload holding a start or end block', () => {
  assert.throws(() => frame('MSH\x0B'), RangeError);
  assert.throws(() => frame(Buffer.from([0x41, EB, CR])), RangeError);
});

test('the decoder refuses a limit that is not a positive integer', () => {
  for (const maxMessageBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => createMllpDecoder({ maxMessageBytes }), RangeError);
  }
});

test('several messages in one chunk come out in order', () => {
  const chunk = Buffer.concat([frame('one'), frame('two'), frame(''), frame('three')]);
  assert.deepEqual(decodeAll([chunk]), [message('one'), message('two'), message(''), message('three')]);
});

test('a message split byte by byte comes out once, whole', () => {
  const framed = Buffer.concat([frame('MSH|first'), frame('MSH|second')]);
  const chunks = [...framed].map((b) => Buffer.from([b]));
  assert.deepEqual(decodeAll(chunks), [message('MSH|first'), message('MSH|second')]);
});

test('bytes before a start block are discarded and reported once per run', () => {
  assert.deepEqual(decodeAll([bytes('garbage', frame('a'), '\r\n', [EB, CR], frame('b'))]), [
    error('bytes-before-start'),
    message('a'),
    error('bytes-before-start'),
    message('b'),
  ]);
  assert.deepEqual(
    decodeAll(['ga', 'rb', 'age'].map((s) => Buffer.from(s))),
    [error('bytes-before-start')],
    'a run spread over chunks is reported once',
  );
});

test('an end block not followed by a carriage return drops the frame and resynchronises on the next start', () => {
  assert.deepEqual(decodeAll([bytes([SB], 'bad', [EB], 'x more stray', frame('good'))]), [
    error('end-block-without-cr'),
    message('good'),
  ]);
  assert.deepEqual(
    decodeAll([bytes([SB], 'bad', [EB]), bytes([SB], 'next', [EB, CR])]),
    [error('end-block-without-cr'), message('next')],
    'a start block right after the lone end block opens the next frame',
  );
});

test('a start block inside a frame truncates the open frame', () => {
  assert.deepEqual(decodeAll([bytes([SB], 'cut short', frame('whole'))]), [error('truncated'), message('whole')]);
  assert.deepEqual(decodeAll([bytes([SB], 'cut', [EB]), bytes([SB], 'x', [EB, CR])]), [
    error('end-block-without-cr'),
    message('x'),
  ]);
});

test('a frame still open when the stream ends is reported truncated by finish()', () => {
  const decoder = createMllpDecoder({ maxMessageBytes: 100 });
  assert.deepEqual(decoder.push(bytes([SB], 'half')), []);
  assert.equal(decoder.isInsideFrame(), true);
  assert.deepEqual(decoder.finish(), [error('truncated')]);
  assert.equal(decoder.isInsideFrame(), false);
  assert.deepEqual(decoder.push(frame('after')), [message('after')], 'the decoder is ready for a new stream');
  assert.deepEqual(decoder.finish(), []);
});

test('a payload of exactly maxMessageBytes passes; one byte more is too-large and the stream goes on', () => {
  const max = 10;
  const exact = 'x'.repeat(max);
  const over = 'y'.repeat(max + 1);
  for (const chunks of [
    [Buffer.concat([frame(exact), frame(over), frame('ok')])],
    [...Buffer.concat([frame(exact), frame(over), frame('ok')])].map((b) => Buffer.from([b])),
  ]) {
    assert.deepEqual(decodeAll(chunks, max), [message(exact), error('too-large'), message('ok')]);
  }
});

test('a too-large frame is discarded up to its end block: a lone 0x1C in it does not end it, a start block does', () => {
  const max = 4;
  assert.deepEqual(decodeAll([bytes([SB], 'too long', [EB], 'still', [EB, CR], 'stray', frame('ok'))], max), [
    error('too-large'),
    error('bytes-before-start'),
    message('ok'),
  ]);
  assert.deepEqual(decodeAll([bytes([SB], 'too long', frame('ok'))], max), [error('too-large'), message('ok')]);
  assert.deepEqual(decodeAll([bytes([SB], 'too long')], max), [error('too-large')], 'no truncated after too-large');
});

test('a too-large frame of 50 MB fed in 64 KiB chunks never makes the decoder hold more than maxMessageBytes', () => {
  const maxMessageBytes = 1024 * 1024;
  const chunkBytes = 64 * 1024;
  const decoder = createMllpDecoder({ maxMessageBytes });
  const filler = Buffer.alloc(chunkBytes, 0x41);
  const events: MllpFrameEvent[] = [...decoder.push(Buffer.from([SB]))];
  let largestHeld = 0;
  for (let sent = 0; sent < 50 * 1024 * 1024; sent += chunkBytes) {
    events.push(...decoder.push(filler));
    largestHeld = Math.max(largestHeld, decoder.bufferedBytes());
  }
  events.push(...decoder.push(Buffer.concat([Buffer.from([EB, CR]), frame('after')])));
  assert.deepEqual(events, [error('too-large'), message('after')]);
  assert.ok(largestHeld <= maxMessageBytes, `held ${largestHeld} bytes`);
  assert.ok(largestHeld > 0, 'the frame was buffered up to the limit before being dropped');
});

test('after a large message the decoder lets its buffer go', () => {
  const decoder = createMllpDecoder({ maxMessageBytes: 1024 * 1024 });
  const big = 'z'.repeat(500_000);
  const framed = frame(big);
  const events = [...decoder.push(framed.subarray(0, 1000)), ...decoder.push(framed.subarray(1000))];
  assert.deepEqual(events, [message(big)]);
  assert.ok(decoder.bufferedBytes() <= 64 * 1024, `still holding ${decoder.bufferedBytes()} bytes`);
});

test('payloads do not share memory with the chunk they came from', () => {
  const decoder = createMllpDecoder({ maxMessageBytes: 100 });
  const chunk = frame('abc');
  const [event] = decoder.push(chunk);
  chunk.fill(0x21);
  assert.deepEqual(event, message('abc'));
});

// The model: a stream is a list of segments, each with the events it must produce. Good messages hold any byte but
// the two block bytes; stray bytes hold anything but a start block (a 0x1C 0x0D outside a frame is still stray).
type Segment =
  | { kind: 'good'; payload: Buffer }
  | { kind: 'stray'; bytes: Buffer }
  | { kind: 'truncated'; body: Buffer }
  | { kind: 'too-large'; body: Buffer }
  | { kind: 'no-cr'; body: Buffer; after: number };

const MODEL_MAX = 64;
const payloadByte = fc.integer({ min: 0, max: 255 }).filter((b) => b !== SB && b !== EB);
const payloadOf = (minLength: number, maxLength: number) =>
  fc.array(payloadByte, { minLength, maxLength }).map((a) => Buffer.from(a));
const segmentArb: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 6, arbitrary: payloadOf(0, MODEL_MAX).map((payload) => ({ kind: 'good' as const, payload })) },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.integer({ min: 0, max: 255 }).filter((b) => b !== SB),
        { minLength: 1, maxLength: 20 },
      )
      .map((a) => ({ kind: 'stray' as const, bytes: Buffer.from(a) })),
  },
  { weight: 1, arbitrary: payloadOf(0, MODEL_MAX).map((body) => ({ kind: 'truncated' as const, body })) },
  {
    weight: 1,
    arbitrary: payloadOf(MODEL_MAX + 1, MODEL_MAX * 3).map((body) => ({ kind: 'too-large' as const, body })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        payloadOf(0, MODEL_MAX),
        fc.integer({ min: 0, max: 255 }).filter((b) => b !== CR && b !== SB),
      )
      .map(([body, after]) => ({ kind: 'no-cr' as const, body, after })),
  },
);

// A truncated frame is only cut short by a start block or the end of the stream: stray bytes right after it would
// be part of its body, so the generator never puts them there.
const streamArb = fc
  .array(segmentArb, { maxLength: 30 })
  .map((segments) =>
    segments.reduce<Segment[]>(
      (kept, s) => (s.kind === 'stray' && kept.at(-1)?.kind === 'truncated' ? kept : [...kept, s]),
      [],
    ),
  );

function encodeSegments(segments: Segment[]): Buffer {
  return Buffer.concat(
    segments.map((s) => {
      switch (s.kind) {
        case 'good':
          return frame(s.payload);
        case 'stray':
          return s.bytes;
        case 'truncated':
          return bytes([SB], s.body);
        case 'too-large':
          return bytes([SB], s.body, [EB, CR]);
        case 'no-cr':
          return bytes([SB], s.body, [EB, s.after]);
      }
    }),
  );
}

function expectedEvents(segments: Segment[]): MllpFrameEvent[] {
  const events: MllpFrameEvent[] = [];
  let isStraySuppressed = false;
  for (const s of segments) {
    switch (s.kind) {
      case 'good':
        events.push({ type: 'message', payload: s.payload });
        isStraySuppressed = false;
        break;
      case 'stray':
        if (!isStraySuppressed) events.push(error('bytes-before-start'));
        isStraySuppressed = true;
        break;
      case 'truncated':
        events.push(error('truncated'));
        isStraySuppressed = false;
        break;
      case 'too-large':
        events.push(error('too-large'));
        isStraySuppressed = false;
        break;
      case 'no-cr':
        // The byte after the lone 0x1C is stray, and reported with the frame's own error.
        events.push(error('end-block-without-cr'));
        isStraySuppressed = true;
        break;
    }
  }
  return events;
}

const splitArb = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: Math.min(length, 40) });

function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.filter((c) => c < stream.length).sort((a, b) => a - b), stream.length];
  return points.slice(1).map((end, i) => stream.subarray(points[i], end));
}

test('model: every good message comes out exactly once, in order, byte-identical, whatever the chunking and noise', () => {
  fc.assert(
    fc.property(
      streamArb.chain((segments) => {
        const stream = encodeSegments(segments);
        return fc.tuple(fc.constant(segments), fc.constant(stream), splitArb(stream.length));
      }),
      ([segments, stream, cuts]) => {
        const actual = decodeAll(split(stream, cuts), MODEL_MAX);
        assert.deepEqual(actual, expectedEvents(segments));
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});

test('model: byte-by-byte feeding gives the same events as one chunk', () => {
  fc.assert(
    fc.property(streamArb, (segments) => {
      const stream = encodeSegments(segments);
      const whole = decodeAll([stream], MODEL_MAX);
      const byByte = decodeAll(
        [...stream].map((b) => Buffer.from([b])),
        MODEL_MAX,
      );
      assert.deepEqual(byByte, whole);
    }),
    { numRuns: Math.ceil(FUZZ_RUNS / 3) },
  );
});

test('fuzz: any bytes, any chunking: no throw, memory bounded, events independent of chunking', () => {
  // Bytes drawn mostly from the control bytes, so that every decoder state is reached often.
  const byteArb = fc.oneof(fc.constantFrom(SB, EB, CR, 0x41), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(
      fc.array(byteArb, { maxLength: 400 }).chain((a) => fc.tuple(fc.constant(Buffer.from(a)), splitArb(a.length))),
      fc.integer({ min: 1, max: 32 }),
      ([stream, cuts], maxMessageBytes) => {
        const decoder = createMllpDecoder({ maxMessageBytes });
        const chunked: MllpFrameEvent[] = [];
        for (const chunk of split(stream, cuts)) {
          chunked.push(...decoder.push(chunk));
          assert.ok(decoder.bufferedBytes() <= maxMessageBytes);
        }
        chunked.push(...decoder.finish());
        assert.deepEqual(chunked, decodeAll([stream], maxMessageBytes));
        for (const event of chunked) {
          if (event.type === 'message') {
            assert.ok(event.payload.length <= maxMessageBytes);
            assert.ok(!event.payload.includes(SB) && !event.payload.includes(EB));
          }
        }
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});
