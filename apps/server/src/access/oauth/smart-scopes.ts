import type { ResourceScope } from '../principal.ts';

// The SMART App Launch scope grammar, as much as the authorisation server needs to accept a requested scope and to
// narrow a request to what a client may have. access/scopes.ts owns the full grammar for access decisions (the
// verifier parses tokens' scopes with it). Narrowing here is whole scopes: oidc-provider grants the scopes of the
// request as written, so a scope only partly allowed (`patient/*.cruds` for a client allowed `patient/*.rs`) is
// left out rather than cut down.

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

// SMART v2 `patient/Observation.rs?category=...` and v1 `patient/Observation.read`; a resource type or '*'.
const RESOURCE_SCOPE =
  /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.(\*|read|write|c?r?u?d?s?)(?:\?([\x21-\x7e]{1,512}))?$/;

const V1_PERMISSIONS: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

/** A SMART resource scope, parsed; undefined for anything else (including an empty v2 permission set). */
export function parseResourceScope(scope: string): ResourceScope | undefined {
  const m = RESOURCE_SCOPE.exec(scope);
  if (!m) return undefined;
  const permissions = V1_PERMISSIONS[m[3]!] ?? m[3]!;
  if (permissions === '') return undefined;
  return {
    context: m[1] as ResourceScope['context'],
    resourceType: m[2]!,
    permissions,
    ...(m[4] !== undefined ? { query: m[4] } : {}),
  };
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
