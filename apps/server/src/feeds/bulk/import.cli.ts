import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { formatInt, Progress, say } from '@joinedup/terminal';
import type { RejectedLine } from './ndjson-import.ts';

const USAGE = `Usage: npm run import -- DIR|FILE [--url URL] [--source ODS] [--report FILE] [--parallel N]

Imports FHIR NDJSON files (every *.ndjson under DIR) into a running joinedup server through POST /fhir/$import,
in requests of about 5,000 lines, with a progress bar. Lines that are not stored are listed with their file,
line number and reason (in --report as NDJSON, else the first 20 on the terminal); the exit code is 1 when
any line was rejected.
  --url URL      the server's FHIR base (default: http://127.0.0.1:8080/fhir, or JOINEDUP_BASE_URL + /fhir)
  --source ODS   the sending organisation, recorded as meta.source
  --report FILE  write every rejected line's file, line number and reason there
  --parallel N   files sent at once, 1 to 16 (default 4); each takes one of the server's database connections

The server needs credentials that may create and update every type: JOINEDUP_TOKEN in the environment holds
them (an access token of a backend service, or a JOINEDUP_CLIENTS secret), sent as a bearer token; never on the
command line, where other users of the machine could read it.`;

const CHUNK_LINES = 5_000;
const CHUNK_BYTES = 8 * 1024 * 1024;
/** Files sent at once by default: the server writes them in parallel transactions. */
const IN_FLIGHT = 4;

function ndjsonFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  const out: string[] = [];
  for (const e of fs.readdirSync(target, { withFileTypes: true })) {
    const p = path.join(target, e.name);
    if (e.isDirectory()) out.push(...ndjsonFiles(p));
    else if (e.name.endsWith('.ndjson')) out.push(p);
  }
  return out.sort();
}

/** Bulk Data exports name each file by the type of resource it holds: `Patient.ndjson`, `Patient.000.ndjson`. */
function isPatientFile(file: string): boolean {
  return /^Patient[._-]/.test(path.basename(file));
}

interface Outcome {
  issue: { severity: string; diagnostics?: string; expression?: string[] }[];
}

/** Sends one chunk; returns the stored count and the rejected lines, numbered within the file. */
async function sendChunk(
  url: string,
  authorization: Record<string, string>,
  lines: string[],
  firstLine: number,
  file: string,
): Promise<{ read: number; stored: number; rejected: RejectedLine[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+ndjson', accept: 'application/fhir+json', ...authorization },
    body: lines.join('\n'),
  });
  const body = (await res.json()) as Outcome;
  if (res.status !== 200) {
    throw new Error(`the server refused the import (${res.status}): ${body.issue?.[0]?.diagnostics ?? ''}`);
  }
  const summary = /Read (\d+) resources; stored (\d+)/.exec(body.issue[0]?.diagnostics ?? '');
  const rejected: RejectedLine[] = [];
  for (const i of body.issue.slice(1)) {
    const at = /^line (\d+)$/.exec(i.expression?.[0] ?? '');
    const reason = (i.diagnostics ?? '').replace(/^line \d+: /, '').replace(/^line \d+ (\([^)]*\)): /, '$1 ');
    rejected.push({ file, line: at ? firstLine - 1 + Number(at[1]) : 0, reason });
  }
  return { read: Number(summary?.[1] ?? 0), stored: Number(summary?.[2] ?? 0), rejected };
}

/** `npm run import`: NDJSON files into a running server, with progress and a report of rejected lines. */
export async function runImport(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: { url?: string; source?: string; report?: string; parallel?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        parallel: { type: 'string' },
        source: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    say(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const target = positionals[0];
  if (values.help || !target || positionals.length > 1) {
    say(USAGE);
    return values.help ? 0 : 2;
  }
  if (!fs.existsSync(target)) {
    say(`${target} does not exist`);
    return 2;
  }
  const parallel = values.parallel === undefined ? IN_FLIGHT : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) {
    say(`--parallel must be a whole number from 1 to 16\n\n${USAGE}`);
    return 2;
  }
  const base = values.url ?? `${env.JOINEDUP_BASE_URL ?? 'http://127.0.0.1:8080'}/fhir`;
  const url = `${base.replace(/\/$/, '')}/$import${values.source ? `?source=${encodeURIComponent(values.source)}` : ''}`;
  const authorization: Record<string, string> = env.JOINEDUP_TOKEN
    ? { authorization: `Bearer ${env.JOINEDUP_TOKEN}` }
    : {};
  const files = ndjsonFiles(target);
  const totalBytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  say(`importing ${formatInt(files.length)} NDJSON files (${formatInt(totalBytes / 1024 / 1024)} MB) into ${base}`);

  const progress = new Progress('MB', Math.max(1, Math.round(totalBytes / 1024 / 1024)));
  const started = performance.now();
  let read = 0;
  let stored = 0;
  let sentBytes = 0;
  const rejected: RejectedLine[] = [];
  // Files go in parallel, each file's chunks in order, so that a resource repeated within a file is applied in
  // the order of its lines.
  const importFile = async (file: string) => {
    const name = path.relative(fs.statSync(target).isFile() ? path.dirname(target) : target, file);
    const input = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let chunk: string[] = [];
    let chunkBytes = 0;
    let firstLine = 1;
    let lineNo = 0;
    const send = async () => {
      if (chunk.length === 0) return;
      const lines = chunk;
      const bytes = chunkBytes;
      const from = firstLine;
      chunk = [];
      chunkBytes = 0;
      firstLine = lineNo + 1;
      const r = await sendChunk(url, authorization, lines, from, name);
      read += r.read;
      stored += r.stored;
      rejected.push(...r.rejected);
      sentBytes += bytes;
      progress.update(Math.round(sentBytes / 1024 / 1024));
    };
    for await (const line of input) {
      lineNo++;
      chunk.push(line);
      chunkBytes += line.length + 1;
      if (chunk.length >= CHUNK_LINES || chunkBytes >= CHUNK_BYTES) await send();
    }
    await send();
  };
  // The master patient index links each Patient in the transaction that writes it, and linking waits on keys
  // that many people share (birth year, postcode district): two Patient files at once mostly wait on each
  // other, holding slots. So one Patient file is sent at a time, each as soon as the last is done (linking then
  // runs from the start, beside everything else), and the other slots take the other files.
  const queue = [...files];
  let patientFileInFlight = false;
  const next = (): string | undefined => {
    if (!patientFileInFlight) {
      const at = queue.findIndex(isPatientFile);
      return at < 0 ? queue.shift() : queue.splice(at, 1)[0];
    }
    const at = queue.findIndex((f) => !isPatientFile(f));
    return at < 0 ? undefined : queue.splice(at, 1)[0];
  };
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let file = next(); file !== undefined; file = next()) {
        const patients = isPatientFile(file);
        if (patients) patientFileInFlight = true;
        try {
          await importFile(file);
        } finally {
          if (patients) patientFileInFlight = false;
        }
      }
    }),
  );
  progress.finish();
  rejected.sort((x, y) => (x.file ?? '').localeCompare(y.file ?? '') || x.line - y.line);
  const seconds = (performance.now() - started) / 1000;
  say(
    `read ${formatInt(read)} resources; stored ${formatInt(stored)}; rejected ${formatInt(rejected.length)} ` +
      `in ${seconds.toFixed(1)} s (${formatInt(stored / Math.max(seconds, 0.001))} resources/s)`,
  );
  if (values.report) {
    fs.writeFileSync(values.report, rejected.map((r) => JSON.stringify(r)).join('\n') + (rejected.length ? '\n' : ''));
    if (rejected.length) say(`rejected lines: ${values.report}`);
  } else {
    for (const r of rejected.slice(0, 20)) say(`  ${r.file}:${r.line}: ${r.reason}`);
    if (rejected.length > 20) say(`  ... and ${formatInt(rejected.length - 20)} more (use --report FILE)`);
  }
  return rejected.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  runImport(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      say(`import failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
