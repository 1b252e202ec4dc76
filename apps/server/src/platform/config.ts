import path from 'node:path';

/** Every setting of the server, read once from the environment. */
export interface Config {
  /** PostgreSQL server URL; when absent, the embedded database (PGlite) in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  /** Public base URL used in Bundle links and Location headers. */
  baseUrl: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Default and largest page size of a search. */
  defaultPageSize: number;
  maxPageSize: number;
  /** Size of the PostgreSQL server connection pool. */
  poolSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Load the synthetic demo region on an empty database at start-up. */
  demo: boolean;
  /** People in the demo region. */
  demoPeople: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not "${raw}"`);
  }
  return raw as T;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, not "${raw}"`);
}

/** Reads the typed configuration; throws ConfigError naming the variable on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = env.JOINEDUP_HOST || '127.0.0.1';
  const port = integer(env, 'JOINEDUP_PORT', 8080, 0, 65535);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const baseUrl = (env.JOINEDUP_BASE_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
    /\/$/,
    '',
  );
  const defaultPageSize = integer(env, 'JOINEDUP_PAGE_SIZE', 20, 1, 1000);
  return {
    databaseUrl,
    dataDir: path.resolve(env.JOINEDUP_DATA_DIR || 'data'),
    host,
    port,
    baseUrl,
    maxBodyBytes: integer(env, 'JOINEDUP_MAX_BODY_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    defaultPageSize,
    maxPageSize: Math.max(defaultPageSize, integer(env, 'JOINEDUP_MAX_PAGE_SIZE', 1000, 1, 10000)),
    poolSize: integer(env, 'JOINEDUP_DB_POOL', 10, 1, 200),
    logLevel: oneOf(env, 'JOINEDUP_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const, 'info'),
    demo: bool(env, 'JOINEDUP_DEMO', true),
    demoPeople: integer(env, 'JOINEDUP_DEMO_PEOPLE', 1500, 1, 1_000_000),
  };
}
