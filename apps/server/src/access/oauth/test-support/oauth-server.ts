import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { openTestDatabase } from '../../../test-support/test-app.ts';
import { createHttpServer } from '../../../platform/http.ts';
import { createLogger } from '../../../platform/log.ts';
import { migrate } from '../../../platform/migrate.ts';
import type { Db } from '../../../platform/db.ts';
import type { Clock } from '../../../platform/clock.ts';
import { REGION } from './region.ts';
import { createAuthorizationServer, type AuthorizationServer } from '../authorization-server.ts';
import { oauthMigrations } from '../oauth.migrations.ts';
import { readOAuthConfig } from '../oauth.config.ts';

// A running authorisation server on 127.0.0.1 (a real listener: oidc-provider sees real requests), a browser
// with a cookie jar, and the pieces of an OAuth client (PKCE, private_key_jwt assertions).

export { REGION };

/** NHS numbers of the demo patients, and the Patient ids the stub FHIR store knows them by. */
export const PATIENTS: Record<string, string> = { '9990000018': 'pat-ada', '9990000026': 'pat-ben' };

export interface TestServer {
  /** The issuer: the server's public base URL (another server's, for a second process of one deployment). */
  base: string;
  /** Where this server listens. */
  listener: string;
  auth: AuthorizationServer;
  db: Db;
  close(): Promise<void>;
}

export async function startOAuthServer(
  options: { env?: Record<string, string>; demo?: boolean; clock?: Clock; db?: Db; baseUrl?: string } = {},
): Promise<TestServer> {
  // A second server on the same database stands for a second process of the same deployment.
  const { db, drop } = options.db ? { db: options.db, drop: () => Promise.resolve() } : await openTestDatabase();
  await migrate(db, oauthMigrations);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = options.baseUrl ?? listener;
  const log = createLogger('silent');
  const app = createHttpServer({ maxBodyBytes: 1024 * 1024 }, log);
  const config = readOAuthConfig(options.env ?? {}, { baseUrl: base, demo: options.demo ?? true });
  const auth = await createAuthorizationServer({
    db,
    config,
    log,
    organisations: REGION,
    demoPatientNhsNumbers: Object.keys(PATIENTS),
    findPatientByNhsNumber: (nhs) => Promise.resolve(PATIENTS[nhs]),
    patientExists: (id) => Promise.resolve(Object.values(PATIENTS).includes(id)),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  auth.register(app);
  await app.ready();
  server.on('request', (req, res) => app.routing(req, res));
  return {
    base,
    listener,
    auth,
    db,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await drop();
    },
  };
}

/** A browser: follows nothing by itself, keeps cookies per host. */
export class Browser {
  private cookies = new Map<string, string>();

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    const jar = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (jar) headers.cookie = jar;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      text: await res.text(),
      headers: res.headers,
    };
  }

  /** Follows redirects from `url` until one leaves `base` (the app's redirect URI) or a page is shown. */
  async follow(url: string, base: string) {
    let next = url;
    for (let i = 0; i < 10; i++) {
      const res = await this.request(next);
      if (res.status >= 300 && res.status < 400 && res.location) {
        const target = new URL(res.location, next).href;
        if (!target.startsWith(base)) return { ...res, url: target };
        next = target;
        continue;
      }
      return { ...res, url: next };
    }
    throw new Error('too many redirects');
  }
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** The hidden CSRF field of a sign-in page. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf field on the page');
  return m[1]!;
}

export async function clientKeys(alg: 'RS384' | 'ES384' | 'RS256' = 'ES384') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: `k-${randomBytes(4).toString('hex')}`, alg, use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    assertion: (clientId: string, audience: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg, kid: jwk.kid!, typ: 'JWT' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(audience)
        .setJti(randomBytes(16).toString('hex'))
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
  };
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export interface AuthorizeResult {
  /** The app's redirect URI with its query, when the server sent the browser back to the app. */
  redirect?: URL;
  /** A page shown by the server instead (an error it could not send back). */
  page?: { status: number; text: string };
}

/**
 * Starts an authorisation at the server at `base`, signs in (a demo user or patient: `signIn` is the sign-in form),
 * answers the choices the pages ask (role profile, patient), and ends where the server sends the browser.
 */
export async function signInWithBrowser(
  base: string,
  params: Record<string, string | undefined>,
  signIn: Record<string, string> = { demo_user: 'demo-consultant' },
  answers: { role_profile?: string; nhs_number?: string } = {},
  browser = new Browser(),
): Promise<AuthorizeResult> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  let res = await browser.follow(`${base}/oauth/authorize?${q.toString()}`, base);
  for (let i = 0; i < 5; i++) {
    if (!res.url.startsWith(base)) return { redirect: new URL(res.url) };
    if (res.status !== 200 || !res.url.includes('/oauth/sign-in/'))
      return { page: { status: res.status, text: res.text } };
    const csrf = csrfOf(res.text);
    let step: string;
    let form: Record<string, string>;
    if (res.text.includes('name="role_profile"')) {
      step = 'role';
      form = { role_profile: answers.role_profile ?? '' };
    } else if (res.text.includes('name="nhs_number"')) {
      step = 'patient';
      form = { nhs_number: answers.nhs_number ?? '' };
    } else {
      step = 'login';
      form = signIn;
    }
    const posted = await browser.request(`${res.url}/${step}`, { form: { csrf, ...form } });
    if (posted.status !== 303) return { page: { status: posted.status, text: posted.text } };
    res = await browser.follow(new URL(posted.location!, res.url).href, base);
  }
  throw new Error('sign-in did not finish');
}
