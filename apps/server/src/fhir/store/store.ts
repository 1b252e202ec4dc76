import { randomUUID } from 'node:crypto';
import { conflict, gone, isValidId, notFound, preconditionFailed, unprocessable } from '@joinedup/fhir';
import type { Patient, Resource } from '@joinedup/fhir';
import { binderFor, filterSql, type RowFilter } from './row-filter.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { INDEX_COLUMNS, type IndexRows, type IndexTable } from './index-rows.ts';
import { tablesOf, type Scope } from './store.migrations.ts';

/** One version of a resource as stored: `content` is the exact JSON text that was written. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  patientKey: string;
  /** JSON text; null for a deletion. */
  content: string | null;
  method?: HistoryMethod;
}

export type HistoryMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the store needs to know about the FHIR model; supplied by fhir/definitions and fhir/search. */
export interface StoreModel {
  scopeOf: (resourceType: string) => Scope;
  /** Parameters placing a resource in the patient compartment, in order of preference. */
  compartmentParams: (resourceType: string) => readonly string[];
  /** Extracts the search index values of a resource. */
  index: (resource: Resource) => IndexRows;
  /** The stored reference parameters that may point at a resource of this type, by referring type. */
  referencingParams: (targetType: string) => readonly { resourceType: string; param: string }[];
}

export interface WriteOptions {
  /** Version the client expects to replace (If-Match); a mismatch is 412. */
  ifMatch?: number;
  method?: HistoryMethod;
}

/** A Patient written in a transaction: its new content, or null when it was deleted. */
export interface PatientWrite {
  id: string;
  patient: Patient | null;
}

export interface StoreOptions {
  clock: Clock;
  newId?: () => string;
  /**
   * Called inside every transaction that wrote a Patient, after its writes and before it commits, with each
   * Patient once (its last state in the transaction). The master patient index links them here, so that every
   * path that writes a Patient (API, bundles, feeds, imports, the demo) keeps the index in step without the
   * store knowing of it. What the hook writes commits with the rest; an error in it rolls everything back.
   */
  onPatientsWritten?: (tx: StoreTransaction, written: readonly PatientWrite[]) => Promise<void>;
  /**
   * The transaction this store's transactions run inside (a bundle's entries, each through the API on the
   * bundle's own transaction): what they write is checked and linked once, by that transaction, at its end.
   */
  within?: StoreTransaction;
  /**
   * Labels what is written, on every path, before it is indexed: returns the resource with the security labels it
   * should carry (`meta.security`), decided outside the engine (ADR 12: the legally restricted categories).
   */
  label?: (resource: Resource) => Resource;
}

/** A resource locked by `StoreTransaction.lockMany`: where it is stored, its version, its content unless deleted. */
export interface LockedVersion {
  patientKey: string;
  /** 0 when its key exists without a stored version. */
  versionId: number;
  resource: Resource | undefined;
}

interface PendingWrite {
  version: StoredVersion;
  index: IndexRows | null;
  previousKey: string | null;
  isNew: boolean;
}

/** The transactional FHIR resource store: versions, history, and the search index rows, in PostgreSQL. */
export class FhirStore {
  readonly db: Db;
  readonly model: StoreModel;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #onPatientsWritten: StoreOptions['onPatientsWritten'];
  readonly #within: StoreTransaction | undefined;
  /** The labelling every write goes through (StoreOptions.label); the identity when there is none. */
  readonly label: (resource: Resource) => Resource;

  constructor(db: Db, model: StoreModel, options: StoreOptions) {
    this.db = db;
    this.model = model;
    this.#clock = options.clock;
    this.#newId = options.newId ?? randomUUID;
    this.#onPatientsWritten = options.onPatientsWritten;
    this.#within = options.within;
    this.label = options.label ?? ((resource) => resource);
  }

  /** Runs fn in one database transaction: every write in it lands together or not at all. */
  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (q) => {
      const tx = new StoreTransaction(this, q, this.#clock, this.#newId);
      const result = await fn(tx);
      await tx.flush();
      if (this.#within) {
        tx.handOver(this.#within);
        return result;
      }
      await tx.verifyReferences();
      const written = tx.takePatientsWritten();
      if (written.length > 0 && this.#onPatientsWritten) {
        await this.#onPatientsWritten(tx, written);
        await tx.flush();
      }
      return result;
    });
  }

  /**
   * The current version; 404 when it never existed, 410 when deleted. With a filter, what it does not let the
   * caller see is not known either (404, whether it exists or was deleted).
   */
  read(resourceType: string, id: string, filter?: RowFilter): Promise<StoredVersion> {
    return readCurrent(this.db, this.model.scopeOf(resourceType), resourceType, id, filter);
  }

  /** One version; 404 when that version does not exist (or the filter hides it), 410 when it is a deletion. */
  async vread(resourceType: string, id: string, versionId: string, filter?: RowFilter): Promise<StoredVersion> {
    if (!isValidId(id)) throw notFound(`${resourceType}/${id} is not known`);
    if (!/^[1-9]\d{0,8}$/.test(versionId)) throw notFound(`Version ${versionId} of ${resourceType}/${id} is not known`);
    const scope = this.model.scopeOf(resourceType);
    const t = tablesOf(scope);
    const values: unknown[] = [resourceType, id, Number(versionId)];
    const visible = filterSql(filter, { alias: 'v', scope, types: [resourceType], history: true }, binderFor(values));
    const rows = await this.db.query<VersionRow>(
      `SELECT ${HISTORY_COLUMNS} FROM ${t.history} v WHERE resource_type = $1 AND id = $2 AND version_id = $3 AND ${visible}`,
      values,
    );
    const row = rows[0];
    if (!row) throw notFound(`Version ${versionId} of ${resourceType}/${id} is not known`);
    const v = fromHistoryRow(row);
    if (v.deleted) throw gone(`Version ${versionId} of ${resourceType}/${id} is a deletion`);
    return v;
  }
}

/** A version row as the resource and history tables return it. */
export type VersionRow = {
  patient_key: string;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string;
  deleted: boolean;
  content: string | null;
  method?: string;
};
export const HISTORY_COLUMNS = 'patient_key, resource_type, id, version_id, last_updated, deleted, method, content';
const RESOURCE_COLUMNS = 'patient_key, resource_type, id, version_id, last_updated, deleted, content';

export function fromHistoryRow(row: VersionRow): StoredVersion {
  return {
    patientKey: row.patient_key,
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: toInstant(row.last_updated),
    deleted: row.deleted,
    content: row.content,
    ...(row.method ? { method: row.method as HistoryMethod } : {}),
  };
}

/** PostgreSQL's `2026-01-02 03:04:05.678+00` as a FHIR instant `2026-01-02T03:04:05.678Z`. */
export function toInstant(pg: string): string {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(?:\+00(?::00)?|Z)$/.exec(pg);
  if (!m) return new Date(pg).toISOString();
  const ms = (m[3] ?? '.000').padEnd(4, '0').slice(0, 4);
  return `${m[1]}T${m[2]}${ms}Z`;
}

async function readCurrent(
  q: Queryable,
  scope: Scope,
  resourceType: string,
  id: string,
  filter?: RowFilter,
): Promise<StoredVersion> {
  if (!isValidId(id)) throw notFound(`${resourceType}/${id} is not known`);
  const t = tablesOf(scope);
  const values: unknown[] = [resourceType, id];
  // A Patient is stored under its own id (patientKeyOf): the filter may decide about that patient once, here, and
  // the request's later statements on their record reuse what it learnt.
  const own = scope === 'patient' && resourceType === 'Patient' && filter?.prepare !== undefined;
  if (own) await filter.prepare!(q, id);
  const filtered = { alias: 'r', scope, types: [resourceType], history: false, ...(own ? { patientKey: id } : {}) };
  const rows = await q.query<VersionRow>(
    `SELECT r.patient_key, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
       FROM resource_key k JOIN ${t.resource} r
         ON r.patient_key = k.patient_key AND r.resource_type = k.resource_type AND r.id = k.id
      WHERE k.resource_type = $1 AND k.id = $2 AND ${filterSql(filter, filtered, binderFor(values))}`,
    values,
  );
  const row = rows[0];
  if (!row) throw notFound(`${resourceType}/${id} is not known`);
  const v = fromHistoryRow(row);
  if (v.deleted) throw gone(`${resourceType}/${id} has been deleted`, { code: 'resource.deleted' });
  return v;
}

/** The writes of one transaction. Creates are buffered and written in bulk at flush time. */
export class StoreTransaction {
  readonly q: Queryable;
  readonly store: FhirStore;
  readonly #clock: Clock;
  readonly #newId: () => string;
  #pending: PendingWrite[] = [];
  #pendingKeys = new Set<string>();
  #now: string | undefined;
  #patientsWritten = new Map<string, Patient | null>();
  /**
   * The organisation whose data this transaction writes (an ODS code or a feed's sending facility), when the
   * writer knows it: the master patient index records each Patient against its source.
   */
  source: string | undefined;
  #stampSource = false;
  /**
   * Referential integrity, for writes a client makes through the API (feeds and imports may send a reference
   * before what it names): a reference to a resource that does not exist is refused (422), and so is deleting a
   * resource that a current resource refers to (409). Checked once, after every write of the transaction.
   */
  checkReferences = false;
  #referenced = new Map<string, { from: string; param: string }>();
  #deleted = new Set<string>();

  constructor(store: FhirStore, q: Queryable, clock: Clock, newId: () => string) {
    this.store = store;
    this.q = q;
    this.#clock = clock;
    this.#newId = newId;
  }

  /** One time for every write of the transaction, so that a bundle's resources share meta.lastUpdated. */
  now(): string {
    this.#now ??= this.#clock.now().toISOString();
    return this.#now;
  }

  newId(): string {
    return this.#newId();
  }

  /**
   * Names the organisation sending what this transaction writes, known from its credentials: every resource
   * written from here on carries it as `meta.source` (whatever the body said), and the master patient index
   * records its Patients against it.
   */
  recordSource(source: string): void {
    this.source = source;
    this.#stampSource = true;
  }

  /** The Patients written since the last call (for the store's `onPatientsWritten` hook). */
  takePatientsWritten(): PatientWrite[] {
    const written = [...this.#patientsWritten].map(([id, patient]) => ({ id, patient }));
    this.#patientsWritten = new Map();
    return written;
  }

  /**
   * Records Patients written other than through this transaction's own staging (a writer that loads rows
   * directly, such as a COPY-based bulk path), so that the store's `onPatientsWritten` hook sees them too.
   */
  notePatientsWritten(written: readonly PatientWrite[]): void {
    for (const w of written) this.#patientsWritten.set(w.id, w.patient);
  }

  /**
   * Whether the filter lets its caller change a resource as it now stands (write mode): before a write, whether
   * they may change it; after one, whether they may keep what they wrote. Undefined when there is none, so that
   * the caller can tell "not there" (a create) from "not yours".
   */
  async mayChange(resourceType: string, id: string, filter: RowFilter): Promise<boolean | undefined> {
    await this.flushIfPending(resourceType, id);
    const scope = this.store.model.scopeOf(resourceType);
    const values: unknown[] = [resourceType, id];
    const rows = { alias: 'r', scope, types: [resourceType], history: false, write: true };
    const found = await this.q.query<{ allowed: boolean }>(
      `SELECT ${filterSql(filter, rows, binderFor(values))} AS allowed
         FROM resource_key k JOIN ${tablesOf(scope).resource} r
           ON r.patient_key = k.patient_key AND r.resource_type = k.resource_type AND r.id = k.id
        WHERE k.resource_type = $1 AND k.id = $2`,
      values,
    );
    return found[0]?.allowed;
  }

  async read(resourceType: string, id: string): Promise<StoredVersion> {
    await this.flushIfPending(resourceType, id);
    return readCurrent(this.q, this.store.model.scopeOf(resourceType), resourceType, id);
  }

  /** Creates a resource with a new server-assigned id (any id in the body is replaced). */
  create(resource: Resource, options: { id?: string; method?: HistoryMethod } = {}): StoredVersion {
    const id = options.id ?? this.#newId();
    return this.#stage(resource, id, 1, null, true, options.method ?? 'POST');
  }

  /** Updates, or creates with the client's id when it does not exist yet (update-as-create). */
  async update(resource: Resource, options: WriteOptions = {}): Promise<{ version: StoredVersion; created: boolean }> {
    const type = resource.resourceType;
    const id = resource.id!;
    const current = await this.lock(type, id);
    if (options.ifMatch !== undefined && (!current || current.deleted || current.versionId !== options.ifMatch)) {
      throw preconditionFailed(
        current
          ? `${type}/${id} is at version ${current.versionId}, not ${options.ifMatch}`
          : `${type}/${id} does not exist, so version ${options.ifMatch} cannot be replaced`,
      );
    }
    if (!current) {
      const claimed = await this.q.query(
        'INSERT INTO resource_key (resource_type, id, patient_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id',
        [type, id, ''],
      );
      if (claimed.length === 0) {
        // Another transaction created it first; take its lock and update on top of it.
        return this.update(resource, options);
      }
      return { version: this.#stage(resource, id, 1, null, true, options.method ?? 'PUT', true), created: true };
    }
    const version = this.#stage(
      resource,
      id,
      current.versionId + 1,
      current.patientKey,
      false,
      options.method ?? 'PUT',
    );
    return { version, created: current.deleted };
  }

  /**
   * Locks many resources for the rest of the transaction and returns what is current of each (absent or
   * deleted: not in the map), in two statements whatever the number: for a writer that must read what it
   * changes (a feed merging an update into the stored resource) without a round trip per resource.
   */
  async readManyForUpdate(keys: readonly { resourceType: string; id: string }[]): Promise<Map<string, Resource>> {
    const found = new Map<string, Resource>();
    if (keys.length === 0) return found;
    if (this.#pending.length > 0) await this.flush();
    const locked = await this.#lockKeys(
      keys.map((k) => k.resourceType),
      keys.map((k) => k.id),
    );
    for (const scope of ['patient', 'shared'] as const) {
      const mine = locked.filter((r) => this.store.model.scopeOf(r.resource_type) === scope);
      if (mine.length === 0) continue;
      const rows = await this.q.query<{ resource_type: string; id: string; content: string | null }>(
        `SELECT r.resource_type, r.id, r.content
           FROM ${tablesOf(scope).resource} r
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS w(patient_key, resource_type, id)
             USING (patient_key, resource_type, id)
          WHERE NOT r.deleted`,
        [mine.map((r) => r.patient_key), mine.map((r) => r.resource_type), mine.map((r) => r.id)],
      );
      for (const r of rows) if (r.content) found.set(`${r.resource_type}/${r.id}`, JSON.parse(r.content) as Resource);
    }
    return found;
  }

  /**
   * As `readManyForUpdate`, with what `writeLocked` needs to write over each resource without locking and reading
   * it again: its patient key and version (deleted ones included, `resource` undefined). Keyed `Type/id`; a
   * resource whose key does not exist is not in the map.
   */
  async lockMany(keys: readonly { resourceType: string; id: string }[]): Promise<Map<string, LockedVersion>> {
    const found = new Map<string, LockedVersion>();
    if (keys.length === 0) return found;
    if (this.#pending.length > 0) await this.flush();
    const locked = await this.#lockKeys(
      keys.map((k) => k.resourceType),
      keys.map((k) => k.id),
    );
    for (const r of locked) {
      found.set(`${r.resource_type}/${r.id}`, { patientKey: r.patient_key, versionId: 0, resource: undefined });
    }
    for (const scope of ['patient', 'shared'] as const) {
      const mine = locked.filter((r) => this.store.model.scopeOf(r.resource_type) === scope);
      if (mine.length === 0) continue;
      const rows = await this.q.query<{
        resource_type: string;
        id: string;
        version_id: number;
        content: string | null;
      }>(
        `SELECT r.resource_type, r.id, r.version_id, r.content
           FROM ${tablesOf(scope).resource} r
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS w(patient_key, resource_type, id)
             USING (patient_key, resource_type, id)`,
        [mine.map((r) => r.patient_key), mine.map((r) => r.resource_type), mine.map((r) => r.id)],
      );
      for (const r of rows) {
        const v = found.get(`${r.resource_type}/${r.id}`)!;
        v.versionId = r.version_id;
        if (r.content) v.resource = JSON.parse(r.content) as Resource;
      }
    }
    return found;
  }

  /**
   * Stages update-as-create of resources whose keys `lockMany` locked in this transaction (`locked`: what it
   * returned), without a statement of its own: a resource in `locked` gets its next version, one not in it is
   * created with its id. A key that another transaction created after the lock fails the flush with 409
   * `resource.id-taken`. Each resource must have a valid id, each at most once.
   */
  writeLocked(
    resources: readonly Resource[],
    locked: ReadonlyMap<string, LockedVersion>,
    method: HistoryMethod = 'PUT',
  ): StoredVersion[] {
    return resources.map((r) => {
      const current = locked.get(`${r.resourceType}/${r.id}`);
      return current
        ? this.#stage(r, r.id!, current.versionId + 1, current.patientKey, false, method)
        : this.#stage(r, r.id!, 1, null, true, method);
    });
  }

  /**
   * Update-as-create of many resources by their ids, as `update` does one by one but in two statements whatever
   * the number (a feed's and the index's path). Each resource must have a valid id, each at most once. A
   * resource created by a concurrent transaction meanwhile fails the flush with 409 `resource.id-taken`.
   */
  async upsertMany(
    resources: readonly Resource[],
    method: HistoryMethod = 'PUT',
  ): Promise<{ version: StoredVersion; created: boolean }[]> {
    if (resources.length === 0) return [];
    if (this.#pending.length > 0) await this.flush();
    const types = resources.map((r) => r.resourceType);
    const ids = resources.map((r) => r.id!);
    const existing = await this.#lockKeys(types, ids);
    const keyOf = new Map(existing.map((r) => [`${r.resource_type}/${r.id}`, r.patient_key]));
    const versions = new Map<string, { version_id: number; deleted: boolean }>();
    for (const scope of ['patient', 'shared'] as const) {
      const mine = existing.filter((r) => this.store.model.scopeOf(r.resource_type) === scope);
      if (mine.length === 0) continue;
      const rows = await this.q.query<{ resource_type: string; id: string; version_id: number; deleted: boolean }>(
        `SELECT r.resource_type, r.id, r.version_id, r.deleted
           FROM ${tablesOf(scope).resource} r
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS w(patient_key, resource_type, id)
             USING (patient_key, resource_type, id)`,
        [mine.map((r) => r.patient_key), mine.map((r) => r.resource_type), mine.map((r) => r.id)],
      );
      for (const r of rows) versions.set(`${r.resource_type}/${r.id}`, r);
    }
    const results = new Array<{ version: StoredVersion; created: boolean }>(resources.length);
    const unversioned: number[] = [];
    resources.forEach((r, i) => {
      const key = `${r.resourceType}/${r.id}`;
      const current = versions.get(key);
      if (current) {
        const version = this.#stage(r, r.id!, current.version_id + 1, keyOf.get(key)!, false, method);
        results[i] = { version, created: current.deleted };
      } else if (!keyOf.has(key)) {
        // New: its key is claimed at the flush under its final patient key, so nothing is deleted or moved for
        // it. Should a concurrent transaction create it first, the flush fails with 409 `resource.id-taken`
        // (a writer that may race, as a feed, runs again and finds it).
        results[i] = { version: this.#stage(r, r.id!, 1, null, true, method), created: true };
      } else unversioned.push(i);
    });
    // A key without a stored version (claimed by an update-as-create of this transaction): one by one.
    for (const i of unversioned) results[i] = await this.update(resources[i]!, { method });
    return results;
  }

  /** Deletes; deleting what is absent or already deleted is not an error (FHIR R4 http.html#delete). */
  async delete(resourceType: string, id: string, options: WriteOptions = {}): Promise<StoredVersion | undefined> {
    const current = await this.lock(resourceType, id);
    if (options.ifMatch !== undefined && (!current || current.versionId !== options.ifMatch)) {
      throw preconditionFailed(`${resourceType}/${id} is not at version ${options.ifMatch}`);
    }
    if (!current || current.deleted) return undefined;
    const version: StoredVersion = {
      resourceType,
      id,
      versionId: current.versionId + 1,
      lastUpdated: this.now(),
      deleted: true,
      patientKey: current.patientKey,
      content: null,
      method: 'DELETE',
    };
    this.#push({ version, index: null, previousKey: current.patientKey, isNew: false });
    if (resourceType === 'Patient') this.#patientsWritten.set(id, null);
    if (this.checkReferences) this.#deleted.add(`${resourceType}/${id}`);
    return version;
  }

  /** Takes the row lock of a resource for the rest of the transaction; its current state, or undefined. */
  async lock(
    resourceType: string,
    id: string,
  ): Promise<{ patientKey: string; versionId: number; deleted: boolean } | undefined> {
    await this.flushIfPending(resourceType, id);
    const keys = await this.q.query<{ patient_key: string }>(
      'SELECT patient_key FROM resource_key WHERE resource_type = $1 AND id = $2 FOR UPDATE',
      [resourceType, id],
    );
    const key = keys[0];
    if (!key) return undefined;
    // Read the current version only once the lock is held: under READ COMMITTED this statement sees what the
    // previous lock holder committed (a join in the locking statement could return a stale version).
    const t = tablesOf(this.store.model.scopeOf(resourceType));
    const rows = await this.q.query<{ version_id: number; deleted: boolean }>(
      `SELECT version_id, deleted FROM ${t.resource} WHERE patient_key = $1 AND resource_type = $2 AND id = $3`,
      [key.patient_key, resourceType, id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { patientKey: key.patient_key, versionId: row.version_id, deleted: row.deleted };
  }

  /** Gives what this transaction must still check and link to the transaction it runs inside. */
  handOver(outer: StoreTransaction): void {
    outer.notePatientsWritten(this.takePatientsWritten());
    if (!this.checkReferences) return;
    outer.checkReferences = true;
    for (const [target, from] of this.#referenced) outer.#noteReference(target, from);
    for (const key of this.#deleted) outer.#noteDeleted(key);
    this.#referenced = new Map();
    this.#deleted = new Set();
  }

  #noteReference(target: string, from: { from: string; param: string }) {
    if (!this.#referenced.has(target)) this.#referenced.set(target, from);
  }

  #noteDeleted(key: string) {
    this.#deleted.add(key);
  }

  /**
   * Refuses the transaction when `checkReferences` is on and a written resource refers to one that does not
   * exist (or is deleted), or a deleted resource is still referred to by a current one. The Person and
   * Provenance resources that name a deleted resource do not hold it back: the master patient index unlinks a
   * deleted Patient, and a Provenance records history.
   */
  async verifyReferences(): Promise<void> {
    if (!this.checkReferences) return;
    const referenced = this.#referenced;
    const deleted = this.#deleted;
    this.#referenced = new Map();
    this.#deleted = new Set();
    if (referenced.size > 0) {
      const keys = [...referenced.keys()].map((k) => k.split('/') as [string, string]);
      const rows = await this.q.query<{ resource_type: string; id: string }>(
        `SELECT w.resource_type, w.id
           FROM unnest($1::text[], $2::text[]) AS w(resource_type, id)
           LEFT JOIN resource_key k USING (resource_type, id)
           LEFT JOIN patient_resource p ON p.patient_key = k.patient_key AND p.resource_type = k.resource_type AND p.id = k.id
           LEFT JOIN shared_resource s ON s.patient_key = k.patient_key AND s.resource_type = k.resource_type AND s.id = k.id
          WHERE coalesce(NOT p.deleted, NOT s.deleted, false) = false
          ORDER BY 1, 2 LIMIT 1`,
        [keys.map((k) => k[0]), keys.map((k) => k[1])],
      );
      const missing = rows[0];
      if (missing) {
        const target = `${missing.resource_type}/${missing.id}`;
        const from = referenced.get(target)!;
        throw unprocessable(`${from.from} refers to ${target} (${from.param}), which does not exist`, {
          code: 'reference.not-found',
        });
      }
    }
    for (const key of [...deleted].sort()) {
      const [type, id] = key.split('/') as [string, string];
      const params = this.store.model.referencingParams(type).filter((p) => !KEEP_NO_DELETE_BACK.has(p.resourceType));
      if (params.length === 0) continue;
      for (const scope of ['patient', 'shared'] as const) {
        const mine = params.filter((p) => this.store.model.scopeOf(p.resourceType) === scope);
        if (mine.length === 0) continue;
        const rows = await this.q.query<{ resource_type: string; id: string }>(
          `SELECT r.resource_type, r.id FROM ${tablesOf(scope).reference} r
             JOIN unnest($1::text[], $2::text[]) AS w(resource_type, param) USING (resource_type, param)
            WHERE r.target_id = $3 AND r.target_type = $4 LIMIT 1`,
          [mine.map((p) => p.resourceType), mine.map((p) => p.param), id, type],
        );
        const referrer = rows[0];
        if (referrer) {
          throw conflict(
            `${key} cannot be deleted: ${referrer.resource_type}/${referrer.id} refers to it (delete or change that first)`,
            { code: 'reference.in-use' },
          );
        }
      }
    }
  }

  /** Locks the keys of many resources in one statement, in a fixed order so that two writers cannot deadlock. */
  #lockKeys(types: string[], ids: string[]) {
    return this.q.query<{ resource_type: string; id: string; patient_key: string }>(
      `SELECT k.resource_type, k.id, k.patient_key
         FROM resource_key k JOIN unnest($1::text[], $2::text[]) AS w(resource_type, id) USING (resource_type, id)
        ORDER BY k.resource_type, k.id
          FOR UPDATE OF k`,
      [types, ids],
    );
  }

  #stage(
    resource: Resource,
    id: string,
    versionId: number,
    previousKey: string | null,
    isNew: boolean,
    method: HistoryMethod,
    keyClaimed = false,
  ): StoredVersion {
    const lastUpdated = this.now();
    const { resourceType, id: _ignored, meta, ...rest } = resource as Resource & Record<string, unknown>;
    void _ignored;
    const stored = this.store.label({
      resourceType,
      id,
      meta: {
        ...(meta ?? {}),
        versionId: String(versionId),
        lastUpdated,
        ...(this.#stampSource && this.source !== undefined ? { source: this.source } : {}),
      },
      ...rest,
    } as Resource);
    const index = this.store.model.index(stored);
    const patientKey = patientKeyOf(this.store.model, stored, index);
    if (this.checkReferences) {
      const self = `${resourceType}/${id}`;
      this.#deleted.delete(self);
      for (const r of index.reference) {
        if (!r.targetType || !r.targetId) continue;
        const target = `${r.targetType}/${r.targetId}`;
        if (target !== self && !this.#referenced.has(target))
          this.#referenced.set(target, { from: self, param: r.param });
      }
    }
    const version: StoredVersion = {
      resourceType,
      id,
      versionId,
      lastUpdated,
      deleted: false,
      patientKey,
      content: JSON.stringify(stored),
      method,
    };
    this.#push({ version, index, previousKey: keyClaimed ? '' : previousKey, isNew: isNew && !keyClaimed });
    if (resourceType === 'Patient') this.#patientsWritten.set(id, stored as Patient);
    return version;
  }

  #push(write: PendingWrite) {
    const key = `${write.version.resourceType}/${write.version.id}`;
    if (this.#pendingKeys.has(key)) {
      throw conflict(`${key} is written twice in one transaction`, { code: 'bundle.duplicate-target' });
    }
    this.#pending.push(write);
    this.#pendingKeys.add(key);
  }

  async flushIfPending(resourceType: string, id: string) {
    if (this.#pendingKeys.has(`${resourceType}/${id}`)) await this.flush();
  }

  /** Writes everything staged so far, in bulk: a handful of statements whatever the number of resources. */
  async flush(): Promise<void> {
    const writes = this.#pending;
    if (writes.length === 0) return;
    this.#pending = [];
    this.#pendingKeys = new Set();
    const byScope = new Map<Scope, PendingWrite[]>();
    for (const w of writes) {
      const scope = this.store.model.scopeOf(w.version.resourceType);
      let list = byScope.get(scope);
      if (!list) byScope.set(scope, (list = []));
      list.push(w);
    }
    const q = this.q;
    const newKeys = writes.filter((w) => w.isNew).map((w) => w.version);
    if (newKeys.length) {
      const inserted = await q.query<{ id: string }>(
        `INSERT INTO resource_key (resource_type, id, patient_key)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING RETURNING id`,
        [newKeys.map((v) => v.resourceType), newKeys.map((v) => v.id), newKeys.map((v) => v.patientKey)],
      );
      if (inserted.length !== newKeys.length) {
        throw conflict('A resource with that id already exists', { code: 'resource.id-taken' });
      }
    }
    const moved = writes.filter((w) => !w.isNew && w.previousKey !== w.version.patientKey);
    if (moved.length) {
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
    for (const [scope, list] of byScope) await writeScope(q, scope, list);
  }
}

/**
 * Where a resource is stored (ADR 2): a patient-compartment resource with the first patient it names through its
 * compartment parameters, the Patient under its own id, one that names no patient under its own Type/id; shared
 * resources under ''.
 */
export function patientKeyOf(model: StoreModel, resource: Resource, index: IndexRows): string {
  if (model.scopeOf(resource.resourceType) === 'shared') return '';
  if (resource.resourceType === 'Patient') return resource.id!;
  for (const param of model.compartmentParams(resource.resourceType)) {
    const ref = index.reference.find((r) => r.param === param && r.targetType === 'Patient' && r.targetId);
    if (ref) return ref.targetId!;
  }
  return `${resource.resourceType}/${resource.id}`;
}

/**
 * Removes the current rows and the index rows of resources, under the key they are stored with, in one statement
 * (a data-modifying CTE per table: a round trip per table made updates slow).
 */
export async function deleteCurrentRows(
  q: Queryable,
  scope: Scope,
  keys: readonly { patientKey: string; resourceType: string; id: string }[],
): Promise<void> {
  if (keys.length === 0) return;
  const t = tablesOf(scope);
  const tables = [...(Object.keys(INDEX_COLUMNS) as IndexTable[]).map((table) => t[table]), t.resource];
  const deletes = tables.map(
    (table, i) => `d${i} AS (DELETE FROM ${table} x USING u
      WHERE x.patient_key = u.patient_key AND x.resource_type = u.resource_type AND x.id = u.id)`,
  );
  await q.query(
    `WITH u AS MATERIALIZED (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS u(patient_key, resource_type, id)),
     ${deletes.join(',\n     ')}
     SELECT 1`,
    [keys.map((k) => k.patientKey), keys.map((k) => k.resourceType), keys.map((k) => k.id)],
  );
}

async function writeScope(q: Queryable, scope: Scope, writes: PendingWrite[]) {
  const t = tablesOf(scope);
  const existing = writes.filter((w) => !w.isNew);
  if (existing.length) {
    // Old index rows and the old current row go; a resource that moved patient is removed from its old key.
    await deleteCurrentRows(
      q,
      scope,
      existing.map((w) => ({
        patientKey: w.previousKey ?? w.version.patientKey,
        resourceType: w.version.resourceType,
        id: w.version.id,
      })),
    );
  }
  // Everything goes to PostgreSQL in one statement: the versions as one JSON document (expanded once, then
  // written to both the current and the history table), and per index table one document holding each
  // resource's rows as extraction produced them, joined to its version by ordinal. Serialising JSON is native
  // and fast, where driver-side escaping of large text arrays dominated bulk writes, and the resource key is
  // sent once per resource instead of once per index row.
  const versions = writes.map((w, n) => ({
    n,
    patient_key: w.version.patientKey,
    resource_type: w.version.resourceType,
    id: w.version.id,
    version_id: w.version.versionId,
    last_updated: w.version.lastUpdated,
    deleted: w.version.deleted,
    method: w.version.method ?? 'PUT',
    content: w.version.content,
  }));
  const params: string[] = [JSON.stringify(versions)];
  const ctes = [
    `v AS MATERIALIZED (SELECT * FROM json_to_recordset($1::json) AS x(n int, ${VERSION_RECORD}))`,
    `h AS (INSERT INTO ${t.history} (${HISTORY_COLUMNS}) SELECT ${HISTORY_COLUMNS} FROM v)`,
    `c AS (INSERT INTO ${t.resource} (${RESOURCE_COLUMNS}) SELECT ${RESOURCE_COLUMNS} FROM v)`,
  ];
  for (const table of Object.keys(INDEX_COLUMNS) as IndexTable[]) {
    const parts: string[] = [];
    writes.forEach((w, n) => {
      const rows = w.index?.[table];
      if (rows?.length) parts.push(`{"n":${n},"rows":${JSON.stringify(rows)}}`);
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
           FROM json_to_recordset($${params.length}::json) AS w(n int, rows json)
           JOIN v ON v.n = w.n
          CROSS JOIN LATERAL json_to_recordset(w.rows) AS x(${record.join(', ')}))`,
    );
  }
  await q.query(`WITH ${ctes.join(',\n')}\nSELECT 1`, params);
}

/** Referring types that never hold back the deletion of what they name (see `verifyReferences`). */
const KEEP_NO_DELETE_BACK = new Set(['Person', 'Provenance', 'AuditEvent']);

const VERSION_RECORD =
  'patient_key text, resource_type text, id text, version_id int, last_updated timestamptz, deleted bool, method text, content text';
