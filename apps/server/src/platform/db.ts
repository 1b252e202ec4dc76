import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL can be sent to: the database itself or one open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export type Engine = 'pglite' | 'postgres';

/** The database: embedded PGlite or a PostgreSQL server, behind one interface and the same SQL. */
export interface Db extends Queryable {
  readonly engine: Engine;
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class DatabaseLockedError extends Error {
  override name = 'DatabaseLockedError';
}

// Timestamps, dates and numerics come back as text on both engines, so both return identical rows;
// bigint counts come back as numbers.
const TEXT_OIDS = [1082, 1114, 1184, 1700];
const INT8_OID = 20;

export interface PgliteOptions {
  /** Directory of the database files; in memory when absent. */
  dataDir?: string;
}

/** Opens embedded PostgreSQL (PGlite); a data directory is locked against a second process. */
export async function openPglite(options: PgliteOptions = {}): Promise<Db> {
  let releaseLock = () => {};
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    releaseLock = lockDataDir(options.dataDir);
  }
  const parsers: Record<number, (value: string) => unknown> = { [INT8_OID]: (v) => Number(v) };
  for (const oid of TEXT_OIDS) parsers[oid] = (v) => v;
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir: options.dataDir, parsers });
    await db.exec("SET TimeZone = 'UTC'");
  } catch (e) {
    releaseLock();
    throw e;
  }
  const run = async <R>(q: { query: PGlite['query'] }, text: string, params?: readonly unknown[]) =>
    (await q.query<R>(text, params as unknown[] | undefined)).rows;
  return {
    engine: 'pglite',
    query: (text, params) => run(db, text, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) })),
    close: async () => {
      try {
        await db.close();
      } finally {
        releaseLock();
      }
    },
  };
}

// PGlite has no lock of its own: two processes opening one directory corrupt it. A lock file holding the
// owner's pid makes the second process fail with a clear error; a lock left by a dead process is taken over.
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'joinedup.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new DatabaseLockedError(
          `The embedded database in ${dataDir} is in use by process ${owner}. Stop that process first, or set JOINEDUP_DATA_DIR to another directory.`,
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseLockedError(`Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  /** Schema to work in (created if missing); tests use one per file. */
  schema?: string;
}

const RETRYABLE = new Set(['40001', '40P01']);

/** Opens a pool to a PostgreSQL server. */
export async function openPostgres(options: PostgresOptions): Promise<Db> {
  const typeParsers = new Map<number, (v: string) => unknown>([[INT8_OID, (v: string) => Number(v)]]);
  for (const oid of TEXT_OIDS) typeParsers.set(oid, (v: string) => v);
  const searchPath = options.schema ? ` -c search_path=${options.schema}` : '';
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    options: `-c TimeZone=UTC${searchPath}`,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number) => {
        const own = typeParsers.get(oid);
        if (own) return own;
        const standard = pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
        return standard;
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', () => {});
  if (options.schema) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error('invalid schema name');
    const admin = new pg.Client({ connectionString: options.url });
    admin.on('error', () => {});
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    } finally {
      await admin.end();
    }
  }
  const query = async <R>(c: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) =>
    (await c.query(text, params as unknown[] | undefined)).rows as R[];
  return {
    engine: 'postgres',
    query: (text, params) => query(pool, text, params),
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query('BEGIN');
          const result = await fn({ query: (text, params) => query(client, text, params) });
          await client.query('COMMIT');
          return result;
        } catch (e) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
          const code = (e as { code?: string }).code;
          if (code && RETRYABLE.has(code) && attempt < 5) continue;
          throw e;
        } finally {
          client.release(broken);
        }
      }
    },
    close: () => pool.end(),
  };
}

/** Opens the configured database: a PostgreSQL server when a URL is given, otherwise PGlite. */
export function openDatabase(config: { databaseUrl?: string | undefined; dataDir?: string; poolSize?: number }) {
  return config.databaseUrl
    ? openPostgres({ url: config.databaseUrl, poolSize: config.poolSize })
    : openPglite({ dataDir: config.dataDir });
}
