import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isOperationOutcomeError, type Resource } from '@joinedup/fhir';
import { buildSyntheticRegion, createFeedWriter, generatePopulation } from '@joinedup/synth';
import { fixedClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';
import { createFhirModel } from '../fhir-model.ts';
import { createIndexer } from '../search/index.ts';
import { writeBulk } from './bulk-write.ts';
import { fhirStoreMigrations, SCOPES, tablesOf } from './store.migrations.ts';
import { FhirStore, type PatientWrite } from './store.ts';

// The same resources written by the store's own update-as-create (`upsertMany`) on one database and by
// `writeBulk` on another must leave identical rows in every table.
const model = createFhirModel(createIndexer);
const opened: { db: Db; drop: () => Promise<void> }[] = [];
const noted: PatientWrite[][] = [[], []];
let reference: FhirStore;
let bulk: FhirStore;
let region: Resource[] = [];

before(async () => {
  while (opened.length < 2) {
    const o = await openTestDatabase();
    await migrate(o.db, fhirStoreMigrations);
    opened.push(o);
  }
  const clock = fixedClock(new Date('2026-07-01T09:00:00.000Z'));
  const options = (i: number) => ({
    clock,
    onPatientsWritten: (_tx: unknown, written: readonly PatientWrite[]) => {
      noted[i]!.push(...written);
      return Promise.resolve();
    },
  });
  reference = new FhirStore(opened[0]!.db, model, options(0));
  bulk = new FhirStore(opened[1]!.db, model, options(1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-bulk-write-'));
  try {
    const synth = { patients: 6, seed: 'bulk-write-test', asOf: '2026-06-30' };
    const built = buildSyntheticRegion(synth);
    const writer = createFeedWriter(dir, ['bulk'], synth.seed);
    for (const person of generatePopulation(built, synth)) writer.writePerson(person, built);
    writer.close();
    for (const f of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
      if (!f.endsWith('.ndjson')) continue;
      for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        if (line) region.push(JSON.parse(line) as Resource);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Shared resources, and compartment members that name no patient.
  region.push(
    { resourceType: 'Organization', id: 'org-1', name: 'Practice One' },
    { resourceType: 'Practitioner', id: 'prac-1', name: [{ family: 'Adeyemi' }] },
    { resourceType: 'Observation', id: 'no-subject', status: 'final', code: { text: 'x' } },
    { resourceType: 'Group', id: 'group-1', type: 'person', actual: true },
  );
  // Each id once: a region's sources may send the same resource.
  const seen = new Set<string>();
  region = region.filter((r) => {
    const key = `${r.resourceType}/${r.id}`;
    return !seen.has(key) && (seen.add(key), true);
  });
});
after(async () => {
  for (const o of opened) await o.drop();
});

async function dump(db: Db): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const tables = ['resource_key', ...SCOPES.flatMap((s) => Object.values(tablesOf(s)))];
  for (const table of tables) {
    const rows = await db.query(`SELECT * FROM ${table}`);
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

async function writeBoth(resources: Resource[], source?: string) {
  const clone = () => resources.map((r) => structuredClone(r));
  const a = await reference.transaction((tx) => {
    if (source) tx.recordSource(source);
    return tx.upsertMany(clone());
  });
  const b = await bulk.transaction((tx) => writeBulk(tx, clone(), source ? { source } : {}));
  assert.deepEqual(b, a);
}

test('writeBulk leaves the same rows as the store: versions, history, index rows, patient_key, key moves, meta.source', async () => {
  assert.ok(region.length > 200, `only ${region.length} resources`);
  assert.ok(region.some((r) => r.resourceType === 'Patient'));
  await writeBoth(region);
  assert.deepEqual(await dump(opened[1]!.db), await dump(opened[0]!.db));

  // Again, from a named source: every resource gets version 2; some change patient, and deleted ones come back.
  const observation = region.find((r) => r.resourceType === 'Observation' && r.id !== 'no-subject')!;
  const patients = region.filter((r) => r.resourceType === 'Patient');
  const moved = { ...observation, subject: { reference: `Patient/${patients.at(-1)!.id}` } } as Resource;
  const named = { ...region.find((r) => r.id === 'no-subject')!, subject: { reference: `Patient/${patients[0]!.id}` } };
  for (const store of [reference, bulk]) {
    await store.transaction(async (tx) => {
      await tx.delete('Patient', patients[1]!.id!);
      await tx.delete('Organization', 'org-1');
    });
  }
  const second = region.map((r) => (r.id === observation.id ? moved : r.id === 'no-subject' ? named : r)) as Resource[];
  await writeBoth(second, 'RXX');
  const tables = await dump(opened[1]!.db);
  assert.deepEqual(tables, await dump(opened[0]!.db));
  const inPatientScope = region.filter((r) => model.scopeOf(r.resourceType) === 'patient').length;
  assert.equal(tables.patient_resource_history!.length, 2 * inPatientScope + 1);
  assert.equal(JSON.parse((await bulk.read('Patient', patients[0]!.id!)).content!).meta.source, 'RXX');

  // The hook saw each Patient as the store would have given it.
  const byId = (list: PatientWrite[]) => [...list].sort((x, y) => x.id.localeCompare(y.id));
  assert.equal(noted[1]!.filter((w) => w.patient !== null).length, 2 * patients.length);
  assert.deepEqual(byId(noted[1]!), byId(noted[0]!));
});

test('writeBulk refuses the same resource twice in one call', async () => {
  const p = { resourceType: 'Patient', id: 'twice' } as Resource;
  await assert.rejects(
    bulk.transaction((tx) => writeBulk(tx, [p, { ...p }])),
    (e: unknown) => isOperationOutcomeError(e) && e.status === 409,
  );
  await assert.rejects(bulk.read('Patient', 'twice'), /not known/);
});

test('a transaction that checks references (a client API write) has them checked as the store does', async () => {
  const dangling = {
    resourceType: 'Observation',
    id: 'dangling',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/nobody-here' },
  } as Resource;
  await assert.rejects(
    bulk.transaction((tx) => {
      tx.checkReferences = true;
      return writeBulk(tx, [dangling]);
    }),
    (e: unknown) => isOperationOutcomeError(e) && e.status === 422,
  );
  await bulk.transaction((tx) => writeBulk(tx, [dangling]));
  assert.equal((await bulk.read('Observation', 'dangling')).patientKey, 'nobody-here');
});
