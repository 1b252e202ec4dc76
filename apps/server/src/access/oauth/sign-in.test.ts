import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StaffPrincipal } from '../principal.ts';
import { hashPassword, verifyPassword } from './sign-in.ts';
import { Browser, csrfOf, pkce, postForm, startOAuthServer, type TestServer } from './test-support/oauth-server.ts';

// The sign-in pages: NHS style and accessible, demo users only in demo mode, configured users with a password,
// CSRF tokens on every form, and an interaction bound to the browser that started it.

const REDIRECT = 'https://app.example/callback';
const CLIENTS = JSON.stringify([
  {
    clientId: 'care-app',
    name: 'Care plan app',
    auth: 'none',
    redirectUris: [REDIRECT],
    scopes: 'openid fhirUser offline_access user/*.rs',
  },
]);
const PASSWORD = 'correct horse battery staple';

let demo: TestServer;
let live: TestServer;

before(async () => {
  const users = JSON.stringify([
    {
      id: 'jsmith',
      name: 'Dr Jane Smith',
      passwordHash: await hashPassword(PASSWORD),
      fhirUser: 'Practitioner/jsmith',
      roleProfiles: [
        {
          id: 'rp-jsmith-1',
          roleCode: 'R8000',
          organisation: { odsCode: 'R1H', name: 'Barts Health NHS Trust', kind: 'acute-trust' },
        },
      ],
    },
  ]);
  demo = await startOAuthServer({ env: { JOINEDUP_OAUTH_CLIENTS: CLIENTS, JOINEDUP_USERS: users } });
  // The same deployment restarted without demo mode: the same database, keys and issuer.
  live = await startOAuthServer({
    env: { JOINEDUP_OAUTH_CLIENTS: CLIENTS, JOINEDUP_USERS: users },
    demo: false,
    db: demo.db,
    baseUrl: demo.base,
  });
});
after(async () => {
  await live.close();
  await demo.close();
});

function startUrl(s: TestServer, challenge = pkce().challenge) {
  // Each server is reached on its own listener (the live one shares the demo one's issuer URL).
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: 'care-app',
    redirect_uri: REDIRECT,
    scope: 'openid fhirUser offline_access user/*.rs',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
  });
  return `${s.listener}/oauth/authorize?${q.toString()}`;
}

/** Opens the sign-in page of a new authorisation on a server. */
async function signInPage(s: TestServer, browser = new Browser(), challenge?: string) {
  const res = await browser.follow(startUrl(s, challenge), s.listener);
  assert.equal(res.status, 200, res.text);
  return { browser, url: res.url, html: res.text };
}

test('the sign-in page: NHS header, labelled fields, no scripts or external assets, strict CSP', async () => {
  const browser = new Browser();
  const res = await browser.request(startUrl(demo));
  const page = await browser.request(new URL(res.location!, demo.listener).href);
  assert.equal(page.status, 200);
  const html = page.text;
  assert.match(html, /<html lang="en-GB">/);
  assert.match(html, /background:#005eb8/);
  assert.match(html, /font-family:"Frutiger W01",Arial,sans-serif/);
  assert.match(html, /<label for="username">User name<\/label>/);
  assert.match(html, /<input type="text" id="username"/);
  assert.match(html, /<label for="password">Password<\/label>/);
  assert.match(html, /<main id="main"/);
  assert.match(html, /Skip to main content/);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
  assert.doesNotMatch(html, /@import|url\(/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get('cache-control'), 'no-store');
});

test('demo mode lists every demo member of staff and the demo patients', async () => {
  const { html } = await signInPage(demo);
  assert.match(html, /Demo mode/);
  for (const id of ['demo-consultant', 'demo-gp', 'demo-privacy-officer', 'demo-paramedic', 'demo-social-worker']) {
    assert.match(html, new RegExp(`value="${id}"`));
  }
  assert.match(html, /value="9990000018"/);
});

test('outside demo mode demo users are not listed and do not exist', async () => {
  const { browser, url: pageUrl, html } = await signInPage(live);
  assert.doesNotMatch(html, /demo-|Demo mode|NHS number/);
  const csrf = csrfOf(html);
  for (const form of [{ demo_user: 'demo-consultant' }, { patient_nhs_number: '9990000018' }] as Record<
    string,
    string
  >[]) {
    const posted = await browser.request(`${pageUrl}/login`, { form: { csrf, ...form } });
    assert.equal(posted.status, 400);
    assert.match(posted.text, /There is a problem/);
  }
});

test('a token issued to a demo user cannot be refreshed once demo mode is off', async () => {
  const { verifier, challenge } = pkce();
  const { browser, url, html } = await signInPage(demo, new Browser(), challenge);
  const posted = await browser.request(`${url}/login`, { form: { csrf: csrfOf(html), demo_user: 'demo-consultant' } });
  const back = await browser.follow(new URL(posted.location!, url).href, demo.listener);
  const code = new URL(back.url).searchParams.get('code')!;
  const tokens = await postForm(`${demo.listener}/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: 'care-app',
    code_verifier: verifier,
  });
  assert.equal(tokens.status, 200);
  const refreshed = await postForm(`${live.listener}/oauth/token`, {
    grant_type: 'refresh_token',
    refresh_token: tokens.json.refresh_token,
    client_id: 'care-app',
  });
  assert.equal(refreshed.json.error, 'invalid_grant');
});

test('a configured user signs in with a password; the token carries their role profile', async () => {
  const { verifier, challenge } = pkce();
  const { browser, url, html } = await signInPage(live, new Browser(), challenge);
  const posted = await browser.request(`${url}/login`, {
    form: { csrf: csrfOf(html), username: 'jsmith', password: PASSWORD },
  });
  assert.equal(posted.status, 303, posted.text);
  const back = await browser.follow(new URL(posted.location!, url).href, live.listener);
  const code = new URL(back.url).searchParams.get('code')!;
  const tokens = await postForm(`${live.listener}/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: 'care-app',
    code_verifier: verifier,
  });
  const p = (await live.auth.verify(`Bearer ${tokens.json.access_token}`)) as StaffPrincipal;
  assert.equal(p.userId, 'jsmith');
  assert.equal(p.roleProfileId, 'rp-jsmith-1');
});

test('a wrong password, an unknown user, or too many attempts are refused with the same words', async () => {
  const { browser, url, html } = await signInPage(demo);
  const csrf = csrfOf(html);
  for (const form of [
    { username: 'jsmith', password: 'wrong' },
    { username: 'nobody', password: PASSWORD },
    { username: 'demo-consultant', password: 'anything' },
  ]) {
    const res = await browser.request(`${url}/login`, { form: { csrf, ...form } });
    assert.equal(res.status, 400);
    assert.match(res.text, /The user name or password is not right/);
  }
  for (let i = 0; i < 5; i++)
    await browser.request(`${url}/login`, { form: { csrf, username: 'jsmith', password: 'x' } });
  const locked = await browser.request(`${url}/login`, { form: { csrf, username: 'jsmith', password: PASSWORD } });
  assert.match(locked.text, /Too many attempts/);
});

test('form posts without the CSRF token, or from another site, are refused', async () => {
  const { browser, url, html } = await signInPage(demo);
  for (const [form, headers] of [
    [{ demo_user: 'demo-consultant' }, {}],
    [{ demo_user: 'demo-consultant', csrf: 'forged' }, {}],
    [{ demo_user: 'demo-consultant', csrf: csrfOf(html) }, { origin: 'https://evil.example' }],
  ] as [Record<string, string>, Record<string, string>][]) {
    const res = await browser.request(`${url}/login`, { form, headers });
    assert.equal(res.status, 400);
    assert.match(res.text, /This sign-in has expired/);
  }
});

test('the sign-in belongs to the browser that started it', async () => {
  const { url, html } = await signInPage(demo);
  const other = new Browser();
  assert.equal((await other.request(url)).status, 400);
  const posted = await other.request(`${url}/login`, { form: { csrf: csrfOf(html), demo_user: 'demo-consultant' } });
  assert.equal(posted.status, 400);
});

test('cancelling sends the user back to the app with access_denied', async () => {
  const { browser, url, html } = await signInPage(demo);
  const posted = await browser.request(`${url}/cancel`, { form: { csrf: csrfOf(html) } });
  const back = await browser.follow(new URL(posted.location!, url).href, demo.listener);
  assert.equal(new URL(back.url).searchParams.get('error'), 'access_denied');
});

test('passwords: scrypt hashes, salted, checked in constant time', async () => {
  const a = await hashPassword('s3cret');
  const b = await hashPassword('s3cret');
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await verifyPassword('s3cret', a), true);
  assert.equal(await verifyPassword('S3cret', a), false);
  assert.equal(await verifyPassword('s3cret', 'not-a-hash'), false);
});
