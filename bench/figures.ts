import type { EngineName } from './bench-options.ts';

/** One figure of the benchmark, beside the raw reference measured in the same run on the same database. */
export interface Figure {
  key: string;
  /** Section, e.g. "Ingest", "Read by id", "Search @ 100,000 patients". */
  group: string;
  label: string;
  unit: 'resources/s' | 'rows/s' | 'ms' | 'req/s' | '×';
  /** The headline number compared with the target (a p95 for latencies); null when it could not be measured. */
  value: number | null;
  /** The same number with its companions, as printed: e.g. "p50 0.9 · p95 1.8 ms". */
  text: string;
  reference?: { label: string; value: number | null; text: string };
  target?: { value: number; better: 'higher' | 'lower' };
  /**
   * CPU per item while it was measured, split between the server's process (PGlite inside it) and the PostgreSQL
   * server's processes, and the throughput the machine's cores allow at that cost: the bound of a CPU-bound figure.
   */
  cpu?: { per: string; serverMs: number; databaseMs: number | null; ceiling: number | null; cores: number };
  /** Drawn in the chart. */
  chart?: boolean;
  error?: string;
}

export interface EngineResult {
  engine: EngineName;
  description: string;
  scales: { small: number; large: number };
  figures: Figure[];
  notes: string[];
  /** Why the engine was not measured, when it was not. */
  skipped?: string;
}

export interface BenchReport {
  date: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; platform: string };
  quick: boolean;
  seconds: number;
  engines: EngineResult[];
}

export function formatNumber(n: number | null, unit?: Figure['unit']): string {
  if (n === null || !Number.isFinite(n)) return '—';
  if (unit === '×') return `${n.toFixed(2)}×`;
  if (unit === 'ms') return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
  return Math.round(n).toLocaleString('en-GB');
}
