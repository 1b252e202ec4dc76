import type { JWK } from 'jose';
import { ORGANISATION_KINDS, type OrganisationKind, type PrincipalOrganisation } from '../principal.ts';
import { isKnownScope, parseResourceScope, STATIC_SCOPES } from './smart-scopes.ts';

/** A role profile: one national RBAC job role at one organisation (CIS2's model; domain.md 1.4). */
export interface RoleProfile {
  id: string;
  /** National RBAC job role code, e.g. R8000. */
  roleCode: string;
  organisation: PrincipalOrganisation;
}

/** A member of staff who signs in here: a configured built-in user, or a demo user. */
export interface StaffUser {
  kind: 'staff';
  id: string;
  name: string;
  roleProfiles: RoleProfile[];
  /** SMART `fhirUser`, e.g. `Practitioner/123`. */
  fhirUser?: string;
  /** What the demo list says about the user (demo users only). */
  description?: string;
  /** scrypt hash (`scrypt$N$r$p$salt$key`, base64url), for configured users. Never logged. */
  passwordHash?: string;
}

/** A patient who signs in (demo only for now: NHS login later) at a proofing level. */
export interface PatientUser {
  kind: 'patient';
  id: string;
  name: string;
  nhsNumber: string;
  proofingLevel: string;
}

export type User = StaffUser | PatientUser;

/** An app or system registered with the authorisation server. */
export interface OAuthClientConfig {
  clientId: string;
  name: string;
  /** `none`: a public app (PKCE only); `private_key_jwt`: a confidential app or backend service with keys. */
  auth: 'none' | 'private_key_jwt';
  /** The client's public keys, for private_key_jwt. */
  jwks?: { keys: JWK[] };
  /** Matched exactly. */
  redirectUris: string[];
  /** The scopes the client may be granted (SMART patterns such as `patient/*.rs`); a request is narrowed to them. */
  scopes: string[];
  grantTypes: ('authorization_code' | 'refresh_token' | 'client_credentials')[];
  /** For systems: the organisation (ODS code) it sends for. */
  source?: string;
  /** A local system that may create SMART EHR launch contexts (`POST /oauth/launch`). */
  ehrLaunch?: boolean;
}

/** Where an external identity provider's token keeps each thing we need (a claim name or a dotted path). */
export interface ClaimMapping {
  userId: string;
  name: string;
  roleCode?: string;
  roleProfileId?: string;
  organisationOdsCode?: string;
  organisationName?: string;
  organisationKind?: string;
  clientId: string;
  scope: string;
  /**
   * CIS2 style: the user's role profiles as a list claim, and a claim naming the one selected for this session.
   * Each entry's fields are read with the `entry*` paths.
   */
  roles?: {
    list: string;
    selected: string;
    entryId: string;
    entryRoleCode: string;
    entryOdsCode: string;
    entryOrganisationName?: string;
  };
}

/** A trusted external identity provider (NHS CIS2, Keycloak ...): its tokens become staff principals. */
export interface IdentityProviderConfig {
  issuer: string;
  jwksUri: string;
  audience: string;
  claims: ClaimMapping;
  /** Scopes when the token carries none. */
  defaultScopes: string[];
  /** The kind of each organisation by ODS code, when the token does not say (the region's list is used first). */
  organisationKinds: Record<string, OrganisationKind>;
  /** Signing algorithms accepted. */
  algorithms: string[];
  /** Plain http for the JWKS (tests only). */
  allowHttp: boolean;
  /** The JWKS may be on a private network address (an operator's own Keycloak); never loopback or metadata. */
  allowPrivateNetwork: boolean;
}

export interface OAuthConfig {
  /** The issuer identifier (`iss`): the server's public base URL unless set. */
  issuer: string;
  /** The FHIR base URL: the audience of every access token. */
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionTtl: number;
  launchTtl: number;
  /** How stale a verifier's revocation list may be, in seconds (at most 60). */
  revocationRefreshSeconds: number;
  /** Private signing keys given in the environment; otherwise generated and kept in the database. */
  jwks?: { keys: JWK[] };
  cookieKeys?: string[];
  /** Behind a TLS-terminating proxy: trust X-Forwarded-Proto/Host (for secure cookies and URLs). */
  trustProxy: boolean;
  clients: OAuthClientConfig[];
  users: StaffUser[];
  identityProviders: IdentityProviderConfig[];
  /** Demo mode: demo users exist and are listed on the sign-in page. */
  demo: boolean;
}

export class OAuthConfigError extends Error {
  override name = 'ConfigError';
}

const ODS = /^[A-Z0-9]{3,12}$/;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function json(env: NodeJS.ProcessEnv, name: string, usage: string): unknown {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new OAuthConfigError(`${name} must be JSON: ${usage}`);
  }
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new OAuthConfigError(`${name} must be a whole number of seconds from ${min} to ${max}, not "${raw}"`);
  }
  return n;
}

function httpUrl(value: string, name: string, allowHttp = true): string {
  const url = URL.parse(value);
  if (!url || !(url.protocol === 'https:' || (allowHttp && url.protocol === 'http:')) || url.hash || url.search) {
    throw new OAuthConfigError(`${name} must be an absolute ${allowHttp ? 'http(s)' : 'https'} URL, not "${value}"`);
  }
  return value.replace(/\/$/, '');
}

/**
 * The authorisation server's settings, read from the environment (README.md lists every variable); `baseUrl` is
 * the server's public base URL and `demo` the server's demo mode. Throws naming the variable on a bad value.
 */
export function readOAuthConfig(env: NodeJS.ProcessEnv, server: { baseUrl: string; demo: boolean }): OAuthConfig {
  const issuer = httpUrl(env.JOINEDUP_OAUTH_ISSUER || server.baseUrl, 'JOINEDUP_OAUTH_ISSUER');
  const audience = httpUrl(env.JOINEDUP_OAUTH_AUDIENCE || `${server.baseUrl}/fhir`, 'JOINEDUP_OAUTH_AUDIENCE');
  const accessTokenTtl = seconds(env, 'JOINEDUP_OAUTH_ACCESS_TOKEN_TTL', 600, 60, 900);
  return {
    issuer,
    audience,
    accessTokenTtl,
    refreshTokenTtl: seconds(env, 'JOINEDUP_OAUTH_REFRESH_TOKEN_TTL', 24 * 3600, 300, 90 * 24 * 3600),
    sessionTtl: seconds(env, 'JOINEDUP_OAUTH_SESSION_TTL', 8 * 3600, 300, 7 * 24 * 3600),
    launchTtl: seconds(env, 'JOINEDUP_OAUTH_LAUNCH_TTL', 300, 30, 3600),
    revocationRefreshSeconds: seconds(env, 'JOINEDUP_OAUTH_REVOCATION_REFRESH', 15, 0, 60),
    ...signingKeys(env),
    ...cookieKeys(env),
    trustProxy: ['1', 'true', 'yes', 'on'].includes((env.JOINEDUP_OAUTH_TRUST_PROXY ?? '').toLowerCase()),
    clients: clients(env),
    users: users(env),
    identityProviders: identityProviders(env),
    demo: server.demo,
  };
}

function signingKeys(env: NodeJS.ProcessEnv): { jwks?: { keys: JWK[] } } {
  const usage = '{"keys":[<private RSA or EC JWK with kid>, ...]}';
  const parsed = json(env, 'JOINEDUP_OAUTH_JWKS', usage);
  if (parsed === undefined) return {};
  // Never echo the value: it holds private keys.
  if (!isObject(parsed) || !Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new OAuthConfigError(`JOINEDUP_OAUTH_JWKS must be ${usage}`);
  }
  for (const k of parsed.keys as unknown[]) {
    if (!isObject(k) || !isString(k.kid) || !['RSA', 'EC'].includes(k.kty as string) || !isString(k.d)) {
      throw new OAuthConfigError('JOINEDUP_OAUTH_JWKS: each key must be a private RSA or EC JWK with a kid');
    }
  }
  return { jwks: { keys: parsed.keys as JWK[] } };
}

function cookieKeys(env: NodeJS.ProcessEnv): { cookieKeys?: string[] } {
  const raw = env.JOINEDUP_OAUTH_COOKIE_KEYS;
  if (!raw) return {};
  const keys = raw.split(',').map((k) => k.trim());
  if (keys.some((k) => k.length < 32)) {
    throw new OAuthConfigError('JOINEDUP_OAUTH_COOKIE_KEYS must be comma-separated secrets of at least 32 characters');
  }
  return { cookieKeys: keys };
}

function scopeList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.split(' ').filter(Boolean);
  if (strings(v)) return v;
  return undefined;
}

function clients(env: NodeJS.ProcessEnv): OAuthClientConfig[] {
  const usage =
    '[{"clientId":"care-app","name":"Care app","auth":"none","redirectUris":["https://app.example/callback"],' +
    '"scopes":"openid fhirUser launch launch/patient offline_access patient/*.rs"}, ' +
    '{"clientId":"barts-epr","name":"Barts EPR","auth":"private_key_jwt","jwks":{"keys":[...]},' +
    '"grantTypes":["client_credentials"],"scopes":"system/*.cruds","source":"R1H","ehrLaunch":true}]';
  const parsed = json(env, 'JOINEDUP_OAUTH_CLIENTS', usage);
  if (parsed === undefined) return [];
  if (!Array.isArray(parsed)) throw new OAuthConfigError(`JOINEDUP_OAUTH_CLIENTS must be ${usage}`);
  const ids = new Set<string>();
  return parsed.map((c: unknown, i) => {
    const where = `JOINEDUP_OAUTH_CLIENTS[${i}]`;
    if (!isObject(c) || !isString(c.clientId) || !ID.test(c.clientId)) {
      throw new OAuthConfigError(`${where} needs a clientId (letters, digits, . _ : -)`);
    }
    if (ids.has(c.clientId)) throw new OAuthConfigError(`${where}: clientId ${c.clientId} is listed twice`);
    ids.add(c.clientId);
    const auth = c.auth ?? (c.jwks ? 'private_key_jwt' : 'none');
    if (auth !== 'none' && auth !== 'private_key_jwt') {
      throw new OAuthConfigError(`${where}.auth must be "none" or "private_key_jwt"`);
    }
    if (auth === 'private_key_jwt') {
      const jwks = c.jwks;
      if (!isObject(jwks) || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
        throw new OAuthConfigError(`${where}: private_key_jwt needs jwks {"keys":[...public keys]}`);
      }
      if ((jwks.keys as unknown[]).some((k) => !isObject(k) || 'd' in k)) {
        throw new OAuthConfigError(`${where}.jwks must hold public keys only`);
      }
    }
    if (c.jwksUri !== undefined) {
      // A jwks_uri would have oidc-provider fetch a URL with no SSRF guard: keys are given in configuration.
      throw new OAuthConfigError(`${where}: give the client's public keys as jwks, not jwksUri`);
    }
    const grantTypes =
      c.grantTypes ?? (auth === 'none' ? ['authorization_code', 'refresh_token'] : ['client_credentials']);
    if (
      !strings(grantTypes) ||
      grantTypes.some((g) => !['authorization_code', 'refresh_token', 'client_credentials'].includes(g))
    ) {
      throw new OAuthConfigError(`${where}.grantTypes: authorization_code, refresh_token, client_credentials`);
    }
    if (auth === 'none' && grantTypes.includes('client_credentials')) {
      throw new OAuthConfigError(`${where}: client_credentials needs private_key_jwt`);
    }
    const redirectUris = c.redirectUris ?? [];
    if (!strings(redirectUris)) throw new OAuthConfigError(`${where}.redirectUris must be a list of URLs`);
    for (const uri of redirectUris) {
      const url = URL.parse(uri);
      if (!url || url.hash) throw new OAuthConfigError(`${where}.redirectUris: "${uri}" is not an absolute URL`);
    }
    if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
      throw new OAuthConfigError(`${where}: authorization_code needs redirectUris`);
    }
    const scopes = scopeList(c.scopes);
    if (!scopes || scopes.length === 0) throw new OAuthConfigError(`${where}.scopes: the scopes it may be granted`);
    const unknown = scopes.filter((s) => !isKnownScope(s));
    if (unknown.length) throw new OAuthConfigError(`${where}.scopes: not SMART scopes: ${unknown.join(' ')}`);
    if (c.source !== undefined && (typeof c.source !== 'string' || !ODS.test(c.source))) {
      throw new OAuthConfigError(`${where}.source must be an ODS code`);
    }
    return {
      clientId: c.clientId,
      name: isString(c.name) ? c.name : c.clientId,
      auth,
      ...(auth === 'private_key_jwt' ? { jwks: c.jwks as { keys: JWK[] } } : {}),
      redirectUris,
      scopes,
      grantTypes: grantTypes as OAuthClientConfig['grantTypes'],
      ...(typeof c.source === 'string' ? { source: c.source } : {}),
      ...(c.ehrLaunch === true ? { ehrLaunch: true } : {}),
    };
  });
}

function organisation(v: unknown, where: string): PrincipalOrganisation {
  if (
    !isObject(v) ||
    !isString(v.odsCode) ||
    !ODS.test(v.odsCode) ||
    !isString(v.name) ||
    !(ORGANISATION_KINDS as readonly string[]).includes(v.kind as string)
  ) {
    throw new OAuthConfigError(
      `${where}.organisation must be {"odsCode":"R1H","name":"...","kind":one of ${ORGANISATION_KINDS.join(', ')}}`,
    );
  }
  return { odsCode: v.odsCode, name: v.name, kind: v.kind as OrganisationKind };
}

function users(env: NodeJS.ProcessEnv): StaffUser[] {
  const usage =
    '[{"id":"jsmith","name":"Dr Jane Smith","passwordHash":"scrypt$16384$8$1$<salt>$<key>",' +
    '"fhirUser":"Practitioner/123","roleProfiles":[{"id":"rp-1","roleCode":"R8000",' +
    '"organisation":{"odsCode":"R1H","name":"Barts Health NHS Trust","kind":"acute-trust"}}]}]';
  const parsed = json(env, 'JOINEDUP_USERS', usage);
  if (parsed === undefined) return [];
  if (!Array.isArray(parsed)) throw new OAuthConfigError(`JOINEDUP_USERS must be ${usage}`);
  const ids = new Set<string>();
  return parsed.map((u: unknown, i) => {
    const where = `JOINEDUP_USERS[${i}]`;
    if (!isObject(u) || !isString(u.id) || !ID.test(u.id) || !isString(u.name)) {
      throw new OAuthConfigError(`${where} needs an id (letters, digits, . _ : -) and a name`);
    }
    if (u.id.startsWith('demo-') || u.id.startsWith('nhs-')) {
      throw new OAuthConfigError(`${where}: ids starting demo- or nhs- are reserved`);
    }
    if (ids.has(u.id)) throw new OAuthConfigError(`${where}: id ${u.id} is listed twice`);
    ids.add(u.id);
    // The hash is checked for shape only and never echoed.
    if (!isString(u.passwordHash) || !/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/.test(u.passwordHash)) {
      throw new OAuthConfigError(`${where}.passwordHash must be scrypt$N$r$p$salt$key (see access/oauth/README.md)`);
    }
    if (!Array.isArray(u.roleProfiles) || u.roleProfiles.length === 0) {
      throw new OAuthConfigError(`${where}.roleProfiles: at least one role profile`);
    }
    const roleProfiles = u.roleProfiles.map((r: unknown, j): RoleProfile => {
      const at = `${where}.roleProfiles[${j}]`;
      if (!isObject(r) || !isString(r.roleCode) || !/^R\d{4}$/.test(r.roleCode)) {
        throw new OAuthConfigError(`${at}.roleCode must be a national RBAC job role code such as R8000`);
      }
      return {
        id: isString(r.id) ? r.id : `${u.id as string}-${j + 1}`,
        roleCode: r.roleCode,
        organisation: organisation(r.organisation, at),
      };
    });
    return {
      kind: 'staff' as const,
      id: u.id,
      name: u.name,
      roleProfiles,
      passwordHash: u.passwordHash,
      ...(isString(u.fhirUser) ? { fhirUser: u.fhirUser } : {}),
    };
  });
}

const DEFAULT_CLAIMS: ClaimMapping = { userId: 'sub', name: 'name', clientId: 'client_id', scope: 'scope' };

function identityProviders(env: NodeJS.ProcessEnv): IdentityProviderConfig[] {
  const usage =
    '[{"issuer":"https://idp.example/realms/nhs","jwksUri":"https://idp.example/realms/nhs/protocol/openid-connect/certs",' +
    '"audience":"joinedup","claims":{"roleCode":"role_code","organisationOdsCode":"ods_code"}}]';
  const parsed = json(env, 'JOINEDUP_IDENTITY_PROVIDERS', usage);
  if (parsed === undefined) return [];
  if (!Array.isArray(parsed)) throw new OAuthConfigError(`JOINEDUP_IDENTITY_PROVIDERS must be ${usage}`);
  return parsed.map((p: unknown, i) => {
    const where = `JOINEDUP_IDENTITY_PROVIDERS[${i}]`;
    if (!isObject(p) || !isString(p.issuer) || !isString(p.jwksUri) || !isString(p.audience)) {
      throw new OAuthConfigError(`${where} needs issuer, jwksUri and audience: ${usage}`);
    }
    const allowHttp = p.allowHttp === true;
    httpUrl(p.jwksUri, `${where}.jwksUri`, allowHttp);
    const claims: ClaimMapping = { ...DEFAULT_CLAIMS, ...(isObject(p.claims) ? p.claims : {}) };
    for (const [k, v] of Object.entries(claims)) {
      if (k === 'roles') continue;
      if (!isString(v)) throw new OAuthConfigError(`${where}.claims.${k} must be a claim name or dotted path`);
    }
    if (claims.roles !== undefined) {
      const r = claims.roles as unknown;
      if (!isObject(r) || !isString(r.list) || !isString(r.selected)) {
        throw new OAuthConfigError(`${where}.claims.roles needs list and selected claim paths`);
      }
      claims.roles = {
        list: r.list,
        selected: r.selected,
        entryId: isString(r.entryId) ? r.entryId : 'person_roleid',
        entryRoleCode: isString(r.entryRoleCode) ? r.entryRoleCode : 'role_code',
        entryOdsCode: isString(r.entryOdsCode) ? r.entryOdsCode : 'org_code',
        ...(isString(r.entryOrganisationName) ? { entryOrganisationName: r.entryOrganisationName } : {}),
      };
    } else if (!claims.roleCode || !claims.organisationOdsCode) {
      throw new OAuthConfigError(`${where}.claims needs roleCode and organisationOdsCode, or roles (CIS2)`);
    }
    const kinds = isObject(p.organisationKinds) ? p.organisationKinds : {};
    for (const [ods, kind] of Object.entries(kinds)) {
      if (!ODS.test(ods) || !(ORGANISATION_KINDS as readonly string[]).includes(kind as string)) {
        throw new OAuthConfigError(`${where}.organisationKinds: ${ods} → one of ${ORGANISATION_KINDS.join(', ')}`);
      }
    }
    const defaultScopes = scopeList(p.defaultScopes) ?? [];
    if (defaultScopes.some((s) => !parseResourceScope(s) && !(STATIC_SCOPES as readonly string[]).includes(s))) {
      throw new OAuthConfigError(`${where}.defaultScopes must be SMART scopes`);
    }
    const algorithms = strings(p.algorithms) ? p.algorithms : ['RS256', 'ES256', 'PS256'];
    return {
      issuer: p.issuer,
      jwksUri: p.jwksUri,
      audience: p.audience,
      claims,
      defaultScopes,
      organisationKinds: kinds as Record<string, OrganisationKind>,
      algorithms,
      allowHttp,
      allowPrivateNetwork: p.allowPrivateNetwork === true,
    };
  });
}
