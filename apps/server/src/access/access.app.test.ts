import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { demoDirectory } from '../demo/demo.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { Browser, pkce, postForm, signInWithBrowser } from './oauth/test-support/oauth-server.ts';

// Sign-in and the audit as the whole server wires them (app.ts): the demo region's users sign in at the built-in
// authorisation server, and the privacy officer's audit API admits a privacy officer's token and nobody else.

const REDIRECT = 'https://viewer.example/callback';
let app: TestApp;
let base: string;

/** A port free now, so that the server's public base URL (the token issuer) can name it before it listens. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await createTestApp({
    env: {
      JOINEDUP_BASE_URL: base,
      JOINEDUP_DEMO: 'true',
      JOINEDUP_DEMO_PEOPLE: '50',
      JOINEDUP_OAUTH_CLIENTS: JSON.stringify([
        {
          clientId: 'viewer',
          name: 'Care record viewer',
          auth: 'none',
          redirectUris: [REDIRECT],
          scopes: 'openid fhirUser user/*.rs',
        },
      ]),
    },
  });
  await app.http.listen({ host: '127.0.0.1', port });
});
after(() => app.close());

/** An access token for a demo user, through the sign-in pages and the token endpoint, as a browser app gets one. */
async function tokenFor(demoUser: string): Promise<string> {
  const { verifier, challenge } = pkce();
  const { redirect, page } = await signInWithBrowser(
    base,
    {
      response_type: 'code',
      client_id: 'viewer',
      redirect_uri: REDIRECT,
      scope: 'openid fhirUser user/*.rs',
      state: 's1',
      aud: `${base}/fhir`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    { demo_user: demoUser },
    // A user with more than one role profile picks the first.
    { role_profile: `${demoUser}-role-1` },
  );
  assert.ok(redirect, `signed in, not a page: ${page?.status} ${page?.text.slice(0, 200)}`);
  const code = redirect.searchParams.get('code');
  assert.ok(code, redirect.search);
  const res = await postForm(`${base}/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: 'viewer',
    code_verifier: verifier,
  });
  assert.equal(res.status, 200, res.text);
  return (res.json as { access_token: string }).access_token;
}

test('the server publishes SMART discovery at the root and under the FHIR base, S256 only', async () => {
  for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
    const res = await app.request('GET', path);
    assert.equal(res.status, 200, path);
    assert.deepEqual(res.json.code_challenge_methods_supported, ['S256']);
    assert.equal(res.json.token_endpoint, `${base}/oauth/token`);
    assert.ok(res.json.capabilities.includes('launch-ehr'));
  }
});

test('in demo mode the sign-in page lists the demo region staff, placed at its organisations', async () => {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'viewer',
    redirect_uri: REDIRECT,
    scope: 'openid',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  });
  const page = await new Browser().follow(`${base}/oauth/authorize?${query.toString()}`, base);
  assert.equal(page.status, 200);
  assert.match(page.url, /\/oauth\/sign-in\//);
  // Every role group of the region is offered, each at one of the demo region's organisations.
  for (const user of [
    'demo-privacy-officer',
    'demo-paramedic',
    'demo-gp',
    'demo-care-home-nurse',
    'demo-111-clinician',
  ])
    assert.match(page.text, new RegExp(`value="${user}"`), user);
  const ambulance = demoDirectory({ people: 50 }).organisations.find((o) => o.kind === 'ambulance-service');
  assert.ok(ambulance && page.text.includes(ambulance.name), "the paramedic works for the region's ambulance service");
  // And the demo patients are the region's people, by NHS number.
  for (const nhs of demoDirectory({ people: 50 }).patientNhsNumbers) assert.ok(page.text.includes(nhs), nhs);
});

test('the audit API admits a privacy officer, refuses other staff (403) and a request without a token (401)', async () => {
  const officer = await tokenFor('demo-privacy-officer');
  const allowed = await app.request('GET', '/audit/events', undefined, { authorization: `Bearer ${officer}` });
  assert.equal(allowed.status, 200, allowed.text);
  const verify = await app.request('GET', '/audit/verify', undefined, { authorization: `Bearer ${officer}` });
  assert.equal(verify.status, 200, verify.text);
  assert.equal(verify.json.ok, true);

  const clinician = await tokenFor('demo-consultant');
  const refused = await app.request('GET', '/audit/events', undefined, { authorization: `Bearer ${clinician}` });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.issue[0].details.coding[0].code, 'access.forbidden');

  const anonymous = await app.request('GET', '/audit/events', undefined, { authorization: '' });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.json.issue[0].details.coding[0].code, 'access.token-missing');

  // A backend system (the test app's shared-secret client) is no privacy officer either.
  assert.equal((await app.request('GET', '/audit/events')).status, 403);

  const tampered = `${officer.slice(0, -4)}AAAA`;
  const bad = await app.request('GET', '/audit/events', undefined, { authorization: `Bearer ${tampered}` });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.issue[0].details.coding[0].code, 'access.token-signature');
});

test('a revoked token is refused by the audit API at once', async () => {
  const officer = await tokenFor('demo-privacy-officer');
  const revoked = await postForm(`${base}/oauth/revoke`, { token: officer, client_id: 'viewer' });
  assert.equal(revoked.status, 200, revoked.text);
  const res = await app.request('GET', '/audit/events', undefined, { authorization: `Bearer ${officer}` });
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.issue[0].details.coding[0].code, 'access.token-revoked');
});

test('the FHIR API needs a token, except its CapabilityStatement', async () => {
  const none = { authorization: '' };
  assert.equal((await app.request('GET', '/fhir/metadata', undefined, none)).status, 200);
  for (const [method, url] of [
    ['GET', '/fhir/Patient'],
    ['GET', '/fhir/Patient/any'],
    ['POST', '/fhir'],
    ['GET', '/fhir/_history'],
  ] as const) {
    const res = await app.request(
      method,
      url,
      method === 'POST' ? { resourceType: 'Bundle', type: 'batch' } : undefined,
      none,
    );
    assert.equal(res.status, 401, `${method} ${url}`);
    assert.equal(res.json.issue[0].details.coding[0].code, 'access.token-missing');
  }
  const imported = await app.http.inject({
    method: 'POST',
    url: '/fhir/$import',
    headers: { 'content-type': 'application/fhir+ndjson' },
    payload: '{"resourceType":"Patient","id":"x1"}\n',
  });
  assert.equal(imported.statusCode, 401);
  assert.equal((await app.request('GET', '/fhir/Patient/x1')).status, 404, 'nothing was imported');
});

test('a read-only staff token reads, and is refused every write, bundle entries included', async () => {
  const viewer = { authorization: `Bearer ${await tokenFor('demo-consultant')}` };
  {
    const r0 = await app.request('GET', '/fhir/Patient?_count=1', undefined, viewer);
    assert.equal(r0.status, 200, r0.text);
  }
  const created = await app.request('POST', '/fhir/Patient', { resourceType: 'Patient' }, viewer);
  assert.equal(created.status, 403);
  assert.equal(created.json.issue[0].details.coding[0].code, 'access.scope');
  const batch = await app.request(
    'POST',
    '/fhir',
    {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient?_count=1' } },
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      ],
    },
    viewer,
  );
  assert.equal(batch.status, 200, batch.text);
  assert.deepEqual(
    batch.json.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)),
    ['200', '403'],
  );
  const transaction = await app.request(
    'POST',
    '/fhir',
    {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }],
    },
    viewer,
  );
  assert.equal(transaction.status, 403, transaction.text);
});

/** The privacy officer's open alerts for one patient. */
async function alertsFor(patientId: string) {
  const officer = { authorization: `Bearer ${await tokenFor('demo-privacy-officer')}` };
  const res = await app.request('GET', '/audit/alerts?limit=500', undefined, officer);
  assert.equal(res.status, 200, res.text);
  return (
    res.json.alerts as {
      kind: string;
      patientId: string;
      reasonCode?: string;
      reasonText?: string;
      user: { id: string };
    }[]
  ).filter((a) => a.patientId === patientId);
}

test('break-glass: a clinician claims it with a coded reason and free text, for 8 hours, and the privacy officer is alerted', async () => {
  assert.equal(
    (await app.request('PUT', '/fhir/Patient/claim-pat-1', { resourceType: 'Patient', id: 'claim-pat-1' })).status,
    201,
  );
  const doctor = { authorization: `Bearer ${await tokenFor('demo-consultant')}` };
  const res = await app.request(
    'POST',
    '/access/claims',
    {
      patient: 'claim-pat-1',
      kind: 'break-glass',
      reasonCode: 'unable-to-consent',
      justification: 'Unconscious in resus',
    },
    { ...doctor, 'content-type': 'application/json' },
  );
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.kind, 'break-glass');
  assert.equal(Date.parse(res.json.expiresAt) - Date.parse(res.json.startedAt), 8 * 3600_000);
  const mine = await app.request('GET', '/access/claims', undefined, doctor);
  assert.deepEqual(
    mine.json.claims.map((c: { id: string }) => c.id),
    [res.json.id],
  );
  const [alert, ...more] = await alertsFor('claim-pat-1');
  assert.equal(more.length, 0);
  assert.equal(alert?.kind, 'break-glass');
  assert.equal(alert?.user.id, 'demo-consultant');
  assert.equal(alert?.reasonCode, 'unable-to-consent');
  assert.equal(alert?.reasonText, 'Unconscious in resus');
});

test('break-glass without free text or with an unknown reason is 400, and nothing is claimed or alerted', async () => {
  assert.equal(
    (await app.request('PUT', '/fhir/Patient/claim-pat-2', { resourceType: 'Patient', id: 'claim-pat-2' })).status,
    201,
  );
  const doctor = { authorization: `Bearer ${await tokenFor('demo-gp')}`, 'content-type': 'application/json' };
  for (const body of [
    { patient: 'claim-pat-2', kind: 'break-glass', reasonCode: 'unable-to-consent' },
    { patient: 'claim-pat-2', kind: 'break-glass', reasonCode: 'unable-to-consent', justification: '   ' },
    { patient: 'claim-pat-2', kind: 'break-glass', reasonCode: 'curiosity', justification: 'x' },
    { patient: 'claim-pat-2', kind: 'self-claimed', reasonCode: 'curiosity' },
    { patient: 'claim-pat-2', kind: 'peek', reasonCode: 'mdt-review' },
    { patient: '../etc', kind: 'self-claimed', reasonCode: 'mdt-review' },
  ]) {
    const res = await app.request('POST', '/access/claims', body, doctor);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.issue[0].details.coding[0].code, 'access.claim-invalid');
  }
  assert.deepEqual((await app.request('GET', '/access/claims', undefined, doctor)).json.claims, []);
  assert.deepEqual(await alertsFor('claim-pat-2'), []);
});

test('break-glass by a role not entitled to it is 403 and audited as refused; a self-claim lasts 24 hours', async () => {
  assert.equal(
    (await app.request('PUT', '/fhir/Patient/claim-pat-3', { resourceType: 'Patient', id: 'claim-pat-3' })).status,
    201,
  );
  const clerk = { authorization: `Bearer ${await tokenFor('demo-admin')}`, 'content-type': 'application/json' };
  const refused = await app.request(
    'POST',
    '/access/claims',
    { patient: 'claim-pat-3', kind: 'break-glass', reasonCode: 'unable-to-consent', justification: 'Asked to' },
    clerk,
  );
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.issue[0].details.coding[0].code, 'access.claim-not-entitled');
  assert.deepEqual(
    (await alertsFor('claim-pat-3')).map((a) => [a.kind, a.user.id]),
    [['break-glass-refused', 'demo-admin']],
  );
  assert.deepEqual((await app.request('GET', '/access/claims', undefined, clerk)).json.claims, []);

  const nurse = {
    authorization: `Bearer ${await tokenFor('demo-district-nurse')}`,
    'content-type': 'application/json',
  };
  const claimed = await app.request(
    'POST',
    '/access/claims',
    { patient: 'claim-pat-3', kind: 'self-claimed', reasonCode: 'mdt-review' },
    nurse,
  );
  assert.equal(claimed.status, 201, claimed.text);
  assert.equal(Date.parse(claimed.json.expiresAt) - Date.parse(claimed.json.startedAt), 24 * 3600_000);
  assert.equal(
    (
      await app.request(
        'POST',
        '/access/claims',
        { patient: 'no-such-patient', kind: 'self-claimed', reasonCode: 'mdt-review' },
        nurse,
      )
    ).status,
    404,
  );
  assert.equal(
    (
      await app.request(
        'POST',
        '/access/claims',
        { patient: 'claim-pat-3', kind: 'self-claimed', reasonCode: 'mdt-review' },
        { authorization: '' },
      )
    ).status,
    401,
  );
});
