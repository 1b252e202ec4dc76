// A load client in a worker thread: the concurrent figures' requests are made here, on a thread of their own,
// so that the client's work does not share the server's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { getText } from './http-get.ts';

export interface LoadJob {
  urls: string[];
  concurrency: number;
}

export interface LoadOutcome {
  samples: number[];
  wallMs: number;
  failures: number;
  firstFailure?: string;
}

async function run(job: LoadJob): Promise<LoadOutcome> {
  const samples: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < job.urls.length) {
      const url = job.urls[next++]!;
      const t0 = performance.now();
      const res = await getText(url);
      samples.push(performance.now() - t0);
      if (res.status !== 200) {
        failures++;
        firstFailure ??= `GET ${url}: HTTP ${res.status}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(job.concurrency, job.urls.length)) }, worker));
  return { samples, wallMs: performance.now() - started, failures, ...(firstFailure ? { firstFailure } : {}) };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as LoadJob).then(
    (outcome) => port.postMessage(outcome),
    (e: unknown) => port.postMessage({ samples: [], wallMs: 0, failures: 1, firstFailure: String(e) }),
  );
}
