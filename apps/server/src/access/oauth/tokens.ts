import { createHash } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { unauthorized, unavailable } from '@joinedup/fhir';
import { systemClock, type Clock } from '../../platform/clock.ts';
import {
  ORGANISATION_KINDS,
  type OrganisationKind,
  type Principal,
  type PrincipalOrganisation,
  type ResourceScope,
} from '../principal.ts';
import type { IdentityProviderConfig } from './oauth.config.ts';
import type { RevocationList } from './oauth.store.ts';
import { parseScopes as parseSmartScopes } from '../scopes.ts';
import { createUrlGuard, fetchGuardedJson, type Resolver, type Transport } from './url-guard.ts';

// The check the FHIR API makes on every request: a bearer JWT from the built-in authorisation server (verified
// with its keys in memory) or from a configured external identity provider (keys fetched from its jwks_uri
// through the URL guard, cached), then its revocation (a list refreshed in the background at most every 60 s),
// then its claims turned into a Principal. Every refusal is a 401 OperationOutcome with an `access.token-*` code
// and never says more about the token than what is wrong with it.

export interface TokenVerifierConfig {
  /** The built-in authorisation server's issuer identifier. */
  issuer: string;
  /** The FHIR base URL our tokens are issued for. */
  audience: string;
  /** The built-in issuer's public keys. */
  keys: JSONWebKeySet;
  /** Revoked token and grant ids; without one, no token counts as revoked. */
  revocations?: RevocationList;
  identityProviders?: readonly IdentityProviderConfig[];
  /** The region's organisations, to name external tokens' organisations and know their kind. */
  organisations?: readonly PrincipalOrganisation[];
  /** Leeway on exp and nbf, in seconds (default 30). */
  clockToleranceSeconds?: number;
  clock?: Clock;
  /** How long an external issuer's keys are kept before they are fetched again (seconds, default 600). */
  jwksCacheSeconds?: number;
  resolve?: Resolver;
  transport?: Transport;
  /** The resource scopes among a token's scopes; access/scopes.ts parses them unless another parser is given. */
  parseScopes?: (scopes: readonly string[]) => ResourceScope[];
}

export interface TokenVerifier {
  /** The principal an `Authorization: Bearer <JWT>` header names; a 401 OperationOutcomeError otherwise. */
  verify(authorization: string | undefined): Promise<Principal>;
}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
// The signature part may be empty so that an unsigned token is refused as unsigned, not as malformed.
const BEARER = /^Bearer +([\w-]+\.[\w-]+\.[\w-]*)$/i;
const MAX_TOKEN = 16 * 1024;
const REFETCH_AFTER_MS = 30_000;

type Refusal =
  | 'missing'
  | 'malformed'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'claims'
  | 'role-missing'
  | 'organisation-unknown';

const MESSAGES: Record<Refusal, string> = {
  missing: 'This request needs an access token (Authorization: Bearer <token>)',
  malformed: 'The Authorization header must be "Bearer <JWT>"',
  signature: 'The access token signature is not valid',
  issuer: 'The access token was not issued by an issuer this server trusts',
  audience: 'The access token was not issued for this server',
  expired: 'The access token has expired',
  'not-yet-valid': 'The access token is not valid yet',
  revoked: 'The access token has been revoked',
  claims: 'The access token does not say who is calling',
  'role-missing': 'The access token names no selected role profile',
  'organisation-unknown': 'The access token names an organisation this server does not know',
};

function refuse(reason: Refusal) {
  // Written out so that the error catalogue check finds each code.
  switch (reason) {
    case 'missing':
      return unauthorized(MESSAGES[reason], { code: 'access.token-missing' });
    case 'malformed':
      return unauthorized(MESSAGES[reason], { code: 'access.token-malformed' });
    case 'signature':
      return unauthorized(MESSAGES[reason], { code: 'access.token-signature' });
    case 'issuer':
      return unauthorized(MESSAGES[reason], { code: 'access.token-issuer' });
    case 'audience':
      return unauthorized(MESSAGES[reason], { code: 'access.token-audience' });
    case 'expired':
      return unauthorized(MESSAGES[reason], { code: 'access.token-expired' });
    case 'not-yet-valid':
      return unauthorized(MESSAGES[reason], { code: 'access.token-not-yet-valid' });
    case 'revoked':
      return unauthorized(MESSAGES[reason], { code: 'access.token-revoked' });
    case 'claims':
      return unauthorized(MESSAGES[reason], { code: 'access.token-claims' });
    case 'role-missing':
      return unauthorized(MESSAGES[reason], { code: 'access.token-role-missing' });
    case 'organisation-unknown':
      return unauthorized(MESSAGES[reason], { code: 'access.token-organisation-unknown' });
  }
}

/** The public half of each key (private members dropped), for the JWKS and the verifier. */
export function publicJwks(keys: readonly JWK[]): JSONWebKeySet {
  const privateMembers = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);
  return {
    keys: keys.map((k) => Object.fromEntries(Object.entries(k).filter(([name]) => !privateMembers.has(name))) as JWK),
  };
}

interface RemoteKeys {
  keys?: JWTVerifyGetKey;
  fetchedAt: number;
  pending?: Promise<JWTVerifyGetKey>;
}

export function createTokenVerifier(config: TokenVerifierConfig): TokenVerifier {
  const clock = config.clock ?? systemClock;
  const tolerance = config.clockToleranceSeconds ?? 30;
  const parseScopes = config.parseScopes ?? ((scopes: readonly string[]) => parseSmartScopes(scopes).resourceScopes);
  const localKeys = createLocalJWKSet(config.keys);
  const providers = new Map((config.identityProviders ?? []).map((p) => [p.issuer, p]));
  const remote = new Map<string, RemoteKeys>();
  const organisations = new Map((config.organisations ?? []).map((o) => [o.odsCode, o]));
  const cacheMs = (config.jwksCacheSeconds ?? 600) * 1000;

  function remoteKeys(idp: IdentityProviderConfig, refresh: boolean): Promise<JWTVerifyGetKey> {
    const entry = remote.get(idp.issuer) ?? { fetchedAt: 0 };
    remote.set(idp.issuer, entry);
    const now = Date.now();
    const stale =
      !entry.keys || now - entry.fetchedAt > cacheMs || (refresh && now - entry.fetchedAt > REFETCH_AFTER_MS);
    if (!stale) return Promise.resolve(entry.keys!);
    entry.pending ??= (async () => {
      try {
        const guard = createUrlGuard({
          ...(config.resolve ? { resolve: config.resolve } : {}),
          allowHttp: idp.allowHttp,
          allowPrivateNetwork: idp.allowPrivateNetwork,
        });
        const jwks = (await fetchGuardedJson(idp.jwksUri, guard, config.transport)) as JSONWebKeySet;
        if (!jwks || !Array.isArray(jwks.keys)) throw new Error('not a JWKS');
        entry.keys = createLocalJWKSet(jwks);
        entry.fetchedAt = Date.now();
        return entry.keys;
      } catch {
        // The reason (an address refused, a timeout) is for the operator: the caller only learns keys are missing.
        if (entry.keys) return entry.keys;
        throw unavailable(`The signing keys of ${idp.issuer} cannot be fetched; try again shortly`, {
          code: 'access.token-keys-unavailable',
        });
      } finally {
        entry.pending = undefined;
      }
    })();
    return entry.pending;
  }

  async function verifySignature(
    token: string,
    keys: JWTVerifyGetKey,
    options: { issuer: string; audience: string; algorithms: string[]; typ?: string },
  ): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: tolerance,
        currentDate: clock.now(),
        requiredClaims: ['exp'],
        ...(options.typ ? { typ: options.typ } : {}),
      });
      return payload;
    } catch (e) {
      throw mapJoseError(e);
    }
  }

  async function verify(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization.trim() === '') throw refuse('missing');
    if (authorization.length > MAX_TOKEN) throw refuse('malformed');
    const token = BEARER.exec(authorization.trim())?.[1];
    if (!token) throw refuse('malformed');
    let issuer: unknown;
    try {
      const header = decodeProtectedHeader(token);
      // An unsigned token ("alg": "none") is never accepted, whoever claims to have issued it.
      if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') throw refuse('signature');
      issuer = decodeJwt(token).iss;
    } catch (e) {
      if (e instanceof Error && e.name === 'OperationOutcomeError') throw e;
      throw refuse('malformed');
    }
    if (issuer === config.issuer) {
      const payload = await verifySignature(token, localKeys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ALGORITHMS,
        typ: 'at+jwt',
      });
      const principal = ourPrincipal(payload);
      const grantId = typeof payload.gid === 'string' ? payload.gid : undefined;
      if (await config.revocations?.isRevoked(principal.tokenId, grantId)) throw refuse('revoked');
      return principal;
    }
    const idp = typeof issuer === 'string' ? providers.get(issuer) : undefined;
    if (!idp) throw refuse('issuer');
    const options = { issuer: idp.issuer, audience: idp.audience, algorithms: idp.algorithms };
    let payload: JWTPayload;
    try {
      payload = await verifySignature(token, await remoteKeys(idp, false), options);
    } catch (e) {
      // A key we have not seen: the provider may have rotated its keys; fetch them again (at most every 30 s).
      if (!(e instanceof Error && (e as { rotated?: boolean }).rotated)) throw e;
      payload = await verifySignature(token, await remoteKeys(idp, true), options);
    }
    const principal = externalPrincipal(idp, payload, token);
    if (await config.revocations?.isRevoked(principal.tokenId)) throw refuse('revoked');
    return principal;
  }

  function common(payload: JWTPayload, scopes: string[], clientId: unknown, tokenId: string) {
    if (typeof clientId !== 'string' || clientId === '') throw refuse('claims');
    return {
      clientId,
      scopes,
      resourceScopes: parseScopes(scopes),
      tokenId,
      expiresAt: payload.exp!,
    };
  }

  function ourPrincipal(p: JWTPayload): Principal {
    if (typeof p.jti !== 'string' || typeof p.sub !== 'string') throw refuse('claims');
    const scopes = typeof p.scope === 'string' ? p.scope.split(' ').filter(Boolean) : [];
    const base = common(p, scopes, p.client_id, p.jti);
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    switch (p.principal) {
      case 'system':
        return { kind: 'system', ...base, ...(str(p.source) ? { source: str(p.source)! } : {}) };
      case 'patient': {
        const nhsNumber = str(p.nhs_number);
        const proofingLevel = str(p.identity_proofing_level);
        if (!nhsNumber || !proofingLevel) throw refuse('claims');
        return {
          kind: 'patient',
          ...base,
          userId: p.sub,
          nhsNumber,
          proofingLevel,
          ...(str(p.patient) ? { patient: str(p.patient)! } : {}),
        };
      }
      case 'staff': {
        const org = (typeof p.organisation === 'object' && p.organisation !== null ? p.organisation : {}) as Record<
          string,
          unknown
        >;
        const roleCode = str(p.role_code);
        if (!roleCode) throw refuse('role-missing');
        const odsCode = str(org.ods_code);
        const kind = str(org.kind);
        if (!odsCode || !kind || !(ORGANISATION_KINDS as readonly string[]).includes(kind)) throw refuse('claims');
        const launch = {
          ...(str(p.patient) ? { patient: str(p.patient)! } : {}),
          ...(str(p.encounter) ? { encounter: str(p.encounter)! } : {}),
        };
        return {
          kind: 'staff',
          ...base,
          userId: p.sub,
          name: str(p.name) ?? p.sub,
          roleCode,
          ...(str(p.role_profile_id) ? { roleProfileId: str(p.role_profile_id)! } : {}),
          organisation: { odsCode, name: str(org.name) ?? odsCode, kind: kind as OrganisationKind },
          ...(Object.keys(launch).length ? { launch } : {}),
        };
      }
      default:
        throw refuse('claims');
    }
  }

  function externalPrincipal(idp: IdentityProviderConfig, p: JWTPayload, token: string): Principal {
    const m = idp.claims;
    const text = (path: string | undefined, from: unknown = p) => {
      const v = path ? claimAt(from, path) : undefined;
      return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
    };
    const userId = text(m.userId);
    if (!userId) throw refuse('claims');
    const rawScope = claimAt(p, m.scope) ?? p.scp;
    const scopes =
      typeof rawScope === 'string'
        ? rawScope.split(' ').filter(Boolean)
        : Array.isArray(rawScope)
          ? rawScope.filter((s): s is string => typeof s === 'string')
          : [...idp.defaultScopes];
    const clientId = text(m.clientId) ?? text('azp') ?? idp.audience;
    // Tokens without a jti still need an id to audit: a digest of the token itself.
    const tokenId = typeof p.jti === 'string' ? p.jti : createHash('sha256').update(token).digest('base64url');
    const base = common(p, scopes, clientId, tokenId);

    let roleCode: string | undefined;
    let roleProfileId: string | undefined;
    let odsCode: string | undefined;
    let orgName: string | undefined;
    if (m.roles) {
      // CIS2: the user's role profiles, and the one selected at sign-in; no selection, no principal.
      const selected = text(m.roles.selected);
      const list = claimAt(p, m.roles.list);
      const entry =
        Array.isArray(list) && selected
          ? (list as unknown[]).find((r) => text(m.roles!.entryId, r) === selected)
          : undefined;
      if (!entry) throw refuse('role-missing');
      roleProfileId = selected;
      roleCode = text(m.roles.entryRoleCode, entry);
      odsCode = text(m.roles.entryOdsCode, entry);
      orgName = text(m.roles.entryOrganisationName, entry);
    } else {
      roleCode = text(m.roleCode);
      roleProfileId = text(m.roleProfileId);
      odsCode = text(m.organisationOdsCode);
      orgName = text(m.organisationName);
    }
    roleCode = jobRoleCode(roleCode);
    if (!roleCode || !odsCode) throw refuse('role-missing');
    const known = organisations.get(odsCode);
    const claimedKind = text(m.organisationKind);
    const kind =
      (claimedKind && (ORGANISATION_KINDS as readonly string[]).includes(claimedKind)
        ? (claimedKind as OrganisationKind)
        : undefined) ??
      idp.organisationKinds[odsCode] ??
      known?.kind;
    if (!kind) throw refuse('organisation-unknown');
    return {
      kind: 'staff',
      ...base,
      userId,
      name: text(m.name) ?? userId,
      roleCode,
      ...(roleProfileId ? { roleProfileId } : {}),
      organisation: { odsCode, name: orgName ?? known?.name ?? odsCode, kind },
    };
  }

  return { verify };
}

/** The job role (R-code) in a role code: CIS2 writes `S8000:G8000:R8000` (staff group, job group, job role). */
function jobRoleCode(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value
    .split(':')
    .map((s) => s.trim())
    .reverse()
    .find((s) => /^R\d{4}$/.test(s));
}

function claimAt(from: unknown, path: string): unknown {
  let value: unknown = from;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function mapJoseError(e: unknown): Error {
  const err = e as { code?: string; claim?: string; reason?: string; name?: string };
  if (err.name === 'OperationOutcomeError') return e as Error;
  switch (err.code ?? '') {
    case 'ERR_JWT_EXPIRED':
      return refuse('expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (err.reason === 'missing') return refuse('claims');
      if (err.claim === 'iss') return refuse('issuer');
      if (err.claim === 'aud') return refuse('audience');
      if (err.claim === 'nbf' || err.claim === 'iat') return refuse('not-yet-valid');
      if (err.claim === 'exp') return refuse('expired');
      return refuse('claims');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return Object.assign(refuse('signature'), { rotated: true });
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refuse('signature');
    default:
      return refuse('malformed');
  }
}
