import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { fixedClock } from '../../platform/clock.ts';
import type { StaffPrincipal } from '../principal.ts';
import type { IdentityProviderConfig } from './oauth.config.ts';
import { createTokenVerifier, publicJwks, type TokenVerifierConfig } from './tokens.ts';
import type { Resolver, Transport } from './url-guard.ts';

// The verifier on its own: signature, issuer, audience, lifetime, revocation and the claims of each kind of
// principal, for tokens of the built-in issuer and of external identity providers (NHS CIS2, Keycloak).

const ISSUER = 'https://joinedup.example';
const AUDIENCE = 'https://joinedup.example/fhir';
const NOW = new Date('2026-12-01T10:00:00Z');
const clock = fixedClock(NOW);
const epoch = () => Math.floor(clock.now().getTime() / 1000);

async function signingKey(alg: 'RS256' | 'ES256' = 'RS256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    jwk,
    sign: (payload: JWTPayload, header: Record<string, unknown> = {}) =>
      new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header }).sign(privateKey),
  };
}

const ours = await signingKey();
const stranger = await signingKey();
const revoked = new Set<string>();

function verifier(extra: Partial<TokenVerifierConfig> = {}) {
  return createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: publicJwks([ours.jwk]),
    revocations: {
      isRevoked: (jti, gid) => Promise.resolve(revoked.has(jti) || (gid !== undefined && revoked.has(gid))),
    },
    organisations: [{ odsCode: 'RWK', name: 'East London NHS Foundation Trust', kind: 'mental-health-trust' }],
    clock,
    ...extra,
  });
}

function staffClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'demo-consultant',
    jti: randomUUID(),
    iat: epoch(),
    exp: epoch() + 600,
    client_id: 'care-app',
    scope: 'openid user/*.rs patient/Observation.read',
    principal: 'staff',
    name: 'Dr Amara Okafor',
    role_code: 'R8000',
    role_profile_id: 'rp-1',
    organisation: { ods_code: 'R1H', name: 'Barts Health NHS Trust', kind: 'acute-trust' },
    gid: 'grant-1',
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { status: number; outcome: { issue: { details: { coding: { code: string }[] } }[] } };
    return { status: err.status, code: err.outcome.issue[0]!.details.coding[0]!.code };
  }
  assert.fail('the token was accepted');
}

test('a staff token becomes a StaffPrincipal with parsed resource scopes', async () => {
  const claims = staffClaims({ patient: 'pat-1', encounter: 'enc-1' });
  const p = (await verifier().verify(`Bearer ${await ours.sign(claims)}`)) as StaffPrincipal;
  assert.deepEqual(p, {
    kind: 'staff',
    clientId: 'care-app',
    scopes: ['openid', 'user/*.rs', 'patient/Observation.read'],
    resourceScopes: [
      { context: 'user', resourceType: '*', permissions: 'rs' },
      { context: 'patient', resourceType: 'Observation', permissions: 'rs' },
    ],
    tokenId: claims.jti,
    expiresAt: claims.exp,
    userId: 'demo-consultant',
    name: 'Dr Amara Okafor',
    roleCode: 'R8000',
    roleProfileId: 'rp-1',
    organisation: { odsCode: 'R1H', name: 'Barts Health NHS Trust', kind: 'acute-trust' },
    launch: { patient: 'pat-1', encounter: 'enc-1' },
  });
});

test('patient and system tokens become their principals', async () => {
  const patient = await verifier().verify(
    `Bearer ${await ours.sign(
      staffClaims({
        principal: 'patient',
        sub: 'nhs-9990000018',
        nhs_number: '9990000018',
        identity_proofing_level: 'P9',
        patient: 'pat-1',
        scope: 'patient/*.rs',
      }),
    )}`,
  );
  assert.equal(patient.kind, 'patient');
  if (patient.kind === 'patient') {
    assert.equal(patient.nhsNumber, '9990000018');
    assert.equal(patient.proofingLevel, 'P9');
    assert.equal(patient.patient, 'pat-1');
  }
  const system = await verifier().verify(
    `Bearer ${await ours.sign(staffClaims({ principal: 'system', sub: 'lab-feed', client_id: 'lab-feed', source: 'RWK', scope: 'system/Observation.cruds' }))}`,
  );
  assert.deepEqual(
    { kind: system.kind, source: system.kind === 'system' ? system.source : undefined },
    { kind: 'system', source: 'RWK' },
  );
  assert.deepEqual(system.resourceScopes, [{ context: 'system', resourceType: 'Observation', permissions: 'cruds' }]);
});

test('missing, malformed, unsigned, tampered or foreign-signed tokens are refused (401)', async () => {
  const v = verifier();
  const good = await ours.sign(staffClaims());
  const [h, payload] = good.split('.');
  const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  const tamperedPayload = Buffer.from(
    JSON.stringify({ ...staffClaims(), role_code: 'R8000', sub: 'someone-else' }),
  ).toString('base64url');
  const cases: [string | undefined, string][] = [
    [undefined, 'access.token-missing'],
    ['', 'access.token-missing'],
    [`Basic ${Buffer.from('a:b').toString('base64')}`, 'access.token-malformed'],
    ['Bearer not-a-jwt', 'access.token-malformed'],
    ['Bearer a.b.c', 'access.token-malformed'],
    [`Bearer ${unsignedHeader}.${payload}.`, 'access.token-signature'],
    [`Bearer ${h}.${tamperedPayload}.${good.split('.')[2]}`, 'access.token-signature'],
    [`Bearer ${await stranger.sign(staffClaims(), { kid: ours.jwk.kid })}`, 'access.token-signature'],
    [`Bearer ${await stranger.sign(staffClaims())}`, 'access.token-signature'],
  ];
  for (const [header, code] of cases) {
    assert.deepEqual(await refusal(v.verify(header)), { status: 401, code }, String(header).slice(0, 40));
  }
});

test('HS256 signed with the public key (algorithm confusion) is refused', async () => {
  const secret = new TextEncoder().encode(JSON.stringify(ours.jwk));
  const token = await new SignJWT(staffClaims()).setProtectedHeader({ alg: 'HS256', kid: ours.jwk.kid }).sign(secret);
  assert.equal((await refusal(verifier().verify(`Bearer ${token}`))).code, 'access.token-signature');
});

test('wrong issuer, wrong audience, expired, not yet valid: refused; a few seconds of skew allowed', async () => {
  const v = verifier();
  const check = async (claims: JWTPayload) => (await refusal(v.verify(`Bearer ${await ours.sign(claims)}`))).code;
  assert.equal(await check(staffClaims({ iss: 'https://evil.example' })), 'access.token-issuer');
  assert.equal(await check(staffClaims({ aud: 'https://other.example/fhir' })), 'access.token-audience');
  assert.equal(await check(staffClaims({ exp: epoch() - 120 })), 'access.token-expired');
  assert.equal(await check(staffClaims({ nbf: epoch() + 120 })), 'access.token-not-yet-valid');
  assert.equal(await check(staffClaims({ exp: undefined })), 'access.token-claims');
  await v.verify(`Bearer ${await ours.sign(staffClaims({ exp: epoch() - 10 }))}`);
});

test('an ID token (typ JWT) is not an access token', async () => {
  const token = await ours.sign(staffClaims(), { typ: 'JWT' });
  assert.equal((await refusal(verifier().verify(`Bearer ${token}`))).code, 'access.token-claims');
});

test('a revoked token, or a token of a revoked grant, is refused', async () => {
  const v = verifier();
  const claims = staffClaims({ gid: 'grant-revoked' });
  const token = `Bearer ${await ours.sign(claims)}`;
  await v.verify(token);
  revoked.add(claims.jti!);
  assert.equal((await refusal(v.verify(token))).code, 'access.token-revoked');
  const other = `Bearer ${await ours.sign(staffClaims({ gid: 'grant-revoked' }))}`;
  await v.verify(other);
  revoked.add('grant-revoked');
  assert.equal((await refusal(v.verify(other))).code, 'access.token-revoked');
});

test('claims that do not make a principal are refused', async () => {
  const v = verifier();
  const check = async (claims: JWTPayload) => (await refusal(v.verify(`Bearer ${await ours.sign(claims)}`))).code;
  assert.equal(await check(staffClaims({ role_code: undefined })), 'access.token-role-missing');
  assert.equal(await check(staffClaims({ principal: 'robot' })), 'access.token-claims');
  assert.equal(
    await check(staffClaims({ organisation: { ods_code: 'R1H', kind: 'spaceship' } })),
    'access.token-claims',
  );
  assert.equal(await check(staffClaims({ client_id: undefined })), 'access.token-claims');
  assert.equal(await check(staffClaims({ principal: 'patient', nhs_number: undefined })), 'access.token-claims');
});

// External identity providers

const keycloak = await signingKey('ES256');
const cis2 = await signingKey('RS256');
const PUBLIC_ADDRESS: Resolver = () => Promise.resolve([{ address: '203.0.114.10', family: 4 }]);

function idp(overrides: Partial<IdentityProviderConfig>): IdentityProviderConfig {
  return {
    issuer: 'https://keycloak.example/realms/nhs',
    jwksUri: 'https://keycloak.example/realms/nhs/protocol/openid-connect/certs',
    audience: 'joinedup',
    claims: {
      userId: 'preferred_username',
      name: 'name',
      clientId: 'azp',
      scope: 'scope',
      roleCode: 'role_code',
      organisationOdsCode: 'ods_code',
    },
    defaultScopes: ['user/*.rs'],
    organisationKinds: {},
    algorithms: ['ES256', 'RS256'],
    allowHttp: false,
    allowPrivateNetwork: false,
    ...overrides,
  };
}

function stubTransport(jwksFor: Record<string, () => JWK[]>) {
  const calls: string[] = [];
  const transport: Transport = (target) => {
    calls.push(`${target.url.href} -> ${target.address.address}`);
    const keys = jwksFor[target.url.href];
    return Promise.resolve(keys ? { status: 200, body: JSON.stringify({ keys: keys() }) } : { status: 404, body: '' });
  };
  return { transport, calls };
}

const KEYCLOAK = idp({});
const CIS2 = idp({
  issuer: 'https://am.nhsidentity.example/openam/oauth2/realms/root/realms/oidc',
  jwksUri: 'https://am.nhsidentity.example/openam/oauth2/realms/root/realms/oidc/connect/jwk_uri',
  audience: 'joinedup-cis2-client',
  claims: {
    userId: 'sub',
    name: 'name',
    clientId: 'aud',
    scope: 'scope',
    roles: {
      list: 'nhsid_nrbac_roles',
      selected: 'selected_roleid',
      entryId: 'person_roleid',
      entryRoleCode: 'role_code',
      entryOdsCode: 'org_code',
    },
  },
  organisationKinds: { F84003: 'gp-practice' },
});

function externalVerifier(transport: Transport, extra: Partial<TokenVerifierConfig> = {}) {
  return verifier({ identityProviders: [KEYCLOAK, CIS2], resolve: PUBLIC_ADDRESS, transport, ...extra });
}

test('a Keycloak token is mapped to a staff principal by configuration; its keys are fetched once', async () => {
  const { transport, calls } = stubTransport({ [KEYCLOAK.jwksUri]: () => [keycloak.jwk] });
  const v = externalVerifier(transport);
  const claims = {
    iss: KEYCLOAK.issuer,
    aud: 'joinedup',
    sub: 'f3c1',
    preferred_username: 'cmhn.osei',
    name: 'Daniel Osei',
    azp: 'joinedup-web',
    role_code: 'R1975',
    ods_code: 'RWK',
    exp: epoch() + 300,
    jti: 'kc-1',
  };
  const p = (await v.verify(`Bearer ${await keycloak.sign(claims, { typ: 'JWT' })}`)) as StaffPrincipal;
  assert.equal(p.kind, 'staff');
  assert.equal(p.userId, 'cmhn.osei');
  assert.equal(p.clientId, 'joinedup-web');
  assert.equal(p.roleCode, 'R1975');
  assert.deepEqual(p.organisation, {
    odsCode: 'RWK',
    name: 'East London NHS Foundation Trust',
    kind: 'mental-health-trust',
  });
  assert.deepEqual(p.scopes, ['user/*.rs']);
  await v.verify(`Bearer ${await keycloak.sign({ ...claims, jti: 'kc-2', scope: 'openid user/Patient.rs' })}`);
  assert.equal(calls.length, 1);
  assert.equal(calls[0], `${KEYCLOAK.jwksUri} -> 203.0.114.10`);
  assert.equal(
    (await refusal(v.verify(`Bearer ${await keycloak.sign({ ...claims, role_code: undefined })}`))).code,
    'access.token-role-missing',
  );
  assert.equal(
    (await refusal(v.verify(`Bearer ${await keycloak.sign({ ...claims, ods_code: 'ZZZ99' })}`))).code,
    'access.token-organisation-unknown',
  );
  assert.equal(
    (await refusal(v.verify(`Bearer ${await keycloak.sign({ ...claims, aud: 'someone-else' })}`))).code,
    'access.token-audience',
  );
  assert.equal(
    (await refusal(v.verify(`Bearer ${await stranger.sign({ ...claims })}`))).code,
    'access.token-signature',
  );
});

test('a CIS2 token: the selected role profile gives the job role and organisation; no selection, no principal', async () => {
  const { transport } = stubTransport({ [CIS2.jwksUri]: () => [cis2.jwk] });
  const v = externalVerifier(transport);
  const claims = {
    iss: CIS2.issuer,
    aud: 'joinedup-cis2-client',
    sub: '555021935107',
    name: 'Dr Thomas Wright',
    exp: epoch() + 300,
    selected_roleid: '555021936108',
    nhsid_nrbac_roles: [
      { person_roleid: '555021935109', org_code: 'RWK', role_code: 'S8000:G8000:R8001' },
      { person_roleid: '555021936108', org_code: 'F84003', role_code: 'S8000:G8000:R0260' },
    ],
  };
  const p = (await v.verify(`Bearer ${await cis2.sign(claims, { typ: 'JWT' })}`)) as StaffPrincipal;
  assert.equal(p.roleCode, 'R0260');
  assert.equal(p.roleProfileId, '555021936108');
  assert.deepEqual(p.organisation, { odsCode: 'F84003', name: 'F84003', kind: 'gp-practice' });
  assert.equal(p.clientId, 'joinedup-cis2-client');
  assert.equal(p.tokenId.length, 43, 'a token without jti is known by its digest');
  for (const change of [{ selected_roleid: undefined }, { selected_roleid: '000000000000' }]) {
    assert.equal(
      (await refusal(v.verify(`Bearer ${await cis2.sign({ ...claims, ...change })}`))).code,
      'access.token-role-missing',
    );
  }
});

test('an external issuer whose jwks_uri resolves to a metadata address is never fetched (503)', async () => {
  const { transport, calls } = stubTransport({ [KEYCLOAK.jwksUri]: () => [keycloak.jwk] });
  const v = externalVerifier(transport, {
    resolve: () => Promise.resolve([{ address: '169.254.169.254', family: 4 }]),
  });
  const token = await keycloak.sign({
    iss: KEYCLOAK.issuer,
    aud: 'joinedup',
    exp: epoch() + 300,
    preferred_username: 'x',
  });
  assert.deepEqual(await refusal(v.verify(`Bearer ${token}`)), { status: 503, code: 'access.token-keys-unavailable' });
  assert.deepEqual(calls, []);
});

test('rotated keys: fetched again once the cache is stale, not for every unknown key', async () => {
  let current = [keycloak.jwk];
  const { transport, calls } = stubTransport({ [KEYCLOAK.jwksUri]: () => current });
  const rotated = await signingKey('ES256');
  const claims = {
    iss: KEYCLOAK.issuer,
    aud: 'joinedup',
    exp: epoch() + 300,
    preferred_username: 'x',
    role_code: 'R8000',
    ods_code: 'RWK',
  };
  const cached = externalVerifier(transport);
  await cached.verify(`Bearer ${await keycloak.sign(claims)}`);
  current = [rotated.jwk];
  assert.equal((await refusal(cached.verify(`Bearer ${await rotated.sign(claims)}`))).code, 'access.token-signature');
  assert.equal(calls.length, 1, 'no second fetch within 30 s');
  const fresh = externalVerifier(transport, { jwksCacheSeconds: 0 });
  await fresh.verify(`Bearer ${await rotated.sign(claims)}`);
});

test('an unknown issuer is refused without any fetch', async () => {
  const { transport, calls } = stubTransport({});
  const token = await stranger.sign(staffClaims({ iss: 'https://unknown.example' }));
  assert.equal((await refusal(externalVerifier(transport).verify(`Bearer ${token}`))).code, 'access.token-issuer');
  assert.deepEqual(calls, []);
});
