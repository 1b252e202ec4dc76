import net from 'node:net';
import { buildSyntheticRegion, generateSyntheticPerson, hl7v2Messages } from '@joinedup/synth';
import { createHl7FeedService } from '../apps/server/src/feeds/hl7v2/hl7v2.service.ts';
import { createMllpDecoder, frame, startMllpListener } from '../apps/server/src/feeds/mllp/index.ts';
import { systemClock } from '../apps/server/src/platform/clock.ts';
import { createLogger } from '../apps/server/src/platform/log.ts';
import type { BenchEngine, BenchServer } from './engines.ts';
import { costPer, cpuMeter, type CpuCost } from './cpu.ts';
import { summarise, type Latency } from './measure.ts';

export interface Hl7Outcome {
  messages: number;
  accepted: number;
  latency: Latency;
  reference: Latency;
  /** CPU per message while they were sent: the server's process and the rest of the machine (the database). */
  cpu: CpuCost;
}

/** ORU^R01 messages of a synthetic region's hospitals, in the order each hospital sends them. */
function oruMessages(people: number): { facility: string; message: string }[] {
  const options = { patients: people, seed: 'bench-hl7', asOf: '2026-06-30' };
  const region = buildSyntheticRegion(options);
  const out: { facility: string; message: string }[] = [];
  for (let i = 0; i < people; i++) {
    for (const r of generateSyntheticPerson(region, i, options).records) {
      if (region.byOdsCode.get(r.odsCode)?.kind !== 'acute-trust') continue;
      for (const m of hl7v2Messages(r, region, options.seed)) {
        if (m.type === 'ORU^R01') out.push({ facility: r.odsCode, message: m.message });
      }
    }
  }
  return out;
}

/** One MLLP connection that sends a message, waits for its ACK, and sends the next. */
async function sender(port: number, messages: string[], latencies: number[]): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const decoder = createMllpDecoder({ maxMessageBytes: 1 << 20 });
  let waiting: ((ack: string) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const e of decoder.push(chunk)) if (e.type === 'message') waiting?.(e.payload.toString('utf8'));
  });
  let accepted = 0;
  for (const m of messages) {
    const t0 = performance.now();
    const ack = await new Promise<string>((resolve) => {
      waiting = resolve;
      socket.write(frame(m));
    });
    latencies.push(performance.now() - t0);
    if (ack.includes('MSA|AA|')) accepted++;
  }
  socket.end();
  return accepted;
}

/**
 * ORU^R01 over MLLP into the feed service on the bench database, `connections` senders at once, each waiting
 * for its ACK (given only after commit) before the next; beside it, the same number of messages each inserted
 * into a bare table in a transaction of its own (the commit ceiling of the database).
 */
export async function benchHl7(
  engine: BenchEngine,
  server: BenchServer,
  people: number,
  connections: number,
): Promise<Hl7Outcome> {
  const messages = oruMessages(people);
  const facilities = [...new Set(messages.map((m) => m.facility))];
  const service = createHl7FeedService({
    store: server.app.fhir.store,
    clock: systemClock,
    log: createLogger('error'),
    sources: facilities.map((facility) => ({ facility, addresses: ['127.0.0.1'], timeZone: 'UTC' })),
    timeZone: 'UTC',
  });
  const listener = await startMllpListener({
    port: 0,
    authorise: () => true,
    handle: (message, peer) => service.receive(message, { channel: 'mllp', address: peer.address }),
  });
  // Each connection carries whole hospitals' feeds, so one patient's messages keep their order.
  const lanes: string[][] = Array.from({ length: connections }, () => []);
  facilities.forEach((f, i) =>
    lanes[i % connections]!.push(...messages.filter((m) => m.facility === f).map((m) => m.message)),
  );
  const latencies: number[] = [];
  const t0 = performance.now();
  const stopCpu = cpuMeter(engine.name);
  const accepted = (await Promise.all(lanes.map((lane) => sender(listener.port, lane, latencies)))).reduce(
    (a, b) => a + b,
    0,
  );
  const latency = summarise(latencies, performance.now() - t0);
  const cpu = costPer(stopCpu(), messages.length);
  await listener.close();

  await engine.db.query('CREATE TABLE bench_hl7 (id serial PRIMARY KEY, message text NOT NULL)');
  const refLatencies: number[] = [];
  const r0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < messages.length; i = next++) {
        const t = performance.now();
        await engine.db.transaction(async (q) => {
          await q.query('INSERT INTO bench_hl7 (message) VALUES ($1)', [messages[i]!.message]);
        });
        refLatencies.push(performance.now() - t);
      }
    }),
  );
  const reference = summarise(refLatencies, performance.now() - r0);
  await engine.db.query('DROP TABLE bench_hl7');
  return { messages: messages.length, accepted, latency, reference, cpu };
}
