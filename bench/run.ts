// npm run bench: the FHIR server's figures beside raw references, on PGlite and on a PostgreSQL server.
// See docs/benchmarks.md for what each figure means. Figures go to stdout, progress to stderr.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBenchOptions, type BenchOptions, type EngineName } from './bench-options.ts';
import { openBenchPglite, openBenchPostgres, startServer, type BenchEngine, type BenchServer } from './engines.ts';
import { copyBundles, ingestBundles } from './ingest.ts';
import { loadLargeRecord, loadPopulation, type FamilyBirthCounts, type LoadTotals } from './load-population.ts';
import { sample, seededRandom, type Latency } from './measure.ts';
import { generatePatient, LARGE_RECORD } from './population.ts';
import { formatInt, say } from '@joinedup/terminal';
import { measureReads, type ReadTarget } from './reads.ts';
import { createReferenceTables } from './reference-tables.ts';
import { formatNumber, type EngineResult } from './figures.ts';
import { publishReport } from './report.ts';
import { measureEverything, measureSearch, SEARCH_CASES, type SearchResult } from './searches.ts';
import { oneLine, SqlTrace, type StatementStats } from './sql-trace.ts';
import { readSyntheaBundles, type SyntheaBundle } from './synthea.ts';
import { benchImport } from './import.ts';
import { benchHl7 } from './hl7.ts';
import { benchMpi } from './mpi.ts';
import { benchAccess } from './access.ts';

const ms = (l: Latency) => `p50 ${formatNumber(l.p50, 'ms')} · p95 ${formatNumber(l.p95, 'ms')} ms`;
const ms3 = (l: Latency) =>
  `p50 ${formatNumber(l.p50, 'ms')} · p95 ${formatNumber(l.p95, 'ms')} · p99 ${formatNumber(l.p99, 'ms')} ms`;
const LARGE_RECORD_SIZE =
  1 + LARGE_RECORD.observations + LARGE_RECORD.conditions + LARGE_RECORD.encounters + LARGE_RECORD.procedures;
const perSecond = (n: number, unit: string) => `${formatInt(n)} ${unit}`;

/** Keeps the slowest statements of each traced phase and EXPLAINs the worst of them at the end. */
class SlowStatements {
  readonly phases: { phase: string; top: StatementStats[] }[] = [];

  record(phase: string, stats: StatementStats[]) {
    this.phases.push({ phase, top: stats.slice(0, 3) });
  }

  /** A note naming the statement that took the most time in a phase. */
  describe(phase: string): string | undefined {
    const s = this.phases.find((p) => p.phase === phase)?.top[0];
    if (!s) return undefined;
    const mean = s.totalMs / Math.max(1, s.calls);
    return `${phase}: most time in (${s.calls} calls, ${mean.toFixed(2)} ms mean, ${s.maxMs.toFixed(1)} ms max) ${oneLine(s.sql)}`;
  }

  async explain(engine: BenchEngine, file: string) {
    const out: string[] = [];
    for (const { phase, top } of this.phases) {
      out.push(`### ${phase}`);
      for (const s of top) {
        out.push(
          `-- ${s.calls} calls, ${(s.totalMs / Math.max(1, s.calls)).toFixed(2)} ms mean, ${s.maxMs.toFixed(2)} ms max`,
        );
        out.push(s.sql.trim());
      }
      const worst = top.find((s) => /^\s*(select|with)\b/i.test(s.sql));
      if (worst) {
        try {
          const plan = await engine.db.query<Record<string, string>>(
            `EXPLAIN (ANALYZE, BUFFERS) ${worst.sql}`,
            worst.slowestParams ?? [],
          );
          out.push('-- plan of the first SELECT above, with the parameters of its slowest call:');
          for (const row of plan) out.push(Object.values(row)[0] ?? '');
        } catch (e) {
          out.push(`-- EXPLAIN failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      out.push('');
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, out.join('\n'));
  }
}

async function benchEngine(
  name: EngineName,
  options: BenchOptions,
  bundles: readonly SyntheaBundle[],
): Promise<EngineResult> {
  const scales = options.scales[name];
  const opened = name === 'pglite' ? await openBenchPglite() : await openBenchPostgres(options.postgresUrl);
  if (typeof opened === 'string') {
    say(`postgres: skipped: ${opened}`);
    return { engine: name, description: 'PostgreSQL server', scales, figures: [], notes: [], skipped: opened };
  }
  const engine = opened;
  const result: EngineResult = { engine: name, description: engine.description, scales, figures: [], notes: [] };
  const figures = result.figures;
  const trace = new SqlTrace();
  const slow = new SlowStatements();
  let server: BenchServer | undefined;
  const stopOnSignal = () => {
    say(`\ninterrupted: cleaning up ${name}`);
    void Promise.resolve(server?.close())
      .then(() => engine.close())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  try {
    say(`\n== ${name}: ${engine.description}`);
    server = await startServer(trace.wrap(engine.db));
    await createReferenceTables(engine.db);
    const store = server.app.fhir.store;

    // 1. Ingest through the HTTP API, beside COPY of the same JSON.
    say(`ingest: ${bundles.length} Synthea bundles, ${options.ingestConcurrency} in flight`);
    trace.start();
    const ingest = await ingestBundles(server, bundles, options.ingestConcurrency);
    slow.record('ingest (POST /fhir transactions)', trace.stop());
    const copy = await copyBundles(engine, bundles);
    result.notes.push(await describeIndexRows(engine, ingest.resources));
    if (name === 'postgres' && ingest.resources / ingest.seconds < 5_000) {
      const why = slow.describe('ingest (POST /fhir transactions)');
      if (why) result.notes.push(why);
    }
    figures.push({
      key: 'ingest',
      group: 'Ingest',
      label: `Synthea transactions, POST /fhir, ${options.ingestConcurrency} in flight`,
      unit: 'resources/s',
      value: ingest.resources ? ingest.resources / ingest.seconds : null,
      text: ingest.resources
        ? `${perSecond(ingest.resources / ingest.seconds, 'resources/s')} (${formatInt(ingest.resources)} in ${ingest.seconds.toFixed(1)} s)`
        : '—',
      reference: {
        label: `${engine.copyMethod} of the same JSON into (id, jsonb)`,
        value: copy.rows / copy.seconds,
        text: perSecond(copy.rows / copy.seconds, 'rows/s'),
      },
      ...(name === 'postgres' ? { target: { value: 5_000, better: 'higher' as const } } : {}),
      chart: true,
      ...(ingest.failedBundles
        ? { error: `${ingest.failedBundles}/${ingest.bundles} bundles failed: ${ingest.firstFailure}` }
        : {}),
    });

    // 1b. Bulk NDJSON import of a synthetic region, beside COPY of the same lines.
    say(`import: a synthetic region of ${formatInt(options.importPeople)} people through npm run import`);
    const imported = await benchImport(engine, server, options.importPeople);
    figures.push({
      key: 'import',
      group: 'Ingest',
      label: 'Bulk NDJSON, npm run import (POST /fhir/$import), 4 files in flight',
      unit: 'resources/s',
      value: imported.resources / imported.seconds,
      text: `${perSecond(imported.resources / imported.seconds, 'resources/s')} (${formatInt(imported.resources)} in ${imported.seconds.toFixed(1)} s)`,
      reference: {
        label: `${engine.copyMethod} of the same lines into (id, jsonb)`,
        value: imported.copyRows / imported.copySeconds,
        text: perSecond(imported.copyRows / imported.copySeconds, 'rows/s'),
      },
      target: { value: name === 'postgres' ? 10_000 : 3_000, better: 'higher' as const },
      cpu: { per: 'resource', ...imported.cpu },
      chart: true,
      ...(imported.exitCode !== 0 ? { error: 'the import rejected lines' } : {}),
    });

    // 1c. HL7 v2 ORU^R01 over MLLP, each ACK only after commit, beside a commit per message on a bare table.
    say(`hl7 v2: ORU^R01 of a synthetic region over MLLP, ${options.hl7Connections} connections`);
    const hl7 = await benchHl7(engine, server, options.hl7People, options.hl7Connections);
    figures.push({
      key: 'hl7',
      group: 'Ingest',
      label: `HL7 v2 ORU^R01 over MLLP, ACK after commit, ${options.hl7Connections} connections`,
      unit: 'req/s',
      value: hl7.latency.perSecond,
      text: `${perSecond(hl7.latency.perSecond, 'messages/s')}, ACK p50 ${hl7.latency.p50.toFixed(1)} · p99 ${hl7.latency.p99.toFixed(1)} ms (${formatInt(hl7.messages)} messages)`,
      reference: {
        label: 'one INSERT + COMMIT per message on a bare table, as many at once',
        value: hl7.reference.perSecond,
        text: `${perSecond(hl7.reference.perSecond, 'commits/s')}, p99 ${hl7.reference.p99.toFixed(1)} ms`,
      },
      ...(name === 'postgres' ? { target: { value: 1_000, better: 'higher' as const } } : {}),
      cpu: { per: 'message', ...hl7.cpu },
      chart: true,
      ...(hl7.accepted !== hl7.messages
        ? { error: `${hl7.messages - hl7.accepted} messages not acknowledged AA` }
        : {}),
    });

    // The synthetic population, through the store's bulk path, and the patient with ~1,000 resources.
    const familyBirth: FamilyBirthCounts = new Map();
    const totals: LoadTotals = { resources: 0, storeSeconds: 0, refRows: 0, refSeconds: 0 };
    say(`population: ${formatInt(scales.small)} patients through FhirStore transactions`);
    await loadPopulation(engine, store, 0, scales.small, familyBirth, totals);
    const big = await loadLargeRecord(engine, store, familyBirth, totals);
    await settleTables(engine);

    // 2. Read by id.
    const random = seededRandom(42);
    let targets: ReadTarget[] = sample(ingest.stored, options.readCount, random).map((s) => ({
      type: s.type,
      serverId: s.serverId,
      refId: s.syntheaId,
    }));
    const refTable = targets.length ? 'bench_bare' : 'bench_ref';
    if (!targets.length) {
      result.notes.push('read by id used the synthetic population: the ingest stored nothing');
      targets = Array.from({ length: options.readCount }, () => {
        const { items } = generatePatient(Math.floor(random() * scales.small));
        const g = items[Math.floor(random() * items.length)]!;
        return { type: g.resource.resourceType, serverId: g.resource.id, refId: g.resource.id };
      });
    }
    say(`read by id: ${formatInt(targets.length)} ids, sequential and ${options.readConcurrency} clients`);
    trace.start();
    const reads = await measureReads(server, engine.db, refTable, targets, options.readConcurrency);
    slow.record('read by id', trace.stop());
    const readError = reads.failures ? `${reads.failures} failed; first: ${reads.firstFailure}` : undefined;
    figures.push(
      {
        key: 'read.sequential',
        group: 'Read by id',
        label: 'GET /fhir/{type}/{id}, one client',
        unit: 'ms',
        value: reads.sequential.p95,
        text: ms3(reads.sequential),
        reference: {
          label: 'SELECT content::text ... WHERE id = $1',
          value: reads.rawSequential.p95,
          text: ms3(reads.rawSequential),
        },
        target: { value: 2, better: 'lower' },
        chart: true,
        ...(readError ? { error: readError } : {}),
      },
      {
        key: 'read.concurrent',
        group: 'Read by id',
        label: `GET /fhir/{type}/{id}, ${options.readConcurrency} clients`,
        unit: 'req/s',
        value: reads.concurrent.perSecond,
        text: `${perSecond(reads.concurrent.perSecond, 'req/s')}, ${ms(reads.concurrent)}`,
        reference: {
          label: `the same SELECT, ${options.readConcurrency} at once`,
          value: reads.rawConcurrent.perSecond,
          text: `${perSecond(reads.rawConcurrent.perSecond, 'req/s')}, ${ms(reads.rawConcurrent)}`,
        },
        chart: true,
      },
      {
        key: 'read.health',
        group: 'Read by id',
        label: 'GET /health (HTTP floor: fastify + fetch + SELECT 1)',
        unit: 'ms',
        value: reads.health.p95,
        text: ms(reads.health),
      },
    );

    // 3 and 4 at the small scale, then again at the large scale.
    const searchAt = new Map<string, { small?: SearchResult; large?: SearchResult }>();
    const everythingAt: {
      small?: Awaited<ReturnType<typeof measureEverything>>;
      large?: Awaited<ReturnType<typeof measureEverything>>;
    } = {};
    const measureScale = async (scale: 'small' | 'large', patients: number) => {
      say(`searches at ${formatInt(patients)} patients: ${options.searchCount} requests each`);
      for (const [n, search] of SEARCH_CASES.entries()) {
        trace.start();
        const r = await measureSearch(server!, engine.db, search, patients, options.searchCount, familyBirth, 1000 + n);
        slow.record(`${search.label} @ ${formatInt(patients)} patients`, trace.stop());
        searchAt.set(search.key, { ...searchAt.get(search.key), [scale]: r });
        say(`  ${search.label}: ${ms(r.http)} (raw ${ms(r.raw)})${r.failures ? `, ${r.failures} failed` : ''}`);
      }
      trace.start();
      everythingAt[scale] = await measureEverything(server!, engine.db, big, options.everythingCalls);
      slow.record(`$everything @ ${formatInt(patients)} patients`, trace.stop());
    };
    await measureScale('small', scales.small);
    say(`population: growing to ${formatInt(scales.large)} patients`);
    await loadPopulation(engine, store, scales.small, scales.large, familyBirth, totals);
    await settleTables(engine);
    await measureScale('large', scales.large);

    figures.push({
      key: 'load.store',
      group: 'Bulk load',
      label: 'FhirStore transactions of ~500 creates (population)',
      unit: 'resources/s',
      value: totals.resources / totals.storeSeconds,
      text: `${perSecond(totals.resources / totals.storeSeconds, 'resources/s')} (${formatInt(totals.resources)} in ${totals.storeSeconds.toFixed(0)} s)`,
      reference: {
        label: `${engine.copyMethod} into bench_ref (4 indexes)`,
        value: totals.refRows / totals.refSeconds,
        text: perSecond(totals.refRows / totals.refSeconds, 'rows/s'),
      },
    });

    for (const search of SEARCH_CASES) {
      const at = searchAt.get(search.key);
      for (const scale of ['small', 'large'] as const) {
        const r = at?.[scale];
        if (!r) continue;
        const failed = r.failures === r.http.count;
        figures.push({
          key: `search.${search.key}.${scale}`,
          group: `Search @ ${formatInt(scales[scale])} patients`,
          label: search.label,
          unit: 'ms',
          value: failed ? null : r.http.p95,
          text: ms(r.http),
          reference: { label: 'hand-written SQL on bench_ref', value: r.raw.p95, text: ms(r.raw) },
          target: { value: 10, better: 'lower' },
          chart: scale === 'large',
          ...(r.failures ? { error: `${r.failures}/${r.http.count} failed; first: ${r.firstFailure}` } : {}),
        });
        const over = !failed && r.http.p95 > 10;
        const why = over ? slow.describe(`${search.label} @ ${formatInt(scales[scale])} patients`) : undefined;
        if (why) result.notes.push(why);
        if (r.mismatches)
          result.notes.push(
            `${search.label} @ ${scale}: ${r.mismatches} answers differ from the data: ${r.firstMismatch}`,
          );
      }
    }
    for (const search of SEARCH_CASES) {
      const at = searchAt.get(search.key);
      if (!at?.small || !at.large) continue;
      const failed = at.small.failures === at.small.http.count || at.large.failures === at.large.http.count;
      const growth = at.large.http.p95 / at.small.http.p95;
      const rawGrowth = at.large.raw.p95 / at.small.raw.p95;
      figures.push({
        key: `growth.${search.key}`,
        group: `Growth of p95, ${formatInt(scales.small)} → ${formatInt(scales.large)} patients`,
        label: search.label,
        unit: '×',
        value: failed ? null : growth,
        text: failed ? '—' : `${growth.toFixed(2)}×`,
        reference: { label: 'hand-written SQL', value: rawGrowth, text: `${rawGrowth.toFixed(2)}×` },
        target: { value: 1.3, better: 'lower' },
        chart: true,
      });
    }
    for (const scale of ['small', 'large'] as const) {
      const r = everythingAt[scale];
      if (!r) continue;
      const failed = r.failures === r.http.count;
      const why =
        !failed && r.http.p95 > 50 ? slow.describe(`$everything @ ${formatInt(scales[scale])} patients`) : undefined;
      if (why) result.notes.push(why);
      figures.push({
        key: `everything.${scale}`,
        group: `$everything @ ${formatInt(scales[scale])} patients`,
        label: `Patient/{id}/$everything, a record of ${formatInt(LARGE_RECORD_SIZE)} resources (${r.resources} returned)`,
        unit: 'ms',
        value: failed ? null : r.http.p95,
        text: ms(r.http),
        reference: {
          label: 'SELECT content::text FROM bench_ref WHERE patient = $1',
          value: r.raw.p95,
          text: ms(r.raw),
        },
        target: { value: 50, better: 'lower' },
        chart: scale === 'large',
        ...(r.failures ? { error: `${r.failures}/${r.http.count} failed; first: ${r.firstFailure}` } : {}),
      });
    }
    if (server.errors.length)
      result.notes.push(`server logged ${server.errors.length} error(s); first: ${server.errors[0]}`);
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    say(`${name}: the run stopped: ${message}`);
    result.notes.push(`the run stopped early: ${e instanceof Error ? e.message : String(e)}`);
    if (server?.errors.length) result.notes.push(`server errors: ${server.errors.slice(0, 3).join(' | ')}`);
  } finally {
    const plans = path.join(options.outDir, `slow-statements-${name}.txt`);
    await slow.explain(engine, plans).catch(() => {});
    result.notes.push(`slowest statements of each phase, with plans: ${path.relative(process.cwd(), plans)}`);
    result.notes.push(
      `measured in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadAtStart.toFixed(1)} at the ` +
        `start, ${(os.loadavg()[0] ?? 0).toFixed(1)} at the end, on ${os.cpus().length} cores` +
        (Math.max(loadAtStart, os.loadavg()[0] ?? 0) > os.cpus().length ? ': other work shared the machine' : ''),
    );
    process.removeListener('SIGINT', stopOnSignal);
    await server?.close().catch(() => {});
    await engine.close().catch((e: unknown) => say(`${name}: cleanup failed: ${String(e)}`));
  }
  return result;
}

/**
 * Settles the tables after a bulk load, as autovacuum would on a server in time: fresh planner statistics, the
 * visibility map and hint bits set (VACUUM), and the dirty pages written out (CHECKPOINT), so that the searches
 * that follow (and their raw references) do not pay for the load, such as the first reader of each freshly
 * written page setting its hint bits. PGlite has no autovacuum at all, so without this its tables would never
 * be analysed.
 */
async function settleTables(engine: BenchEngine) {
  const t0 = performance.now();
  const tables = await engine.db.query<{ name: string }>(
    'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
  );
  for (const { name } of tables) await engine.db.query(`VACUUM (ANALYZE) "${name.replace(/"/g, `""`)}"`);
  let checkpoint = ', then a checkpoint,';
  try {
    await engine.db.query('CHECKPOINT');
  } catch (e) {
    // CHECKPOINT needs a superuser or pg_checkpoint; without it the background writer catches up in time.
    checkpoint = ` (no checkpoint: ${e instanceof Error ? e.message : String(e)})`;
  }
  say(
    `vacuumed and analysed ${tables.length} tables${checkpoint} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

/** How many search index rows the ingest wrote, per resource and per table: the work behind its figure. */
async function describeIndexRows(engine: BenchEngine, resources: number): Promise<string> {
  const tables = await engine.db.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '%\\_sp\\_%' ORDER BY tablename",
  );
  const counts: [string, number][] = [];
  for (const { name } of tables) {
    const [row] = await engine.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name.replace(/"/g, '""')}"`);
    if (row?.n) counts.push([name, row.n]);
  }
  const total = counts.reduce((n, [, c]) => n + c, 0);
  const top = counts
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([t, c]) => `${t} ${formatInt(c)}`)
    .join(', ');
  return `ingest wrote ${formatInt(total)} search index rows for ${formatInt(resources)} resources (${(total / Math.max(1, resources)).toFixed(1)} per resource; ${top})`;
}

async function main() {
  const options = readBenchOptions();
  const started = performance.now();
  say(
    `joinedup bench: engines ${options.engines.join(', ')}${options.quick ? ' (quick)' : ''}; results in ${path.relative(process.cwd(), options.outDir)}`,
  );
  const bundles = readSyntheaBundles(options.syntheaDir, options.bundleLimit);
  say(
    `read ${bundles.length} Synthea bundles, ${formatInt(bundles.reduce((n, b) => n + b.entries.length, 0))} resources`,
  );
  const engines: EngineResult[] = [];
  for (const name of options.engines) {
    const result = await benchEngine(name, options, bundles);
    // 5. The master patient index, on a fresh database of its own (bench/mpi.ts).
    if (!result.skipped) await benchMpi(name, options.quick, options.postgresUrl, result);
    // 6. Access control's cost, on a fresh database of its own (bench/access.ts).
    if (!result.skipped) await benchAccess(name, options.quick, options.postgresUrl, result);
    engines.push(result);
  }
  publishReport(engines, { quick: options.quick, outDir: options.outDir, started });
}

await main();
