import { formatNumber, type BenchReport, type Figure } from './figures.ts';

const PANEL_W = 320;
const PANEL_H = 240;
const COLUMNS = 3;
const TOP = 70;
const COLOURS = {
  pglite: { figure: '#005eb8', reference: '#9fc3e8' },
  postgres: { figure: '#007f3b', reference: '#a3d9b1' },
} as const;

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Splits a title into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=[&?, ])/)) {
    if ((line + word).length > width && line) {
      lines.push(line.trim());
      line = '';
    }
    line += word;
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
}

/**
 * A bar chart as SVG, drawn by hand: one panel per charted figure; in each, per engine, the figure beside its
 * raw reference, and the target as a dashed line. Every panel has its own scale.
 */
export function drawChart(report: BenchReport): string {
  const measured = report.engines.filter((e) => !e.skipped);
  const keys: { key: string; sample: Figure }[] = [];
  for (const e of measured) {
    for (const f of e.figures) if (f.chart && !keys.some((k) => k.key === f.key)) keys.push({ key: f.key, sample: f });
  }
  const rows = Math.max(1, Math.ceil(keys.length / COLUMNS));
  const width = PANEL_W * COLUMNS + 20;
  const height = TOP + rows * PANEL_H + 20;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">joinedup benchmark, ${escapeXml(report.date.slice(0, 10))}, ${report.machine.cores} cores${report.quick ? ' (quick run)' : ''}</text>`,
  );
  let lx = 10;
  for (const e of measured) {
    const c = COLOURS[e.engine];
    out.push(
      `<rect x="${lx}" y="32" width="12" height="12" fill="${c.figure}"/><text x="${lx + 16}" y="42">${e.engine}: joinedup</text>`,
      `<rect x="${lx + 120}" y="32" width="12" height="12" fill="${c.reference}"/><text x="${lx + 136}" y="42">${e.engine}: raw reference</text>`,
    );
    lx += 290;
  }
  out.push(
    `<line x1="${lx}" y1="38" x2="${lx + 24}" y2="38" stroke="#d5281b" stroke-width="2" stroke-dasharray="5,3"/><text x="${lx + 28}" y="42">target</text>`,
  );
  keys.forEach(({ key, sample }, n) => {
    const px = 10 + (n % COLUMNS) * PANEL_W;
    const py = TOP + Math.floor(n / COLUMNS) * PANEL_H;
    // Engines measured at different scales share a panel: the title names the scale generically, each bar its own.
    const groups = new Set(measured.map((e) => e.figures.find((x) => x.key === key)?.group).filter(Boolean));
    const bars: { value: number | null; colour: string; label: string }[] = [];
    for (const e of measured) {
      const f = e.figures.find((x) => x.key === key);
      const c = COLOURS[e.engine];
      const scale = groups.size > 1 ? ` ${Math.round(e.scales.large / 1000)}k` : '';
      bars.push({ value: f?.error ? null : (f?.value ?? null), colour: c.figure, label: `${e.engine}${scale}` });
      if (f?.reference) bars.push({ value: f.reference.value, colour: c.reference, label: 'raw' });
    }
    const target = sample.target?.value;
    const max = Math.max(1e-9, ...bars.map((b) => b.value ?? 0), target ?? 0) * 1.18;
    const plotX = px + 40;
    const plotY = py + 66;
    const plotW = PANEL_W - 60;
    const plotH = PANEL_H - 100;
    const group =
      groups.size > 1
        ? sample.group.replace(/[\d,]+ → [\d,]+ patients|[\d,]+ patients/, 'the large scale')
        : sample.group;
    const title = wrap(`${group}: ${sample.label}`, 44);
    title.slice(0, 3).forEach((line, i) => {
      out.push(`<text x="${px}" y="${py + 14 + i * 13}" font-weight="bold">${escapeXml(line)}</text>`);
    });
    out.push(
      `<text x="${px}" y="${py + 53}" fill="#555">${escapeXml(sample.unit)}${sample.target ? `, target ${sample.target.better === 'higher' ? '≥' : '≤'} ${formatNumber(sample.target.value, sample.unit)}` : ''}</text>`,
    );
    out.push(`<line x1="${plotX}" y1="${plotY + plotH}" x2="${plotX + plotW}" y2="${plotY + plotH}" stroke="#333"/>`);
    const slot = plotW / Math.max(1, bars.length);
    bars.forEach((b, i) => {
      const x = plotX + i * slot + slot * 0.15;
      const w = slot * 0.7;
      if (b.value === null || !Number.isFinite(b.value)) {
        out.push(`<text x="${x + w / 2}" y="${plotY + plotH - 4}" text-anchor="middle" fill="#999">n/a</text>`);
      } else {
        const h = (b.value / max) * plotH;
        out.push(
          `<rect x="${x.toFixed(1)}" y="${(plotY + plotH - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${b.colour}"/>`,
        );
        out.push(
          `<text x="${(x + w / 2).toFixed(1)}" y="${(plotY + plotH - h - 3).toFixed(1)}" text-anchor="middle">${escapeXml(formatNumber(b.value, sample.unit))}</text>`,
        );
      }
      out.push(
        `<text x="${(x + w / 2).toFixed(1)}" y="${plotY + plotH + 13}" text-anchor="middle" fill="#555">${escapeXml(b.label)}</text>`,
      );
    });
    if (target !== undefined) {
      const y = plotY + plotH - (target / max) * plotH;
      out.push(
        `<line x1="${plotX}" y1="${y.toFixed(1)}" x2="${plotX + plotW}" y2="${y.toFixed(1)}" stroke="#d5281b" stroke-width="1.5" stroke-dasharray="5,3"/>`,
      );
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
