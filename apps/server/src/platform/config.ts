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
  /** How long after an encounter ends it still gives its organisation a relationship with the patient (ADR 12). */
  relationshipDays: number;
  /**
   * Benchmark only: the FHIR API without its access checks and audit (JOINEDUP_BENCH_WITHOUT_ACCESS_CHECKS=true),
   * so that a benchmark can compare the same requests with and without them. Never for production: the server
   * warns at start when it is set.
   */
  benchWithoutAccessChecks: boolean;
  /** The HL7 v2 MLLP listener: off unless a port is set. */
  mllp: { host: string; port: number; tls?: { keyFile: string; certFile: string; caFile?: string } } | undefined;
  /** Facilities allowed to send HL7 v2, by their ODS code (MSH-4), and how each proves who it is. */
  hl7Sources: { facility: string; addresses?: string[]; secret?: string; timeZone?: string }[];
  /** Senders' time zone for HL7 times without an offset. */
  hl7TimeZone: string;
  /**
   * Systems and users that call the API with a shared secret until sign-in (OAuth) replaces it: a feed names the
   * organisation it sends for (`source`, an ODS code); `scopes` grant more (`identity`: the index's API).
   */
  clients: { id: string; secret: string; source?: string; scopes?: string[] }[];
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
    relationshipDays: integer(env, 'JOINEDUP_RELATIONSHIP_DAYS', 365, 0, 36_500),
    benchWithoutAccessChecks: env.JOINEDUP_BENCH_WITHOUT_ACCESS_CHECKS === 'true',
    mllp: mllpConfig(env),
    hl7Sources: hl7Sources(env),
    hl7TimeZone: timeZone(env, 'JOINEDUP_HL7_TIMEZONE', 'Europe/London'),
    clients: clients(env),
  };
}

const CLIENT_SCOPES = ['identity'];

function clients(env: NodeJS.ProcessEnv): Config['clients'] {
  const raw = env.JOINEDUP_CLIENTS;
  if (!raw) return [];
  const usage =
    'JOINEDUP_CLIENTS must be JSON: [{"id":"barts-epr","secret":"<at least 32 characters>","source":"R1H"}, ' +
    `{"id":"dq-1","secret":"...","scopes":["identity"]}]; scopes: ${CLIENT_SCOPES.join(', ')}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(usage);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(usage);
  const ids = new Set<string>();
  const secrets = new Set<string>();
  return parsed.map((c: unknown) => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const ok =
      typeof o.id === 'string' &&
      /^[A-Za-z0-9._-]{1,64}$/.test(o.id) &&
      typeof o.secret === 'string' &&
      o.secret.length >= 32 &&
      (o.source === undefined || (typeof o.source === 'string' && /^[A-Z0-9]{3,12}$/.test(o.source))) &&
      (o.scopes === undefined ||
        (Array.isArray(o.scopes) && o.scopes.every((s) => typeof s === 'string' && CLIENT_SCOPES.includes(s))));
    if (!ok) throw new ConfigError(usage);
    if (ids.has(o.id as string) || secrets.has(o.secret as string)) {
      throw new ConfigError('JOINEDUP_CLIENTS: each client needs its own id and its own secret');
    }
    ids.add(o.id as string);
    secrets.add(o.secret as string);
    return {
      id: o.id as string,
      secret: o.secret as string,
      ...(o.source !== undefined ? { source: o.source as string } : {}),
      ...(o.scopes !== undefined ? { scopes: o.scopes as string[] } : {}),
    };
  });
}

function mllpConfig(env: NodeJS.ProcessEnv): Config['mllp'] {
  if (!env.JOINEDUP_MLLP_PORT) return undefined;
  const keyFile = env.JOINEDUP_MLLP_TLS_KEY || undefined;
  const certFile = env.JOINEDUP_MLLP_TLS_CERT || undefined;
  if (Boolean(keyFile) !== Boolean(certFile)) {
    throw new ConfigError('JOINEDUP_MLLP_TLS_KEY and JOINEDUP_MLLP_TLS_CERT must be set together');
  }
  const caFile = env.JOINEDUP_MLLP_TLS_CA || undefined;
  return {
    host: env.JOINEDUP_MLLP_HOST || '127.0.0.1',
    port: integer(env, 'JOINEDUP_MLLP_PORT', 2575, 0, 65535),
    ...(keyFile && certFile ? { tls: { keyFile, certFile, ...(caFile ? { caFile } : {}) } } : {}),
  };
}

function hl7Sources(env: NodeJS.ProcessEnv): Config['hl7Sources'] {
  const raw = env.JOINEDUP_HL7_SOURCES;
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('JOINEDUP_HL7_SOURCES must be JSON: [{"facility":"RXX","addresses":["10.0.0.5"]}]');
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as { facility?: unknown }).facility === 'string' &&
        ((s as { addresses?: unknown }).addresses === undefined ||
          (Array.isArray((s as { addresses: unknown[] }).addresses) &&
            (s as { addresses: unknown[] }).addresses.every((a) => typeof a === 'string'))) &&
        ((s as { secret?: unknown }).secret === undefined || typeof (s as { secret: unknown }).secret === 'string') &&
        ((s as { timeZone?: unknown }).timeZone === undefined ||
          typeof (s as { timeZone: unknown }).timeZone === 'string'),
    );
  if (!ok) {
    throw new ConfigError(
      'JOINEDUP_HL7_SOURCES must be a list of {facility, addresses?: [..], secret?: "..", timeZone?: ".."}',
    );
  }
  const sources = parsed as Config['hl7Sources'];
  for (const s of sources) if (s.timeZone) timeZone({ JOINEDUP_HL7_SOURCES: s.timeZone }, 'JOINEDUP_HL7_SOURCES', '');
  return sources;
}

function timeZone(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const zone = env[name] || fallback;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
  } catch {
    throw new ConfigError(`${name} must be an IANA time zone such as Europe/London, not "${zone}"`);
  }
  return zone;
}
