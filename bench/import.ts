import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSyntheticRegion, createFeedWriter, generatePopulation } from '@joinedup/synth';
import { runImport } from '../apps/server/src/feeds/bulk/import.cli.ts';
import { costPer, cpuMeter, type CpuCost } from './cpu.ts';
import type { BenchEngine, BenchServer } from './engines.ts';

export interface ImportOutcome {
  resources: number;
  seconds: number;
  exitCode: number;
  copyRows: number;
  copySeconds: number;
  /** CPU per resource during the import: the server's process (the CLI too) and the rest of the machine. */
  cpu: CpuCost;
}

/**
 * The bulk NDJSON import (`npm run import`, four files in flight) of a synthetic region's bulk output into the
 * running server, beside COPY of the same lines into a bare (id, content jsonb) table.
 */
export async function benchImport(engine: BenchEngine, server: BenchServer, people: number): Promise<ImportOutcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-bench-import-'));
  try {
    const options = { patients: people, seed: 'bench-import', asOf: '2026-06-30' };
    const region = buildSyntheticRegion(options);
    const writer = createFeedWriter(dir, ['bulk'], options.seed);
    for (const person of generatePopulation(region, options)) writer.writePerson(person, region);
    writer.close();
    const bulk = path.join(dir, 'bulk');
    const lines: [string, string][] = [];
    for (const f of fs.readdirSync(bulk, { recursive: true }) as string[]) {
      if (!f.endsWith('.ndjson')) continue;
      for (const line of fs.readFileSync(path.join(bulk, f), 'utf8').split('\n')) {
        if (line) lines.push([`${f}:${lines.length}`, line]);
      }
    }
    const t0 = performance.now();
    const stopCpu = cpuMeter(engine.name);
    const exitCode = await runImport([bulk, '--url', server.base]);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = costPer(stopCpu(), lines.length);
    await engine.db.query('CREATE TABLE bench_import (id text PRIMARY KEY, content jsonb NOT NULL)');
    const c0 = performance.now();
    await engine.copyRows('bench_import', ['id', 'content'], lines);
    const copySeconds = (performance.now() - c0) / 1000;
    await engine.db.query('DROP TABLE bench_import');
    return { resources: lines.length, seconds, exitCode, copyRows: lines.length, copySeconds, cpu };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
