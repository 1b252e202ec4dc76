// The access control figure alone (figure 6 of npm run bench):
//   BENCH_ENGINES=pglite BENCH_ACCESS_PEOPLE=400 npx node bench/access-run.ts
// Results go to .bench/results/access/ (latest.json, latest.svg), so that a full run's results are left alone.
import path from 'node:path';
import { say } from '@joinedup/terminal';
import { benchAccess } from './access.ts';
import { readBenchOptions } from './bench-options.ts';
import type { BenchReport, EngineResult } from './figures.ts';
import { formatTable, machine, writeResults } from './report.ts';

const options = readBenchOptions();
const started = performance.now();
const engines: EngineResult[] = [];
for (const name of options.engines) {
  const result: EngineResult = {
    engine: name,
    description: name === 'pglite' ? 'PGlite' : 'PostgreSQL server',
    scales: { small: 0, large: 0 },
    figures: [],
    notes: [],
  };
  await benchAccess(name, options.quick, options.postgresUrl, result);
  engines.push(result);
}
const report: BenchReport = {
  date: new Date().toISOString(),
  machine: machine(),
  quick: options.quick,
  seconds: Math.round((performance.now() - started) / 1000),
  engines,
};
const files = writeResults(report, path.join(options.outDir, 'access'));
process.stdout.write(
  `\njoinedup benchmark, access control ${report.date} · ${report.machine.cores} cores · ${report.machine.cpu} · Node ${report.machine.node}\n`,
);
for (const e of engines) process.stdout.write(`\n${formatTable(e)}\n`);
say(`\nfigures: ${path.relative(process.cwd(), files.json)}\nchart:   ${path.relative(process.cwd(), files.svg)}`);
