import { parentPort, workerData } from 'node:worker_threads';
import { buildSyntheticRegion, generatePopulation, type SynthOptions } from '../generate.ts';
import { createByteSink, createPersonRenderer, emptyCounts, type OutputKind } from './feed-writer.ts';

/** A worker thread of `parallel.ts`: renders ranges of people and sends the text back, in order per file. */
export interface RenderJob {
  chunk: number;
  from: number;
  to: number;
}

const { options, dir, kinds } = workerData as { options: SynthOptions; dir: string; kinds: OutputKind[] };
const region = buildSyntheticRegion(options);

parentPort!.on('message', (job: RenderJob) => {
  const counts = emptyCounts();
  const renderer = createPersonRenderer(dir, kinds, options.seed, region, counts);
  const sink = createByteSink();
  for (const person of generatePopulation(region, options, job.from, job.to))
    renderer.render(person, (file, text) => sink.write(file, text));
  // Encoded here, on the worker's core, and handed over without a copy.
  const files = sink.take();
  parentPort!.postMessage(
    { chunk: job.chunk, files, counts },
    files.map(([, b]) => b.buffer as ArrayBuffer),
  );
});
