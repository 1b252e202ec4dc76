import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { test } from 'node:test';
import fc from 'fast-check';
import { createMllpDecoder, frame } from './mllp-framer.ts';
import type { MllpFramingError } from './mllp-framer.ts';
import { MLLP_DEFAULTS, startMllpListener } from './mllp-listener.ts';
import type { MllpListener, MllpListenerOptions, MllpPeer } from './mllp-listener.ts';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SB = 0x0b;
const EB = 0x1c;
const CR = 0x0d;
const TIMEOUT = { timeout: 15_000 };

type Options = Omit<MllpListenerOptions, 'port' | 'authorise' | 'handle'> &
  Partial<Pick<MllpListenerOptions, 'authorise' | 'handle'>>;

const ackOf = (message: Buffer) => `ACK|${message.toString('latin1')}`;

/** A listener on a free loopback port that acks each message with ACK|<message>, closed after the test. */
async function listen(t: { after(fn: () => Promise<void>): void }, options: Options = {}): Promise<MllpListener> {
  const listener = await startMllpListener({
    port: 0,
    maxMessageBytes: 1024,
    idleTimeoutMs: 5_000,
    authorise: () => true,
    handle: (message) => Promise.resolve(ackOf(message)),
    ...options,
  });
  t.after(() => listener.close());
  return listener;
}

interface Client {
  socket: net.Socket;
  /** Frames received so far, unframed, as latin1 text. */
  replies: string[];
  /** Resolves once n frames have been received. */
  repliesUpTo(n: number): Promise<string[]>;
  closed: Promise<void>;
}

function wrapClient(socket: net.Socket): Client {
  const decoder = createMllpDecoder({ maxMessageBytes: 10 * 1024 * 1024 });
  const replies: string[] = [];
  const waiters: { n: number; resolve: (r: string[]) => void }[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const event of decoder.push(chunk)) {
      assert.equal(event.type, 'message', 'the listener only sends well-formed frames');
      if (event.type === 'message') replies.push(event.payload.toString('latin1'));
    }
    for (const waiter of waiters.filter((w) => replies.length >= w.n)) waiter.resolve(replies.slice(0, waiter.n));
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    replies,
    closed,
    repliesUpTo: (n) =>
      replies.length >= n
        ? Promise.resolve(replies.slice(0, n))
        : Promise.race([
            new Promise<string[]>((resolve) => waiters.push({ n, resolve })),
            closed.then(() => replies.slice()),
          ]),
  };
}

async function connect(port: number): Promise<Client> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return wrapClient(socket);
}

/** A promise the test resolves; also resolved when the test ends, so a failed assertion never leaves a handler
 * blocked and close() waiting on it. Call it before listen() so that it is released first. */
function gate<T = void>(t: { after(fn: () => void): void }, value?: T) {
  const deferred = Promise.withResolvers<T>();
  t.after(() => deferred.resolve(value as T));
  return deferred;
}

/** Waits until the listener has seen its side of the connections close. */
async function untilNoConnections(listener: MllpListener) {
  while (listener.connections() > 0) await sleep(5);
}

const messages = (n: number, prefix = 'MSH|') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const framed = (texts: string[]) => Buffer.concat(texts.map((m) => frame(m)));

test('binds to loopback by default, on a free port, and counts its connections', TIMEOUT, async (t) => {
  const listener = await listen(t);
  assert.equal(listener.host, '127.0.0.1');
  assert.equal(MLLP_DEFAULTS.host, '127.0.0.1');
  assert.ok(listener.port > 0);
  assert.equal(listener.connections(), 0);
  const client = await connect(listener.port);
  client.socket.write(frame('MSH|hello'));
  assert.deepEqual(await client.repliesUpTo(1), ['ACK|MSH|hello']);
  assert.equal(listener.connections(), 1);
  client.socket.end();
  await client.closed;
  await untilNoConnections(listener);
});

test('several messages in one write are each handled once and acked in order', TIMEOUT, async (t) => {
  const seen: { message: string; peer: MllpPeer }[] = [];
  const listener = await listen(t, {
    handle: (message, peer) => {
      seen.push({ message: message.toString('latin1'), peer });
      return Promise.resolve(ackOf(message));
    },
  });
  const client = await connect(listener.port);
  const sent = messages(5);
  client.socket.write(framed(sent));
  assert.deepEqual(
    await client.repliesUpTo(5),
    sent.map((m) => `ACK|${m}`),
  );
  assert.deepEqual(
    seen.map((s) => s.message),
    sent,
  );
  const peer = seen[0]?.peer;
  assert.equal(peer?.address, '127.0.0.1');
  assert.equal(peer?.port, client.socket.localPort);
  assert.equal(peer?.tlsAuthorized, false);
  assert.equal(peer?.tlsSubject, undefined);
  assert.match(peer?.connectionId ?? '', /^[0-9a-f-]{36}$/);
  assert.ok(
    seen.every((s) => s.peer === peer),
    'one peer object per connection',
  );
});

test('one message split across writes with pauses is handled once, byte-identical', TIMEOUT, async (t) => {
  const received: Buffer[] = [];
  const listener = await listen(t, {
    handle: (message) => {
      received.push(message);
      return Promise.resolve('ACK');
    },
  });
  const client = await connect(listener.port);
  const payload = Buffer.from(
    Array.from({ length: 600 }, (_, i) => [i % 256])
      .flat()
      .filter((b) => b !== SB && b !== EB),
  );
  const bytes = frame(payload);
  for (const [from, to] of [
    [0, 1],
    [1, 100],
    [100, bytes.length - 1],
    [bytes.length - 1, bytes.length],
  ]) {
    client.socket.write(bytes.subarray(from, to));
    await sleep(30);
  }
  assert.deepEqual(await client.repliesUpTo(1), ['ACK']);
  assert.equal(received.length, 1);
  assert.deepEqual(received[0], payload);
});

test('pipelined messages are handled one at a time and acked in order', TIMEOUT, async (t) => {
  let running = 0;
  let mostAtOnce = 0;
  const listener = await listen(t, {
    handle: async (message) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      // Later messages often finish faster than earlier ones would, were they run side by side.
      await sleep(Number(message.toString('latin1').split('|')[1]) % 3 === 0 ? 5 : 0);
      running -= 1;
      return ackOf(message);
    },
  });
  const client = await connect(listener.port);
  const sent = messages(60);
  for (const m of sent) client.socket.write(frame(m));
  assert.deepEqual(
    await client.repliesUpTo(60),
    sent.map((m) => `ACK|${m}`),
  );
  assert.equal(mostAtOnce, 1);
});

test('connections are handled side by side', TIMEOUT, async (t) => {
  const release = gate(t);
  const listener = await listen(t, {
    handle: async (message) => {
      if (message.toString() === 'MSH|slow') await release.promise;
      return ackOf(message);
    },
  });
  const slow = await connect(listener.port);
  slow.socket.write(frame('MSH|slow'));
  const fast = await connect(listener.port);
  fast.socket.write(frame('MSH|fast'));
  assert.deepEqual(await fast.repliesUpTo(1), ['ACK|MSH|fast']);
  assert.deepEqual(slow.replies, []);
  release.resolve();
  assert.deepEqual(await slow.repliesUpTo(1), ['ACK|MSH|slow']);
});

const handlerFailures: [string, () => Promise<string>][] = [
  [
    'throws',
    () => {
      throw new Error('MSH|patient data in an error text');
    },
  ],
  ['rejects', () => Promise.reject(new Error('database down'))],
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a careless handler may reject with anything
  ['rejects with a non-error', () => Promise.reject(Object.create(null))],
  ['returns an ACK holding an end block', () => Promise.resolve('ACK\x1C\r')],
];
for (const [name, failure] of handlerFailures) {
  test(
    `a handler that ${name} gets no ACK for that message and its connection is closed; the listener goes on`,
    TIMEOUT,
    async (t) => {
      const handled: string[] = [];
      const logged: string[] = [];
      const listener = await listen(t, {
        handle: (message) => {
          const text = message.toString('latin1');
          handled.push(text);
          return text === 'MSH|bad' ? failure() : Promise.resolve(ackOf(message));
        },
        log: {
          error: (m, f) => logged.push(JSON.stringify([m, f])),
          warn: (m, f) => logged.push(JSON.stringify([m, f])),
          info: (m, f) => logged.push(JSON.stringify([m, f])),
          debug: (m, f) => logged.push(JSON.stringify([m, f])),
        },
      });
      const client = await connect(listener.port);
      client.socket.write(framed(['MSH|good', 'MSH|bad', 'MSH|after']));
      await client.closed;
      assert.deepEqual(client.replies, ['ACK|MSH|good']);
      assert.deepEqual(handled, ['MSH|good', 'MSH|bad'], 'nothing after the failed message is handled');
      assert.ok(logged.some((l) => l.includes('mllp handler failed')));
      assert.ok(!logged.some((l) => l.includes('MSH|')), 'no message content in the log');

      const again = await connect(listener.port);
      again.socket.write(frame('MSH|again'));
      assert.deepEqual(await again.repliesUpTo(1), ['ACK|MSH|again']);
    },
  );
}

for (const [name, authorise] of [
  ['returns false', () => false],
  ['resolves false', () => Promise.resolve(false)],
  [
    'throws',
    () => {
      throw new Error('no');
    },
  ],
  ['rejects', () => Promise.reject(new Error('no'))],
] as const) {
  test(`authorise that ${name} closes the connection before any message is read`, TIMEOUT, async (t) => {
    const peers: MllpPeer[] = [];
    let handled = 0;
    const listener = await listen(t, {
      authorise: (peer) => {
        peers.push(peer);
        return authorise();
      },
      handle: () => {
        handled += 1;
        return Promise.resolve('ACK');
      },
    });
    const client = await connect(listener.port);
    client.socket.write(frame('MSH|1'));
    await client.closed;
    assert.deepEqual(client.replies, []);
    assert.equal(handled, 0);
    assert.equal(peers.length, 1, 'authorise is called once per connection');
    assert.equal(peers[0]?.address, '127.0.0.1');
  });
}

test('an authorise that takes its time: bytes sent meanwhile are handled once it says yes', TIMEOUT, async (t) => {
  const decision = gate(t, false);
  const listener = await listen(t, { authorise: () => decision.promise });
  const client = await connect(listener.port);
  client.socket.write(framed(['MSH|early', 'MSH|early2']));
  await sleep(30);
  assert.deepEqual(client.replies, []);
  decision.resolve(true);
  assert.deepEqual(await client.repliesUpTo(2), ['ACK|MSH|early', 'ACK|MSH|early2']);
});

test('an idle connection is closed after idleTimeoutMs', TIMEOUT, async (t) => {
  const listener = await listen(t, { idleTimeoutMs: 150 });
  const client = await connect(listener.port);
  client.socket.write(frame('MSH|1'));
  assert.deepEqual(await client.repliesUpTo(1), ['ACK|MSH|1']);
  await client.closed;
  await untilNoConnections(listener);
});

test('a connection whose authorise never answers is closed by the idle timeout', TIMEOUT, async (t) => {
  const listener = await listen(t, { idleTimeoutMs: 150, authorise: () => new Promise<boolean>(() => {}) });
  const client = await connect(listener.port);
  await client.closed;
  await untilNoConnections(listener);
});

test(
  'a handler slower than idleTimeoutMs is not cut off: the timer runs only while nothing is handled',
  TIMEOUT,
  async (t) => {
    const listener = await listen(t, {
      idleTimeoutMs: 100,
      handle: async (message) => {
        await sleep(300);
        return ackOf(message);
      },
    });
    const client = await connect(listener.port);
    client.socket.write(frame('MSH|slow'));
    assert.deepEqual(await client.repliesUpTo(1), ['ACK|MSH|slow']);
  },
);

test('slowloris: a frame trickling in byte by byte, never finished, is closed', TIMEOUT, async (t) => {
  let handled = 0;
  const listener = await listen(t, {
    idleTimeoutMs: 200,
    handle: () => {
      handled += 1;
      return Promise.resolve('ACK');
    },
  });
  const client = await connect(listener.port);
  client.socket.write(Buffer.from([SB]));
  const trickle = setInterval(() => client.socket.write('x'), 20);
  t.after(() => clearInterval(trickle));
  await client.closed;
  clearInterval(trickle);
  assert.equal(handled, 0);
});

test('slowloris: a new start block now and then does not keep a connection open', TIMEOUT, async (t) => {
  const kinds: MllpFramingError[] = [];
  const listener = await listen(t, { idleTimeoutMs: 200, onFramingError: (kind) => void kinds.push(kind) });
  const client = await connect(listener.port);
  const trickle = setInterval(() => client.socket.write(Buffer.from([SB, 0x41])), 50);
  t.after(() => clearInterval(trickle));
  await client.closed;
  clearInterval(trickle);
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'truncated'));
});

test('slowloris: stray bytes trickling in do not keep a connection open', TIMEOUT, async (t) => {
  const listener = await listen(t, { idleTimeoutMs: 200 });
  const client = await connect(listener.port);
  const trickle = setInterval(() => client.socket.write('z'), 20);
  t.after(() => clearInterval(trickle));
  await client.closed;
  clearInterval(trickle);
});

test('a message over maxMessageBytes gets the framing-error reply, and the connection goes on', TIMEOUT, async (t) => {
  const handled: string[] = [];
  const listener = await listen(t, {
    maxMessageBytes: 1000,
    onFramingError: (kind) => `AR|${kind}`,
    handle: (message) => {
      handled.push(message.toString('latin1'));
      return Promise.resolve(ackOf(message));
    },
  });
  const client = await connect(listener.port);
  const exact = 'M'.repeat(1000);
  client.socket.write(Buffer.concat([frame(exact), frame('N'.repeat(5000)), frame('MSH|next')]));
  assert.deepEqual(await client.repliesUpTo(3), [`ACK|${exact}`, 'AR|too-large', 'ACK|MSH|next']);
  assert.deepEqual(handled, [exact, 'MSH|next']);
});

test(
  'a 10 MB frame over a 1 MB limit is refused without being handled, and the connection goes on',
  TIMEOUT,
  async (t) => {
    let handled = 0;
    const listener = await listen(t, {
      maxMessageBytes: 1024 * 1024,
      onFramingError: (kind) => `AR|${kind}`,
      handle: (message) => {
        handled += 1;
        return Promise.resolve(ackOf(message));
      },
    });
    const client = await connect(listener.port);
    client.socket.write(Buffer.from([SB]));
    client.socket.write(Buffer.alloc(10 * 1024 * 1024, 0x41));
    client.socket.write(Buffer.concat([Buffer.from([EB, CR]), frame('MSH|after')]));
    assert.deepEqual(await client.repliesUpTo(2), ['AR|too-large', 'ACK|MSH|after']);
    assert.equal(handled, 1);
  },
);

test('every framing error reaches onFramingError in stream order, between the ACKs', TIMEOUT, async (t) => {
  const listener = await listen(t, {
    maxMessageBytes: 10,
    onFramingError: (kind) => (kind === 'truncated' ? undefined : `AR|${kind}`),
  });
  const client = await connect(listener.port);
  client.socket.write(
    Buffer.concat([
      Buffer.from('junk'),
      frame('MSH|1'),
      Buffer.from([SB, 0x41, EB, 0x41]),
      frame('MSH|2'),
      Buffer.from([SB, 0x41]),
      frame('MSH|3'),
      frame('MSH|toolong'),
      frame('MSH|4'),
    ]),
  );
  assert.deepEqual(await client.repliesUpTo(7), [
    'AR|bytes-before-start',
    'ACK|MSH|1',
    'AR|end-block-without-cr',
    'ACK|MSH|2',
    'ACK|MSH|3',
    'AR|too-large',
    'ACK|MSH|4',
  ]);
});

test('a sender of broken frames that does not read the replies is not read either', TIMEOUT, async (t) => {
  const logged: string[] = [];
  const note = (m: string, f?: Record<string, unknown>) => void logged.push(JSON.stringify([m, f]));
  let replies = 0;
  const reply = `MSH|^~\\&|JOINEDUP|||||||ACK|1|P|2.5.1\rMSA|AR|0\rERR|||${'x'.repeat(1000)}`;
  const listener = await listen(t, {
    onFramingError: () => {
      replies += 1;
      return reply;
    },
    log: { error: note, warn: note, info: note, debug: note },
  });
  // A bare socket: the replies are only drained, not decoded.
  const socket = net.connect({ host: '127.0.0.1', port: listener.port });
  await once(socket, 'connect');
  const closed = once(socket, 'close');
  // Each start block cuts the frame before it short: 65,535 truncated frames, each answered with 1 KB.
  const starts = 64 * 1024;
  socket.write(Buffer.alloc(starts, SB));
  let last = -1;
  while (replies !== last) {
    last = replies;
    await sleep(100);
  }
  // Stalled once the socket buffers hold what was written (a few MB): the listener stopped reading.
  assert.ok(replies < 30_000, `${replies} replies written to a sender that reads none`);
  socket.resume();
  while (replies < starts - 1) await sleep(10);
  socket.end();
  await closed;
  await untilNoConnections(listener);
  assert.equal(replies, starts - 1);
  const errorLines = logged.filter((l) => l.includes('mllp framing error'));
  assert.ok(errorLines.length <= 10, `${errorLines.length} framing error lines logged`);
  assert.ok(
    logged.some((l) => l.includes('mllp connection closed') && l.includes(`"framingErrors":${starts}`)),
    'the count is logged once, at close (the last frame, left open, is counted too)',
  );
});

test('an onFramingError that throws closes the connection', TIMEOUT, async (t) => {
  const listener = await listen(t, {
    onFramingError: () => {
      throw new Error('bug');
    },
  });
  const client = await connect(listener.port);
  client.socket.write(Buffer.concat([frame('MSH|1'), Buffer.from('junk'), frame('MSH|2')]));
  await client.closed;
  assert.deepEqual(client.replies, ['ACK|MSH|1']);
});

test('a sender that half-closes after its messages still gets every ACK', TIMEOUT, async (t) => {
  const listener = await listen(t, {
    handle: async (message) => {
      await sleep(10);
      return ackOf(message);
    },
  });
  const client = await connect(listener.port);
  client.socket.end(framed(['MSH|1', 'MSH|2']));
  await client.closed;
  assert.deepEqual(client.replies, ['ACK|MSH|1', 'ACK|MSH|2']);
});

test(
  'back-pressure: while a message is handled the listener stops reading, and catches up after',
  TIMEOUT,
  async (t) => {
    const release = gate(t);
    let handled = 0;
    const listener = await listen(t, {
      maxMessageBytes: 64 * 1024,
      handle: async (message) => {
        handled += 1;
        if (handled === 1) await release.promise;
        return `ACK|${message.length}`;
      },
    });
    const client = await connect(listener.port);
    const count = 1000;
    const oneMessage = frame(Buffer.alloc(32 * 1024, 0x41));
    for (let i = 0; i < count; i += 1) client.socket.write(oneMessage);
    // 32 MB is more than loopback's socket buffers hold: if the listener kept reading, it would all have left the
    // client by now; paused, most of it is still queued on the client side.
    await sleep(300);
    assert.equal(handled, 1);
    assert.ok(client.socket.writableLength > 8 * 1024 * 1024, `${client.socket.writableLength} bytes still queued`);
    release.resolve();
    const replies = await client.repliesUpTo(count);
    assert.equal(replies.length, count);
    assert.equal(handled, count);
  },
);

test('a sender that resets the connection while its message is handled crashes nothing', TIMEOUT, async (t) => {
  const started = Promise.withResolvers<void>();
  const release = gate(t);
  const listener = await listen(t, {
    handle: async (message) => {
      started.resolve();
      await release.promise;
      return ackOf(message);
    },
  });
  const client = await connect(listener.port);
  client.socket.write(framed(['MSH|1', 'MSH|2']));
  await started.promise;
  client.socket.resetAndDestroy();
  await client.closed;
  await untilNoConnections(listener);
  release.resolve();
  const again = await connect(listener.port);
  again.socket.write(frame('MSH|3'));
  assert.deepEqual(await again.repliesUpTo(1), ['ACK|MSH|3']);
});

test('a sender that resets mid-frame, or right after writing, crashes nothing', TIMEOUT, async (t) => {
  const listener = await listen(t);
  for (let i = 0; i < 20; i += 1) {
    const client = await connect(listener.port);
    client.socket.write(i % 2 === 0 ? Buffer.from([SB, 0x41, 0x42]) : framed(['MSH|1', 'MSH|2', 'MSH|3']));
    client.socket.resetAndDestroy();
    await client.closed;
  }
  const client = await connect(listener.port);
  client.socket.write(frame('MSH|still here'));
  assert.deepEqual(await client.repliesUpTo(1), ['ACK|MSH|still here']);
});

test(
  'close() waits for the in-flight handler, sends its ACK, then closes; nothing new is accepted',
  TIMEOUT,
  async (t) => {
    const started = Promise.withResolvers<void>();
    const release = gate(t);
    const handled: string[] = [];
    const listener = await listen(t, {
      handle: async (message) => {
        handled.push(message.toString('latin1'));
        started.resolve();
        await release.promise;
        return ackOf(message);
      },
    });
    const busy = await connect(listener.port);
    const idle = await connect(listener.port);
    busy.socket.write(framed(['MSH|1', 'MSH|2']));
    await started.promise;
    let isClosed = false;
    const closing = listener.close().then(() => {
      isClosed = true;
    });
    await idle.closed;
    await assert.rejects(connect(listener.port), 'no new connection once closing');
    await sleep(50);
    assert.equal(isClosed, false, 'close() waits for the handler');
    release.resolve();
    await closing;
    await busy.closed;
    assert.deepEqual(busy.replies, ['ACK|MSH|1']);
    assert.deepEqual(handled, ['MSH|1'], 'queued messages are left for the sender to resend');
    assert.equal(listener.connections(), 0);
    await listener.close();
  },
);

test('close() also waits for a handler whose sender has gone', TIMEOUT, async (t) => {
  const started = Promise.withResolvers<void>();
  const release = gate(t);
  let isHandlerDone = false;
  const listener = await listen(t, {
    handle: async () => {
      started.resolve();
      await release.promise;
      isHandlerDone = true;
      return 'ACK';
    },
  });
  const client = await connect(listener.port);
  client.socket.write(frame('MSH|1'));
  await started.promise;
  client.socket.resetAndDestroy();
  await client.closed;
  await untilNoConnections(listener);
  const closing = listener.close();
  setTimeout(() => release.resolve(), 50);
  await closing;
  assert.equal(isHandlerDone, true);
});

test('close() does not wait for a stalled TLS handshake or an unanswered authorise', TIMEOUT, async (t) => {
  const listener = await listen(t, { idleTimeoutMs: 60_000, authorise: () => new Promise<boolean>(() => {}) });
  const client = await connect(listener.port);
  await listener.close();
  await client.closed;
});

test('maxConnections: a connection over the limit is closed at once', TIMEOUT, async (t) => {
  const listener = await listen(t, { maxConnections: 2 });
  const first = await connect(listener.port);
  const second = await connect(listener.port);
  first.socket.write(frame('MSH|1'));
  second.socket.write(frame('MSH|2'));
  await Promise.all([first.repliesUpTo(1), second.repliesUpTo(1)]);
  const third = await connect(listener.port);
  third.socket.write(frame('MSH|3'));
  await third.closed;
  assert.deepEqual(third.replies, []);
  assert.equal(listener.connections(), 2);
});

test('options are checked at start', TIMEOUT, async (t) => {
  const base = { port: 0, authorise: () => true, handle: () => Promise.resolve('ACK') };
  for (const bad of [
    { maxMessageBytes: 0 },
    { idleTimeoutMs: -1 },
    { maxConnections: 1.5 },
    { idleTimeoutMs: Number.NaN },
  ]) {
    await assert.rejects(startMllpListener({ ...base, ...bad }), RangeError);
  }
  await assert.rejects(
    startMllpListener({ ...base, tls: { key: 'k', cert: 'c', requestClientCert: true } }),
    /requestClientCert needs tls.ca/,
  );
  const first = await listen(t);
  await assert.rejects(startMllpListener({ ...base, port: first.port }), /EADDRINUSE/);
});

test(
  'fuzz: good frames among stray bytes, broken and oversized frames, in random writes: each good one acked once, in order',
  TIMEOUT,
  async (t) => {
    const maxMessageBytes = 64;
    const kinds: MllpFramingError[] = [];
    const listener = await listen(t, { maxMessageBytes, onFramingError: (kind) => void kinds.push(kind) });
    const payloadByte = fc.integer({ min: 0x20, max: 0x7e });
    const good = fc
      .array(payloadByte, { minLength: 1, maxLength: maxMessageBytes })
      .map((a) => ({ good: Buffer.from(a) }));
    const noise = fc.oneof(
      fc
        .array(
          fc.integer({ min: 0, max: 255 }).filter((b) => b !== SB),
          { minLength: 1, maxLength: 30 },
        )
        .map((a) => Buffer.from(a)),
      fc.array(payloadByte, { minLength: maxMessageBytes + 1, maxLength: 300 }).map((a) => frame(Buffer.from(a))),
      fc.array(payloadByte, { maxLength: 20 }).map((a) => Buffer.from([SB, ...a, EB, 0x41])),
    );
    // A frame cut short is only cut by a start block, so it always comes just before a good frame.
    const cut = fc.array(payloadByte, { maxLength: 20 }).map((a) => Buffer.from([SB, ...a]));
    const segment = fc.oneof(
      { weight: 3, arbitrary: good },
      { weight: 1, arbitrary: noise.map((n) => ({ noise: n })) },
      { weight: 1, arbitrary: fc.tuple(cut, good).map(([c, g]) => ({ noise: c, then: g.good })) },
    );
    const runs = Math.max(50, Math.ceil(FUZZ_RUNS / 10));
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        async (segments, writeSize) => {
          const expected: string[] = [];
          const parts: Buffer[] = [];
          for (const s of segments) {
            if ('good' in s) {
              parts.push(frame(s.good));
              expected.push(`ACK|${s.good.toString('latin1')}`);
            } else {
              parts.push(s.noise);
              if ('then' in s) {
                parts.push(frame(s.then));
                expected.push(`ACK|${s.then.toString('latin1')}`);
              }
            }
          }
          // End on a good frame so the last noise is followed by something that must still get through.
          parts.push(frame('MSH|last'));
          expected.push('ACK|MSH|last');
          const stream = Buffer.concat(parts);
          const client = await connect(listener.port);
          for (let i = 0; i < stream.length; i += writeSize) client.socket.write(stream.subarray(i, i + writeSize));
          const replies = await client.repliesUpTo(expected.length);
          client.socket.destroy();
          await client.closed;
          assert.deepEqual(replies, expected);
        },
      ),
      { numRuns: runs },
    );
    assert.ok(kinds.includes('too-large') && kinds.includes('bytes-before-start') && kinds.includes('truncated'));
  },
);

function openssl(dir: string, ...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Test-only keys, made fresh for each run in a temporary folder and deleted after it.
function makeTestCertificates() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mllp-tls-test-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const issue = (name: string, subject: string, ca: string, extensions?: string) => {
    openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    const ext = extensions === undefined ? [] : ['-extfile', `${name}.ext`];
    if (extensions !== undefined) fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      ...ext,
    );
  };
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=joinedup test CA',
  );
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'rogue-ca.key',
    '-out',
    'rogue-ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=rogue CA',
  );
  issue('server', '/CN=localhost', 'ca', 'subjectAltName=IP:127.0.0.1\n');
  issue('client', '/O=Test Trust/CN=pas.test-trust.example', 'ca');
  issue('rogue', '/CN=pas.test-trust.example', 'rogue-ca');
  const read = (name: string) => fs.readFileSync(path.join(dir, name));
  const certificates = {
    ca: read('ca.crt'),
    server: { key: read('server.key'), cert: read('server.crt') },
    client: { key: read('client.key'), cert: read('client.crt') },
    rogue: { key: read('rogue.key'), cert: read('rogue.crt') },
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return certificates;
}

async function connectTls(port: number, options: tls.ConnectionOptions): Promise<Client> {
  const socket = tls.connect({ host: '127.0.0.1', port, ...options });
  await once(socket, 'secureConnect');
  return wrapClient(socket);
}

test(
  'TLS: client certificates are verified against the CA, and authorise sees the verdict',
  { ...TIMEOUT, skip: hasOpenssl() ? false : 'openssl is not installed' },
  async (t) => {
    const certificates = makeTestCertificates();
    const peers: MllpPeer[] = [];
    const listener = await listen(t, {
      tls: { ...certificates.server, ca: certificates.ca, requestClientCert: true },
      authorise: (peer) => {
        peers.push(peer);
        return peer.tlsAuthorized;
      },
    });
    const trusted = await connectTls(listener.port, { ca: certificates.ca, ...certificates.client });
    trusted.socket.write(frame('MSH|over tls'));
    assert.deepEqual(await trusted.repliesUpTo(1), ['ACK|MSH|over tls']);
    assert.equal(peers[0]?.tlsAuthorized, true);
    assert.equal(peers[0]?.tlsSubject, 'O=Test Trust, CN=pas.test-trust.example');

    const rogue = await connectTls(listener.port, { ca: certificates.ca, ...certificates.rogue });
    rogue.socket.write(frame('MSH|rogue'));
    await rogue.closed;
    assert.deepEqual(rogue.replies, []);
    assert.equal(peers[1]?.tlsAuthorized, false);
    assert.equal(peers[1]?.tlsSubject, 'CN=pas.test-trust.example', 'the subject is given, but not trusted');

    const anonymous = await connectTls(listener.port, { ca: certificates.ca });
    anonymous.socket.write(frame('MSH|anonymous'));
    await anonymous.closed;
    assert.deepEqual(anonymous.replies, []);
    assert.equal(peers[2]?.tlsAuthorized, false);
    assert.equal(peers[2]?.tlsSubject, undefined);

    const plain = await connect(listener.port);
    plain.socket.write(frame('MSH|plain text to a TLS port'));
    await plain.closed;
    assert.equal(peers.length, 3, 'a plain-text client never reaches authorise');
  },
);

test(
  'TLS without client certificates: never tlsAuthorized',
  { ...TIMEOUT, skip: hasOpenssl() ? false : 'openssl is not installed' },
  async (t) => {
    const certificates = makeTestCertificates();
    const peers: MllpPeer[] = [];
    const listener = await listen(t, {
      tls: { ...certificates.server },
      authorise: (peer) => {
        peers.push(peer);
        return true;
      },
    });
    const client = await connectTls(listener.port, { ca: certificates.ca, ...certificates.client });
    client.socket.write(frame('MSH|1'));
    assert.deepEqual(await client.repliesUpTo(1), ['ACK|MSH|1']);
    assert.equal(peers[0]?.tlsAuthorized, false);
  },
);
