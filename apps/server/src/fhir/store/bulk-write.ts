import { conflict } from '@joinedup/fhir';
import type { Patient, Resource } from '@joinedup/fhir';
import type { Queryable } from '../../platform/db.ts';
import { INDEX_COLUMNS, type IndexRows, type IndexTable } from './index-rows.ts';
import { tablesOf, type Scope } from './store.migrations.ts';
import {
  deleteCurrentRows,
  HISTORY_COLUMNS,
  patientKeyOf,
  type HistoryMethod,
  type StoreModel,
  type StoredVersion,
  type StoreTransaction,
} from './store.ts';

const RESOURCE_COLUMNS = 'patient_key, resource_type, id, version_id, last_updated, deleted, content';

export interface BulkWriteOptions {
  /** Recorded in each history row; PUT, as an update-as-create. */
  method?: HistoryMethod;
  /**
   * The sending organisation: stamped as `meta.source` on every resource, as `StoreTransaction.recordSource`
   * does (and recorded on the transaction, for the master patient index).
   */
  source?: string;
}

interface BulkRow {
  version: StoredVersion;
  stored: Resource;
  index: IndexRows;
  /** Where the current version lives now; null when the resource is new. */
  previousKey: string | null;
}

/**
 * Update-as-create of many resources by their ids, for bulk loads: what `StoreTransaction.upsertMany` does,
 * with the database's work cut to what a load needs. Each resource's index rows and `patient_key` (ADR 2) are
 * worked out first, so a resource that does not exist yet claims its `resource_key` row under its final key
 * and nothing is deleted or moved for it; only resources that already exist are locked and have their current
 * row and index rows replaced. The versions, history rows and index rows are the same as the store's own
 * writes. Statements: one key claim, then for what already existed one lock and one read of the versions, then
 * per scope one delete (when anything existed) and one write, whatever the number. Each resource must have a
 * valid id, each at most once. Patients are noted for the store's `onPatientsWritten` hook.
 */
export async function writeBulk(
  tx: StoreTransaction,
  resources: readonly Resource[],
  options: BulkWriteOptions = {},
): Promise<{ version: StoredVersion; created: boolean }[]> {
  if (resources.length === 0) return [];
  const seen = new Set<string>();
  for (const r of resources) {
    const key = `${r.resourceType}/${r.id}`;
    if (seen.has(key))
      throw conflict(`${key} is written twice in one transaction`, { code: 'bundle.duplicate-target' });
    seen.add(key);
  }
  const method = options.method ?? 'PUT';
  if (options.source !== undefined) tx.recordSource(options.source);
  const source = options.source;
  // References are checked for a client's API writes only (a load may send one before what it names): such a
  // transaction takes the store's own path, which notes them.
  if (tx.checkReferences) return tx.upsertMany(resources, method);
  await tx.flush();
  const q = tx.q;
  const model = tx.store.model;
  const now = tx.now();
  // No search parameter reads meta.versionId, so the index is extracted before the version is known.
  const rows = resources.map((r) => stage(model, tx.store.label, r, now, method, source));
  const claimed = await claimKeys(q, rows);
  const others = rows.filter((w) => !claimed.has(keyOf(w)));
  const locked = others.length > 0 ? await lockKeys(q, others) : new Map<string, string>();
  const current = await readVersions(q, model, locked);

  const results = new Array<{ version: StoredVersion; created: boolean }>(resources.length);
  const raced: number[] = [];
  const byScope = new Map<Scope, BulkRow[]>();
  const moved: BulkRow[] = [];
  const patients: { id: string; patient: Patient }[] = [];
  rows.forEach((w, i) => {
    const key = keyOf(w);
    let created = true;
    if (!claimed.has(key)) {
      const existing = current.get(key);
      // A key without a current row: left to the store's own update below, as upsertMany does.
      if (!existing) return raced.push(i);
      w.previousKey = locked.get(key)!;
      w.version.versionId = existing.version_id + 1;
      (w.stored.meta as { versionId: string }).versionId = String(w.version.versionId);
      created = existing.deleted;
      if (w.previousKey !== w.version.patientKey) moved.push(w);
    }
    w.version.content = JSON.stringify(w.stored);
    const scope = model.scopeOf(w.version.resourceType);
    let list = byScope.get(scope);
    if (!list) byScope.set(scope, (list = []));
    list.push(w);
    if (w.version.resourceType === 'Patient') patients.push({ id: w.version.id, patient: w.stored as Patient });
    results[i] = { version: w.version, created };
    return undefined;
  });
  if (moved.length > 0) {
    await q.query(
      `UPDATE resource_key k SET patient_key = u.patient_key
         FROM unnest($1::text[], $2::text[], $3::text[]) AS u(resource_type, id, patient_key)
        WHERE k.resource_type = u.resource_type AND k.id = u.id`,
      [
        moved.map((w) => w.version.resourceType),
        moved.map((w) => w.version.id),
        moved.map((w) => w.version.patientKey),
      ],
    );
  }
  for (const [scope, list] of byScope) {
    // The replaced versions' current rows and index rows, under the key they were stored with.
    await deleteCurrentRows(
      q,
      scope,
      list
        .filter((w) => w.previousKey !== null)
        .map((w) => ({ patientKey: w.previousKey!, resourceType: w.version.resourceType, id: w.version.id })),
    );
    await insertVersions(q, scope, list, now, method);
  }
  tx.notePatientsWritten(patients);
  for (const i of raced) results[i] = await tx.update(resources[i]!, { method });
  return results;
}

const keyOf = (w: BulkRow) => `${w.version.resourceType}/${w.version.id}`;

// Claims, in key order (two writers claiming overlapping sets then wait on each other in one order), the keys
// of resources that do not exist yet, under their final patient_key.
async function claimKeys(q: Queryable, rows: readonly BulkRow[]): Promise<Set<string>> {
  const claimed = await q.query<{ resource_type: string; id: string }>(
    `INSERT INTO resource_key (resource_type, id, patient_key)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS w(resource_type, id, patient_key)
      ORDER BY resource_type, id
     ON CONFLICT DO NOTHING RETURNING resource_type, id`,
    [rows.map((w) => w.version.resourceType), rows.map((w) => w.version.id), rows.map((w) => w.version.patientKey)],
  );
  return new Set(claimed.map((r) => `${r.resource_type}/${r.id}`));
}

/** Locks the keys in a fixed order (as the store does) so that two writers cannot deadlock. */
async function lockKeys(q: Queryable, writes: readonly BulkRow[]): Promise<Map<string, string>> {
  const rows = await q.query<{ resource_type: string; id: string; patient_key: string }>(
    `SELECT k.resource_type, k.id, k.patient_key
       FROM resource_key k JOIN unnest($1::text[], $2::text[]) AS w(resource_type, id) USING (resource_type, id)
      ORDER BY k.resource_type, k.id
        FOR UPDATE OF k`,
    [writes.map((w) => w.version.resourceType), writes.map((w) => w.version.id)],
  );
  return new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, r.patient_key]));
}

// Read once the locks are held: under READ COMMITTED this sees what the previous lock holder committed.
async function readVersions(q: Queryable, model: StoreModel, locked: Map<string, string>) {
  const found = new Map<string, { version_id: number; deleted: boolean }>();
  for (const scope of ['patient', 'shared'] as const) {
    const mine = [...locked].filter(([key]) => model.scopeOf(key.slice(0, key.indexOf('/'))) === scope);
    if (mine.length === 0) continue;
    const rows = await q.query<{ resource_type: string; id: string; version_id: number; deleted: boolean }>(
      `SELECT r.resource_type, r.id, r.version_id, r.deleted
         FROM ${tablesOf(scope).resource} r
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS w(patient_key, resource_type, id)
           USING (patient_key, resource_type, id)`,
      [
        mine.map(([, patientKey]) => patientKey),
        mine.map(([key]) => key.slice(0, key.indexOf('/'))),
        mine.map(([key]) => key.slice(key.indexOf('/') + 1)),
      ],
    );
    for (const r of rows) found.set(`${r.resource_type}/${r.id}`, r);
  }
  return found;
}

function stage(
  model: StoreModel,
  label: (resource: Resource) => Resource,
  resource: Resource,
  lastUpdated: string,
  method: HistoryMethod,
  source: string | undefined,
): BulkRow {
  const { resourceType, id, meta, ...rest } = resource as Resource & Record<string, unknown>;
  const stored = label({
    resourceType,
    id,
    meta: { ...(meta ?? {}), versionId: '1', lastUpdated, ...(source !== undefined ? { source } : {}) },
    ...rest,
  } as Resource);
  const index = model.index(stored);
  return {
    version: {
      resourceType,
      id: id!,
      versionId: 1,
      lastUpdated,
      deleted: false,
      patientKey: patientKeyOf(model, stored, index),
      content: null,
      method,
    },
    stored,
    index,
    previousKey: null,
  };
}

// One statement per scope, as the store's flush, in formats PostgreSQL reads cheaply: the key columns as arrays,
// the JSON texts as one text of lines (JSON.stringify never writes a raw newline), zipped by ROWS FROM and
// written to the current and the history table; per index table one flat JSON document of rows, each naming
// its resource by ordinal.
async function insertVersions(
  q: Queryable,
  scope: Scope,
  rows: readonly BulkRow[],
  lastUpdated: string,
  method: string,
) {
  const t = tablesOf(scope);
  const params: unknown[] = [
    rows.map((w) => w.version.patientKey),
    rows.map((w) => w.version.resourceType),
    rows.map((w) => w.version.id),
    rows.map((w) => w.version.versionId),
    rows.map((w) => w.version.content).join('\n'),
    lastUpdated,
    method,
  ];
  const ctes = [
    `v AS MATERIALIZED (SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]),
       unnest($4::int[]), string_to_table($5::text, E'\\n')) WITH ORDINALITY AS v(patient_key, resource_type, id, version_id, content, n))`,
    `h AS (INSERT INTO ${t.history} (${HISTORY_COLUMNS})
       SELECT patient_key, resource_type, id, version_id, $6::timestamptz, false, $7::text, content FROM v)`,
    `c AS (INSERT INTO ${t.resource} (${RESOURCE_COLUMNS})
       SELECT patient_key, resource_type, id, version_id, $6::timestamptz, false, content FROM v)`,
  ];
  for (const table of Object.keys(INDEX_COLUMNS) as IndexTable[]) {
    const parts: string[] = [];
    rows.forEach((w, i) => {
      for (const row of w.index[table]) parts.push(`{"n":${i + 1},${JSON.stringify(row).slice(1)}`);
    });
    if (parts.length === 0) continue;
    params.push(`[${parts.join(',')}]`);
    const columns = INDEX_COLUMNS[table];
    const names = ['patient_key', 'resource_type', 'id', ...columns.map(([, column]) => column)];
    const fields = columns.map(([field]) => `x."${String(field)}"`);
    const record = columns.map(([field, , type]) => `"${String(field)}" ${type}`);
    ctes.push(
      `i_${table} AS (INSERT INTO ${t[table]} (${names.join(', ')})
         SELECT v.patient_key, v.resource_type, v.id, ${fields.join(', ')}
           FROM json_to_recordset($${params.length}::json) AS x(n bigint, ${record.join(', ')}) JOIN v USING (n))`,
    );
  }
  await q.query(`WITH ${ctes.join(',\n')}\nSELECT 1`, params);
}
