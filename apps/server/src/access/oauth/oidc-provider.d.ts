// oidc-provider ships no type declarations, and the project may not add @types packages for it: the part of its
// API this module uses, typed by hand from oidc-provider 9's documentation and source (lib/provider.js,
// lib/helpers/defaults.js). Anything not listed here is not used.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface AdapterPayload {
    [key: string]: unknown;
    jti?: string;
    kind?: string;
    exp?: number;
    iat?: number;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number | boolean;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    [key: string]: unknown;
  }

  export interface Client {
    clientId: string;
    clientAuthMethod: string;
    scope?: string;
    redirectUris: string[];
    grantTypeAllowed(type: string): boolean;
  }

  export interface InteractionResult {
    [key: string]: unknown;
    login?: { accountId: string; [key: string]: unknown };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown> & { client_id: string; scope?: string; redirect_uri?: string };
    session?: { accountId?: string; uid?: string };
    result?: InteractionResult;
    lastSubmission?: InteractionResult;
    returnTo: string;
    grantId?: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    rejectOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    rejectResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
    static find(id: string): Promise<Grant | undefined>;
  }

  export interface BaseToken {
    jti: string;
    kind: string;
    clientId: string;
    accountId?: string;
    grantId?: string;
    scope?: string;
    exp?: number;
    iat?: number;
    aud?: string | string[];
    gty?: string;
    sid?: string;
    sessionUid?: string;
    expiresWithSession?: boolean;
    extra?: Record<string, unknown>;
    remainingTTL: number;
  }

  export interface OIDCContext {
    route: string;
    params: Record<string, string | undefined>;
    client?: Client;
    entities: Record<string, unknown>;
    requestParamScopes: Set<string>;
    issuer: string;
  }

  /** The Koa context oidc-provider passes to its configuration functions. */
  export interface KoaContextWithOIDC {
    oidc: OIDCContext;
    method: string;
    path: string;
    status: number;
    body: unknown;
    type: string;
    req: IncomingMessage;
    get(header: string): string;
    set(header: string, value: string): void;
    is(...types: string[]): string | false | null;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  export type Configuration = Record<string, unknown>;

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    issuer: string;
    proxy: boolean;
    Grant: typeof Grant;
    AccessToken: { adapter: Adapter };
    ClientCredentials: { adapter: Adapter };
    Client: { find(id: string): Promise<Client | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export class OIDCProviderError extends Error {
    constructor(description?: string, detail?: string);
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
  }

  export const errors: {
    OIDCProviderError: typeof OIDCProviderError;
    InvalidRequest: typeof OIDCProviderError;
    InvalidScope: typeof OIDCProviderError;
    InvalidTarget: typeof OIDCProviderError;
    InvalidGrant: typeof OIDCProviderError;
    AccessDenied: typeof OIDCProviderError;
    SessionNotFound: typeof OIDCProviderError;
  };

  export default Provider;
}
