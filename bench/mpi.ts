// Figure 5, the master patient index at scale: the index tables filled with synthetic records (about a million
// for the target run), one incoming record matched and linked against them through the service's own code, and
// the bulk deduplication of the same records. See docs/benchmarks.md.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Patient, Resource } from '@joinedup/fhir';
import { buildSyntheticRegion, generateSyntheticPerson, sourceRecordResources } from '@joinedup/synth';
import { formatInt, Progress, say } from '@joinedup/terminal';
import { migrations } from '../apps/server/src/app.ts';
import { createFhirModel } from '../apps/server/src/fhir/fhir-model.ts';
import { createIndexer } from '../apps/server/src/fhir/search/index.ts';
import { FhirStore } from '../apps/server/src/fhir/store/store.ts';
import {
  blockingKeys,
  createIdentityService,
  decideLink,
  deduplicate,
  DEFAULT_THRESHOLDS,
  DEFAULT_WEIGHTS,
  fromFhirPatient,
  type IndexedCandidate,
  type MatchRecord,
} from '../apps/server/src/identity/index.ts';
import { candidatesByKey, verifiedNhsNumbersOf } from '../apps/server/src/identity/identity.store.ts';
import { systemClock } from '../apps/server/src/platform/clock.ts';
import { migrate } from '../apps/server/src/platform/migrate.ts';
import { whole, type EngineName } from './bench-options.ts';
import { openBenchPglite, openBenchPostgres, type BenchEngine } from './engines.ts';
import { formatNumber, type EngineResult, type Figure } from './figures.ts';
import { summarise, type Latency } from './measure.ts';
import { SqlTrace, oneLine } from './sql-trace.ts';

/** Records per synthetic person (262,000 people make 1,001,286 records): to size the population for a count. */
const RECORDS_PER_PERSON = 3.82;
const SEED = 'bench-mpi';
const AS_OF = '2026-11-01';
const COPY_BATCH = 10_000;
/** The targets: one record against the index p95 ≤ 20 ms; a million records deduplicated in 2 minutes. */
const LINK_TARGET_MS = 20;
const DEDUP_TARGET_PER_SECOND = 1_000_000 / 120;

export interface MpiOptions {
  /** Records in the index (before the held-out ones are taken out). */
  records: number;
  /** Held-out incoming records, each measured once per series. */
  samples: number;
}

/**
 * BENCH_MPI_RECORDS (default 100,000; 10,000 when quick; 1,000,000 for the target run), BENCH_PGLITE_MPI_RECORDS
 * (PGlite's size: by default the same, at most 200,000: one core, in the bench's own process), BENCH_MPI_SAMPLES
 * (held-out records, default 2,000).
 */
export function readMpiOptions(engine: EngineName, quick: boolean, env: NodeJS.ProcessEnv = process.env): MpiOptions {
  const records = whole(env, 'BENCH_MPI_RECORDS', quick ? 10_000 : 100_000, 1_000, 5_000_000);
  const size =
    engine === 'pglite'
      ? whole(env, 'BENCH_PGLITE_MPI_RECORDS', Math.min(records, 200_000), 1_000, 5_000_000)
      : records;
  const samples = whole(env, 'BENCH_MPI_SAMPLES', quick ? 200 : 2_000, 10, 20_000);
  return { records: size, samples: Math.min(samples, Math.floor(size / 20)) };
}

export interface Incoming {
  record: MatchRecord;
  patient: Patient;
}

export interface Population {
  /** The records of the index, in generation order. */
  records: MatchRecord[];
  /** The held-out incoming records, with the Patient each came from: linked by linkPatient. */
  incoming: Incoming[];
  /** As many more, from other people: written by a feed's transaction, linked by the store's hook. */
  incomingFeed: Incoming[];
  /** The Patients of the index records of the held-out people (written to the store, as the feeds would have). */
  siblings: Map<string, Patient>;
  people: number;
  seconds: number;
}

/**
 * Synthetic people (packages/synth, in memory, as bench-accuracy.ts --scale does): each source record's Patient
 * read through fromFhirPatient. One record of two people in every k is held out of the index: an incoming record
 * whose person the index usually already knows (or a new person when it was their only record).
 */
export function generatePopulation(target: number, samples: number): Population {
  const people = Math.max(1, Math.round(target / RECORDS_PER_PERSON));
  const options = { patients: people, seed: SEED, asOf: AS_OF };
  const region = buildSyntheticRegion(options);
  const stride = Math.max(1, Math.floor(people / samples));
  const records: MatchRecord[] = [];
  const incoming: Incoming[] = [];
  const incomingFeed: Incoming[] = [];
  const siblings = new Map<string, Patient>();
  const progress = new Progress('people generated', people);
  const t0 = performance.now();
  for (let i = 0; i < people; i++) {
    const person = generateSyntheticPerson(region, i, options);
    const into =
      i % stride === Math.floor(stride / 2) && incoming.length < samples
        ? incoming
        : i % stride === 0 && incomingFeed.length < samples
          ? incomingFeed
          : undefined;
    const mine: { record: MatchRecord; patient: Patient }[] = [];
    for (const source of person.records) {
      for (const resource of sourceRecordResources({ ...source, events: [] }, region)) {
        if (resource.resourceType !== 'Patient' || resource.id === undefined) continue;
        mine.push({ record: { ...fromFhirPatient(resource, source.odsCode), id: resource.id }, patient: resource });
      }
    }
    if (into && mine.length > 0) {
      into.push(mine.pop()!);
      for (const m of mine) siblings.set(m.record.id, m.patient);
    }
    for (const m of mine) records.push(m.record);
    if (i % 1000 === 0) progress.update(i);
  }
  progress.update(people);
  progress.finish();
  return { records, incoming, incomingFeed, siblings, people, seconds: (performance.now() - t0) / 1000 };
}

/** How the index was filled: COPY of mpi_record and mpi_block rows, with the persons deduplicate found. */
export interface Fill {
  records: number;
  keys: number;
  seconds: number;
  settleSeconds: number;
  personOf: Map<string, string>;
}

export async function fillIndex(
  engine: BenchEngine,
  records: readonly MatchRecord[],
  person: Int32Array,
  /** Records whose person id is wanted back (the held-out people's other records). */
  wanted: ReadonlySet<string>,
): Promise<Fill> {
  // One person id per cluster, as linkPatient makes them (person-<uuid>); its first record founded it (`new`).
  const personIds = new Map<number, string>();
  const personOf = new Map<string, string>();
  const at = new Date().toISOString();
  const progress = new Progress('records into mpi_record and mpi_block', records.length);
  let keys = 0;
  const t0 = performance.now();
  for (let from = 0; from < records.length; from += COPY_BATCH) {
    const recordRows: (string | null)[][] = [];
    const blockRows: string[][] = [];
    for (let i = from; i < Math.min(records.length, from + COPY_BATCH); i++) {
      const r = records[i]!;
      const root = person[i]!;
      let personId = personIds.get(root);
      if (personId === undefined) personIds.set(root, (personId = `person-${randomUUID()}`));
      if (wanted.has(r.id)) personOf.set(r.id, personId);
      const method = root === i ? 'new' : 'match';
      recordRows.push([r.id, r.source, personId, JSON.stringify(r), method, null, at]);
      for (const key of blockingKeys(r)) blockRows.push([key, r.id]);
    }
    await engine.copyRows(
      'mpi_record',
      ['patient_id', 'source', 'person_id', 'record', 'method', 'score', 'updated_at'],
      recordRows,
    );
    await engine.copyRows('mpi_block', ['key', 'patient_id'], blockRows);
    keys += blockRows.length;
    progress.update(Math.min(records.length, from + COPY_BATCH));
  }
  progress.finish();
  const seconds = (performance.now() - t0) / 1000;
  const s0 = performance.now();
  // As autovacuum would in time (PGlite has none): planner statistics for the tables just loaded.
  for (const table of ['mpi_record', 'mpi_block']) await engine.db.query(`VACUUM (ANALYZE) ${table}`);
  return { records: records.length, keys, seconds, settleSeconds: (performance.now() - s0) / 1000, personOf };
}

async function timeSeries<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<Latency> {
  const samples: number[] = [];
  const started = performance.now();
  for (const item of items) {
    const t0 = performance.now();
    await task(item);
    samples.push(performance.now() - t0);
  }
  return summarise(samples, performance.now() - started);
}

const ms3 = (l: Latency) =>
  `p50 ${formatNumber(l.p50, 'ms')} · p95 ${formatNumber(l.p95, 'ms')} · p99 ${formatNumber(l.p99, 'ms')} ms`;
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;

/**
 * The master patient index on a fresh database of its own (a new PGlite directory, or a new bench_ schema on the
 * server): its figures and notes are added to `result`, the engine's results.
 */
export async function benchMpi(name: EngineName, quick: boolean, postgresUrl: string, result: EngineResult) {
  const options = readMpiOptions(name, quick);
  const opened = name === 'pglite' ? await openBenchPglite() : await openBenchPostgres(postgresUrl);
  if (typeof opened === 'string') {
    result.notes.push(`master patient index: not measured: ${opened}`);
    return;
  }
  const engine = opened;
  const stopOnSignal = () => {
    say(`\ninterrupted: cleaning up the ${name} index`);
    void engine.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  const started = performance.now();
  try {
    await measureMpi(engine, options, result);
  } catch (e) {
    say(`${name}: the master patient index run stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    result.notes.push(`master patient index: stopped early: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    result.notes.push(
      `master patient index measured in ${((performance.now() - started) / 1000).toFixed(0)} s on a database of its own; ` +
        `load average ${(os.loadavg()[0] ?? 0).toFixed(1)} at the end, on ${os.cpus().length} cores`,
    );
    process.removeListener('SIGINT', stopOnSignal);
    await engine.close().catch((e: unknown) => say(`${name}: cleanup failed: ${String(e)}`));
  }
}

async function measureMpi(engine: BenchEngine, options: MpiOptions, result: EngineResult) {
  say(`\n== ${engine.name}: master patient index, about ${formatInt(options.records)} records`);
  await migrate(engine.db, migrations);
  const trace = new SqlTrace();
  const db = trace.wrap(engine.db);
  const model = createFhirModel(createIndexer);
  // A store without the index's write hook, on which linkPatient is called by hand; and one wired as the server
  // wires it (app.ts), on which a feed's transaction writes the Patient and the hook links it before commit.
  const store = new FhirStore(db, model, { clock: systemClock });
  const identity = createIdentityService({ store });
  const feedStore: FhirStore = new FhirStore(db, model, {
    clock: systemClock,
    onPatientsWritten: (tx, written) => feedIdentity.linkWritten(tx, written),
  });
  const feedIdentity = createIdentityService({ store: feedStore });

  const population = generatePopulation(options.records, options.samples);
  const { records, incoming, incomingFeed } = population;
  say(
    `generated ${formatInt(population.people)} people: ${formatInt(records.length)} index records and ` +
      `${formatInt(incoming.length + incomingFeed.length)} held out, in ${population.seconds.toFixed(1)} s`,
  );

  // 3. Deduplication in memory, as the bulk path runs it: records not yet prepared, as after reading an import.
  say(`deduplicate: ${formatInt(records.length)} records in memory`);
  const d0 = performance.now();
  const dedup = deduplicate(records);
  const dedupSeconds = (performance.now() - d0) / 1000;
  const dedupPeople = new Set(dedup.person).size;
  say(
    `  ${dedupSeconds.toFixed(1)} s: ${formatInt(dedup.candidatePairs)} candidate pairs scored, ` +
      `${formatInt(dedupPeople)} people`,
  );

  // 1. The index tables, filled by COPY with the persons deduplicate found.
  const fill = await fillIndex(engine, records, dedup.person, new Set(population.siblings.keys()));
  say(
    `filled the index: ${formatInt(fill.records)} records, ${formatInt(fill.keys)} blocking keys, ` +
      `${engine.copyMethod}, ${fill.seconds.toFixed(1)} s; VACUUM (ANALYZE) ${fill.settleSeconds.toFixed(1)} s`,
  );

  // What the feeds had written before: the held-out people's other source Patients, and a Person per person
  // they are linked to, so that linking a held-out record rewrites an existing Person as it would in service.
  const known: Resource[] = [...population.siblings.values()];
  const persons = new Set<string>();
  for (const id of population.siblings.keys()) persons.add(fill.personOf.get(id)!);
  for (const id of persons) known.push({ resourceType: 'Person', id, active: true });
  for (let at = 0; at < known.length; at += 500) {
    const batch = known.slice(at, at + 500);
    await store.transaction(async (tx) => {
      await tx.upsertMany(batch);
    });
  }
  for (const table of ['resource', 'resource_key']) {
    await engine.db.query(`ANALYZE ${table}`).catch(() => {});
  }

  const keysOf = new Map(incoming.map((c) => [c.record.id, blockingKeys(c.record)]));
  const raw = async (keys: readonly string[]) =>
    engine.db.query<{ patient_id: string }>('SELECT patient_id FROM mpi_block WHERE key = ANY($1)', [keys]);
  const rawRecords = async (keys: readonly string[]) =>
    engine.db.query<{ patient_id: string; person_id: string; record: string }>(
      `SELECT r.patient_id, r.person_id, r.record::text AS record
         FROM mpi_block b JOIN mpi_record r USING (patient_id) WHERE b.key = ANY($1)`,
      [keys],
    );
  // Candidate look-up and scoring, no locks, no writes: the part of linkPatient the 20 ms target is about.
  const candidatesSeen: number[] = [];
  const match = async (patient: Patient, source: string) => {
    const record: MatchRecord = { ...fromFhirPatient(patient, source), id: patient.id! };
    const keys = blockingKeys(record);
    const found = await candidatesByKey(db, keys, [record.id]);
    const verified = await verifiedNhsNumbersOf(db, [...new Set(found.map((c) => c.personId))]);
    const indexed: IndexedCandidate[] = found.map((c) => {
      const nhs = verified.get(c.personId);
      return nhs === undefined
        ? { personId: c.personId, record: c.record }
        : { personId: c.personId, record: c.record, personVerifiedNhsNumber: nhs };
    });
    decideLink(record, indexed, DEFAULT_WEIGHTS, DEFAULT_THRESHOLDS);
    candidatesSeen.push(found.length);
  };

  // Warm-up on index records (not counted): the connection, the plans, the first pages.
  for (const r of records.slice(0, 50)) {
    const keys = blockingKeys(r);
    await raw(keys);
    await rawRecords(keys);
    await candidatesByKey(db, keys, [r.id]);
  }

  say(`one record against the index: ${formatInt(incoming.length)} held-out records, each series in turn`);
  const rawLatency = await timeSeries(incoming, async (c) => {
    await raw(keysOf.get(c.record.id)!);
  });
  const rawRows: number[] = [];
  const rawRecordsLatency = await timeSeries(incoming, async (c) => {
    rawRows.push((await rawRecords(keysOf.get(c.record.id)!)).length);
  });
  trace.start();
  const matchLatency = await timeSeries(incoming, (c) => match(c.patient, c.record.source));
  const matchStatements = trace.stop();
  const outcomes = { MATCH: 0, POSSIBLE_MATCH: 0, NO_MATCH: 0 };
  const progress = new Progress('records linked', incoming.length);
  let done = 0;
  trace.start();
  const linkLatency = await timeSeries(incoming, async (c) => {
    const linked = await store.transaction((tx) => identity.linkPatient(tx, c.patient, c.record.source));
    outcomes[linked.outcome]++;
    progress.update(++done);
  });
  const linkStatements = trace.stop();
  progress.finish();

  // The feed's own transaction, as the HL7 feed runs it: its sender named, the Patient written, the store's hook
  // linking it (linkWritten → linkPatient) before commit. Beside it, the same write with no index: the link-set
  // Patients written through the store without the hook.
  const feedOutcomes = { linked: 0 };
  trace.start();
  const feedLatency = await timeSeries(incomingFeed, async (c) => {
    await feedStore.transaction(async (tx) => {
      tx.source = c.record.source;
      await tx.update(c.patient);
    });
  });
  const feedStatements = trace.stop();
  const writeLatency = await timeSeries(incoming, async (c) => {
    await store.transaction(async (tx) => {
      await tx.update(c.patient);
    });
  });
  const linkedByHook = await engine.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM mpi_record WHERE patient_id = ANY($1)',
    [incomingFeed.map((c) => c.record.id)],
  );
  feedOutcomes.linked = linkedByHook[0]?.n ?? 0;

  const counts = [...candidatesSeen].sort((a, b) => a - b);
  const size = `${formatInt(fill.records)} records`;
  const group = 'Master patient index';
  say(
    `  raw key look-up ${ms3(rawLatency)}; with the records ${ms3(rawRecordsLatency)}; match ${ms3(matchLatency)}; ` +
      `linkPatient ${ms3(linkLatency)}`,
  );
  const figures: Figure[] = [
    {
      key: 'mpi.link',
      group,
      label: 'one incoming record: linkPatient in a store transaction (begin to commit)',
      unit: 'ms',
      value: linkLatency.p95,
      text: `${ms3(linkLatency)} (${size}; ${outcomes.MATCH} MATCH, ${outcomes.POSSIBLE_MATCH} POSSIBLE_MATCH, ${outcomes.NO_MATCH} NO_MATCH)`,
      reference: {
        label: 'SELECT patient_id FROM mpi_block WHERE key = ANY($1)',
        value: rawLatency.p95,
        text: ms3(rawLatency),
      },
      target: { value: LINK_TARGET_MS, better: 'lower' },
      chart: true,
    },
    {
      key: 'mpi.feed',
      group,
      label: "one incoming record: a feed's transaction (Patient written, linked by the store's hook, commit)",
      unit: 'ms',
      value: feedLatency.p95,
      text: `${ms3(feedLatency)} (${formatInt(feedOutcomes.linked)} of ${formatInt(incomingFeed.length)} in the index after)`,
      reference: {
        label: 'the same Patient write and commit without the index',
        value: writeLatency.p95,
        text: ms3(writeLatency),
      },
      target: { value: LINK_TARGET_MS, better: 'lower' },
      chart: true,
      ...(feedOutcomes.linked !== incomingFeed.length
        ? { error: `${incomingFeed.length - feedOutcomes.linked} Patients written were not linked` }
        : {}),
    },
    {
      key: 'mpi.match',
      group,
      label: 'one incoming record: candidates (candidatesByKey, verified NHS numbers) and decideLink, no writes',
      unit: 'ms',
      value: matchLatency.p95,
      text: `${ms3(matchLatency)} (candidates p50 ${quantile(counts, 0.5)} · p95 ${quantile(counts, 0.95)} · max ${counts[counts.length - 1] ?? 0})`,
      reference: {
        label: 'the same key look-up joined to mpi_record, record::text',
        value: rawRecordsLatency.p95,
        text: ms3(rawRecordsLatency),
      },
      chart: true,
    },
    {
      key: 'mpi.dedup',
      group,
      label: 'deduplicate the index records in memory (prepare, keys, score candidate pairs, join people)',
      unit: 'rows/s',
      value: fill.records / dedupSeconds,
      text: `${formatInt(fill.records / dedupSeconds)} records/s (${size} in ${dedupSeconds.toFixed(1)} s; ${formatInt(dedup.candidatePairs)} pairs scored)`,
      target: { value: DEDUP_TARGET_PER_SECOND, better: 'higher' },
      chart: true,
    },
    {
      key: 'mpi.fill',
      group,
      label: `fill mpi_record and mpi_block (${engine.copyMethod}, indexes in place)`,
      unit: 'rows/s',
      value: fill.records / fill.seconds,
      text: `${formatInt(fill.records / fill.seconds)} records/s (${size} and ${formatInt(fill.keys)} keys in ${fill.seconds.toFixed(1)} s)`,
    },
  ];
  result.figures.push(...figures);
  const top = (stats: ReturnType<SqlTrace['stop']>, n: number) =>
    stats
      .slice(0, n)
      .map((s) => `${(s.totalMs / Math.max(1, s.calls)).toFixed(2)} ms mean: ${oneLine(s.sql, 90)}`)
      .join(' | ');
  result.notes.push(
    `master patient index: ${formatInt(population.people)} synthetic people, ${size} in the index (${formatInt(dedupPeople)} people ` +
      `found by deduplicate), ${formatInt(incoming.length)} held-out records; the raw look-up returned ${quantile(
        [...rawRows].sort((a, b) => a - b),
        0.5,
      )} rows at the median`,
    `master patient index, match: ${top(matchStatements, 2)}`,
    `master patient index, linkPatient: ${linkStatements.length} statements; most time in ${top(linkStatements, 3)}`,
    `master patient index, feed transaction: ${feedStatements.length} statements; most time in ${top(feedStatements, 3)}`,
  );
}
