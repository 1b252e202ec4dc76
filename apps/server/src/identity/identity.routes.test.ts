import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NHS_NUMBER_SYSTEM, NHS_NUMBER_VERIFICATION_EXTENSION, nhsNumberCheckDigit } from '@joinedup/fhir';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';

// The index through HTTP, as a feed and a data quality user use it: every Patient written through the FHIR API
// is linked before the write commits, the sender's credentials name the source, and /mpi changes links with
// each change audited against the user and shown at once in the Person resource.

const SECRETS = {
  barts: 'b'.repeat(40),
  gp: 'g'.repeat(40),
  dq: 'd'.repeat(40),
  viewer: 'v'.repeat(40),
};
const CLIENTS = [
  { id: 'barts-epr', secret: SECRETS.barts, source: 'R1H' },
  { id: 'gp-system', secret: SECRETS.gp, source: 'F84003' },
  { id: 'dq-officer', secret: SECRETS.dq, scopes: ['identity'] },
  { id: 'no-scope', secret: SECRETS.viewer },
];
const as = (secret: string) => ({ authorization: `Bearer ${secret}` });

let app: TestApp;
before(async () => {
  app = await createTestApp({ env: { JOINEDUP_CLIENTS: JSON.stringify(CLIENTS) } });
});
after(async () => {
  await app.close();
});

let serial = 200_000;
function newNhsNumber(): string {
  for (;;) {
    const first9 = `9${String(serial++).padStart(8, '0')}`;
    const check = nhsNumberCheckDigit([...first9].map(Number));
    if (check !== 10) return `${first9}${check}`;
  }
}

function patient(id: string, nhs: string | undefined, fields: Record<string, unknown> = {}) {
  return {
    resourceType: 'Patient',
    id,
    ...(nhs
      ? {
          identifier: [
            {
              system: NHS_NUMBER_SYSTEM,
              value: nhs,
              extension: [
                { url: NHS_NUMBER_VERIFICATION_EXTENSION, valueCodeableConcept: { coding: [{ code: '01' }] } },
              ],
            },
          ],
        }
      : {}),
    name: [{ family: 'Adeyemi', given: ['Grace'] }],
    gender: 'female',
    birthDate: '1961-02-14',
    address: [{ line: ['12 Tanner Street'], postalCode: 'SE1 3LE' }],
    ...fields,
  };
}

async function personOf(patientId: string): Promise<string> {
  const res = await app.request('GET', `/mpi/patients/${patientId}`, undefined, as(SECRETS.dq));
  assert.equal(res.status, 200, res.text);
  return res.json.personId as string;
}

async function personLinks(personId: string): Promise<{ active: boolean; links: string[] }> {
  const res = await app.request('GET', `/fhir/Person/${personId}`);
  assert.equal(res.status, 200, res.text);
  return {
    active: res.json.active,
    links: (res.json.link ?? []).map((l: { target: { reference: string } }) => l.target.reference).sort(),
  };
}

test('the index API denies by default: no credentials 401, unknown secret 401, no identity scope 403', async () => {
  await app.request('PUT', '/fhir/Patient/deny-1', patient('deny-1', newNhsNumber()));
  for (const [headers, status, code] of [
    [{ authorization: '' }, 401, 'access.credentials'],
    [as('x'.repeat(40)), 401, 'access.credentials'],
    [{ authorization: 'Basic abc' }, 401, 'access.credentials'],
    [as(SECRETS.viewer), 403, 'access.scope'],
    [as(SECRETS.barts), 403, 'access.scope'],
  ] as const) {
    for (const [method, url] of [
      ['GET', '/mpi/patients/deny-1'],
      ['GET', '/mpi/reviews'],
      ['POST', '/mpi/patients/deny-1/unlink'],
    ] as const) {
      const res = await app.request(method, url, method === 'POST' ? {} : undefined, headers);
      assert.equal(res.status, status, `${method} ${url}`);
      assert.equal(res.json.resourceType, 'OperationOutcome');
      assert.equal(res.json.issue[0].details.coding[0].code, code);
    }
  }
  // Unknown credentials on the FHIR API are refused too, and nothing is written.
  const refused = await app.request('PUT', '/fhir/Patient/deny-2', patient('deny-2', undefined), as('y'.repeat(40)));
  assert.equal(refused.status, 401);
  assert.equal((await app.request('GET', '/fhir/Patient/deny-2')).status, 404);
});

test('a Patient written through the FHIR API is linked before the write answers; the sender is its source', async () => {
  const nhs = newNhsNumber();
  // The body claims another source: the credentials win.
  const body = { ...patient('api-barts-1', nhs), meta: { source: 'SOMEWHERE-ELSE' } };
  const put = await app.request('PUT', '/fhir/Patient/api-barts-1', body, as(SECRETS.barts));
  assert.equal(put.status, 201, put.text);
  assert.equal(put.json.meta.source, 'R1H');
  const record = await app.request('GET', '/mpi/patients/api-barts-1', undefined, as(SECRETS.dq));
  assert.equal(record.json.source, 'R1H');
  assert.equal(record.json.method, 'new');

  // The same person from a GP system, in a transaction bundle: linked on the verified NHS number.
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0b7c1f43-3b0e-4e0b-9f1e-1d2a3b4c5d6e',
        resource: patient('api-gp-1', nhs, { name: [{ family: 'Adeyemi', given: ['G'] }] }),
        request: { method: 'PUT', url: 'Patient/api-gp-1' },
      },
      {
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://snomed.info/sct', code: '27113001' }] },
          subject: { reference: 'Patient/api-gp-1' },
        },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  };
  const posted = await app.request('POST', '/fhir', bundle, as(SECRETS.gp));
  assert.equal(posted.status, 200, posted.text);
  const observationUrl = posted.json.entry[1].response.location as string;
  const observation = await app.request('GET', `/fhir/${observationUrl.split('/_history')[0]}`);
  assert.equal(observation.json.meta.source, 'F84003', 'every entry of the bundle carries the sender');

  const person = await personOf('api-barts-1');
  assert.equal(await personOf('api-gp-1'), person);
  const gp = await app.request('GET', '/mpi/patients/api-gp-1', undefined, as(SECRETS.dq));
  assert.equal(gp.json.method, 'nhs-verified');
  assert.deepEqual((await personLinks(person)).links, ['Patient/api-barts-1', 'Patient/api-gp-1']);

  // Deleted at its source (with what refers to it): the record leaves its person at once.
  const deleted = await app.request(
    'POST',
    '/fhir',
    {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: 'Patient/api-gp-1' } },
        { request: { method: 'DELETE', url: observationUrl.split('/_history')[0] } },
      ],
    },
    as(SECRETS.gp),
  );
  assert.equal(deleted.status, 200, deleted.text);
  assert.deepEqual((await personLinks(person)).links, ['Patient/api-barts-1']);
  const gone = await app.request('GET', '/mpi/patients/api-gp-1', undefined, as(SECRETS.dq));
  assert.equal(gone.status, 404);
  assert.equal(gone.json.issue[0].details.coding[0].code, 'identity.patient-unknown');
});

test('unlink, link, merge and unmerge through /mpi: each audited with the user and shown in Person at once', async () => {
  const nhs = newNhsNumber();
  await app.request('PUT', '/fhir/Patient/m-a1', patient('m-a1', nhs, { birthDate: '1950-01-01' }), as(SECRETS.barts));
  await app.request('PUT', '/fhir/Patient/m-a2', patient('m-a2', nhs, { birthDate: '1950-01-01' }), as(SECRETS.gp));
  const first = await personOf('m-a1');
  assert.equal(await personOf('m-a2'), first);

  const unlinked = await app.request('POST', '/mpi/patients/m-a2/unlink', {}, as(SECRETS.dq));
  assert.equal(unlinked.status, 200, unlinked.text);
  const second = unlinked.json.personId as string;
  assert.notEqual(second, first);
  assert.deepEqual((await personLinks(first)).links, ['Patient/m-a1']);
  assert.deepEqual((await personLinks(second)).links, ['Patient/m-a2']);

  // Merge the second person into the first: its record moves; the merged Person is inactive.
  const merged = await app.request('POST', `/mpi/persons/${first}/merge`, { mergedPersonId: second }, as(SECRETS.dq));
  assert.equal(merged.status, 200, merged.text);
  assert.deepEqual(merged.json.moved, ['m-a2']);
  assert.deepEqual((await personLinks(first)).links, ['Patient/m-a1', 'Patient/m-a2']);
  assert.equal((await personLinks(second)).active, false);

  // Unmerge: exactly that record goes back, with the method it had.
  const unmerged = await app.request('POST', `/mpi/persons/${second}/unmerge`, {}, as(SECRETS.dq));
  assert.equal(unmerged.status, 200, unmerged.text);
  assert.deepEqual(unmerged.json.moved, ['m-a2']);
  assert.deepEqual((await personLinks(second)).links, ['Patient/m-a2']);
  assert.equal((await personLinks(second)).active, true);
  assert.equal((await app.request('POST', `/mpi/persons/${second}/unmerge`, {}, as(SECRETS.dq))).status, 404);

  // Link back by hand.
  const linked = await app.request('POST', '/mpi/patients/m-a2/link', { personId: first }, as(SECRETS.dq));
  assert.equal(linked.status, 200, linked.text);
  assert.equal(await personOf('m-a2'), first);

  const history = await app.request('GET', '/mpi/patients/m-a2/history', undefined, as(SECRETS.dq));
  const byUser = history.json.events.filter((e: { byUser: string | null }) => e.byUser === 'dq-officer');
  assert.deepEqual(
    byUser.map((e: { action: string }) => e.action),
    ['unlink', 'new-person', 'link', 'unlink', 'link', 'link'],
  );
});

test('two persons holding different verified NHS numbers are never merged', async () => {
  await app.request('PUT', '/fhir/Patient/v-1', patient('v-1', newNhsNumber(), { birthDate: '1980-05-05' }));
  await app.request('PUT', '/fhir/Patient/v-2', patient('v-2', newNhsNumber(), { birthDate: '1980-05-06' }));
  const a = await personOf('v-1');
  const b = await personOf('v-2');
  assert.notEqual(a, b);
  const res = await app.request('POST', `/mpi/persons/${a}/merge`, { mergedPersonId: b }, as(SECRETS.dq));
  assert.equal(res.status, 409);
  assert.equal(res.json.issue[0].details.coding[0].code, 'identity.verified-nhs-numbers-differ');
  assert.notEqual(await personOf('v-2'), a);
});

test('the review queue through /mpi: a possible match is listed and decided by the user', async () => {
  // No NHS number; the same name and birth date, another address: at most a possible match.
  await app.request(
    'PUT',
    '/fhir/Patient/r-1',
    patient('r-1', undefined, { birthDate: '1972-07-07' }),
    as(SECRETS.barts),
  );
  await app.request(
    'PUT',
    '/fhir/Patient/r-2',
    patient('r-2', undefined, {
      birthDate: '1972-07-07',
      name: [{ family: 'Adeyemi', given: ['Grace'] }],
      address: [{ line: ['3 Mile End Road'], postalCode: 'E1 4NS' }],
    }),
    as(SECRETS.gp),
  );
  const list = await app.request('GET', '/mpi/reviews?limit=50', undefined, as(SECRETS.dq));
  assert.equal(list.status, 200);
  const review = list.json.reviews.find((r: { patientId: string }) => r.patientId === 'r-2');
  assert.ok(review, 'r-2 waits for a decision');
  const target = await personOf('r-1');
  assert.equal(review.candidatePersonId, target);

  const bad = await app.request('POST', `/mpi/reviews/r-2/${target}`, { decision: 'maybe' }, as(SECRETS.dq));
  assert.equal(bad.status, 400);
  const decided = await app.request('POST', `/mpi/reviews/r-2/${target}`, { decision: 'link' }, as(SECRETS.dq));
  assert.equal(decided.status, 200, decided.text);
  assert.equal(await personOf('r-2'), target);
  const again = await app.request('POST', `/mpi/reviews/r-2/${target}`, { decision: 'reject' }, as(SECRETS.dq));
  assert.equal(again.status, 409);
});

test('bad requests to /mpi get a 400 OperationOutcome and change nothing', async () => {
  for (const [method, url, body] of [
    ['POST', '/mpi/patients/m-a1/link', { personId: '../x' }],
    ['POST', '/mpi/patients/m-a1/link', 'not json'],
    ['POST', '/mpi/persons/x/merge', {}],
    ['GET', '/mpi/reviews?limit=0', undefined],
    ['GET', '/mpi/reviews?limit=abc', undefined],
  ] as const) {
    const res = await app.request(method, url, body, { ...as(SECRETS.dq), 'content-type': 'application/json' });
    assert.equal(res.status, 400, `${method} ${url}: ${res.text}`);
    assert.equal(res.json.resourceType, 'OperationOutcome');
  }
  const unknown = await app.request('POST', '/mpi/patients/nobody/link', { personId: 'p' }, as(SECRETS.dq));
  assert.equal(unknown.status, 404);
});

test('Person/$everything is one person record across every source, and follows a link change at once', async () => {
  const nhs = newNhsNumber();
  await app.request('PUT', '/fhir/Patient/e-1', patient('e-1', nhs, { birthDate: '1949-03-03' }), as(SECRETS.barts));
  await app.request('PUT', '/fhir/Patient/e-2', patient('e-2', nhs, { birthDate: '1949-03-03' }), as(SECRETS.gp));
  const condition = (id: string, subject: string) => ({
    resourceType: 'Condition',
    id,
    subject: { reference: `Patient/${subject}` },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
  });
  await app.request('PUT', '/fhir/Condition/e-c1', condition('e-c1', 'e-1'), as(SECRETS.barts));
  await app.request('PUT', '/fhir/Condition/e-c2', condition('e-c2', 'e-2'), as(SECRETS.gp));
  const person = await personOf('e-1');
  const everything = async () => {
    const res = await app.request('GET', `/fhir/Person/${person}/$everything`);
    assert.equal(res.status, 200, res.text);
    return (res.json.entry as { resource: { resourceType: string; id: string } }[])
      .map((e) => `${e.resource.resourceType}/${e.resource.id}`)
      .sort();
  };
  assert.deepEqual(await everything(), [
    'Condition/e-c1',
    'Condition/e-c2',
    `Patient/e-1`,
    `Patient/e-2`,
    `Person/${person}`,
  ]);
  // Paging through it one entry at a time gives the same set.
  const seen: string[] = [];
  let next: string | undefined = `/fhir/Person/${person}/$everything?_count=1`;
  while (next) {
    const res = await app.request('GET', next.replace(/^https?:\/\/[^/]+/, ''));
    for (const e of res.json.entry) seen.push(`${e.resource.resourceType}/${e.resource.id}`);
    next = res.json.link.find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  assert.deepEqual(seen.sort(), await everything());

  await app.request('POST', '/mpi/patients/e-2/unlink', {}, as(SECRETS.dq));
  assert.deepEqual(await everything(), ['Condition/e-c1', `Patient/e-1`, `Person/${person}`]);
  assert.equal((await app.request('GET', '/fhir/Person/nobody/$everything')).status, 404);
});
