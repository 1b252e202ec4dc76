import { Worker } from 'node:worker_threads';
import type { BenchEngine, BenchServer } from './engines.ts';
import type { IngestJob, IngestOutcome } from './ingest-worker.ts';
import { Progress, say } from '@joinedup/terminal';
import { BARE_COLUMNS } from './reference-tables.ts';
import type { SyntheaBundle } from './synthea.ts';

export interface IngestResult {
  bundles: number;
  failedBundles: number;
  /** Entries posted (conditional creates that matched included). */
  resources: number;
  seconds: number;
  firstFailure?: string;
  /** Each stored entry: its type, Synthea's id (the key in bench_bare) and the id the server gave it. */
  stored: { type: string; syntheaId: string; serverId: string }[];
}

interface OutcomeMessage {
  issue?: { diagnostics?: string; details?: { text?: string } }[];
}

/**
 * Posts the bundles as transactions to POST /fhir from a worker thread (ingest-worker.ts): shared bundles one
 * by one first, then `concurrency` at once.
 */
export async function ingestBundles(
  server: BenchServer,
  bundles: readonly SyntheaBundle[],
  concurrency: number,
): Promise<IngestResult> {
  const result: IngestResult = { bundles: 0, failedBundles: 0, resources: 0, seconds: 0, stored: [] };
  const shared = bundles.filter((b) => /^(hospital|practitioner)Information/.test(b.file));
  const rest = bundles.filter((b) => !shared.includes(b));
  const ordered = [...shared, ...rest];
  const total = bundles.reduce((n, b) => n + b.entries.length, 0);
  const progress = new Progress('resources', total);
  let posted = 0;
  const job: IngestJob = {
    base: server.base,
    first: shared.map((b) => b.body),
    rest: rest.map((b) => b.body),
    concurrency,
  };
  const outcome = await new Promise<IngestOutcome>((resolve, reject) => {
    const worker = new Worker(new URL('./ingest-worker.ts', import.meta.url), { workerData: job });
    worker.on('message', (m: { progress?: number; index?: number; done?: IngestOutcome; error?: string }) => {
      if (m.index !== undefined) {
        posted += ordered[m.index]!.entries.length;
        progress.update(posted);
      }
      if (m.error) reject(new Error(m.error));
      if (m.done) {
        resolve(m.done);
        void worker.terminate();
      }
    });
    worker.once('error', reject);
  });
  progress.finish();
  result.seconds = outcome.seconds;
  outcome.outcomes.forEach((o, i) => {
    const bundle = ordered[i]!;
    result.bundles++;
    if (o.status !== 200) {
      result.failedBundles++;
      result.firstFailure ??= `${bundle.file}: HTTP ${o.status} ${describeOutcome(o.failure ?? '')}`;
      return;
    }
    result.resources += bundle.entries.length;
    bundle.entries.forEach((entry, j) => {
      const location = o.locations[j];
      const serverId = location?.split('/')[1];
      if (serverId && location?.startsWith(`${entry.type}/`)) {
        result.stored.push({ type: entry.type, syntheaId: entry.id, serverId });
      }
    });
  });
  if (result.failedBundles)
    say(`  ${result.failedBundles} of ${result.bundles} bundles failed; first: ${result.firstFailure}`);
  return result;
}

/** The raw ceiling: the same resources' JSON (one row per Synthea id) COPYed into bench_bare. */
export async function copyBundles(engine: BenchEngine, bundles: readonly SyntheaBundle[]) {
  const rows = new Map<string, string>();
  for (const b of bundles) for (const e of b.entries) rows.set(e.id, e.content);
  const t0 = performance.now();
  await engine.copyRows(
    'bench_bare',
    BARE_COLUMNS,
    [...rows].map(([id, content]) => [id, content]),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { rows: rows.size, seconds };
}

/** The first message of an OperationOutcome, or the start of the body. */
export function describeOutcome(text: string): string {
  try {
    const oo = JSON.parse(text) as OutcomeMessage;
    const issue = oo.issue?.[0];
    if (issue) return issue.diagnostics ?? issue.details?.text ?? '';
  } catch {
    // not JSON: show the text itself
  }
  return text.slice(0, 200);
}
