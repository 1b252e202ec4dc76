// One figure of npm run bench on its own (bench/mpi-run.ts, bench/access-run.ts): each engine named in
// BENCH_ENGINES measured by `measure` on a database of its own, the results in .bench/results/<dir>/, so that a
// full run's results are left alone.
import path from 'node:path';
import { readBenchOptions, type EngineName } from './bench-options.ts';
import type { EngineResult } from './figures.ts';
import { publishReport } from './report.ts';

export async function runAlone(
  title: string,
  dir: string,
  measure: (name: EngineName, quick: boolean, postgresUrl: string, result: EngineResult) => Promise<void>,
  scaleOf: (name: EngineName, quick: boolean) => number = () => 0,
): Promise<void> {
  const options = readBenchOptions();
  const started = performance.now();
  const engines: EngineResult[] = [];
  for (const name of options.engines) {
    const size = scaleOf(name, options.quick);
    const result: EngineResult = {
      engine: name,
      description: name === 'pglite' ? 'PGlite' : 'PostgreSQL server',
      scales: { small: size, large: size },
      figures: [],
      notes: [],
    };
    await measure(name, options.quick, options.postgresUrl, result);
    engines.push(result);
  }
  publishReport(engines, { quick: options.quick, outDir: path.join(options.outDir, dir), started, title });
}
