// Test fixtures for the search suites: a fresh database (PGlite in memory, or a throw-away schema on the
// PostgreSQL server named by DATABASE_URL), a real FhirStore, and Synthea bundles.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Resource } from '@joinedup/fhir';
import { fixedClock } from '../../platform/clock.ts';
import { openPglite, openPostgres, type Db } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { publicDataSet } from '../../platform/public-data.ts';
import { createFhirModel, type FhirModel } from '../fhir-model.ts';
import { FhirStore } from '../store/store.ts';
import { fhirStoreMigrations } from '../store/store.migrations.ts';
import { createIndexer } from './extract.ts';
import { executeSearch, parseSearchRequest, type SearchContext, type SearchResult } from './search.ts';

export interface TestEnv {
  db: Db;
  store: FhirStore;
  model: FhirModel;
  ctx: SearchContext;
  clock: ReturnType<typeof fixedClock>;
  search(
    query: string,
    options?: { strict?: boolean; compartment?: { type: 'Patient'; id: string } },
  ): Promise<SearchResult>;
  /** Creates resources with the given ids in one transaction. */
  create(...resources: Resource[]): Promise<void>;
  close(): Promise<void>;
}

let model: FhirModel | undefined;

export const NOW = new Date('2026-01-15T12:00:00.000Z');

/** A fresh database and store: PGlite in memory, or a new schema on DATABASE_URL's server (dropped by close). */
export async function openTestEnv(): Promise<TestEnv> {
  const url = process.env.DATABASE_URL;
  let db: Db;
  let drop = async () => {};
  if (url) {
    const schema = `search_${randomBytes(6).toString('hex')}`;
    db = await openPostgres({ url, schema, poolSize: 4 });
    drop = async () => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    };
  } else {
    db = await openPglite();
  }
  await migrate(db, fhirStoreMigrations);
  const fhirModel = (model ??= createFhirModel(createIndexer));
  const clock = fixedClock(NOW);
  const store = new FhirStore(db, model, { clock });
  const ctx: SearchContext = { defs: model.definitions, scopeOf: (t) => fhirModel.scopeOf(t), now: () => clock.now() };
  return {
    db,
    store,
    model,
    ctx,
    clock,
    search: async (query, options = {}) => {
      const [type, qs] = splitQuery(query);
      const request = parseSearchRequest(type, [...new URLSearchParams(qs)], {
        strict: options.strict ?? false,
        defaultCount: 20,
        maxCount: 1000,
        ...(options.compartment ? { compartment: options.compartment } : {}),
      });
      return executeSearch(db, ctx, request);
    },
    create: async (...resources) => {
      await store.transaction((tx) => {
        for (const r of resources) tx.create(r, r.id ? { id: r.id } : {});
        return Promise.resolve();
      });
    },
    close: async () => {
      await db.close();
      await drop();
    },
  };
}

function splitQuery(query: string): [string | undefined, string] {
  const i = query.indexOf('?');
  const head = i < 0 ? query : query.slice(0, i);
  return [head === '' || head === '/' ? undefined : head, i < 0 ? '' : query.slice(i + 1)];
}

export const ids = (r: SearchResult) => r.matches.map((m) => m.id).sort();

export const SYNTHEA_DIR = publicDataSet('synthea-r4-100');

/** The resources of a Synthea bundle, with `urn:uuid:` references rewritten to `Type/id`. */
export function readSyntheaBundle(file: string): Resource[] {
  const bundle = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(SYNTHEA_DIR, file))).toString('utf8')) as {
    entry: { fullUrl: string; resource: Resource }[];
  };
  const byUrl = new Map<string, string>();
  for (const e of bundle.entry) byUrl.set(e.fullUrl, `${e.resource.resourceType}/${e.resource.id}`);
  const text = JSON.stringify(bundle.entry.map((e) => e.resource)).replace(
    /"reference":"(urn:uuid:[0-9a-f-]+)"/g,
    (all, urn: string) => (byUrl.has(urn) ? `"reference":"${byUrl.get(urn)}"` : all),
  );
  return JSON.parse(text) as Resource[];
}

export function syntheaPatientFiles(n: number): string[] {
  return fs
    .readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith('.json.gz') && /_[0-9a-f-]{36}\.json\.gz$/.test(f))
    .sort()
    .slice(0, n);
}

/** Loads bundles through the store; shared resources seen twice are written once. */
export async function loadSynthea(env: TestEnv, files: readonly string[]): Promise<Resource[]> {
  const all: Resource[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const resources = readSyntheaBundle(f).filter((r) => {
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    await env.create(...resources);
    all.push(...resources);
  }
  return all;
}
