import type { Db } from '../apps/server/src/platform/db.ts';
import type { BenchServer } from './engines.ts';
import { describeOutcome } from './ingest.ts';
import { loadFromWorker, timeEach, type Latency } from './measure.ts';
import { getText } from './http-get.ts';

export interface ReadTarget {
  type: string;
  serverId: string;
  /** Its key in the reference table. */
  refId: string;
}

export interface ReadResult {
  sequential: Latency;
  concurrent: Latency;
  rawSequential: Latency;
  rawConcurrent: Latency;
  /** GET /health: the HTTP floor under every figure (fastify, fetch, loopback, SELECT 1). */
  health: Latency;
  failures: number;
  firstFailure?: string;
}

/**
 * GET /fhir/{type}/{id} sequentially and with `concurrency` clients (on a worker thread), beside
 * SELECT content::text ... WHERE id = $1.
 */
export async function measureReads(
  server: BenchServer,
  db: Db,
  refTable: 'bench_bare' | 'bench_ref',
  targets: readonly ReadTarget[],
  concurrency: number,
): Promise<ReadResult> {
  let failures = 0;
  let firstFailure: string | undefined;
  const read = async (t: ReadTarget) => {
    const res = await getText(`${server.base}/${t.type}/${t.serverId}`);
    if (res.status !== 200) {
      failures++;
      firstFailure ??= `GET ${t.type}/${t.serverId}: HTTP ${res.status} ${describeOutcome(res.text)}`;
    }
  };
  const raw = async (t: ReadTarget) => {
    const rows = await db.query(`SELECT content::text FROM ${refTable} WHERE id = $1`, [t.refId]);
    if (rows.length !== 1) throw new Error(`${refTable} has no row ${t.refId}`);
  };
  const warm = targets.slice(0, Math.min(200, targets.length));
  await timeEach(warm, 1, read);
  await timeEach(warm, 1, raw);
  const healthItems = targets.slice(0, Math.min(1000, targets.length));
  const health = await timeEach(healthItems, 1, async () => {
    await getText(`${server.base.replace(/\/fhir$/, '')}/health`);
  });
  const sequential = await timeEach(targets, 1, read);
  const rawSequential = await timeEach(targets, 1, raw);
  const load = await loadFromWorker(
    targets.map((t) => `${server.base}/${t.type}/${t.serverId}`),
    concurrency,
  );
  if (load.failures) {
    failures += load.failures;
    firstFailure ??= load.firstFailure;
  }
  const concurrent = load.latency;
  const rawConcurrent = await timeEach(targets, concurrency, raw);
  return { sequential, concurrent, rawSequential, rawConcurrent, health, failures, firstFailure };
}
