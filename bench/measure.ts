import { Worker } from 'node:worker_threads';
import type { LoadJob, LoadOutcome } from './load-worker.ts';

/** Latency figures of one series of requests, in milliseconds. */
export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Requests per second over the wall time of the series. */
  perSecond: number;
}

/** The q-th quantile (0..1) of sorted values, by the nearest-rank method. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarise(samples: readonly number[], wallMs: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    mean: sorted.length ? sum / sorted.length : NaN,
    perSecond: wallMs > 0 ? (sorted.length * 1000) / wallMs : NaN,
  };
}

/**
 * Runs `task` once for each item with `concurrency` workers and times each call. Bounded by the item count;
 * a task that throws ends the run with that error.
 */
export async function timeEach<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<Latency> {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const t0 = performance.now();
      await task(item);
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return summarise(samples, performance.now() - started);
}

/** A small seeded pseudo-random generator (mulberry32), so that every run draws the same samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` items drawn at random (with replacement) from `from`. */
export function sample<T>(from: readonly T[], count: number, random: () => number): T[] {
  if (from.length === 0) return [];
  return Array.from({ length: count }, () => from[Math.floor(random() * from.length)]!);
}

/** GETs each url with `concurrency` clients from a worker thread; latencies as seen by that client. */
export async function loadFromWorker(
  urls: readonly string[],
  concurrency: number,
): Promise<{ latency: Latency; failures: number; firstFailure?: string }> {
  const job: LoadJob = { urls: [...urls], concurrency };
  const outcome = await new Promise<LoadOutcome>((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: job });
    worker.once('message', (m: LoadOutcome) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  return {
    latency: summarise(outcome.samples, outcome.wallMs),
    failures: outcome.failures,
    ...(outcome.firstFailure ? { firstFailure: outcome.firstFailure } : {}),
  };
}
