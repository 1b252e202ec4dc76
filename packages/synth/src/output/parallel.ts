import { Worker } from 'node:worker_threads';
import type { SynthOptions } from '../generate.ts';
import type { Region } from '../model.ts';
import { createFeedWriter, type OutputCounts, type OutputKind } from './feed-writer.ts';
import type { RenderJob } from './render-worker.ts';

/** People per job sent to a worker: small enough to keep memory flat, large enough to amortise messaging. */
const CHUNK_PEOPLE = 200;

interface Rendered {
  chunk: number;
  files: [string, Uint8Array][];
  counts: OutputCounts;
}

/**
 * Generates and renders the population on `workers` threads while this thread appends their output in
 * person order, so the files are byte-identical to a run on one thread. Each worker builds the region itself
 * (it is deterministic) and takes ranges of people; at most two chunks per worker are in flight.
 */
export async function writePopulationInParallel(
  options: SynthOptions,
  dir: string,
  kinds: readonly OutputKind[],
  region: Region,
  workers: number,
  onProgress: (done: number) => void,
): Promise<OutputCounts> {
  const writer = createFeedWriter(dir, kinds, options.seed);
  writer.writeRegion(region);
  const chunks = Math.ceil(options.patients / CHUNK_PEOPLE);
  const pool = Array.from(
    { length: Math.min(workers, chunks) },
    () =>
      new Worker(new URL('./render-worker.ts', import.meta.url), {
        workerData: { options, dir, kinds: [...kinds] },
      }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const waiting = new Map<number, Rendered>();
      let nextToSend = 0;
      let nextToWrite = 0;
      let done = 0;
      const idle: Worker[] = [];
      // A slow chunk holds back writing; the others wait rather than pile up their output in memory.
      const maxAhead = 4 * pool.length;
      const send = (w: Worker) => {
        if (nextToSend >= chunks) return;
        if (nextToSend - nextToWrite >= maxAhead) {
          idle.push(w);
          return;
        }
        const chunk = nextToSend++;
        const job: RenderJob = {
          chunk,
          from: chunk * CHUNK_PEOPLE,
          to: Math.min(options.patients, (chunk + 1) * CHUNK_PEOPLE),
        };
        w.postMessage(job);
      };
      for (const w of pool) {
        w.on('message', (r: Rendered) => {
          waiting.set(r.chunk, r);
          while (waiting.has(nextToWrite)) {
            const next = waiting.get(nextToWrite)!;
            waiting.delete(nextToWrite);
            writer.writeRendered(next.files, next.counts);
            done += next.counts.people;
            nextToWrite++;
            onProgress(done);
          }
          if (nextToWrite === chunks) return resolve();
          send(w);
          for (const waitingWorker of idle.splice(0)) send(waitingWorker);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0 && nextToWrite < chunks) reject(new Error(`a generator worker stopped with code ${code}`));
        });
        send(w);
        send(w);
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return writer.close();
}
