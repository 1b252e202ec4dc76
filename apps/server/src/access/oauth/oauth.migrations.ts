import type { Migration } from '../../platform/migrate.ts';

/**
 * The authorisation server's storage (ADR 10).
 *
 * - `oauth_artifact`: what oidc-provider keeps (grants, codes, refresh tokens, sessions, interactions, and a record
 *   of each JWT access token so that it can be introspected and revoked), one row per model and id, with its
 *   expiry and the moment it was consumed (a consumed code or refresh token presented again revokes its grant).
 * - `oauth_revocation`: token ids (`jti`) and grant ids revoked, read by every token verifier (a revoked access
 *   token is refused within the verifier's refresh interval); an entry can go once no token it names can be alive.
 * - `oauth_key`: signing keys (private JWKs) and cookie keys generated at first start. Secrets: never logged.
 * - `oauth_launch`: SMART EHR launch contexts created by a local system, used once by the app it launches.
 * - `oauth_grant_context`: what a sign-in chose beside the scopes (role profile, launch patient and encounter),
 *   keyed by oidc-provider's grant id, so that every access token of the grant (refreshes too) carries it.
 */
export const oauthMigrations: Migration[] = [
  {
    id: 'access-oauth-001',
    sql: `
CREATE TABLE oauth_artifact (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  uid text,
  user_code text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oauth_artifact_grant_idx ON oauth_artifact (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oauth_artifact_uid_idx ON oauth_artifact (uid) WHERE uid IS NOT NULL;
CREATE INDEX oauth_artifact_user_code_idx ON oauth_artifact (user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oauth_artifact_expires_idx ON oauth_artifact (expires_at);
CREATE TABLE oauth_revocation (
  kind text NOT NULL CHECK (kind IN ('token', 'grant')),
  id text NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX oauth_revocation_revoked_idx ON oauth_revocation (revoked_at);
CREATE TABLE oauth_key (
  kid text PRIMARY KEY,
  use text NOT NULL CHECK (use IN ('sig', 'cookie')),
  jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE TABLE oauth_launch (
  id text PRIMARY KEY,
  created_by text NOT NULL,
  client_id text,
  user_id text,
  patient text NOT NULL,
  encounter text,
  need_patient_banner boolean NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE TABLE oauth_grant_context (
  grant_id text PRIMARY KEY,
  context jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
];
