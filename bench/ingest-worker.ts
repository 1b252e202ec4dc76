// The ingest client in a worker thread: bundles are posted from here, so that the client's work (sending
// bodies, parsing responses) does not share the server's event loop, as a sending system would not.
import { parentPort, workerData } from 'node:worker_threads';
import { benchAuthorization } from './http-get.ts';

export interface IngestJob {
  base: string;
  /** Posted one by one, in order, before the rest. */
  first: string[];
  /** Posted `concurrency` at a time. */
  rest: string[];
  concurrency: number;
}

/** One bundle's outcome, in the order of `first` then `rest`. */
export interface PostOutcome {
  status: number;
  /** `response.location` of each entry (200 only). */
  locations: (string | undefined)[];
  /** The response body's start, when it failed. */
  failure?: string;
}

export interface IngestOutcome {
  outcomes: PostOutcome[];
  /** From the first post to the last response. */
  seconds: number;
}

interface TransactionResponse {
  entry?: { response?: { location?: string } }[];
}

async function post(base: string, body: string): Promise<PostOutcome> {
  const res = await fetch(base, {
    method: 'POST',
    // As a feed would: the response names what was stored (status, location, ETag) without echoing it.
    headers: {
      'content-type': 'application/fhir+json',
      accept: 'application/fhir+json',
      prefer: 'return=minimal',
      ...benchAuthorization(),
    },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, locations: [], failure: text.slice(0, 2000) };
  const parsed = JSON.parse(text) as TransactionResponse;
  return { status: 200, locations: (parsed.entry ?? []).map((e) => e.response?.location) };
}

async function run(job: IngestJob): Promise<IngestOutcome> {
  const outcomes: PostOutcome[] = new Array<PostOutcome>(job.first.length + job.rest.length);
  const t0 = performance.now();
  for (let i = 0; i < job.first.length; i++) {
    outcomes[i] = await post(job.base, job.first[i]!);
    parentPort?.postMessage({ progress: 1, index: i });
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.rest.length) {
        const i = next++;
        outcomes[job.first.length + i] = await post(job.base, job.rest[i]!);
        parentPort?.postMessage({ progress: 1, index: job.first.length + i });
      }
    }),
  );
  return { outcomes, seconds: (performance.now() - t0) / 1000 };
}

if (parentPort && workerData) {
  const port = parentPort;
  run(workerData as IngestJob).then(
    (outcome) => port.postMessage({ done: outcome }),
    (e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) }),
  );
}
