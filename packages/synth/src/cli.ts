import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatInt, Progress, say } from '@joinedup/terminal';
import {
  buildSyntheticRegion,
  DEFAULT_AS_OF,
  GENERATOR_VERSION,
  generatePopulation,
  type SynthOptions,
} from './generate.ts';
import { createFeedWriter, OUTPUT_KINDS, type OutputCounts, type OutputKind } from './output/feed-writer.ts';
import { sortFeedByTime } from './output/hl7-order.ts';
import { writePopulationInParallel } from './output/parallel.ts';

const USAGE = `Usage: npm run synth -- --patients N --out DIR [--seed S] [--as-of YYYY-MM-DD] [--outputs fhir,bulk,hl7v2,answers]

Generates a synthetic London-like region and the feeds each organisation would send.
  --patients N   people in the region (1 to 10,000,000)
  --out DIR      output directory (must be empty or absent)
  --seed S       any text; the same seed, version and as-of date give byte-identical output (default: joinedup)
  --as-of DATE   the run's "today" (default: ${DEFAULT_AS_OF})
  --outputs LIST which outputs to write (default: all)
  --workers N    threads generating in parallel; the output is the same for any N (default: one fewer than the cores)`;

class UsageError extends Error {}

/** Reads the command line into options, or throws UsageError naming what is wrong. */
export function parseSynthArgs(argv: string[]): SynthOptions & { out: string; outputs: OutputKind[]; workers: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      patients: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: 'joinedup' },
      'as-of': { type: 'string', default: DEFAULT_AS_OF },
      outputs: { type: 'string', default: OUTPUT_KINDS.join(',') },
      workers: { type: 'string', default: String(Math.max(1, os.availableParallelism() - 1)) },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const patients = Number((values.patients ?? '').replace(/[_,]/g, ''));
  if (!Number.isInteger(patients) || patients < 1 || patients > 10_000_000)
    throw new UsageError('--patients must be a whole number from 1 to 10,000,000');
  if (!values.out) throw new UsageError('--out is required');
  const asOf = values['as-of'];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf)))
    throw new UsageError('--as-of must be a date, YYYY-MM-DD');
  const outputs = values.outputs.split(',').map((s) => s.trim()) as OutputKind[];
  const unknown = outputs.filter((o) => !OUTPUT_KINDS.includes(o));
  if (unknown.length > 0 || outputs.length === 0)
    throw new UsageError(`--outputs takes a list of ${OUTPUT_KINDS.join(', ')}; not ${unknown.join(', ')}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError('--workers must be a whole number from 1 to 64');
  return { patients, seed: values.seed, asOf, out: path.resolve(values.out), outputs, workers };
}

/** `npm run synth`: generates the region and writes every source's feeds, with a progress bar. */
export async function runSynth(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseSynthArgs>;
  try {
    options = parseSynthArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    if (err.message) process.stderr.write(`${err.message}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (fs.existsSync(options.out) && fs.readdirSync(options.out).length > 0) {
    process.stderr.write(`${options.out} is not empty: choose a new directory, so that no feed is appended to\n`);
    return 2;
  }

  const started = performance.now();
  const region = buildSyntheticRegion(options);
  say(
    `region: ${formatInt(region.organisations.length)} organisations, ${formatInt(region.staff.length)} staff; ` +
      `generating ${formatInt(options.patients)} people (seed ${JSON.stringify(options.seed)}, as of ${options.asOf}) ` +
      `on ${options.workers} thread${options.workers === 1 ? '' : 's'}`,
  );
  const progress = new Progress('people', options.patients);
  let counts: OutputCounts;
  if (options.workers > 1) {
    counts = await writePopulationInParallel(options, options.out, options.outputs, region, options.workers, (n) =>
      progress.update(n),
    );
  } else {
    const writer = createFeedWriter(options.out, options.outputs, options.seed);
    writer.writeRegion(region);
    let done = 0;
    for (const person of generatePopulation(region, options)) {
      writer.writePerson(person, region);
      if (++done % 250 === 0) progress.update(done);
    }
    progress.update(done);
    counts = writer.close();
  }
  progress.finish();
  const unsorted = options.outputs.includes('hl7v2') ? sortHl7Feeds(path.join(options.out, 'hl7v2')) : [];
  const seconds = (performance.now() - started) / 1000;
  const manifest = {
    generator: '@joinedup/synth',
    version: GENERATOR_VERSION,
    seed: options.seed,
    asOf: options.asOf,
    patients: options.patients,
    outputs: options.outputs,
    // HL7 v2 feeds are in the order they are sent (MSH-7) except these, too large to sort in memory.
    hl7v2InPersonOrder: unsorted,
    counts,
  };
  fs.writeFileSync(path.join(options.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const resources = Object.values(counts.resources).reduce((a, b) => a + b, 0);
  const messages = Object.values(counts.messages).reduce((a, b) => a + b, 0);
  say(
    `wrote ${formatInt(counts.people)} people, ${formatInt(counts.sourceRecords)} source records, ` +
      `${formatInt(resources)} FHIR resources, ${formatInt(messages)} HL7 v2 messages to ${options.out} ` +
      `in ${seconds.toFixed(1)} s (${formatInt(counts.people / seconds)} people/s)`,
  );
  return 0;
}

/** Puts each hospital's HL7 v2 feed in send order; returns the files left in person order. */
function sortHl7Feeds(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const files = fs.readdirSync(dir).sort();
  const progress = new Progress('HL7 v2 feeds put in send order', files.length);
  const unsorted: string[] = [];
  files.forEach((f, i) => {
    if (!sortFeedByTime(path.join(dir, f))) unsorted.push(`hl7v2/${f}`);
    progress.update(i + 1);
  });
  progress.finish();
  return unsorted;
}

if (import.meta.main) process.exitCode = await runSynth(process.argv.slice(2));
