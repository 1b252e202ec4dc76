import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { buildApp, type App } from '../apps/server/src/app.ts';
import { loadConfig } from '../apps/server/src/platform/config.ts';
import { openPostgres, type Db, type Queryable } from '../apps/server/src/platform/db.ts';
import { createLogger } from '../apps/server/src/platform/log.ts';
import type { EngineName } from './bench-options.ts';
import { copyFromStdin, copyText } from './copy-in.ts';

/** One database under test, with a raw bulk-load path beside the server's own. */
export interface BenchEngine {
  name: EngineName;
  /** What it is, e.g. "PostgreSQL 15.20 server". */
  description: string;
  db: Db;
  /** How `copyRows` loads: the label printed beside the ingest reference. */
  copyMethod: string;
  /** Loads rows into `table` with COPY, in one statement; values are text, NULL as null. */
  copyRows(table: string, columns: readonly string[], rows: readonly (readonly (string | null)[])[]): Promise<void>;
  close(): Promise<void>;
}

// As platform/db.ts: timestamps, dates and numerics as text, bigint as numbers.
const TEXT_OIDS = [1082, 1114, 1184, 1700];
const INT8_OID = 20;

function copyData(rows: readonly (readonly (string | null)[])[]): string {
  let out = '';
  for (const row of rows) out += `${row.map((v) => (v === null ? '\\N' : copyText(v))).join('\t')}\n`;
  return out;
}

/**
 * PGlite in a new temporary data directory. It mirrors platform/db.ts `openPglite` (same parsers, UTC, the
 * same transaction call) but keeps the PGlite handle, because COPY FROM '/dev/blob' needs PGlite's own API.
 */
export async function openBenchPglite(): Promise<BenchEngine> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-bench-'));
  const parsers: Record<number, (value: string) => unknown> = { [INT8_OID]: (v) => Number(v) };
  for (const oid of TEXT_OIDS) parsers[oid] = (v) => v;
  const lite = await PGlite.create({ dataDir, parsers });
  await lite.exec("SET TimeZone = 'UTC'");
  const run = async <R>(q: { query: PGlite['query'] }, text: string, params?: readonly unknown[]) =>
    (await q.query<R>(text, params as unknown[] | undefined)).rows;
  const db: Db = {
    engine: 'pglite',
    query: (text, params) => run(lite, text, params),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      lite.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) })),
    close: () => lite.close(),
  };
  const [version] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return {
    name: 'pglite',
    description: `PGlite (PostgreSQL ${version?.v ?? '?'} in WASM, one core, temporary data directory)`,
    db,
    copyMethod: "COPY FROM '/dev/blob'",
    async copyRows(table, columns, rows) {
      await lite.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`, [], {
        blob: new Blob([copyData(rows)]),
      });
    },
    async close() {
      try {
        await lite.close();
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh schema on the PostgreSQL server, dropped by `close`; undefined when the server does not answer. */
export async function openBenchPostgres(url: string): Promise<BenchEngine | string> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  probe.on('error', () => {});
  let version: string;
  try {
    await probe.connect();
    const res = await probe.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    version = res.rows[0]?.v ?? '?';
  } catch (e) {
    return `the PostgreSQL server at ${redact(url)} did not answer (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    await probe.end().catch(() => {});
  }
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const db = await openPostgres({ url, schema, poolSize: 10 });
  const copier = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  copier.on('error', () => {});
  await copier.connect();
  let closed = false;
  return {
    name: 'postgres',
    description: `PostgreSQL ${version.split(' ')[0]} server (schema ${schema}, dropped at the end)`,
    db,
    copyMethod: 'COPY FROM STDIN',
    async copyRows(table, columns, rows) {
      await copyFromStdin(copier, `COPY ${table} (${columns.join(', ')}) FROM STDIN`, copyData(rows));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await copier.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await copier.end().catch(() => {});
        await db.close();
      }
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** The whole server, listening on 127.0.0.1 on a free port; server errors (5xx) are kept, not printed. */
export interface BenchServer {
  app: App;
  /** e.g. http://127.0.0.1:41234/fhir */
  base: string;
  errors: string[];
  close(): Promise<void>;
}

export async function startServer(db: Db): Promise<BenchServer> {
  const errors: string[] = [];
  // The bench calls the API as a backend system with a shared secret; the bench's HTTP clients (its worker
  // threads and the import command too) send it from JOINEDUP_TOKEN, as `npm run import` reads it.
  const secret = randomBytes(24).toString('hex');
  process.env.JOINEDUP_TOKEN = secret;
  const config = loadConfig({
    JOINEDUP_LOG_LEVEL: 'error',
    JOINEDUP_PORT: '0',
    JOINEDUP_DEMO: 'false',
    JOINEDUP_CLIENTS: JSON.stringify([{ id: 'bench', secret }]),
  });
  const log = createLogger('error', (line) => {
    if (errors.length < 50) errors.push(line.trim());
  });
  const app = await buildApp(config, db, { log });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.http.server.address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}/fhir`, errors, close: () => app.http.close() };
}
