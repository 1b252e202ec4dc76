import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drawChart } from './chart.ts';
import { formatNumber, type BenchReport, type EngineResult, type Figure } from './figures.ts';

export function machine(): BenchReport['machine'] {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
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
  for (const f of result.figures) {
    if (!f.cpu) continue;
    const { per, serverMs, databaseMs, ceiling, cores } = f.cpu;
    const database =
      databaseMs === null ? 'the database server not measured' : `${databaseMs.toFixed(2)} ms in the database server`;
    const bound =
      ceiling === null ? '' : `; at that cost ${cores} cores allow at most ${formatNumber(ceiling, f.unit)} ${f.unit}`;
    lines.push(`   cpu: ${f.label}: ${serverMs.toFixed(2)} ms in the server process + ${database} per ${per}${bound}`);
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

/**
 * Ends a run: the report of its engines written into outDir (latest.json, latest.svg), then printed with its
 * tables and where the files are. `title` names what was run (empty for the whole benchmark).
 */
export function publishReport(
  engines: EngineResult[],
  options: { quick: boolean; outDir: string; started: number; title?: string },
): void {
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: machine(),
    quick: options.quick,
    seconds: Math.round((performance.now() - options.started) / 1000),
    engines,
  };
  const files = writeResults(report, options.outDir);
  const title = options.title ? `, ${options.title}` : '';
  process.stdout.write(
    `\njoinedup benchmark${title} ${report.date} · ${report.machine.cores} cores · ${report.machine.cpu} · Node ${report.machine.node}\n`,
  );
  for (const e of engines) process.stdout.write(`\n${formatTable(e)}\n`);
  process.stdout.write(
    `\nfigures: ${path.relative(process.cwd(), files.json)}\nchart:   ${path.relative(process.cwd(), files.svg)}\n`,
  );
}
