// Sign-in and tokens (ADR 10): the built-in OAuth 2.0 / OpenID Connect authorisation server with SMART App Launch
// 2.0 on top, and the verifier the FHIR API calls on every request.

/** The authorisation server: register it on the HTTP server; `verify` checks a request's bearer token. */
export {
  createAuthorizationServer,
  OAUTH_PATHS,
  type AuthorizationServer,
  type AuthorizationServerDeps,
} from './authorization-server.ts';
/** Its settings, read from the environment (README.md lists every variable). */
export {
  OAuthConfigError,
  readOAuthConfig,
  type ClaimMapping,
  type IdentityProviderConfig,
  type OAuthClientConfig,
  type OAuthConfig,
  type PatientUser,
  type RoleProfile,
  type StaffUser,
  type User,
} from './oauth.config.ts';
/** Its tables. */
export { oauthMigrations } from './oauth.migrations.ts';
/** A bearer token to a Principal, for a verifier used on its own (the authorisation server builds one). */
export { createTokenVerifier, publicJwks, type TokenVerifier, type TokenVerifierConfig } from './tokens.ts';
/** The demo region's users: staff for every role group and organisation kind, and demo patients. */
export { demoPatient, demoUsers } from './demo-users.ts';
/** scrypt password hashes for JOINEDUP_USERS. */
export { hashPassword, verifyPassword } from './sign-in.ts';
/** Refuses outbound URLs to loopback, private, link-local and metadata addresses (reliability matrix row 21). */
export {
  createUrlGuard,
  fetchGuardedJson,
  UrlRefusedError,
  type Resolver,
  type Transport,
  type UrlGuard,
} from './url-guard.ts';
/** The SMART scope grammar as far as the authorisation server needs it. */
export { narrowScopes, parseResourceScope, parseResourceScopes, scopeCovers } from './smart-scopes.ts';
