import path from 'node:path';
import { MAX_PATIENTS } from './population.ts';
import { publicDataSet } from '../apps/server/src/platform/public-data.ts';

export type EngineName = 'pglite' | 'postgres';

/** What one run measures, read once from the environment. */
export interface BenchOptions {
  engines: EngineName[];
  quick: boolean;
  postgresUrl: string;
  /** The small and the large population of the search figures, per engine. */
  scales: Record<EngineName, { small: number; large: number }>;
  /** Synthea bundles to ingest (all of them unless quick). */
  bundleLimit: number;
  syntheaDir: string;
  readCount: number;
  searchCount: number;
  everythingCalls: number;
  everythingResources: number;
  /** Bundles in flight at once during the ingest. */
  ingestConcurrency: number;
  /** People in the synthetic region of the bulk import figure. */
  importPeople: number;
  /** People whose hospital results make the HL7 v2 figure, and the MLLP connections sending them. */
  hl7People: number;
  hl7Connections: number;
  readConcurrency: number;
  outDir: string;
}

/** A whole-number setting from the environment (`_` and `,` allowed as separators), within bounds. */
export function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export function readBenchOptions(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): BenchOptions {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const which = env.BENCH_ENGINES || 'both';
  if (!['pglite', 'postgres', 'both'].includes(which))
    throw new Error('BENCH_ENGINES must be pglite, postgres or both');
  const engines: EngineName[] = which === 'both' ? ['pglite', 'postgres'] : [which as EngineName];
  const small = quick ? 100 : 1_000;
  const pgLarge = whole(env, 'BENCH_PATIENTS', quick ? 500 : 100_000, small, MAX_PATIENTS);
  // PGlite runs on one core, so its large population is at most 20,000 unless BENCH_PGLITE_PATIENTS says so.
  const pgliteLarge = whole(env, 'BENCH_PGLITE_PATIENTS', Math.min(pgLarge, 20_000), small, MAX_PATIENTS);
  return {
    engines,
    quick,
    postgresUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    scales: { postgres: { small, large: pgLarge }, pglite: { small, large: pgliteLarge } },
    bundleLimit: quick ? 12 : Infinity,
    syntheaDir: env.BENCH_SYNTHEA_DIR || publicDataSet('synthea-r4-100', env),
    readCount: quick ? 500 : 5_000,
    searchCount: quick ? 50 : 300,
    everythingCalls: quick ? 10 : 50,
    everythingResources: 1_000,
    ingestConcurrency: 4,
    importPeople: quick ? 100 : 1_000,
    hl7People: quick ? 100 : 400,
    hl7Connections: 8,
    readConcurrency: 8,
    outDir: path.resolve(root, env.BENCH_OUT || '.bench/results'),
  };
}
