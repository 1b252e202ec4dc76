// HL7 v2 Minimal Lower Layer Protocol (MLLP release 1; HL7 v2.5.1 Implementation Guide, appendix C):
// a message travels as <SB> payload <EB><CR>, with SB = 0x0B, EB = 0x1C and CR = 0x0D.
const START_BLOCK = 0x0b;
const END_BLOCK = 0x1c;
const CARRIAGE_RETURN = 0x0d;

// A message buffer grows by doubling from here; one that grew past the ceiling is released once its message is out,
// so an idle connection keeps little memory after one large message.
const INITIAL_CAPACITY = 4096;
const RETAINED_CAPACITY_CEILING = 64 * 1024;

/**
 * What can go wrong in the framing of a byte stream:
 * - `bytes-before-start`: bytes outside a frame (reported once per run, up to the next start block);
 * - `end-block-without-cr`: an end block 0x1C not followed by 0x0D (the frame is dropped);
 * - `too-large`: a payload longer than `maxMessageBytes` (dropped, without buffering, up to its end block);
 * - `truncated`: a frame cut short by a new start block, or by the end of the stream.
 */
export type MllpFramingError = 'bytes-before-start' | 'end-block-without-cr' | 'too-large' | 'truncated';

/** One thing found in the stream, in stream order: a complete payload (without the framing) or a framing error. */
export type MllpFrameEvent = { type: 'message'; payload: Buffer } | { type: 'framing-error'; kind: MllpFramingError };

export interface MllpDecoderOptions {
  /** The largest payload accepted, in bytes (framing excluded); a longer one is reported `too-large`. */
  maxMessageBytes: number;
}

/** An incremental MLLP decoder for one connection: feed it every chunk read, in order. */
export interface MllpDecoder {
  /** Decodes one chunk; returns what it completed, in order. The chunk is not retained. */
  push(chunk: Buffer): MllpFrameEvent[];
  /** The stream ended: a frame still open is reported `truncated`, and the decoder is ready for a new stream. */
  finish(): MllpFrameEvent[];
  /** Whether a start block has been seen and its frame has not ended yet. */
  isInsideFrame(): boolean;
  /** Bytes of memory the decoder holds between chunks (the capacity of its message buffer). */
  bufferedBytes(): number;
}

type DecoderState =
  | 'outside' // waiting for a start block
  | 'inside' // collecting a payload
  | 'inside-after-end-block' // collecting, and the last byte was 0x1C
  | 'discarding' // the payload passed maxMessageBytes: skipping to its end block
  | 'discarding-after-end-block';

/** Creates an MLLP decoder; its memory never exceeds `maxMessageBytes`, whatever it is fed. */
export function createMllpDecoder(options: MllpDecoderOptions): MllpDecoder {
  const maxMessageBytes = options.maxMessageBytes;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) {
    throw new RangeError('maxMessageBytes must be a positive integer');
  }

  let state: DecoderState = 'outside';
  // Bytes outside a frame are reported once per run, not once per chunk or per byte.
  let isStrayRunReported = false;
  let buffer = Buffer.alloc(0);
  let length = 0;

  const append = (chunk: Buffer, from: number, to: number): boolean => {
    const needed = length + (to - from);
    if (needed > maxMessageBytes) return false;
    if (needed > buffer.length) {
      let capacity = Math.max(buffer.length * 2, INITIAL_CAPACITY);
      while (capacity < needed) capacity *= 2;
      const grown = Buffer.allocUnsafe(Math.min(capacity, maxMessageBytes));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    chunk.copy(buffer, length, from, to);
    length = needed;
    return true;
  };

  const takePayload = (): Buffer => {
    const payload = Buffer.from(buffer.subarray(0, length));
    resetPayload();
    return payload;
  };

  const resetPayload = () => {
    length = 0;
    if (buffer.length > RETAINED_CAPACITY_CEILING) buffer = Buffer.alloc(0);
  };

  const push = (chunk: Buffer): MllpFrameEvent[] => {
    const events: MllpFrameEvent[] = [];
    const n = chunk.length;
    // Positions of the next start and end block at or after i; searched again only once i passes them, so one chunk
    // is scanned in linear time whatever mix of control bytes it holds.
    let nextStart = -2;
    let nextEnd = -2;
    const findStart = (from: number) => {
      if (nextStart !== -1 && nextStart < from) nextStart = chunk.indexOf(START_BLOCK, from);
      return nextStart;
    };
    const findEnd = (from: number) => {
      if (nextEnd !== -1 && nextEnd < from) nextEnd = chunk.indexOf(END_BLOCK, from);
      return nextEnd;
    };

    let i = 0;
    while (i < n) {
      switch (state) {
        case 'outside': {
          const start = findStart(i);
          if (start !== i && !isStrayRunReported) {
            events.push({ type: 'framing-error', kind: 'bytes-before-start' });
            isStrayRunReported = true;
          }
          if (start === -1) {
            i = n;
          } else {
            isStrayRunReported = false;
            state = 'inside';
            length = 0;
            i = start + 1;
          }
          break;
        }
        case 'inside': {
          const start = findStart(i);
          const end = findEnd(i);
          const stop = start === -1 ? end : end === -1 ? start : Math.min(start, end);
          const to = stop === -1 ? n : stop;
          // Fast path: a whole frame inside this chunk is copied once, straight out.
          const isWholeFrame = length === 0 && stop === end && stop !== -1 && chunk[stop + 1] === CARRIAGE_RETURN;
          if (isWholeFrame && to - i <= maxMessageBytes) {
            events.push({ type: 'message', payload: Buffer.from(chunk.subarray(i, to)) });
            state = 'outside';
            i = to + 2;
            break;
          }
          if (!append(chunk, i, to)) {
            events.push({ type: 'framing-error', kind: 'too-large' });
            resetPayload();
            state = 'discarding';
            i = to;
            break;
          }
          if (stop === -1) {
            i = n;
          } else if (stop === start) {
            // A start block inside a frame begins a new frame: the open one is cut short.
            events.push({ type: 'framing-error', kind: 'truncated' });
            length = 0;
            i = start + 1;
          } else {
            state = 'inside-after-end-block';
            i = end + 1;
          }
          break;
        }
        case 'inside-after-end-block': {
          if (chunk[i] === CARRIAGE_RETURN) {
            events.push({ type: 'message', payload: takePayload() });
            state = 'outside';
            i += 1;
          } else {
            // MLLP: the end block is 0x1C 0x0D together. A lone 0x1C cannot be payload (HL7 v2 text excludes it), so
            // the frame is dropped rather than guessed at; what follows is stray until the next start block, and that
            // byte is looked at again as stray (it may be a start block).
            events.push({ type: 'framing-error', kind: 'end-block-without-cr' });
            resetPayload();
            state = 'outside';
            isStrayRunReported = true;
          }
          break;
        }
        case 'discarding': {
          const start = findStart(i);
          const end = findEnd(i);
          if (start !== -1 && (end === -1 || start < end)) {
            // A start block ends the oversized frame as it would any open frame; too-large was already reported.
            state = 'inside';
            length = 0;
            i = start + 1;
          } else if (end !== -1) {
            state = 'discarding-after-end-block';
            i = end + 1;
          } else {
            i = n;
          }
          break;
        }
        case 'discarding-after-end-block': {
          if (chunk[i] === CARRIAGE_RETURN) {
            state = 'outside';
            i += 1;
          } else {
            state = 'discarding';
          }
          break;
        }
        default: {
          const unreachable: never = state;
          throw new Error(`unknown decoder state ${String(unreachable)}`);
        }
      }
    }
    return events;
  };

  const finish = (): MllpFrameEvent[] => {
    const events: MllpFrameEvent[] = [];
    if (state === 'inside' || state === 'inside-after-end-block') {
      events.push({ type: 'framing-error', kind: 'truncated' });
    }
    state = 'outside';
    isStrayRunReported = false;
    length = 0;
    buffer = Buffer.alloc(0);
    return events;
  };

  return {
    push,
    finish,
    isInsideFrame: () => state !== 'outside',
    bufferedBytes: () => buffer.length,
  };
}

/** Wraps one payload in an MLLP frame; strings are encoded as UTF-8. */
export function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  // A start or end block inside the payload would make the receiver split or drop the message.
  if (body.includes(START_BLOCK) || body.includes(END_BLOCK)) {
    throw new RangeError('An MLLP payload cannot contain 0x0B or 0x1C');
  }
  const framed = Buffer.allocUnsafe(body.length + 3);
  framed[0] = START_BLOCK;
  body.copy(framed, 1);
  framed[body.length + 1] = END_BLOCK;
  framed[body.length + 2] = CARRIAGE_RETURN;
  return framed;
}
