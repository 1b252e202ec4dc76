import type { ResourceScope } from '../principal.ts';
import { parseResourceScope as parseScope } from '../scopes.ts';

// What the authorisation server does with SMART App Launch scopes: accept a requested scope and narrow a request
// to what a client may have. The grammar is access/scopes.ts's, the one the verifier and the access decisions
// use. Narrowing here is whole scopes: oidc-provider grants the scopes of the request as written, so a scope only
// partly allowed (`patient/*.cruds` for a client allowed `patient/*.rs`) is left out rather than cut down.

/** Scopes that are not resource scopes, as SMART App Launch 2.0 and OpenID Connect define them. */
export const STATIC_SCOPES = [
  'openid',
  'profile',
  'fhirUser',
  'offline_access',
  'online_access',
  'launch',
  'launch/patient',
  'launch/encounter',
] as const;

/** A SMART resource scope, parsed by the one grammar (access/scopes.ts); undefined for anything else. */
export function parseResourceScope(scope: string): ResourceScope | undefined {
  const parsed = parseScope(scope);
  return parsed.ok ? parsed.scope : undefined;
}

/** The resource scopes among a token's scopes, parsed. */
export function parseResourceScopes(scopes: readonly string[]): ResourceScope[] {
  return scopes.map(parseResourceScope).filter((s): s is ResourceScope => s !== undefined);
}

/** A scope the authorisation server recognises: a static scope or a SMART resource scope. */
export function isKnownScope(scope: string): boolean {
  return (STATIC_SCOPES as readonly string[]).includes(scope) || parseResourceScope(scope) !== undefined;
}

/**
 * Whether `allowed` covers `requested`: the same scope, or a resource scope of the same context whose type is the
 * same or '*', whose permissions include every requested one, and which is not narrowed by a query the request
 * lacks (a client allowed only `?category=laboratory` may not ask for all Observations).
 */
export function scopeCovers(allowed: string, requested: string): boolean {
  if (allowed === requested) return true;
  const a = parseResourceScope(allowed);
  const r = parseResourceScope(requested);
  if (!a || !r) return false;
  if (a.context !== r.context) return false;
  if (a.resourceType !== '*' && a.resourceType !== r.resourceType) return false;
  if ([...r.permissions].some((p) => !a.permissions.includes(p))) return false;
  return a.query === undefined || a.query === r.query;
}

/** Splits requested scopes into those a client may have and those it may not (which are left out, not granted). */
export function narrowScopes(
  requested: readonly string[],
  allowed: readonly string[],
): { granted: string[]; refused: string[] } {
  const granted: string[] = [];
  const refused: string[] = [];
  for (const scope of new Set(requested)) {
    if (scope === '') continue;
    if (isKnownScope(scope) && allowed.some((a) => scopeCovers(a, scope))) granted.push(scope);
    else refused.push(scope);
  }
  return { granted, refused };
}
