import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { compactVerify, createLocalJWKSet, decodeJwt, type JWK } from 'jose';
import Provider, {
  errors,
  type Account,
  type Adapter,
  type BaseToken,
  type Client,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { badRequest, forbidden, unprocessable } from '@joinedup/fhir';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db.ts';
import type { Logger } from '../../platform/log.ts';
import type { Principal, PrincipalOrganisation } from '../principal.ts';
import { demoUsers } from './demo-users.ts';
import type { OAuthClientConfig, OAuthConfig } from './oauth.config.ts';
import {
  createAdapterFactory,
  createGrantContextStore,
  createLaunchStore,
  createRevocationStore,
  loadOrCreateKeys,
  type GrantContext,
} from './oauth.store.ts';
import { createUserDirectory, registerSignInRoutes, renderErrorPage, renderMessagePage } from './sign-in.ts';
import { narrowScopes, STATIC_SCOPES } from './smart-scopes.ts';
import { createTokenVerifier, publicJwks, type TokenVerifier, type TokenVerifierConfig } from './tokens.ts';

// The built-in OAuth 2.0 / OpenID Connect authorisation server (oidc-provider) with SMART App Launch 2.0 written on
// top (ADR 10): fixed audience (the FHIR base URL), JWT access tokens carrying our principal claims, PKCE S256 for
// every client, refresh tokens rotated with reuse revoking the grant, revocation and introspection of JWT access
// tokens through a record of each one, EHR launch contexts and the launch/patient choice at sign-in.

/** Where the authorisation server answers (under the server's public base URL). */
export const OAUTH_PATHS = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  endSession: '/oauth/logout',
  signIn: '/oauth/sign-in',
  launch: '/oauth/launch',
} as const;

const CLIENT_AUTH_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const BODY_LIMIT = 56 * 1024;

export interface AuthorizationServerDeps {
  db: Db;
  config: OAuthConfig;
  log: Logger;
  /** The region's organisations: demo staff are placed at them; external tokens' ODS codes are looked up in them. */
  organisations?: readonly PrincipalOrganisation[];
  /** NHS numbers of the demo patients listed on the sign-in page (demo mode only). */
  demoPatientNhsNumbers?: readonly string[];
  /** The Patient resource id for an NHS number (standalone launch; a patient's own record), or undefined. */
  findPatientByNhsNumber?: (nhsNumber: string) => Promise<string | undefined>;
  /** Whether a Patient resource exists (checked when a launch context is created); any id is accepted without it. */
  patientExists?: (id: string) => Promise<boolean>;
  /** The verifier's clock (tests move it to try expiry). */
  clock?: Clock;
  /** Settings passed to the verifier for external identity providers (tests: a stub resolver and transport). */
  verifier?: Pick<TokenVerifierConfig, 'resolve' | 'transport'>;
  /** Paths answering `.well-known/smart-configuration`: by default the root and the FHIR base's path. */
  smartConfigurationPaths?: string[];
}

export interface AuthorizationServer {
  readonly issuer: string;
  /** The FHIR base URL: the audience of every access token. */
  readonly audience: string;
  /** Registers /oauth/*, the sign-in pages, /oauth/launch and the .well-known documents on the server. */
  register(app: FastifyInstance): void;
  /** Checks an `Authorization` header: the principal, or a 401 OperationOutcomeError (`access.token-*`). */
  verify(authorization: string | undefined): Promise<Principal>;
  readonly verifier: TokenVerifier;
  /** SMART App Launch 2.0 `.well-known/smart-configuration`. */
  smartConfiguration(): Record<string, unknown>;
}

/**
 * The authorisation server on an open, migrated database: loads (or on first start generates) its keys, registers
 * the configured clients, and builds the verifier that the FHIR API calls on every request.
 */
export async function createAuthorizationServer(deps: AuthorizationServerDeps): Promise<AuthorizationServer> {
  const { db, config, log } = deps;
  const stored = await loadOrCreateKeys(db, { withSigning: !config.jwks });
  const signingKeys: JWK[] = config.jwks?.keys ?? stored.signing;
  const cookieKeys = config.cookieKeys ?? stored.cookies;
  const publicKeys = publicJwks(signingKeys);
  const localKeys = createLocalJWKSet(publicKeys);
  const csrfKey = createHmac('sha256', cookieKeys[0]!).update('joinedup sign-in csrf').digest();

  const revocations = createRevocationStore(db, {
    refreshSeconds: config.revocationRefreshSeconds,
    grantEntrySeconds: config.accessTokenTtl + 120,
  });
  const launches = createLaunchStore(db);
  const grantContexts = createGrantContextStore(db);
  const clients = new Map(config.clients.map((c) => [c.clientId, c]));
  const users = createUserDirectory({
    configured: config.users,
    demo: config.demo ? demoUsers(deps.organisations ?? [], deps.demoPatientNhsNumbers ?? []) : undefined,
  });

  const verifier = createTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    keys: publicKeys,
    revocations,
    identityProviders: config.identityProviders,
    organisations: deps.organisations ?? [],
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...deps.verifier,
  });

  const audience = config.audience;
  const sameAudience = (value: string) => value.replace(/\/$/, '') === audience;

  function allowedScopesFor(clientId: string): string[] {
    return clients.get(clientId)?.scopes ?? [];
  }

  // The scopes of this request that the client may have: what the resource server (the FHIR API) accepts for it.
  function resourceServerScopes(ctx: KoaContextWithOIDC, client: Client): string {
    const requested = new Set<string>();
    const add = (s: unknown) => {
      if (typeof s === 'string') for (const x of s.split(' ')) if (x) requested.add(x);
    };
    add(ctx.oidc.params.scope);
    for (const kind of ['AuthorizationCode', 'RefreshToken', 'RotatedRefreshToken', 'Grant']) {
      const entity = ctx.oidc.entities[kind] as { scope?: string } | undefined;
      add(entity?.scope);
    }
    const { granted } = narrowScopes([...requested], allowedScopesFor(client.clientId));
    if (ctx.oidc.route === 'token' && ctx.oidc.params.grant_type === 'client_credentials') {
      // Backend services get system/ scopes only, and a request none of whose scopes is allowed is refused.
      const system = granted.filter((s) => s.startsWith('system/'));
      if (system.length === 0) throw new errors.InvalidScope('none of the requested scopes is allowed for this client');
      return system.join(' ');
    }
    return granted.join(' ');
  }

  async function principalClaims(token: BaseToken): Promise<Record<string, unknown>> {
    if (token.kind === 'ClientCredentials') {
      const client = clients.get(token.clientId);
      return { principal: 'system', ...(client?.source ? { source: client.source } : {}) };
    }
    const user = token.accountId ? users.find(token.accountId) : undefined;
    if (!user) throw new errors.InvalidGrant('the signed-in user no longer exists');
    const context: GrantContext = (token.grantId ? await grantContexts.find(token.grantId) : undefined) ?? {};
    const launch = {
      ...(context.patient ? { patient: context.patient } : {}),
      ...(context.encounter ? { encounter: context.encounter } : {}),
    };
    if (user.kind === 'patient') {
      return {
        principal: 'patient',
        name: user.name,
        nhs_number: user.nhsNumber,
        identity_proofing_level: user.proofingLevel,
        ...launch,
        ...(context.patient ? { fhirUser: `Patient/${context.patient}` } : {}),
      };
    }
    const role = user.roleProfiles.find((r) => r.id === context.roleProfileId);
    if (!role) throw new errors.InvalidGrant('the role profile chosen at sign-in no longer exists');
    return {
      principal: 'staff',
      name: user.name,
      role_code: role.roleCode,
      role_profile_id: role.id,
      organisation: { ods_code: role.organisation.odsCode, name: role.organisation.name, kind: role.organisation.kind },
      ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
      ...launch,
    };
  }

  const configuration: Configuration = {
    adapter: createAdapterFactory(db, revocations),
    clients: config.clients.map(clientMetadata),
    jwks: { keys: signingKeys },
    cookies: {
      keys: cookieKeys,
      names: { session: 'joinedup_session', interaction: 'joinedup_interaction', resume: 'joinedup_resume' },
      long: { httpOnly: true, sameSite: 'lax', overwrite: true },
      short: { httpOnly: true, sameSite: 'lax', overwrite: true },
    },
    scopes: [...STATIC_SCOPES],
    claims: { openid: ['sub'], profile: ['name'], fhirUser: ['fhirUser'] },
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    enabledJWA: { clientAuthSigningAlgValues: CLIENT_AUTH_ALGS },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    },
    routes: {
      authorization: OAUTH_PATHS.authorization,
      token: OAUTH_PATHS.token,
      revocation: OAUTH_PATHS.revocation,
      introspection: OAUTH_PATHS.introspection,
      jwks: OAUTH_PATHS.jwks,
      userinfo: OAUTH_PATHS.userinfo,
      end_session: OAUTH_PATHS.endSession,
    },
    extraParams: {
      // SMART App Launch: `aud` names the FHIR server the app means to call; anything else is refused, so that a
      // token is never issued for the wrong server.
      aud(_ctx: KoaContextWithOIDC, value: string | undefined) {
        if (value !== undefined && !sameAudience(value)) {
          throw new errors.InvalidRequest(`aud must be this server's FHIR base URL, ${audience}`);
        }
      },
      async launch(_ctx: KoaContextWithOIDC, value: string | undefined, client: Client) {
        if (value === undefined) return;
        const launch = await launches.find(value);
        if (!launch) throw new errors.InvalidRequest('launch is unknown, expired or already used');
        if (launch.clientId && launch.clientId !== client.clientId) {
          throw new errors.InvalidRequest('launch was created for another app');
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // RFC 7662: a public client may introspect only its own tokens; a confidential one any token.
        allowedPolicy: (_ctx: KoaContextWithOIDC, client: Client, token: BaseToken) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        // RFC 7009: only the client a token was issued to may revoke it.
        allowedPolicy: (_ctx: KoaContextWithOIDC, client: Client, token: BaseToken) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          ctx.body = renderMessagePage('Sign out', 'Do you want to sign out of JoinedUp?', {
            form,
            buttons: [
              { form: 'op.logoutForm', name: 'logout', value: 'yes', label: 'Yes, sign out' },
              { form: 'op.logoutForm', label: 'No, stay signed in', secondary: true },
            ],
          }).html;
        },
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
          ctx.body = renderMessagePage('Signed out', 'You have signed out of JoinedUp.').html;
        },
      },
      resourceIndicators: {
        enabled: true,
        // One resource server: the FHIR API. An app that names no resource gets it; a token is always for it.
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: KoaContextWithOIDC, resource: string, client: Client) => {
          if (!sameAudience(resource)) throw new errors.InvalidTarget('the only resource is the FHIR API');
          return {
            audience,
            scope: resourceServerScopes(ctx, client),
            accessTokenTTL: config.accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `${OAUTH_PATHS.signIn}/${interaction.uid}`,
    },
    // A fresh grant for every authorisation: each carries its own role profile and launch context, so an
    // earlier grant of the same session (another patient's launch) is never reused.
    loadExistingGrant: async (ctx: KoaContextWithOIDC & { oidc: { result?: { consent?: { grantId?: string } } } }) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? provider.Grant.find(grantId) : undefined;
    },
    findAccount: (_ctx: KoaContextWithOIDC, sub: string, token?: BaseToken): Account | undefined => {
      const user = users.find(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => {
          if (user.kind === 'staff')
            return { sub: user.id, name: user.name, ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}) };
          const context = token?.grantId ? await grantContexts.find(token.grantId) : undefined;
          return {
            sub: user.id,
            name: user.name,
            ...(context?.patient ? { fhirUser: `Patient/${context.patient}` } : {}),
          };
        },
      };
    },
    issueRefreshToken: (_ctx: KoaContextWithOIDC, client: Client, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // Every use of a refresh token returns a new one; presenting a used one again revokes the whole grant.
    rotateRefreshToken: true,
    revokeGrantPolicy: (ctx: KoaContextWithOIDC) => !(ctx.oidc.route === 'revocation' && ctx.oidc.entities.AccessToken),
    extraTokenClaims: (_ctx: KoaContextWithOIDC, token: BaseToken) => principalClaims(token),
    formats: {
      customizers: {
        // Each JWT access token is also recorded (by its jti) so that revocation and introspection can find it;
        // `gid` names its grant, so that revoking the grant revokes it too.
        jwt: async (
          _ctx: KoaContextWithOIDC,
          token: BaseToken & { adapter: Adapter },
          jwt: { payload: Record<string, unknown> },
        ) => {
          if (token.grantId) jwt.payload.gid = token.grantId;
          const exp = jwt.payload.exp as number;
          const record = {
            iat: jwt.payload.iat as number,
            exp,
            jti: token.jti,
            kind: token.kind,
            clientId: token.clientId,
            accountId: token.accountId,
            grantId: token.grantId,
            gty: token.gty,
            scope: token.scope,
            aud: token.aud,
            sid: token.sid,
            sessionUid: token.sessionUid,
            expiresWithSession: token.expiresWithSession,
            extra: token.extra,
          };
          await token.adapter.upsert(token.jti, record, Math.max(1, exp - Math.floor(Date.now() / 1000)));
        },
      },
    },
    ttl: {
      AccessToken: config.accessTokenTtl,
      ClientCredentials: config.accessTokenTtl,
      IdToken: config.accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: config.refreshTokenTtl,
      Grant: config.refreshTokenTtl,
      Session: config.sessionTtl,
      Interaction: 10 * 60,
    },
    clientBasedCORS: (_ctx: KoaContextWithOIDC, origin: string, client: Client) =>
      client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
    renderError: (ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage(out.error ?? 'server_error', out.error_description);
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  provider.on('server_error', (_ctx, error) => {
    const e = error as Error;
    log.error('oauth server error', { error: `${e.name}: ${e.message}` });
  });

  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && (ctx.path === OAUTH_PATHS.revocation || ctx.path === OAUTH_PATHS.introspection)) {
      await replaceJwtTokenParameter(ctx.req, async (jwt) => {
        try {
          const { payload } = await compactVerify(jwt, localKeys);
          const jti = (JSON.parse(new TextDecoder().decode(payload)) as { jti?: unknown }).jti;
          return typeof jti === 'string' ? jti : undefined;
        } catch {
          return undefined;
        }
      });
    }
    if (ctx.method === 'GET' && ctx.path === OAUTH_PATHS.authorization) requireConsentForOfflineAccess(ctx);
    await next();
    if (ctx.path === OAUTH_PATHS.token && ctx.status === 200) await addLaunchContext(ctx.body);
  });

  // SMART App Launch: the token response names the launch patient (and encounter) and whether the app should
  // show a patient banner.
  async function addLaunchContext(body: unknown) {
    if (typeof body !== 'object' || body === null) return;
    const response = body as Record<string, unknown>;
    if (typeof response.access_token !== 'string') return;
    const claims = decodeJwt(response.access_token);
    if (typeof claims.patient === 'string') {
      response.patient = claims.patient;
      const context = typeof claims.gid === 'string' ? await grantContexts.find(claims.gid) : undefined;
      response.need_patient_banner = context?.needPatientBanner ?? true;
    }
    if (typeof claims.encounter === 'string') response.encounter = claims.encounter;
  }

  const smartConfigurationPaths = deps.smartConfigurationPaths ?? [
    ...new Set([
      '/.well-known/smart-configuration',
      `${new URL(audience).pathname.replace(/\/$/, '')}/.well-known/smart-configuration`,
    ]),
  ];

  function smartConfiguration(): Record<string, unknown> {
    const at = (path: string) => `${config.issuer}${path}`;
    return {
      issuer: config.issuer,
      jwks_uri: at(OAUTH_PATHS.jwks),
      authorization_endpoint: at(OAUTH_PATHS.authorization),
      token_endpoint: at(OAUTH_PATHS.token),
      revocation_endpoint: at(OAUTH_PATHS.revocation),
      introspection_endpoint: at(OAUTH_PATHS.introspection),
      userinfo_endpoint: at(OAUTH_PATHS.userinfo),
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: CLIENT_AUTH_ALGS,
      code_challenge_methods_supported: ['S256'],
      scopes_supported: [
        ...STATIC_SCOPES,
        'patient/*.rs',
        'patient/*.cruds',
        'user/*.rs',
        'user/*.cruds',
        'system/*.rs',
        'system/*.cruds',
      ],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-asymmetric',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'context-banner',
        'permission-v1',
        'permission-v2',
        'permission-patient',
        'permission-user',
        'permission-offline',
        'sso-openid-connect',
      ],
    };
  }

  function register(app: FastifyInstance) {
    const handle = provider.callback();
    void app.register((scope, _options, done) => {
      // oidc-provider reads request bodies itself: leave the stream unread.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      const forward = async (request: FastifyRequest, reply: FastifyReply) => {
        reply.hijack();
        await handle(request.raw, reply.raw);
      };
      scope.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/oauth/*', handler: forward });
      for (const url of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        scope.route({ method: ['GET', 'OPTIONS'], url, handler: forward });
      }
      done();
    });
    void app.register((scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: BODY_LIMIT },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'string', bodyLimit: BODY_LIMIT },
        (_request, body, done) => {
          try {
            done(null, JSON.parse(body as string));
          } catch {
            done(badRequest('The body is not valid JSON', { code: 'access.launch-invalid' }), undefined);
          }
        },
      );
      for (const path of smartConfigurationPaths) {
        scope.get(path, (_request, reply) => {
          void reply.header('cache-control', 'public, max-age=3600').send(smartConfiguration());
        });
      }
      scope.post(OAUTH_PATHS.launch, async (request, reply) => {
        const launch = await createLaunch(request.headers.authorization, request.body);
        return reply.code(201).send(launch);
      });
      // oidc-provider's userinfo refuses tokens bound to a resource server, and ours always are (to the FHIR
      // API): the claims come from the verified access token instead.
      scope.route({
        method: ['GET', 'POST'],
        url: OAUTH_PATHS.userinfo,
        handler: async (request, reply) => {
          const principal = await verifier.verify(request.headers.authorization);
          const claims = decodeJwt(request.headers.authorization!.replace(/^Bearer +/i, ''));
          if (claims.iss !== config.issuer || !principal.scopes.includes('openid')) {
            throw forbidden('userinfo needs an access token of this server with the openid scope', {
              code: 'access.userinfo-scope',
            });
          }
          const fields = ['name', 'fhirUser'].filter((k) => typeof claims[k] === 'string');
          return reply
            .header('cache-control', 'no-store')
            .send({ sub: claims.sub, ...Object.fromEntries(fields.map((k) => [k, claims[k]])) });
        },
      });
      registerSignInRoutes(scope, {
        provider,
        basePath: OAUTH_PATHS.signIn,
        users,
        clients,
        audience,
        issuer: config.issuer,
        csrfKey,
        demo: config.demo,
        launches,
        grantContexts,
        grantContextTtl: config.refreshTokenTtl + 60,
        log,
        ...(deps.findPatientByNhsNumber ? { findPatientByNhsNumber: deps.findPatientByNhsNumber } : {}),
      });
      done();
    });
  }

  // SMART EHR launch: a local system (a confidential client configured with ehrLaunch) says which patient (and
  // encounter) it has open and gets an opaque launch id to pass to the app as `launch`.
  async function createLaunch(authorization: string | undefined, body: unknown) {
    const principal = await verifier.verify(authorization);
    const client = clients.get(principal.clientId);
    if (principal.kind !== 'system' || !client?.ehrLaunch) {
      throw forbidden('Only a local system configured for EHR launch may create a launch context', {
        code: 'access.launch-not-allowed',
      });
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const id = (v: unknown, type: string) =>
      typeof v === 'string' ? v.replace(new RegExp(`^${type}/`), '') : undefined;
    const patient = id(b.patient, 'Patient');
    const encounter = id(b.encounter, 'Encounter');
    const fhirId = /^[A-Za-z0-9.-]{1,64}$/;
    if (!patient || !fhirId.test(patient) || (encounter !== undefined && !fhirId.test(encounter))) {
      throw badRequest('A launch needs "patient" (a Patient id) and may name an "encounter"', {
        code: 'access.launch-invalid',
      });
    }
    for (const [name, v] of [
      ['client_id', b.client_id],
      ['user', b.user],
    ] as const) {
      if (v !== undefined && typeof v !== 'string') {
        throw badRequest(`"${name}" must be a string`, { code: 'access.launch-invalid' });
      }
    }
    if (b.client_id !== undefined && !clients.has(b.client_id as string)) {
      throw badRequest('"client_id" names no registered app', { code: 'access.launch-invalid' });
    }
    if (deps.patientExists && !(await deps.patientExists(patient))) {
      throw unprocessable(`No Patient ${patient}`, { code: 'access.launch-patient-unknown' });
    }
    const launch = await launches.create(
      {
        createdBy: principal.clientId,
        ...(typeof b.client_id === 'string' ? { clientId: b.client_id } : {}),
        ...(typeof b.user === 'string' ? { userId: b.user } : {}),
        patient,
        ...(encounter ? { encounter } : {}),
        needPatientBanner: b.need_patient_banner !== false,
      },
      config.launchTtl,
    );
    return { launch: launch.id, expires_in: config.launchTtl };
  }

  return {
    issuer: config.issuer,
    audience,
    register,
    verify: (authorization) => verifier.verify(authorization),
    verifier,
    smartConfiguration,
  };
}

function clientMetadata(c: OAuthClientConfig): Record<string, unknown> {
  const statics = c.scopes.filter((s) => (STATIC_SCOPES as readonly string[]).includes(s));
  return {
    client_id: c.clientId,
    client_name: c.name,
    application_type: 'web',
    redirect_uris: c.redirectUris,
    grant_types: c.grantTypes,
    response_types: c.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: c.auth,
    ...(c.auth === 'private_key_jwt' ? { jwks: c.jwks } : {}),
    ...(statics.length ? { scope: statics.join(' ') } : {}),
  };
}

// OpenID Connect Core 11: a refresh token for offline_access is issued only when consent is prompted for, and
// oidc-provider drops offline_access otherwise. Every authorisation here goes through the sign-in pages (a fresh
// grant each time), so the prompt is made explicit for SMART apps, which do not send it.
function requireConsentForOfflineAccess(ctx: KoaContextWithOIDC & { querystring?: string }) {
  const query = new URLSearchParams(ctx.querystring ?? '');
  const scope = query.get('scope') ?? '';
  if (scope.split(' ').includes('offline_access') && !query.has('prompt')) {
    query.set('prompt', 'consent');
    ctx.querystring = query.toString();
  }
}

// oidc-provider refuses to revoke or introspect JWTs ("structured tokens"). Ours are recorded by their jti, so a
// JWT we signed is replaced by its jti before oidc-provider reads the body; a JWT we did not sign becomes a value
// that names nothing (revocation then answers 200 and introspection `active: false`, as RFC 7009/7662 ask).
async function replaceJwtTokenParameter(req: IncomingMessage, jtiOf: (jwt: string) => Promise<string | undefined>) {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new errors.InvalidRequest('request body too large');
    chunks.push(chunk);
  }
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const token = params.get('token');
  if (token && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    params.set('token', (await jtiOf(token)) ?? `unknown-${Date.now()}`);
  }
  replayBody(req, Buffer.from(params.toString(), 'utf8'));
}

// The body has been read from the socket: give oidc-provider the (rewritten) bytes as if they had not been.
function replayBody(req: IncomingMessage, body: Buffer) {
  req.headers['content-length'] = String(body.length);
  delete req.headers['transfer-encoding'];
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    value: () => [body][Symbol.iterator](),
  });
}
