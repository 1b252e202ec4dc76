import { createHash, timingSafeEqual } from 'node:crypto';
import { forbidden, unauthorized } from '@joinedup/fhir';
import type { Config } from '../platform/config.ts';

/** Who is calling: a configured client, known by its secret. */
export interface Client {
  id: string;
  /** The organisation (ODS code) a feed sends for: recorded on everything it writes. */
  source?: string;
  scopes: readonly string[];
}

/**
 * Shared-secret clients (`JOINEDUP_CLIENTS`), the credentials feeds and data quality users present until sign-in
 * and SMART backend services replace them. Secrets are compared as SHA-256 digests in constant time; a secret
 * is never logged nor returned.
 */
export function createClientRegistry(config: Pick<Config, 'clients'>) {
  const known = config.clients.map((c) => ({
    digest: digest(c.secret),
    client: { id: c.id, ...(c.source ? { source: c.source } : {}), scopes: c.scopes ?? [] },
  }));

  /** The client an `Authorization` header names; undefined without one; 401 for a secret nobody holds. */
  function identify(authorization: string | undefined): Client | undefined {
    if (authorization === undefined || authorization === '') return undefined;
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization);
    if (!m) throw unauthorized('Authorization must be "Bearer <secret>"', { code: 'access.credentials' });
    const d = digest(m[1]!);
    let found: Client | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, d)) found = k.client;
    if (!found) throw unauthorized('These credentials are not known', { code: 'access.credentials' });
    return found;
  }

  /** The client, which must hold `scope`: 401 without credentials, 403 without the scope. Deny by default. */
  function require(authorization: string | undefined, scope: string): Client {
    const client = identify(authorization);
    if (!client) throw unauthorized('This endpoint needs credentials', { code: 'access.credentials' });
    if (!client.scopes.includes(scope)) {
      throw forbidden(`These credentials do not allow ${scope}`, { code: 'access.scope' });
    }
    return client;
  }

  return { identify, require };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
