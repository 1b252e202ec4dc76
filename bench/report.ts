import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineName } from './bench-options.ts';
import { drawChart } from './chart.ts';

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

export function machine(): BenchReport['machine'] {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

export function formatNumber(n: number | null, unit?: Figure['unit']): string {
  if (n === null || !Number.isFinite(n)) return '—';
  if (unit === '×') return `${n.toFixed(2)}×`;
  if (unit === 'ms') return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
  return Math.round(n).toLocaleString('en-GB');
}

/** Whether a figure meets its target: "yes", "NO", or "" when it has none. */
export function verdict(f: Figure): string {
  if (!f.target) return '';
  if (f.value === null || !Number.isFinite(f.value)) return 'n/a';
  const ok = f.target.better === 'higher' ? f.value >= f.target.value : f.value <= f.target.value;
  return ok ? 'yes' : 'NO';
}

function targetText(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.better === 'higher' ? '≥' : '≤'} ${formatNumber(f.target.value, f.unit)}${f.unit === '×' ? '' : ` ${f.unit}`}`;
}

/** The summary table of one engine, as plain text columns. */
export function formatTable(result: EngineResult): string {
  const lines: string[] = [];
  lines.push(`== ${result.engine}: ${result.description}`);
  if (result.skipped) {
    lines.push(`   not measured: ${result.skipped}`);
    return lines.join('\n');
  }
  lines.push(
    `   search scales: ${result.scales.small.toLocaleString('en-GB')} and ${result.scales.large.toLocaleString('en-GB')} patients`,
  );
  const rows: string[][] = [['figure', 'joinedup', 'raw reference', 'target', 'met']];
  let group = '';
  for (const f of result.figures) {
    if (f.group !== group) {
      group = f.group;
      rows.push([`[${group}]`, '', '', '', '']);
    }
    rows.push([
      `  ${f.label}`,
      f.error ? `error: ${f.error}` : f.text,
      f.reference ? `${f.reference.text}  (${f.reference.label})` : '',
      targetText(f),
      f.error ? 'n/a' : verdict(f),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.min(c === 1 ? 60 : 70, Math.max(...rows.map((r) => r[c]!.length))));
  for (const r of rows) {
    lines.push(
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.length > widths[c]! ? cell : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    );
  }
  for (const n of result.notes) lines.push(`   note: ${n}`);
  return lines.join('\n');
}

/** Writes latest.json and latest.svg into outDir; returns their paths. */
export function writeResults(report: BenchReport, outDir: string): { json: string; svg: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, 'latest.json');
  const svg = path.join(outDir, 'latest.svg');
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(svg, drawChart(report));
  return { json, svg };
}
