import type { FhirStore, StoreTransaction } from '../apps/server/src/fhir/store/store.ts';
import type { BenchEngine } from './engines.ts';
import { generatePatient, LARGE_RECORD, LARGE_RECORD_INDEX, type Generated, type PatientFacts } from './population.ts';
import { Progress } from '@joinedup/terminal';
import { REF_COLUMNS } from './reference-tables.ts';

type Resource = Parameters<StoreTransaction['create']>[0];

/** Resources per store transaction: the bulk path buffers creates and writes them in a few statements. */
const BATCH_RESOURCES = 500;
/** Patients generated, stored and copied per round, which bounds the memory held at once. */
const ROUND_PATIENTS = 2_000;

export interface LoadTotals {
  resources: number;
  storeSeconds: number;
  refRows: number;
  refSeconds: number;
}

/** Counts of (family, birthDate) pairs over the whole population: what Patient?family=F&birthdate=D finds. */
export type FamilyBirthCounts = Map<string, number>;

/**
 * Generates patients [from, to) and writes them through FhirStore transactions of about 500 resources, then
 * COPYs the same resources into bench_ref. The two are timed apart.
 */
export async function loadPopulation(
  engine: BenchEngine,
  store: FhirStore,
  from: number,
  to: number,
  familyBirth: FamilyBirthCounts,
  totals: LoadTotals,
): Promise<void> {
  const inFlight = engine.name === 'postgres' ? 2 : 1;
  const progress = new Progress('patients', to - from);
  for (let start = from; start < to; start += ROUND_PATIENTS) {
    const end = Math.min(to, start + ROUND_PATIENTS);
    const generated: Generated[] = [];
    const batches: { items: Generated[]; patients: number }[] = [];
    let batch: Generated[] = [];
    let batchPatients = 0;
    for (let i = start; i < end; i++) {
      const { facts, items } = generatePatient(i);
      countFamilyBirth(familyBirth, facts);
      generated.push(...items);
      batch.push(...items);
      batchPatients++;
      if (batch.length >= BATCH_RESOURCES) {
        batches.push({ items: batch, patients: batchPatients });
        batch = [];
        batchPatients = 0;
      }
    }
    if (batch.length) batches.push({ items: batch, patients: batchPatients });
    let done = start - from;
    const t0 = performance.now();
    await runPool(batches, inFlight, async (b) => {
      await storeBatch(store, b.items);
      done += b.patients;
      progress.update(done);
    });
    totals.storeSeconds += (performance.now() - t0) / 1000;
    totals.resources += generated.length;
    await copyReference(engine, generated, totals);
  }
  progress.finish();
}

/** Stores the patient of the $everything figure, about 1,000 resources; returns its facts. */
export async function loadLargeRecord(
  engine: BenchEngine,
  store: FhirStore,
  familyBirth: FamilyBirthCounts,
  totals: LoadTotals,
): Promise<PatientFacts> {
  const { facts, items } = generatePatient(LARGE_RECORD_INDEX, LARGE_RECORD);
  countFamilyBirth(familyBirth, facts);
  for (let at = 0; at < items.length; at += BATCH_RESOURCES)
    await storeBatch(store, items.slice(at, at + BATCH_RESOURCES));
  await copyReference(engine, items, totals);
  return facts;
}

function countFamilyBirth(counts: FamilyBirthCounts, facts: PatientFacts) {
  const key = `${facts.family}|${facts.birthDate}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

async function storeBatch(store: FhirStore, items: readonly Generated[]) {
  await store.transaction(async (tx) => {
    for (const g of items) tx.create(g.resource as unknown as Resource, { id: g.resource.id });
    await Promise.resolve();
  });
}

async function copyReference(engine: BenchEngine, items: readonly Generated[], totals: LoadTotals) {
  const t0 = performance.now();
  await engine.copyRows(
    'bench_ref',
    REF_COLUMNS,
    items.map((g) => [
      g.resource.id,
      g.resource.resourceType,
      g.ref.patient,
      g.ref.k1,
      g.ref.k2,
      g.ref.d,
      JSON.stringify(g.resource),
    ]),
  );
  totals.refSeconds += (performance.now() - t0) / 1000;
  totals.refRows += items.length;
}

/** Runs task over items with at most `limit` at once; the first failure ends the run. */
export async function runPool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
