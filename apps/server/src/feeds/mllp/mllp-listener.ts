import { randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../platform/log.ts';
import { createMllpDecoder, frame } from './mllp-framer.ts';
import type { MllpFrameEvent, MllpFramingError } from './mllp-framer.ts';

/** Who is on the other end of one connection. */
export interface MllpPeer {
  /** The remote IP address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is given as plain IPv4. */
  address: string;
  port: number;
  /** True only when TLS is on, a client certificate was requested and it verified against `tls.ca`. */
  tlsAuthorized: boolean;
  /** The client certificate's subject ("CN=..., O=..."), when one was presented; trust it only if tlsAuthorized. */
  tlsSubject?: string;
  /** A random id naming this connection in logs. */
  connectionId: string;
}

export interface MllpTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CAs that client certificates must chain to; required with requestClientCert. */
  ca?: string | Buffer;
  requestClientCert?: boolean;
}

export interface MllpListenerOptions {
  /** Address to bind; loopback unless configured otherwise. */
  host?: string;
  /** TCP port; 0 picks a free one (read it back from `MllpListener.port`). */
  port: number;
  tls?: MllpTlsOptions;
  maxMessageBytes?: number;
  /** A connection with nothing being handled is closed after this long without a handled message; a frame must
   * also complete within this long of its start block. */
  idleTimeoutMs?: number;
  maxConnections?: number;
  /** Called once per connection, before any byte is read; false, a throw or a rejection closes it at once. */
  authorise(peer: MllpPeer): boolean | Promise<boolean>;
  /** Handles one message (the payload without framing); resolves to the ACK to send back, unframed. */
  handle(message: Buffer, peer: MllpPeer): Promise<Buffer | string>;
  /** An optional reply (e.g. an AR ACK) to a framing error; nothing is sent when it returns undefined. */
  onFramingError?(kind: MllpFramingError, peer: MllpPeer): Buffer | string | undefined;
  /** Connection events, never message content. */
  log?: Logger;
}

export interface MllpListener {
  host: string;
  port: number;
  /** Stops accepting, lets in-flight handlers finish and send their ACK, then closes every connection. */
  close(): Promise<void>;
  /** The number of open (authorising or authorised) connections. */
  connections(): number;
}

export const MLLP_DEFAULTS = {
  host: '127.0.0.1',
  maxMessageBytes: 8 * 1024 * 1024,
  idleTimeoutMs: 60_000,
  maxConnections: 64,
} as const;

// Replies (ACKs) queued in memory for a peer that is slow to read them, beyond which reading stops until they drain.
const MAX_UNSENT_REPLY_BYTES = 256 * 1024;

// A sender of endless broken frames would otherwise write one log line each.
const LOGGED_FRAMING_ERRORS = 10;

interface Connection {
  /** Asks the connection to close once its in-flight message (if any) is answered. */
  shutdown(): void;
  closed: Promise<void>;
}

/** Starts an MLLP listener (plain TCP, or TLS when `tls` is given) bound to loopback unless `host` says otherwise. */
export async function startMllpListener(options: MllpListenerOptions): Promise<MllpListener> {
  const host = options.host ?? MLLP_DEFAULTS.host;
  const maxMessageBytes = options.maxMessageBytes ?? MLLP_DEFAULTS.maxMessageBytes;
  const idleTimeoutMs = options.idleTimeoutMs ?? MLLP_DEFAULTS.idleTimeoutMs;
  const maxConnections = options.maxConnections ?? MLLP_DEFAULTS.maxConnections;
  for (const [name, value] of [
    ['maxMessageBytes', maxMessageBytes],
    ['idleTimeoutMs', idleTimeoutMs],
    ['maxConnections', maxConnections],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  if (options.tls?.requestClientCert && options.tls.ca === undefined) {
    // Without our own CA, node would verify client certificates against the public web roots: any certificate a
    // public CA issued would count as authorised.
    throw new RangeError('tls.requestClientCert needs tls.ca');
  }
  const log = options.log;
  const connections = new Set<Connection>();
  // Every TCP socket, TLS handshakes in progress included, so that close() does not wait for a stalled handshake.
  const sockets = new Set<net.Socket>();
  const inFlight = new Set<Promise<unknown>>();
  let isClosing = false;

  const server = options.tls
    ? tls.createServer({
        key: options.tls.key,
        cert: options.tls.cert,
        ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
        requestCert: options.tls.requestClientCert === true,
        // The verdict is passed to authorise() as tlsAuthorized rather than enforced here, so that an unverified
        // client is refused by the same code path (and log line) as any other refusal.
        rejectUnauthorized: false,
        handshakeTimeout: idleTimeoutMs,
        allowHalfOpen: true,
      })
    : net.createServer({ allowHalfOpen: true });
  server.maxConnections = maxConnections;
  server.on('drop', (data?: net.DropArgument) => {
    log?.warn('mllp connection dropped: maxConnections reached', { address: data?.remoteAddress, maxConnections });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const accept = (socket: net.Socket | tls.TLSSocket) => {
    if (isClosing) {
      socket.destroy();
      return;
    }
    const connection = openConnection(socket, {
      options,
      maxMessageBytes,
      idleTimeoutMs,
      track: (promise) => {
        const settled = promise.then(
          () => {},
          () => {},
        );
        inFlight.add(settled);
        void settled.then(() => inFlight.delete(settled));
      },
      ...(log === undefined ? {} : { log }),
    });
    if (connection === undefined) return;
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  };
  if (server instanceof tls.Server) {
    server.on('secureConnection', accept);
    server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
      log?.warn('mllp tls handshake failed', { code: error.code ?? error.name });
    });
  } else {
    server.on('connection', accept);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    log?.error('mllp listener error', { code: error.code ?? error.name });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log?.info('mllp listening', { host, port, tls: options.tls !== undefined });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      isClosing = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.shutdown();
      await Promise.all([...connections].map((c) => c.closed));
      // A handler whose connection was already gone is still waited for: the caller may close the database next.
      await Promise.allSettled([...inFlight]);
      for (const socket of sockets) socket.destroy();
      await serverClosed;
    })();
    return closing;
  };

  return { host, port, close, connections: () => connections.size };
}

interface ConnectionContext {
  options: MllpListenerOptions;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  track(promise: Promise<unknown>): void;
  log?: Logger;
}

function openConnection(socket: net.Socket | tls.TLSSocket, context: ConnectionContext): Connection | undefined {
  const { options, idleTimeoutMs, log } = context;
  const connectionId = randomUUID();
  // Errors (ECONNRESET, EPIPE, a TLS alert) are followed by 'close', which does the cleaning up.
  socket.on('error', (error: NodeJS.ErrnoException) => {
    log?.info('mllp connection error', { connectionId, code: error.code ?? error.name });
  });
  socket.pause();
  if (socket.remoteAddress === undefined || socket.remotePort === undefined) {
    socket.destroy();
    return undefined;
  }
  const peer = describePeer(socket, connectionId, options.tls?.requestClientCert === true);
  socket.setNoDelay(true);

  const decoder = createMllpDecoder({ maxMessageBytes: context.maxMessageBytes });
  // Events decoded but not yet dealt with, read from `next` on (Array.shift is linear on long arrays, and one chunk
  // of start blocks decodes to tens of thousands of events).
  let queue: MllpFrameEvent[] = [];
  let next = 0;
  const takeEvent = (): MllpFrameEvent | undefined => {
    const event = queue[next];
    next += 1;
    if (next >= queue.length) {
      queue = [];
      next = 0;
    }
    return event;
  };
  let isAuthorised = false;
  let isClosed = false;
  let isEnding = false;
  let isShutdownRequested = false;
  let isPeerEnded = false;
  let isPumping = false;
  let isHandling = false;
  let hasFrameDeadline = false;
  let framingErrors = 0;
  let deadline: NodeJS.Timeout | undefined;
  let destroyFallback: NodeJS.Timeout | undefined;

  let markClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  // One timer covers both limits: it is re-armed when a message has been answered, and once more when the first
  // frame after that starts; so neither silence nor a never-finishing frame (slowloris) holds a connection longer
  // than twice idleTimeoutMs without a message getting through. It does not run while a handler works.
  const armDeadline = () => {
    clearTimeout(deadline);
    deadline = setTimeout(() => {
      log?.info('mllp connection timed out', {
        connectionId,
        isInsideFrame: isAuthorised && decoder.isInsideFrame(),
      });
      if (isAuthorised) endConnection();
      else socket.destroy();
    }, idleTimeoutMs);
    deadline.unref();
  };
  const stopDeadline = () => {
    clearTimeout(deadline);
    deadline = undefined;
  };

  const endConnection = () => {
    if (isEnding || isClosed) return;
    isEnding = true;
    stopDeadline();
    socket.pause();
    socket.removeListener('data', onData);
    // end() sends what was already written (earlier ACKs) before the FIN; a peer that never reads cannot hold the
    // socket open past the fallback.
    socket.end(() => socket.destroy());
    destroyFallback = setTimeout(() => socket.destroy(), idleTimeoutMs);
    destroyFallback.unref();
  };

  const write = (reply: Buffer) => {
    if (!isClosed && !isEnding && socket.writable) socket.write(reply);
  };

  const waitForDrain = () =>
    new Promise<void>((resolve) => {
      if (socket.writableLength <= MAX_UNSENT_REPLY_BYTES || isClosed) {
        resolve();
        return;
      }
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });

  const countFramingError = (kind: MllpFramingError) => {
    framingErrors += 1;
    if (framingErrors <= LOGGED_FRAMING_ERRORS) log?.warn('mllp framing error', { connectionId, kind });
  };

  const replyToFramingError = (kind: MllpFramingError): boolean => {
    countFramingError(kind);
    if (options.onFramingError === undefined) return true;
    try {
      const reply = options.onFramingError(kind, peer);
      if (reply !== undefined) write(frame(reply));
      return true;
    } catch (error) {
      log?.error('mllp framing error reply failed', { connectionId, error: errorName(error) });
      return false;
    }
  };

  // Handles one message; resolves to its framed ACK, or undefined when the handler failed.
  const handleMessage = async (payload: Buffer): Promise<Buffer | undefined> => {
    const handled = (async () => frame(await options.handle(payload, peer)))();
    context.track(handled);
    try {
      return await handled;
    } catch (error) {
      // The error text may quote the message (patient data): only its name is logged.
      log?.error('mllp handler failed', { connectionId, error: errorName(error) });
      return undefined;
    }
  };

  // Messages on one connection are handled one at a time, in arrival order; the socket stays paused meanwhile so
  // that a sender that does not wait for ACKs is slowed down by TCP instead of filling our memory.
  const pump = async () => {
    isPumping = true;
    try {
      for (let event = takeEvent(); event !== undefined && !isEnding && !isClosed; event = takeEvent()) {
        if (event.type === 'framing-error') {
          if (!replyToFramingError(event.kind)) endConnection();
          // A stream of tiny broken frames makes a reply each: a sender that does not read them is not read either.
          if (socket.writableLength > MAX_UNSENT_REPLY_BYTES) {
            socket.pause();
            await waitForDrain();
          }
          continue;
        }
        stopDeadline();
        socket.pause();
        isHandling = true;
        const ack = await handleMessage(event.payload);
        isHandling = false;
        if (isClosed) return;
        if (ack === undefined) {
          // No ACK: the sender keeps the message and sends it again on a new connection.
          endConnection();
          return;
        }
        write(ack);
        if (isShutdownRequested) {
          endConnection();
          return;
        }
        armDeadline();
        hasFrameDeadline = decoder.isInsideFrame();
        await waitForDrain();
      }
      if (!isEnding && !isClosed) {
        if (isPeerEnded || isShutdownRequested) endConnection();
        else socket.resume();
      }
    } finally {
      isPumping = false;
      isHandling = false;
    }
  };

  const startPump = () => {
    if (isPumping || next >= queue.length) return;
    pump().catch((error: unknown) => {
      log?.error('mllp connection failed', { connectionId, error: errorName(error) });
      socket.destroy();
    });
  };

  function onData(chunk: Buffer) {
    if (isEnding || isClosed) return;
    for (const event of decoder.push(chunk)) queue.push(event);
    if (!isHandling && !hasFrameDeadline && decoder.isInsideFrame()) {
      hasFrameDeadline = true;
      armDeadline();
    }
    startPump();
  }

  socket.on('end', () => {
    isPeerEnded = true;
    // The sender went away mid-frame: there is no one left to reply to.
    if (decoder.finish().length > 0) countFramingError('truncated');
    if (!isPumping) endConnection();
  });

  socket.on('close', () => {
    isClosed = true;
    stopDeadline();
    clearTimeout(destroyFallback);
    queue = [];
    next = 0;
    log?.info('mllp connection closed', { connectionId, framingErrors });
    markClosed();
  });

  const authorise = async () => {
    let isAllowed = false;
    try {
      isAllowed = (await options.authorise(peer)) === true;
    } catch (error) {
      log?.error('mllp authorise failed', { connectionId, error: errorName(error) });
    }
    if (isClosed) return;
    if (!isAllowed || isShutdownRequested) {
      log?.warn('mllp connection refused', { connectionId, address: peer.address });
      socket.destroy();
      return;
    }
    isAuthorised = true;
    log?.info('mllp connection accepted', {
      connectionId,
      address: peer.address,
      tlsAuthorized: peer.tlsAuthorized,
    });
    socket.on('data', onData);
    socket.resume();
  };

  armDeadline();
  void authorise();

  return {
    closed,
    shutdown: () => {
      isShutdownRequested = true;
      if (!isAuthorised) socket.destroy();
      else if (!isHandling) endConnection();
    },
  };
}

function describePeer(
  socket: net.Socket | tls.TLSSocket,
  connectionId: string,
  isClientCertRequested: boolean,
): MllpPeer {
  const rawAddress = socket.remoteAddress ?? '';
  const address =
    rawAddress.startsWith('::ffff:') && net.isIPv4(rawAddress.slice(7)) ? rawAddress.slice(7) : rawAddress;
  const peer: MllpPeer = {
    address,
    port: socket.remotePort ?? 0,
    tlsAuthorized: false,
    connectionId,
  };
  if (socket instanceof tls.TLSSocket) {
    peer.tlsAuthorized = isClientCertRequested && socket.authorized;
    const certificate = socket.getPeerCertificate();
    const subject = formatSubject(certificate.subject);
    if (subject !== undefined) peer.tlsSubject = subject;
  }
  return peer;
}

function formatSubject(subject: tls.Certificate | undefined): string | undefined {
  if (subject === undefined || subject === null) return undefined;
  const parts = Object.entries(subject).flatMap(([key, value]) =>
    value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => `${key}=${v}`),
  );
  return parts.length === 0 ? undefined : parts.join(', ');
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.name;
  return typeof error;
}
