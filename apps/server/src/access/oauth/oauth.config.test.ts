import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuthConfigError, readOAuthConfig } from './oauth.config.ts';
import { narrowScopes, parseResourceScope, scopeCovers } from './smart-scopes.ts';

const SERVER = { baseUrl: 'https://joinedup.example', demo: false };

test('defaults: issuer from the base URL, audience its /fhir, short access tokens', () => {
  const c = readOAuthConfig({}, SERVER);
  assert.equal(c.issuer, 'https://joinedup.example');
  assert.equal(c.audience, 'https://joinedup.example/fhir');
  assert.equal(c.accessTokenTtl, 600);
  assert.equal(c.revocationRefreshSeconds, 15);
  assert.deepEqual(c.clients, []);
  assert.deepEqual(c.users, []);
  assert.equal(c.demo, false);
});

test('bad settings stop start-up naming the variable, never echoing a secret', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ JOINEDUP_OAUTH_ACCESS_TOKEN_TTL: '3600' }, /JOINEDUP_OAUTH_ACCESS_TOKEN_TTL/],
    [{ JOINEDUP_OAUTH_REVOCATION_REFRESH: '120' }, /JOINEDUP_OAUTH_REVOCATION_REFRESH/],
    [{ JOINEDUP_OAUTH_ISSUER: 'ftp://x' }, /JOINEDUP_OAUTH_ISSUER/],
    [{ JOINEDUP_OAUTH_CLIENTS: '{' }, /JOINEDUP_OAUTH_CLIENTS must be JSON/],
    [
      { JOINEDUP_OAUTH_CLIENTS: '[{"clientId":"a","redirectUris":["https://a/cb"],"scopes":"patient/*.rs magic"}]' },
      /not SMART scopes: magic/,
    ],
    [{ JOINEDUP_OAUTH_CLIENTS: '[{"clientId":"a","scopes":"openid"}]' }, /authorization_code needs redirectUris/],
    [{ JOINEDUP_OAUTH_CLIENTS: '[{"clientId":"a","auth":"private_key_jwt","scopes":"system/*.rs"}]' }, /needs jwks/],
    [
      {
        JOINEDUP_OAUTH_CLIENTS:
          '[{"clientId":"a","jwks":{"keys":[{"kty":"EC","d":"secret-d"}]},"scopes":"system/*.rs"}]',
      },
      /public keys only/,
    ],
    [
      {
        JOINEDUP_OAUTH_CLIENTS:
          '[{"clientId":"a","jwksUri":"https://a/jwks","jwks":{"keys":[{"kty":"EC"}]},"scopes":"system/*.rs"}]',
      },
      /not jwksUri/,
    ],
    [{ JOINEDUP_OAUTH_JWKS: '{"keys":[{"kty":"RSA","n":"secret-n"}]}' }, /private RSA or EC JWK/],
    [{ JOINEDUP_OAUTH_COOKIE_KEYS: 'short-secret' }, /at least 32 characters/],
    [
      { JOINEDUP_USERS: '[{"id":"demo-x","name":"X","passwordHash":"scrypt$1$1$1$a$b","roleProfiles":[]}]' },
      /reserved/,
    ],
    [
      { JOINEDUP_USERS: '[{"id":"x","name":"X","passwordHash":"plain-secret","roleProfiles":[]}]' },
      /passwordHash must be scrypt/,
    ],
    [
      {
        JOINEDUP_IDENTITY_PROVIDERS:
          '[{"issuer":"https://i","jwksUri":"http://i/jwks","audience":"a","claims":{"roleCode":"r","organisationOdsCode":"o"}}]',
      },
      /https URL/,
    ],
    [
      { JOINEDUP_IDENTITY_PROVIDERS: '[{"issuer":"https://i","jwksUri":"https://i/jwks","audience":"a"}]' },
      /roleCode and organisationOdsCode/,
    ],
  ];
  for (const [env, message] of bad) {
    assert.throws(
      () => readOAuthConfig(env, SERVER),
      (e: Error) => {
        assert.ok(e instanceof OAuthConfigError, e.message);
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /secret-d|secret-n|short-secret|plain-secret/);
        return true;
      },
    );
  }
});

test('clients: public by default with authorization code and refresh; backend services with keys', () => {
  const c = readOAuthConfig(
    {
      JOINEDUP_OAUTH_CLIENTS: JSON.stringify([
        { clientId: 'app', redirectUris: ['https://app/cb'], scopes: 'openid patient/*.rs' },
        {
          clientId: 'epr',
          jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y' }] },
          scopes: ['system/*.rs'],
          source: 'R1H',
          ehrLaunch: true,
        },
      ]),
    },
    SERVER,
  );
  assert.deepEqual(c.clients[0], {
    clientId: 'app',
    name: 'app',
    auth: 'none',
    redirectUris: ['https://app/cb'],
    scopes: ['openid', 'patient/*.rs'],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
  assert.equal(c.clients[1]!.auth, 'private_key_jwt');
  assert.deepEqual(c.clients[1]!.grantTypes, ['client_credentials']);
  assert.equal(c.clients[1]!.ehrLaunch, true);
});

test('SMART scopes: v1 and v2 parsed alike; a client is narrowed to what it may have', () => {
  assert.deepEqual(parseResourceScope('patient/Observation.read'), {
    context: 'patient',
    resourceType: 'Observation',
    permissions: 'rs',
  });
  assert.deepEqual(parseResourceScope('user/Observation.rs?category=laboratory'), {
    context: 'user',
    resourceType: 'Observation',
    permissions: 'rs',
    query: 'category=laboratory',
  });
  assert.equal(parseResourceScope('patient/Observation.sr'), undefined, 'v2 permissions in cruds order');
  assert.equal(parseResourceScope('patient/observation.rs'), undefined);
  assert.ok(scopeCovers('patient/*.cruds', 'patient/Observation.rs'));
  assert.ok(scopeCovers('patient/*.read', 'patient/Observation.s'));
  assert.ok(!scopeCovers('patient/*.rs', 'user/Observation.rs'));
  assert.ok(!scopeCovers('patient/*.rs', 'patient/Observation.cruds'));
  assert.ok(!scopeCovers('patient/Observation.rs?category=laboratory', 'patient/Observation.rs'));
  assert.deepEqual(
    narrowScopes(['openid', 'patient/*.cruds', 'patient/Condition.rs', 'launch'], ['openid', 'patient/*.rs']),
    {
      granted: ['openid', 'patient/Condition.rs'],
      refused: ['patient/*.cruds', 'launch'],
    },
  );
});
