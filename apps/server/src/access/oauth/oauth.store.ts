import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db, Queryable } from '../../platform/db.ts';

// SQL for the tables of oauth.migrations.ts. Timestamps are written from the process clock (as oidc-provider's
// own expiry checks are) and read back as epoch seconds (float8), identical on PGlite and PostgreSQL.

const KEY_LOCK = 7_340_010;
// Expired rows stay a day: long enough for "this code was already used" to be told apart from "never issued".
const KEEP_EXPIRED_MS = 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;

const iso = (ms: number) => new Date(ms).toISOString();

/** Called when oidc-provider destroys an access token or a whole grant: the verifiers must refuse them. */
export interface RevocationSink {
  revokeToken(tokenId: string, expiresAtSeconds: number, reason: string): Promise<void>;
  revokeGrant(grantId: string, reason: string): Promise<void>;
}

/**
 * oidc-provider's storage on our database: `createAdapterFactory(db, sink)` is given to oidc-provider as its
 * `adapter` (one adapter per model name). Destroying an access token or a grant, and revoking by grant id
 * (refresh token or code reuse, revocation of a refresh token, sign-out), record a revocation.
 */
export function createAdapterFactory(db: Db, sink: RevocationSink): (model: string) => Adapter {
  let nextPurge = 0;
  async function purgeExpired() {
    const now = Date.now();
    if (now < nextPurge) return;
    nextPurge = now + PURGE_EVERY_MS;
    await db.query('DELETE FROM oauth_artifact WHERE expires_at < $1', [iso(now - KEEP_EXPIRED_MS)]);
    await db.query('DELETE FROM oauth_revocation WHERE expires_at < $1', [iso(now - KEEP_EXPIRED_MS)]);
    await db.query('DELETE FROM oauth_launch WHERE expires_at < $1', [iso(now - KEEP_EXPIRED_MS)]);
    await db.query('DELETE FROM oauth_grant_context WHERE expires_at < $1', [iso(now - KEEP_EXPIRED_MS)]);
  }

  return (model: string): Adapter => {
    const queries = {
      id: `SELECT payload, extract(epoch FROM consumed_at)::float8 AS consumed FROM oauth_artifact
        WHERE model = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3)`,
      uid: `SELECT payload, extract(epoch FROM consumed_at)::float8 AS consumed FROM oauth_artifact
        WHERE model = $1 AND uid = $2 AND (expires_at IS NULL OR expires_at > $3)`,
      user_code: `SELECT payload, extract(epoch FROM consumed_at)::float8 AS consumed FROM oauth_artifact
        WHERE model = $1 AND user_code = $2 AND (expires_at IS NULL OR expires_at > $3)`,
    };
    async function findBy(column: keyof typeof queries, value: string) {
      const rows = await db.query<{ payload: AdapterPayload; consumed: number | null }>(queries[column], [
        model,
        value,
        iso(Date.now()),
      ]);
      const row = rows[0];
      if (!row) return undefined;
      return row.consumed === null ? row.payload : { ...row.payload, consumed: Math.floor(row.consumed) };
    }
    return {
      async upsert(id, payload, expiresIn) {
        const expires = expiresIn ? iso(Date.now() + expiresIn * 1000) : null;
        await db.query(
          `INSERT INTO oauth_artifact (model, id, payload, grant_id, uid, user_code, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
             uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
          [
            model,
            id,
            JSON.stringify(payload),
            payload.grantId ?? null,
            payload.uid ?? null,
            payload.userCode ?? null,
            expires,
          ],
        );
        await purgeExpired();
      },
      find: (id) => findBy('id', id),
      findByUid: (uid) => findBy('uid', uid),
      findByUserCode: (userCode) => findBy('user_code', userCode),
      async consume(id) {
        await db.query(
          'UPDATE oauth_artifact SET consumed_at = $3 WHERE model = $1 AND id = $2 AND consumed_at IS NULL',
          [model, id, iso(Date.now())],
        );
      },
      async destroy(id) {
        const rows = await db.query<{ exp: number | null }>(
          `DELETE FROM oauth_artifact WHERE model = $1 AND id = $2
           RETURNING extract(epoch FROM expires_at)::float8 AS exp`,
          [model, id],
        );
        if (model === 'AccessToken' || model === 'ClientCredentials') {
          const exp = rows[0]?.exp ?? Date.now() / 1000 + 24 * 60 * 60;
          await sink.revokeToken(id, Math.ceil(exp), 'revoked');
        } else if (model === 'Grant') {
          await sink.revokeGrant(id, 'grant revoked');
        }
      },
      async revokeByGrantId(grantId) {
        await db.query('DELETE FROM oauth_artifact WHERE model = $1 AND grant_id = $2', [model, grantId]);
        if (model === 'AccessToken') await sink.revokeGrant(grantId, 'grant revoked');
      },
    };
  };
}

/** Whether a token, or the grant it came from, has been revoked. */
export interface RevocationList {
  isRevoked(tokenId: string, grantId?: string): Promise<boolean>;
}

export interface RevocationStoreOptions {
  /** How long a verifier may answer from memory before reading new revocations (seconds; at most 60). */
  refreshSeconds?: number;
  /** How long after its revocation a grant entry is kept: longer than any access token lives (seconds). */
  grantEntrySeconds: number;
}

/**
 * The revocation list: written by the authorisation server, read by every verifier. Reads are answered from
 * memory, refreshed at most `refreshSeconds` apart with the entries revoked since the last read (the window
 * overlaps by 30 s so that an entry committed late is not missed); revocations made in this process are known at
 * once. Reading fails closed: when the database cannot be read, verification fails.
 */
export function createRevocationStore(db: Queryable, options: RevocationStoreOptions) {
  const refreshMs = Math.min(60, Math.max(0, options.refreshSeconds ?? 15)) * 1000;
  const entries = new Map<string, number>();
  let loadedAt: number | undefined;
  let nextRefresh = 0;
  let refreshing: Promise<void> | undefined;

  const key = (kind: 'token' | 'grant', id: string) => `${kind}:${id}`;

  async function refresh() {
    const now = Date.now();
    const since = loadedAt === undefined ? undefined : loadedAt - 30_000;
    const rows = await db.query<{ kind: 'token' | 'grant'; id: string; exp: number }>(
      since === undefined
        ? 'SELECT kind, id, extract(epoch FROM expires_at)::float8 AS exp FROM oauth_revocation WHERE expires_at > $1'
        : 'SELECT kind, id, extract(epoch FROM expires_at)::float8 AS exp FROM oauth_revocation WHERE revoked_at >= $1',
      [iso(since ?? now)],
    );
    for (const r of rows) entries.set(key(r.kind, r.id), r.exp * 1000);
    for (const [k, exp] of entries) if (exp < now) entries.delete(k);
    loadedAt = now;
    nextRefresh = now + refreshMs;
  }

  async function ensureFresh() {
    if (Date.now() < nextRefresh) return;
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    await refreshing;
  }

  async function record(kind: 'token' | 'grant', id: string, expiresAtMs: number, reason: string) {
    entries.set(key(kind, id), expiresAtMs);
    await db.query(
      `INSERT INTO oauth_revocation (kind, id, revoked_at, expires_at, reason) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind, id) DO UPDATE SET expires_at = GREATEST(oauth_revocation.expires_at, EXCLUDED.expires_at)`,
      [kind, id, iso(Date.now()), iso(expiresAtMs), reason],
    );
  }

  return {
    async isRevoked(tokenId: string, grantId?: string): Promise<boolean> {
      await ensureFresh();
      return entries.has(key('token', tokenId)) || (grantId !== undefined && entries.has(key('grant', grantId)));
    },
    revokeToken: (tokenId: string, expiresAtSeconds: number, reason: string) =>
      record('token', tokenId, expiresAtSeconds * 1000, reason),
    revokeGrant: (grantId: string, reason: string) =>
      record('grant', grantId, Date.now() + options.grantEntrySeconds * 1000, reason),
  } satisfies RevocationList & RevocationSink;
}

export type RevocationStore = ReturnType<typeof createRevocationStore>;

/** The server's keys: private signing JWKs and cookie-signing secrets. Never logged. */
export interface ServerKeys {
  signing: JWK[];
  cookies: string[];
}

/**
 * The keys in the database, generated on first start (under a lock: several processes may start together); no
 * signing key is generated when `withSigning` is false (the keys come from the environment).
 */
export async function loadOrCreateKeys(db: Db, options: { withSigning?: boolean } = {}): Promise<ServerKeys> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
    const rows = await tx.query<{ use: 'sig' | 'cookie'; jwk: JWK }>(
      'SELECT use, jwk FROM oauth_key WHERE retired_at IS NULL ORDER BY created_at DESC, kid',
    );
    let signing = rows.filter((r) => r.use === 'sig').map((r) => r.jwk);
    let cookies = rows.filter((r) => r.use === 'cookie').map((r) => r.jwk.k!);
    if (signing.length === 0 && options.withSigning !== false) {
      const key = await generateSigningKey();
      await tx.query("INSERT INTO oauth_key (kid, use, jwk) VALUES ($1, 'sig', $2)", [key.kid, JSON.stringify(key)]);
      signing = [key];
    }
    if (cookies.length === 0) {
      const k = randomBytes(32).toString('base64url');
      const kid = `cookie-${randomBytes(8).toString('hex')}`;
      await tx.query("INSERT INTO oauth_key (kid, use, jwk) VALUES ($1, 'cookie', $2)", [
        kid,
        JSON.stringify({ kty: 'oct', k }),
      ]);
      cookies = [k];
    }
    return { signing, cookies };
  });
}

/** A new RS256 signing key (RSA 2048) as a private JWK with its thumbprint as kid. */
export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

export interface LaunchContext {
  id: string;
  createdBy: string;
  clientId?: string;
  userId?: string;
  patient: string;
  encounter?: string;
  needPatientBanner: boolean;
  expiresAt: number;
  used: boolean;
}

interface LaunchRow {
  id: string;
  created_by: string;
  client_id: string | null;
  user_id: string | null;
  patient: string;
  encounter: string | null;
  need_patient_banner: boolean;
  exp: number;
  used: boolean;
}

/** SMART EHR launch contexts: created by a local system, then used once by the app it launched. */
export function createLaunchStore(db: Queryable) {
  const toLaunch = (r: LaunchRow): LaunchContext => ({
    id: r.id,
    createdBy: r.created_by,
    ...(r.client_id ? { clientId: r.client_id } : {}),
    ...(r.user_id ? { userId: r.user_id } : {}),
    patient: r.patient,
    ...(r.encounter ? { encounter: r.encounter } : {}),
    needPatientBanner: r.need_patient_banner,
    expiresAt: r.exp,
    used: r.used,
  });
  const columns = `id, created_by, client_id, user_id, patient, encounter, need_patient_banner,
    extract(epoch FROM expires_at)::float8 AS exp, used_at IS NOT NULL AS used`;
  return {
    async create(launch: Omit<LaunchContext, 'id' | 'used' | 'expiresAt'>, ttlSeconds: number): Promise<LaunchContext> {
      const id = randomBytes(24).toString('base64url');
      const now = Date.now();
      const rows = await db.query<LaunchRow>(
        `INSERT INTO oauth_launch (id, created_by, client_id, user_id, patient, encounter, need_patient_banner,
           created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${columns}`,
        [
          id,
          launch.createdBy,
          launch.clientId ?? null,
          launch.userId ?? null,
          launch.patient,
          launch.encounter ?? null,
          launch.needPatientBanner,
          iso(now),
          iso(now + ttlSeconds * 1000),
        ],
      );
      return toLaunch(rows[0]!);
    },
    /** A launch not yet used nor expired. */
    async find(id: string): Promise<LaunchContext | undefined> {
      const rows = await db.query<LaunchRow>(
        `SELECT ${columns} FROM oauth_launch WHERE id = $1 AND expires_at > $2 AND used_at IS NULL`,
        [id, iso(Date.now())],
      );
      return rows[0] ? toLaunch(rows[0]) : undefined;
    },
    /** Marks a launch used; false when it was already used or has expired (a second use is refused). */
    async use(id: string): Promise<boolean> {
      const now = iso(Date.now());
      const rows = await db.query<{ id: string }>(
        'UPDATE oauth_launch SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING id',
        [id, now],
      );
      return rows.length === 1;
    },
  };
}

export type LaunchStore = ReturnType<typeof createLaunchStore>;

/** What a sign-in chose besides scopes, kept per grant so that refreshed access tokens carry it too. */
export interface GrantContext {
  roleProfileId?: string;
  patient?: string;
  encounter?: string;
  needPatientBanner?: boolean;
  launch?: string;
}

export function createGrantContextStore(db: Queryable) {
  return {
    async save(grantId: string, context: GrantContext, ttlSeconds: number): Promise<void> {
      await db.query(
        `INSERT INTO oauth_grant_context (grant_id, context, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (grant_id) DO UPDATE SET context = EXCLUDED.context, expires_at = EXCLUDED.expires_at`,
        [grantId, JSON.stringify(context), iso(Date.now() + ttlSeconds * 1000)],
      );
    },
    async find(grantId: string): Promise<GrantContext | undefined> {
      const rows = await db.query<{ context: GrantContext }>(
        'SELECT context FROM oauth_grant_context WHERE grant_id = $1',
        [grantId],
      );
      return rows[0]?.context;
    },
  };
}

export type GrantContextStore = ReturnType<typeof createGrantContextStore>;
