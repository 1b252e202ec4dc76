// The master patient index figure alone (figure 5 of npm run bench), for the million-record target run:
//   BENCH_ENGINES=postgres BENCH_MPI_RECORDS=1000000 npx node --max-old-space-size=12000 bench/mpi-run.ts
// Results go to .bench/results/mpi/ (latest.json, latest.svg), so that a full run's results are left alone.
import path from 'node:path';
import { say } from '@joinedup/terminal';
import { readBenchOptions } from './bench-options.ts';
import type { BenchReport, EngineResult } from './figures.ts';
import { benchMpi, readMpiOptions } from './mpi.ts';
import { formatTable, machine, writeResults } from './report.ts';

const options = readBenchOptions();
const started = performance.now();
const engines: EngineResult[] = [];
for (const name of options.engines) {
  const size = readMpiOptions(name, options.quick).records;
  const result: EngineResult = {
    engine: name,
    description: name === 'pglite' ? 'PGlite' : 'PostgreSQL server',
    scales: { small: size, large: size },
    figures: [],
    notes: [],
  };
  await benchMpi(name, options.quick, options.postgresUrl, result);
  engines.push(result);
}
const report: BenchReport = {
  date: new Date().toISOString(),
  machine: machine(),
  quick: options.quick,
  seconds: Math.round((performance.now() - started) / 1000),
  engines,
};
const files = writeResults(report, path.join(options.outDir, 'mpi'));
process.stdout.write(
  `\njoinedup benchmark, master patient index ${report.date} · ${report.machine.cores} cores · ${report.machine.cpu} · Node ${report.machine.node}\n`,
);
for (const e of engines) process.stdout.write(`\n${formatTable(e)}\n`);
say(`\nfigures: ${path.relative(process.cwd(), files.json)}\nchart:   ${path.relative(process.cwd(), files.svg)}`);
