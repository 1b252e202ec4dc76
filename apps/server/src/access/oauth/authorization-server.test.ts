import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { fixedClock } from '../../platform/clock.ts';
import type { StaffPrincipal, SystemPrincipal } from '../principal.ts';
import { generateSigningKey } from './oauth.store.ts';
import {
  Browser,
  clientKeys,
  pkce,
  postForm,
  signInWithBrowser,
  startOAuthServer,
  type AuthorizeResult,
  type TestServer,
} from './test-support/oauth-server.ts';

// The authorisation server over HTTP, as apps and systems use it (SMART App Launch 2.0, RFC 6749/7009/7636/7662),
// and the misuse cases of the reliability matrix (row 15, after the Inferno SMART and ONC g10 negative tests).

const REDIRECT = 'https://app.example/callback';
const clock = fixedClock(new Date());
// Follow real time, so that tokens oidc-provider issues now verify now; tests move it on to try expiry.
let skewMs = 0;
clock.now = () => new Date(Date.now() + skewMs);

let s: TestServer;
let ehr: Awaited<ReturnType<typeof clientKeys>>;
let feed: Awaited<ReturnType<typeof clientKeys>>;
let confidentialApp: Awaited<ReturnType<typeof clientKeys>>;

before(async () => {
  ehr = await clientKeys('RS384');
  feed = await clientKeys('ES384');
  confidentialApp = await clientKeys('ES384');
  const clients = [
    {
      clientId: 'care-app',
      name: 'Care plan app',
      auth: 'none',
      redirectUris: [REDIRECT],
      scopes:
        'openid fhirUser profile launch launch/patient offline_access patient/*.rs user/*.rs user/Observation.cruds',
    },
    {
      clientId: 'other-app',
      name: 'Other app',
      auth: 'none',
      redirectUris: ['https://other.example/cb'],
      scopes: 'openid fhirUser launch launch/patient patient/*.rs user/*.rs',
    },
    {
      clientId: 'summary-app',
      name: 'Summary (confidential)',
      auth: 'private_key_jwt',
      jwks: confidentialApp.jwks,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['https://summary.example/cb'],
      scopes: 'openid fhirUser offline_access user/*.rs',
    },
    { clientId: 'barts-epr', name: 'Barts EPR', jwks: ehr.jwks, scopes: 'system/*.rs', source: 'R1H', ehrLaunch: true },
    {
      clientId: 'lab-feed',
      name: 'Lab feed',
      jwks: feed.jwks,
      scopes: 'system/Observation.cruds system/Patient.rs',
      source: 'RWK',
    },
  ];
  s = await startOAuthServer({ env: { JOINEDUP_OAUTH_CLIENTS: JSON.stringify(clients) }, clock });
});
after(() => s.close());

function authorizeUrl(params: Record<string, string | undefined>) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${s.base}/oauth/authorize?${q.toString()}`;
}

/** Starts an authorisation, signs in (a demo user or patient), answers the choices asked, ends at the app. */
function authorize(
  params: Record<string, string | undefined>,
  signIn: Record<string, string> = { demo_user: 'demo-consultant' },
  answers: { role_profile?: string; nhs_number?: string } = {},
  browser = new Browser(),
): Promise<AuthorizeResult> {
  return signInWithBrowser(s.base, params, signIn, answers, browser);
}

function appParams(overrides: Record<string, string | undefined> = {}) {
  const { verifier, challenge } = pkce();
  return {
    verifier,
    params: {
      response_type: 'code',
      client_id: 'care-app',
      redirect_uri: REDIRECT,
      scope: 'openid fhirUser offline_access user/*.rs',
      state: 'st-1',
      aud: `${s.base}/fhir`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...overrides,
    },
  };
}

function exchange(code: string, verifier: string | undefined, extra: Record<string, string> = {}) {
  return postForm(`${s.base}/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: 'care-app',
    ...(verifier !== undefined ? { code_verifier: verifier } : {}),
    ...extra,
  });
}

async function signedInTokens(
  overrides: Record<string, string | undefined> = {},
  signIn?: Record<string, string>,
  answers?: { role_profile?: string; nhs_number?: string },
) {
  const { verifier, params } = appParams(overrides);
  const { redirect } = await authorize(params, signIn, answers);
  assert.ok(redirect, 'the browser went back to the app');
  const code = redirect.searchParams.get('code');
  assert.ok(code, `a code, not ${redirect.search}`);
  const res = await exchange(code, verifier);
  assert.equal(res.status, 200, res.text);
  return res.json as { access_token: string; refresh_token?: string; id_token?: string; scope: string } & Record<
    string,
    unknown
  >;
}

const bearer = (token: string) => `Bearer ${token}`;

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    const err = e as { status?: number; outcome?: { issue: { details?: { coding?: { code: string }[] } }[] } };
    assert.equal(err.status, 401);
    return err.outcome!.issue[0]!.details!.coding![0]!.code;
  }
  assert.fail('the token was accepted');
}

describe('discovery', () => {
  test('smart-configuration lists the SMART App Launch 2.0 fields, S256 only', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await fetch(`${s.base}${path}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.issuer, s.base);
      assert.equal(body.authorization_endpoint, `${s.base}/oauth/authorize`);
      assert.equal(body.token_endpoint, `${s.base}/oauth/token`);
      assert.equal(body.revocation_endpoint, `${s.base}/oauth/revoke`);
      assert.equal(body.introspection_endpoint, `${s.base}/oauth/introspect`);
      assert.deepEqual(body.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(body.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
      for (const c of [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-asymmetric',
        'context-ehr-patient',
        'context-standalone-patient',
        'permission-v2',
        'sso-openid-connect',
        'permission-offline',
      ]) {
        assert.ok((body.capabilities as string[]).includes(c), c);
      }
      assert.ok((body.scopes_supported as string[]).includes('launch/patient'));
    }
  });

  test('openid-configuration and the JWKS (public keys only)', async () => {
    const res = await fetch(`${s.base}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.issuer, s.base);
    assert.deepEqual(body.code_challenge_methods_supported, ['S256']);
    const jwks = (await (await fetch(body.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
    assert.ok(jwks.keys.length >= 1);
    for (const k of jwks.keys) for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[p], undefined);
  });
});

describe('authorization code with PKCE', () => {
  test('a demo clinician signs in; the token is a JWT the verifier turns into the right principal', async () => {
    const tokens = await signedInTokens();
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.scope, 'openid fhirUser offline_access user/*.rs');
    assert.ok(tokens.refresh_token);
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.iss, s.base);
    assert.equal(claims.aud, `${s.base}/fhir`);
    assert.equal(claims.client_id, 'care-app');
    assert.equal(claims.sub, 'demo-consultant');
    assert.ok(typeof claims.jti === 'string');
    assert.ok(claims.exp! - claims.iat! <= 15 * 60);
    const principal = (await s.auth.verify(bearer(tokens.access_token))) as StaffPrincipal;
    assert.equal(principal.kind, 'staff');
    assert.equal(principal.userId, 'demo-consultant');
    assert.equal(principal.roleCode, 'R8000');
    assert.deepEqual(principal.organisation, { odsCode: 'R1H', name: 'Barts Health NHS Trust', kind: 'acute-trust' });
    assert.equal(principal.clientId, 'care-app');
    assert.deepEqual(principal.resourceScopes, [{ context: 'user', resourceType: '*', permissions: 'rs' }]);
    assert.equal(principal.tokenId, claims.jti);
    const idToken = decodeJwt(tokens.id_token!);
    assert.equal(idToken.fhirUser, 'Practitioner/demo-consultant');
    assert.equal(idToken.aud, 'care-app');
  });

  test('a user with two role profiles chooses one; the token carries that role and organisation', async () => {
    const { verifier, params } = appParams();
    const { redirect } = await authorize(params, { demo_user: 'demo-gp' }, { role_profile: 'demo-gp-role-2' });
    const res = await exchange(redirect!.searchParams.get('code')!, verifier);
    const principal = (await s.auth.verify(bearer(res.json.access_token))) as StaffPrincipal;
    assert.equal(principal.roleCode, 'R8000');
    assert.equal(principal.roleProfileId, 'demo-gp-role-2');
    assert.equal(principal.organisation.kind, 'nhs-111');
  });

  test('scopes beyond what the client may have are left out (narrowed), and a static one refused', async () => {
    const tokens = await signedInTokens({ scope: 'openid user/*.rs user/*.cruds user/Observation.cruds system/*.rs' });
    assert.equal(tokens.scope, 'openid user/*.rs user/Observation.cruds');
    const { params } = appParams({
      client_id: 'other-app',
      redirect_uri: 'https://other.example/cb',
      scope: 'openid offline_access',
    });
    const res = await new Browser().follow(authorizeUrl(params), s.base);
    const back = new URL(res.url);
    assert.equal(back.origin, 'https://other.example');
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
  });
});

describe('misuse (reliability matrix row 15)', () => {
  async function authorizeError(overrides: Record<string, string | undefined>) {
    const { params } = appParams(overrides);
    const res = await new Browser().follow(authorizeUrl(params), s.base);
    return { url: new URL(res.url), status: res.status, text: res.text };
  }

  test('an aud that is not this FHIR server is refused before sign-in', async () => {
    const r = await authorizeError({ aud: 'https://evil.example/fhir' });
    assert.equal(r.url.origin, 'https://app.example');
    assert.equal(r.url.searchParams.get('error'), 'invalid_request');
    assert.equal(r.url.searchParams.get('code'), null);
    const target = await authorizeError({ resource: 'https://evil.example/fhir' });
    assert.equal(target.url.searchParams.get('error'), 'invalid_target');
  });

  test('PKCE missing, blank, or plain is refused at the authorize endpoint', async () => {
    for (const overrides of [
      { code_challenge: undefined, code_challenge_method: undefined },
      { code_challenge: '', code_challenge_method: 'S256' },
      { code_challenge_method: 'plain' },
      { code_challenge_method: undefined },
    ]) {
      const r = await authorizeError(overrides);
      assert.equal(r.url.searchParams.get('error'), 'invalid_request', JSON.stringify(overrides));
      assert.equal(r.url.searchParams.get('code'), null);
    }
  });

  test('PKCE verifier wrong, blank, missing or equal to the challenge: no token', async () => {
    for (const verifierFor of [() => 'x'.repeat(64), () => '', () => undefined, (challenge: string) => challenge]) {
      const { params } = appParams();
      const { redirect } = await authorize(params);
      const res = await exchange(redirect!.searchParams.get('code')!, verifierFor(params.code_challenge));
      assert.ok([400].includes(res.status), res.text);
      assert.ok(['invalid_grant', 'invalid_request'].includes(res.json.error), res.text);
    }
  });

  test('redirect URI: an unregistered one is never redirected to; a different one at the token endpoint is refused', async () => {
    for (const uri of [
      'https://evil.example/callback',
      `${REDIRECT}/`,
      `${REDIRECT}?x=1`,
      'https://app.example/CALLBACK',
    ]) {
      const r = await authorizeError({ redirect_uri: uri });
      assert.equal(r.url.origin, s.base, `stayed on the server for ${uri}`);
      assert.equal(r.status, 400);
      assert.match(r.text, /cannot sign in here/);
    }
    const { verifier, params } = appParams();
    const { redirect } = await authorize(params);
    const res = await exchange(redirect!.searchParams.get('code')!, verifier, { redirect_uri: `${REDIRECT}/other` });
    assert.equal(res.json.error, 'invalid_grant');
  });

  test('an unknown client, an invalid code, an invalid refresh token are refused', async () => {
    const r = await authorizeError({ client_id: 'nobody' });
    assert.equal(r.url.origin, s.base);
    assert.equal(r.status, 400);
    const bad = await exchange('not-a-code', 'x'.repeat(50));
    assert.equal(bad.json.error, 'invalid_grant');
    const unknownClient = await exchange('not-a-code', 'x'.repeat(50), { client_id: 'nobody' });
    assert.equal(unknownClient.json.error, 'invalid_client');
    const refresh = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: 'not-a-refresh-token',
      client_id: 'care-app',
    });
    assert.equal(refresh.json.error, 'invalid_grant');
  });

  test('a code used twice: the second use is refused and the tokens from the first are revoked', async () => {
    const { verifier, params } = appParams();
    const { redirect } = await authorize(params);
    const code = redirect!.searchParams.get('code')!;
    const first = await exchange(code, verifier);
    assert.equal(first.status, 200);
    await s.auth.verify(bearer(first.json.access_token));
    const second = await exchange(code, verifier);
    assert.equal(second.json.error, 'invalid_grant');
    assert.equal(await refusalCode(s.auth.verify(bearer(first.json.access_token))), 'access.token-revoked');
    const refresh = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.json.refresh_token,
      client_id: 'care-app',
    });
    assert.equal(refresh.json.error, 'invalid_grant');
  });

  test('a refresh token of another client is refused', async () => {
    const tokens = await signedInTokens();
    const res = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: 'other-app',
    });
    assert.equal(res.json.error, 'invalid_grant');
  });

  test('an expired access token is refused', async () => {
    const tokens = await signedInTokens();
    skewMs = 16 * 60 * 1000;
    try {
      assert.equal(await refusalCode(s.auth.verify(bearer(tokens.access_token))), 'access.token-expired');
    } finally {
      skewMs = 0;
    }
  });
});

describe('refresh tokens', () => {
  const refresh = (token: string, extra: Record<string, string> = {}) =>
    postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: 'care-app',
      ...extra,
    });

  test('each use returns a new refresh token (rotation) and a new access token with the same principal', async () => {
    const tokens = await signedInTokens({}, { demo_user: 'demo-gp' }, { role_profile: 'demo-gp-role-1' });
    const r1 = await refresh(tokens.refresh_token!);
    assert.equal(r1.status, 200, r1.text);
    assert.notEqual(r1.json.refresh_token, tokens.refresh_token);
    assert.notEqual(r1.json.access_token, tokens.access_token);
    const p = (await s.auth.verify(bearer(r1.json.access_token))) as StaffPrincipal;
    assert.equal(p.userId, 'demo-gp');
    assert.equal(p.roleCode, 'R0260');
    const r2 = await refresh(r1.json.refresh_token);
    assert.equal(r2.status, 200);
    const narrowed = await refresh(r2.json.refresh_token, { scope: 'user/*.rs' });
    assert.equal(narrowed.json.scope, 'user/*.rs');
    const wider = await refresh(narrowed.json.refresh_token, { scope: 'user/*.rs user/*.cruds' });
    assert.equal(wider.json.error, 'invalid_scope');
  });

  test('reusing a used refresh token revokes the whole family: every refresh and access token of the grant', async () => {
    const tokens = await signedInTokens();
    const r1 = await refresh(tokens.refresh_token!);
    const r2 = await refresh(r1.json.refresh_token);
    assert.equal(r2.status, 200);
    await s.auth.verify(bearer(r2.json.access_token));
    const reuse = await refresh(tokens.refresh_token!);
    assert.equal(reuse.json.error, 'invalid_grant');
    const latest = await refresh(r2.json.refresh_token);
    assert.equal(latest.json.error, 'invalid_grant');
    for (const at of [tokens.access_token, r1.json.access_token, r2.json.access_token]) {
      assert.equal(await refusalCode(s.auth.verify(bearer(at))), 'access.token-revoked');
    }
  });
});

describe('revocation and introspection', () => {
  const introspect = (token: string, form: Record<string, string> = { client_id: 'care-app' }) =>
    postForm(`${s.base}/oauth/introspect`, { token, ...form });

  test('a revoked access token is refused by the verifier, and so is the rest of its grant (RFC 7009 2.1)', async () => {
    const tokens = await signedInTokens();
    await s.auth.verify(bearer(tokens.access_token));
    const res = await postForm(`${s.base}/oauth/revoke`, {
      token: tokens.access_token,
      token_type_hint: 'access_token',
      client_id: 'care-app',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(await refusalCode(s.auth.verify(bearer(tokens.access_token))), 'access.token-revoked');
    assert.equal((await introspect(tokens.access_token)).json.active, false);
    const again = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: 'care-app',
    });
    assert.equal(again.json.error, 'invalid_grant');
  });

  test('revoking a refresh token revokes its grant: its access tokens are refused', async () => {
    const tokens = await signedInTokens();
    const res = await postForm(`${s.base}/oauth/revoke`, { token: tokens.refresh_token!, client_id: 'care-app' });
    assert.equal(res.status, 200);
    assert.equal(await refusalCode(s.auth.verify(bearer(tokens.access_token))), 'access.token-revoked');
    const refreshed = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: 'care-app',
    });
    assert.equal(refreshed.json.error, 'invalid_grant');
  });

  test('another client cannot revoke a token; an unknown token revokes nothing (200)', async () => {
    const tokens = await signedInTokens();
    const other = await postForm(`${s.base}/oauth/revoke`, { token: tokens.access_token, client_id: 'other-app' });
    assert.equal(other.status, 200);
    await s.auth.verify(bearer(tokens.access_token));
    const unknown = await postForm(`${s.base}/oauth/revoke`, { token: 'a.b.c', client_id: 'care-app' });
    assert.equal(unknown.status, 200);
  });

  test('a revocation reaches another server process within its refresh interval', async () => {
    const second = await startOAuthServer({
      env: { JOINEDUP_OAUTH_REVOCATION_REFRESH: '1', JOINEDUP_OAUTH_CLIENTS: '[]' },
      db: s.db,
      baseUrl: s.base,
    });
    try {
      const tokens = await signedInTokens();
      await second.auth.verify(bearer(tokens.access_token));
      await postForm(`${s.base}/oauth/revoke`, { token: tokens.access_token, client_id: 'care-app' });
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await refusalCode(second.auth.verify(bearer(tokens.access_token))), 'access.token-revoked');
    } finally {
      await second.close();
    }
  });

  test('introspection: active with the claims for the token owner and a confidential client; inactive otherwise', async () => {
    const tokens = await signedInTokens();
    const own = await introspect(tokens.access_token);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.active, true);
    assert.equal(own.json.client_id, 'care-app');
    assert.equal(own.json.sub, 'demo-consultant');
    assert.equal(own.json.scope, 'openid fhirUser offline_access user/*.rs');
    assert.equal(own.json.role_code, 'R8000');
    const byOther = await introspect(tokens.access_token, { client_id: 'other-app' });
    assert.equal(byOther.json.active, false);
    const assertion = await ehr.assertion('barts-epr', `${s.base}/oauth/introspect`);
    const byServer = await introspect(tokens.access_token, {
      client_id: 'barts-epr',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    assert.equal(byServer.json.active, true);
    const refreshInfo = await introspect(tokens.refresh_token!);
    assert.equal(refreshInfo.json.active, true);
    assert.equal((await introspect('garbage')).json.active, false);
    const tampered = tokens.access_token.slice(0, -4) + 'AAAA';
    assert.equal((await introspect(tampered)).json.active, false);
  });
});

describe('backend services: client credentials with private_key_jwt', () => {
  async function systemToken(
    client: 'barts-epr' | 'lab-feed',
    scope: string,
    keys = client === 'barts-epr' ? ehr : feed,
  ) {
    return postForm(`${s.base}/oauth/token`, {
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await keys.assertion(client, `${s.base}/oauth/token`),
    });
  }

  test('a system gets a short-lived JWT with system/ scopes and its source organisation', async () => {
    const res = await systemToken('lab-feed', 'system/Observation.cruds system/Patient.rs');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.refresh_token, undefined);
    const p = (await s.auth.verify(bearer(res.json.access_token))) as SystemPrincipal;
    assert.equal(p.kind, 'system');
    assert.equal(p.clientId, 'lab-feed');
    assert.equal(p.source, 'RWK');
    assert.deepEqual(p.scopes, ['system/Observation.cruds', 'system/Patient.rs']);
  });

  test('scopes beyond the allowed are narrowed; none allowed is refused', async () => {
    const narrowed = await systemToken('lab-feed', 'system/Observation.rs system/Patient.cruds');
    assert.equal(narrowed.json.scope, 'system/Observation.rs');
    const none = await systemToken('lab-feed', 'system/*.cruds user/*.rs');
    assert.equal(none.json.error, 'invalid_scope');
  });

  test('an assertion signed with another key, replayed, or for another audience is refused', async () => {
    const wrongKey = await systemToken('lab-feed', 'system/Patient.rs', ehr);
    assert.equal(wrongKey.json.error, 'invalid_client');
    const assertion = await feed.assertion('lab-feed', `${s.base}/oauth/token`);
    const form = {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    assert.equal((await postForm(`${s.base}/oauth/token`, form)).status, 200);
    assert.equal((await postForm(`${s.base}/oauth/token`, form)).json.error, 'invalid_client');
    const elsewhere = await postForm(`${s.base}/oauth/token`, {
      ...form,
      client_assertion: await feed.assertion('lab-feed', 'https://other.example/token'),
    });
    assert.equal(elsewhere.json.error, 'invalid_client');
    const publicClient = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_id: 'care-app',
    });
    assert.equal(publicClient.status, 400);
    assert.equal(publicClient.json.access_token, undefined);
  });

  test('a confidential app signs in with private_key_jwt at the token endpoint', async () => {
    const { verifier, challenge } = pkce();
    const { redirect } = await authorize({
      response_type: 'code',
      client_id: 'summary-app',
      redirect_uri: 'https://summary.example/cb',
      scope: 'openid user/*.rs',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const res = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code: redirect!.searchParams.get('code')!,
      redirect_uri: 'https://summary.example/cb',
      code_verifier: verifier,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await confidentialApp.assertion('summary-app', `${s.base}/oauth/token`),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(((await s.auth.verify(bearer(res.json.access_token))) as StaffPrincipal).clientId, 'summary-app');
  });
});

describe('SMART launch', () => {
  async function launchContext(body: Record<string, unknown>, client: 'barts-epr' | 'lab-feed' = 'barts-epr') {
    const token = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'client_credentials',
      scope: client === 'barts-epr' ? 'system/*.rs' : 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await (client === 'barts-epr' ? ehr : feed).assertion(client, `${s.base}/oauth/token`),
    });
    const res = await fetch(`${s.base}/oauth/launch`, {
      method: 'POST',
      headers: { authorization: bearer(token.json.access_token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  }

  test('EHR launch: the system creates a launch for its open patient; the app gets that patient', async () => {
    const created = await launchContext({ patient: 'pat-ada', encounter: 'enc-1', client_id: 'care-app' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const tokens = await signedInTokens({ launch: created.json.launch, scope: 'openid fhirUser launch patient/*.rs' });
    assert.equal(tokens.patient, 'pat-ada');
    assert.equal(tokens.encounter, 'enc-1');
    assert.equal(tokens.need_patient_banner, true);
    const p = (await s.auth.verify(bearer(tokens.access_token))) as StaffPrincipal;
    assert.deepEqual(p.launch, { patient: 'pat-ada', encounter: 'enc-1' });
    assert.deepEqual(p.scopes, ['openid', 'fhirUser', 'launch', 'patient/*.rs']);
  });

  test('a launch is used once, only by the app it names, for the user it names', async () => {
    const created = await launchContext({ patient: 'pat-ada', client_id: 'care-app', need_patient_banner: false });
    const tokens = await signedInTokens({ launch: created.json.launch, scope: 'launch patient/*.rs' });
    assert.equal(tokens.need_patient_banner, false);
    const { params } = appParams({ launch: created.json.launch, scope: 'launch patient/*.rs' });
    const reused = await authorize(params);
    assert.equal(reused.redirect!.searchParams.get('error'), 'invalid_request');

    const forOther = await launchContext({ patient: 'pat-ada', client_id: 'other-app' });
    const stolen = await authorize(appParams({ launch: forOther.json.launch, scope: 'launch patient/*.rs' }).params);
    assert.equal(stolen.redirect!.searchParams.get('error'), 'invalid_request');

    const forUser = await launchContext({ patient: 'pat-ada', user: 'demo-district-nurse' });
    const wrongUser = await authorize(appParams({ launch: forUser.json.launch, scope: 'launch patient/*.rs' }).params);
    assert.equal(wrongUser.redirect!.searchParams.get('error'), 'access_denied');
    assert.equal(wrongUser.redirect!.searchParams.get('code'), null);

    const unknown = await authorize(appParams({ launch: 'made-up', scope: 'launch patient/*.rs' }).params);
    assert.equal(unknown.redirect!.searchParams.get('error'), 'invalid_request');
  });

  test('a patient cannot be given a launch context for another patient', async () => {
    const created = await launchContext({ patient: 'pat-ben', client_id: 'care-app' });
    const { params } = appParams({ launch: created.json.launch, scope: 'launch patient/*.rs' });
    const r = await authorize(params, { patient_nhs_number: '9990000018' });
    assert.equal(r.redirect!.searchParams.get('error'), 'access_denied');
  });

  test('creating a launch needs a system configured for EHR launch, and a known patient', async () => {
    assert.equal((await launchContext({ patient: 'pat-ada' }, 'lab-feed')).status, 403);
    assert.equal((await launchContext({ patient: 'pat-unknown' })).status, 422);
    assert.equal((await launchContext({})).status, 400);
    const anonymous = await fetch(`${s.base}/oauth/launch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"patient":"pat-ada"}',
    });
    assert.equal(anonymous.status, 401);
    const tokens = await signedInTokens();
    const asUser = await fetch(`${s.base}/oauth/launch`, {
      method: 'POST',
      headers: { authorization: bearer(tokens.access_token), 'content-type': 'application/json' },
      body: '{"patient":"pat-ada"}',
    });
    assert.equal(asUser.status, 403);
  });

  test('standalone launch: a clinician is asked for the patient by NHS number', async () => {
    const { verifier, params } = appParams({ scope: 'openid fhirUser launch/patient patient/*.rs' });
    const { redirect } = await authorize(params, { demo_user: 'demo-consultant' }, { nhs_number: '999 000 0026' });
    const res = await exchange(redirect!.searchParams.get('code')!, verifier);
    assert.equal(res.json.patient, 'pat-ben');
    assert.equal(res.json.need_patient_banner, true);
    const p = (await s.auth.verify(bearer(res.json.access_token))) as StaffPrincipal;
    assert.equal(p.launch?.patient, 'pat-ben');
  });

  test('standalone launch: an NHS number with no record is asked again', async () => {
    const { params } = appParams({ scope: 'launch/patient patient/*.rs' });
    const r = await authorize(params, { demo_user: 'demo-consultant' }, { nhs_number: '9990000034' });
    assert.equal(r.page?.status, 400);
    assert.match(r.page?.text ?? '', /no patient with this NHS number/);
  });

  test('a patient signs in (demo, P9) and gets their own record as context', async () => {
    const tokens = await signedInTokens(
      { scope: 'openid fhirUser launch/patient patient/*.rs user/*.rs' },
      { patient_nhs_number: '9990000018' },
    );
    assert.equal(tokens.patient, 'pat-ada');
    assert.equal(tokens.scope, 'openid fhirUser launch/patient patient/*.rs');
    const p = await s.auth.verify(bearer(tokens.access_token));
    assert.equal(p.kind, 'patient');
    if (p.kind === 'patient') {
      assert.equal(p.nhsNumber, '9990000018');
      assert.equal(p.proofingLevel, 'P9');
      assert.equal(p.patient, 'pat-ada');
    }
    assert.equal(decodeJwt(tokens.id_token!).fhirUser, 'Patient/pat-ada');
  });
});

describe('userinfo', () => {
  test('answers with the signed-in user from an access token with openid; refuses without', async () => {
    const tokens = await signedInTokens();
    const res = await fetch(`${s.base}/oauth/userinfo`, { headers: { authorization: bearer(tokens.access_token) } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      sub: 'demo-consultant',
      name: 'Dr Amara Okafor',
      fhirUser: 'Practitioner/demo-consultant',
    });
    const withoutOpenid = await signedInTokens({ scope: 'user/*.rs' });
    const refused = await fetch(`${s.base}/oauth/userinfo`, {
      headers: { authorization: bearer(withoutOpenid.access_token) },
    });
    assert.equal(refused.status, 403);
    assert.equal((await fetch(`${s.base}/oauth/userinfo`)).status, 401);
  });
});

describe('signing keys', () => {
  test('keys given in JOINEDUP_OAUTH_JWKS are used, and only their public half is published', async () => {
    const key = await generateSigningKey();
    const other = await startOAuthServer({
      db: s.db,
      env: {
        JOINEDUP_OAUTH_JWKS: JSON.stringify({ keys: [key] }),
        JOINEDUP_OAUTH_CLIENTS: JSON.stringify([
          { clientId: 'lab-feed', name: 'Lab feed', jwks: feed.jwks, scopes: 'system/Patient.rs', source: 'RWK' },
        ]),
      },
    });
    try {
      const jwks = (await (await fetch(`${other.listener}/oauth/jwks`)).json()) as { keys: Record<string, unknown>[] };
      assert.deepEqual(
        jwks.keys.map((k) => k.kid),
        [key.kid],
      );
      assert.equal(jwks.keys[0]!.d, undefined);
      const token = await postForm(`${other.listener}/oauth/token`, {
        grant_type: 'client_credentials',
        scope: 'system/Patient.rs',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await feed.assertion('lab-feed', `${other.listener}/oauth/token`),
      });
      assert.equal(token.status, 200, token.text);
      await other.auth.verify(bearer(token.json.access_token));
      assert.equal(await refusalCode(s.auth.verify(bearer(token.json.access_token))), 'access.token-issuer');
    } finally {
      await other.close();
    }
  });
});
