// SMART App Launch 2.0 resource scopes (hl7.org/fhir/smart-app-launch/STU2/scopes-and-launch-context.html):
// `patient/Observation.rs?category=...|laboratory` = context / resource type (or *) . permissions ? search query.
// Scopes only delegate: what they permit is still limited by the access policy (policy.rules.ts).
import type { ResourceScope } from './principal.ts';

export type ScopeContext = ResourceScope['context'];

/** The FHIR REST interactions a permission letter stands for (SMART 2.0: c, r, u, d, s). */
export type Interaction = 'create' | 'read' | 'update' | 'delete' | 'search';

export type ScopeErrorCode =
  | 'scope.syntax'
  | 'scope.context'
  | 'scope.resource-type'
  | 'scope.permissions'
  | 'scope.permissions-order'
  | 'scope.query';

export interface ScopeError {
  scope: string;
  code: ScopeErrorCode;
  message: string;
}

/** `version` is 1 when the scope was written with v1 permissions (`.read`, `.write`, `.*`). */
export type ParsedResourceScope = { ok: true; scope: ResourceScope; version: 1 | 2 } | ({ ok: false } & ScopeError);

const CONTEXTS: readonly ScopeContext[] = ['patient', 'user', 'system'];
const LETTERS = 'cruds';
const LETTER: Record<Interaction, string> = { create: 'c', read: 'r', update: 'u', delete: 'd', search: 's' };
const V1: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };
const V1_BY_PERMISSIONS: Readonly<Record<string, string>> = { rs: 'read', cud: 'write', cruds: '*' };
// RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// FHIR resource type names are letters only, starting upper case (R4 resourcelist.html).
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;
// A search parameter name, with an optional modifier or chain (experimental in SMART 2.0, accepted as syntax).
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_\-.]*(?::[A-Za-z0-9_\-.]+)?$/;
const MAX_SCOPE_LENGTH = 2048;

/** Whether a scope is a resource scope (`patient/`, `user/`, `system/`, in any case): those must parse. */
export function isResourceScope(text: string): boolean {
  const slash = text.indexOf('/');
  return slash > 0 && (CONTEXTS as readonly string[]).includes(text.slice(0, slash).toLowerCase());
}

/** Parses one resource scope, v2 or v1 (mapped to v2), or says why it is malformed. */
export function parseResourceScope(text: string): ParsedResourceScope {
  const fail = (code: ScopeErrorCode, message: string): ParsedResourceScope => ({
    ok: false,
    scope: text,
    code,
    message,
  });
  if (text.length === 0 || text.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(text)) {
    return fail('scope.syntax', `A scope is 1 to ${MAX_SCOPE_LENGTH} printable characters without spaces, " or \\`);
  }
  const slash = text.indexOf('/');
  const context = slash < 0 ? '' : text.slice(0, slash);
  if (!(CONTEXTS as readonly string[]).includes(context)) {
    return fail('scope.context', 'A resource scope starts with patient/, user/ or system/ (lower case)');
  }
  const rest = text.slice(slash + 1);
  const question = rest.indexOf('?');
  const head = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? undefined : rest.slice(question + 1);
  const dot = head.indexOf('.');
  if (dot < 0) return fail('scope.syntax', 'A resource scope is context/ResourceType.permissions');
  const resourceType = head.slice(0, dot);
  const suffix = head.slice(dot + 1);
  if (resourceType !== '*' && !RESOURCE_TYPE.test(resourceType)) {
    return fail('scope.resource-type', `"${resourceType}" is not a FHIR resource type name, nor *`);
  }
  let permissions: string;
  let version: 1 | 2;
  const v1 = V1[suffix];
  if (v1 !== undefined) {
    permissions = v1;
    version = 1;
  } else {
    if (!/^[cruds]+$/.test(suffix)) {
      return fail('scope.permissions', 'Permissions are a subset of c, r, u, d, s (or v1 read, write, *)');
    }
    // SMART 2.0: "valid suffixes are a subset of the in-order string .cruds"; out of order (.dus) is undefined,
    // and rejecting it avoids granting what the client did not mean.
    if (!isInCrudsOrder(suffix)) {
      return fail('scope.permissions-order', `Permissions must be in c, r, u, d, s order, each once: "${suffix}"`);
    }
    permissions = suffix;
    version = 2;
  }
  if (query !== undefined) {
    if (version === 1) return fail('scope.query', 'A search-narrowed scope uses v2 permissions (.rs, not .read)');
    const problem = queryProblem(query);
    if (problem) return fail('scope.query', problem);
  }
  const scope: ResourceScope = {
    context: context as ScopeContext,
    resourceType,
    permissions,
    ...(query !== undefined ? { query } : {}),
  };
  return { ok: true, scope, version };
}

function isInCrudsOrder(permissions: string): boolean {
  let last = -1;
  for (const ch of permissions) {
    const at = LETTERS.indexOf(ch);
    if (at <= last) return false;
    last = at;
  }
  return true;
}

function queryProblem(query: string): string | undefined {
  if (query === '') return 'The search query after ? is empty';
  if (query.includes('?')) return 'A scope has at most one ?';
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) return `"${pair}" is not param=value`;
    const name = pair.slice(0, eq);
    if (!PARAM_NAME.test(name)) return `"${name}" is not a search parameter name`;
    if (pair.length === eq + 1) return `The search parameter "${name}" has no value`;
  }
  return undefined;
}

/** A scope as text: v2 (`.rs`) unless `version` is 1 and the permissions have a v1 form. */
export function formatScope(scope: ResourceScope, version: 1 | 2 = 2): string {
  const v1 = version === 1 && scope.query === undefined ? V1_BY_PERMISSIONS[scope.permissions] : undefined;
  const head = `${scope.context}/${scope.resourceType}.${v1 ?? scope.permissions}`;
  return scope.query === undefined ? head : `${head}?${scope.query}`;
}

export interface ParsedScopes {
  resourceScopes: ResourceScope[];
  /** openid, fhirUser, launch, launch/patient, offline_access, ...: kept as they are. */
  otherScopes: string[];
  errors: ScopeError[];
}

/** Splits an OAuth `scope` parameter (space-separated) and parses its resource scopes. */
export function parseScopes(scope: string | readonly string[]): ParsedScopes {
  const tokens = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : scope;
  const out: ParsedScopes = { resourceScopes: [], otherScopes: [], errors: [] };
  for (const token of tokens) {
    if (!isResourceScope(token)) {
      out.otherScopes.push(token);
      continue;
    }
    const parsed = parseResourceScope(token);
    if (parsed.ok) out.resourceScopes.push(parsed.scope);
    else out.errors.push({ scope: parsed.scope, code: parsed.code, message: parsed.message });
  }
  return out;
}

/**
 * What a set of scopes permits: not at all; or, when `queries` is not empty, only what matches at least one of
 * the queries (each a search-narrowed scope's query: the caller adds it to a search, or checks a resource
 * against it); an empty `queries` is no constraint.
 */
export type ScopePermission = { permitted: false } | { permitted: true; queries: readonly string[] };

export interface ScopeCheck {
  interaction: Interaction;
  resourceType: string;
  /**
   * The kind of access: 'patient' for the compartment of the patient in the token's context (patient/ and user/
   * scopes apply: a user's scopes cover what that user may see), 'user' for anything else a user does (user/
   * scopes only), 'system' for a backend service (system/ scopes only).
   */
  context: ScopeContext;
}

/** Whether the scopes permit an interaction on a resource type in a context, and under which search constraint. */
export function checkScopes(scopes: readonly ResourceScope[], check: ScopeCheck): ScopePermission {
  const letter = Object.hasOwn(LETTER, check.interaction) ? LETTER[check.interaction] : undefined;
  if (letter === undefined) return { permitted: false };
  const contexts: readonly ScopeContext[] = check.context === 'patient' ? ['patient', 'user'] : [check.context];
  const queries = new Set<string>();
  for (const s of scopes) {
    if (!contexts.includes(s.context)) continue;
    if (s.resourceType !== '*' && s.resourceType !== check.resourceType) continue;
    if (!s.permissions.includes(letter)) continue;
    if (s.query === undefined) return { permitted: true, queries: [] };
    queries.add(s.query);
  }
  return queries.size === 0 ? { permitted: false } : { permitted: true, queries: [...queries].sort() };
}

export interface ScopeGrant {
  /** The scopes granted, as text: in v1 form when requested in v1 form and the grant has one (.read, .write, .*). */
  granted: string[];
  resourceScopes: ResourceScope[];
  /** Requested scopes granted only in part (fewer permissions or types, a narrower context or query). */
  narrowed: string[];
  /** Requested scopes of which nothing could be granted, or that are malformed. */
  refused: { scope: string; code: ScopeErrorCode | 'scope.not-allowed'; message: string }[];
}

/**
 * The part of the requested scopes that the allowed scopes (a client's registration, a user's role) cover: a
 * request for more than is allowed is narrowed or refused, never widened. Resource scopes are intersected
 * (context, type, permissions, query); any other scope is granted only when allowed exactly as written.
 * An allowed scope that does not parse is a configuration error and throws.
 */
export function grantScopes(requested: readonly string[], allowed: readonly string[]): ScopeGrant {
  const allowedParsed = parseScopes(allowed);
  const firstError = allowedParsed.errors[0];
  if (firstError) throw new TypeError(`Allowed scope "${firstError.scope}" is malformed: ${firstError.message}`);
  const out: ScopeGrant = { granted: [], resourceScopes: [], narrowed: [], refused: [] };
  const seen = new Set<string>();
  const add = (text: string, scope?: ResourceScope) => {
    if (seen.has(text)) return;
    seen.add(text);
    out.granted.push(text);
    if (scope) out.resourceScopes.push(scope);
  };
  for (const text of requested) {
    if (!isResourceScope(text)) {
      if (allowedParsed.otherScopes.includes(text)) add(text);
      else out.refused.push({ scope: text, code: 'scope.not-allowed', message: 'This scope is not allowed' });
      continue;
    }
    const parsed = parseResourceScope(text);
    if (!parsed.ok) {
      out.refused.push({ scope: text, code: parsed.code, message: parsed.message });
      continue;
    }
    const parts = simplify(
      allowedParsed.resourceScopes.flatMap((a) => {
        const i = intersect(parsed.scope, a);
        return i ? [i] : [];
      }),
    );
    if (parts.length === 0) {
      out.refused.push({ scope: text, code: 'scope.not-allowed', message: 'Nothing of this scope is allowed' });
      continue;
    }
    const whole = parts.length === 1 && sameScope(parts[0]!, parsed.scope);
    if (!whole) out.narrowed.push(text);
    for (const p of parts) add(formatScope(p, parsed.version), p);
  }
  return out;
}

function intersect(requested: ResourceScope, allowed: ResourceScope): ResourceScope | undefined {
  // A patient/ scope is a user/ scope limited to the patient in context, so user/ covers it; nothing else crosses.
  const contextCovered =
    requested.context === allowed.context || (requested.context === 'patient' && allowed.context === 'user');
  if (!contextCovered) return undefined;
  let resourceType: string;
  if (allowed.resourceType === '*') resourceType = requested.resourceType;
  else if (requested.resourceType === '*' || requested.resourceType === allowed.resourceType) {
    resourceType = allowed.resourceType;
  } else return undefined;
  const permissions = [...LETTERS]
    .filter((l) => requested.permissions.includes(l) && allowed.permissions.includes(l))
    .join('');
  if (permissions === '') return undefined;
  // Each query is a FHIR search; '&' joins parameters with AND, so the joined query matches only what both match.
  const queries = [requested.query, allowed.query].filter((q): q is string => q !== undefined);
  const query = queries.length === 2 && queries[0] !== queries[1] ? queries.join('&') : queries[0];
  return { context: requested.context, resourceType, permissions, ...(query !== undefined ? { query } : {}) };
}

function sameScope(a: ResourceScope, b: ResourceScope): boolean {
  return (
    a.context === b.context &&
    a.resourceType === b.resourceType &&
    a.permissions === b.permissions &&
    a.query === b.query
  );
}

/** Merges scopes that differ only in permissions, then drops those another one covers. */
function simplify(scopes: readonly ResourceScope[]): ResourceScope[] {
  const merged = new Map<string, ResourceScope>();
  for (const s of scopes) {
    const key = `${s.context}/${s.resourceType}?${s.query ?? ''}`;
    const prior = merged.get(key);
    const permissions = prior
      ? [...LETTERS].filter((l) => prior.permissions.includes(l) || s.permissions.includes(l)).join('')
      : s.permissions;
    merged.set(key, { ...s, permissions });
  }
  const list = [...merged.values()];
  return list.filter((s, i) => !list.some((o, j) => j !== i && covers(o, s)));
}

function covers(wider: ResourceScope, narrower: ResourceScope): boolean {
  return (
    wider.context === narrower.context &&
    (wider.resourceType === '*' || wider.resourceType === narrower.resourceType) &&
    [...narrower.permissions].every((l) => wider.permissions.includes(l)) &&
    (wider.query === undefined || wider.query === narrower.query) &&
    !sameScope(wider, narrower)
  );
}
