import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../../platform/clock.ts';
import { aPatient, anObservation, createTestApp, type TestApp } from '../../test-support/test-app.ts';

const clock = fixedClock(new Date('2026-03-01T09:00:00.000Z'));
let app: TestApp;
let patientId: string;
let otherId: string;
let laterObservationId: string;
const expected = new Map<string, number>();

interface Entry {
  fullUrl: string;
  resource: { resourceType: string; id: string };
  search: { mode: string };
}

before(async () => {
  app = await createTestApp({ clock });
  const org = { resourceType: 'Organization', name: 'Riverside Surgery' };
  const practitioner = { resourceType: 'Practitioner', name: [{ family: 'Adeyemi' }] };
  const unrelatedOrg = { resourceType: 'Organization', name: 'Not referred to' };
  const observations = Array.from({ length: 25 }, (_, i) => ({
    fullUrl: `urn:uuid:00000000-0000-0000-0000-0000000000${String(i).padStart(2, '0')}`,
    resource: anObservation('x', {
      subject: { reference: 'urn:uuid:aaaaaaaa-0000-0000-0000-000000000000' },
      performer: [{ reference: 'urn:uuid:cccccccc-0000-0000-0000-000000000000' }],
    }),
    request: { method: 'POST', url: 'Observation' },
  }));
  const res = await app.request('POST', '/fhir', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:aaaaaaaa-0000-0000-0000-000000000000',
        resource: aPatient({ managingOrganization: { reference: 'urn:uuid:bbbbbbbb-0000-0000-0000-000000000000' } }),
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: 'urn:uuid:bbbbbbbb-0000-0000-0000-000000000000',
        resource: org,
        request: { method: 'POST', url: 'Organization' },
      },
      {
        fullUrl: 'urn:uuid:cccccccc-0000-0000-0000-000000000000',
        resource: practitioner,
        request: { method: 'POST', url: 'Practitioner' },
      },
      { resource: unrelatedOrg, request: { method: 'POST', url: 'Organization' } },
      ...observations,
      {
        resource: {
          resourceType: 'Condition',
          subject: { reference: 'urn:uuid:aaaaaaaa-0000-0000-0000-000000000000' },
          code: { text: 'Asthma' },
        },
        request: { method: 'POST', url: 'Condition' },
      },
      {
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject: { reference: 'urn:uuid:aaaaaaaa-0000-0000-0000-000000000000' },
          serviceProvider: { reference: 'urn:uuid:bbbbbbbb-0000-0000-0000-000000000000' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
    ],
  });
  assert.equal(res.status, 200, res.text);
  patientId = (res.json.entry[0].response.location as string).split('/')[1]!;
  for (const [type, n] of Object.entries({
    Patient: 1,
    Organization: 1,
    Practitioner: 1,
    Observation: 25,
    Condition: 1,
    Encounter: 1,
  })) {
    expected.set(type, n);
  }

  // Another patient's resources are not part of this one's.
  const other = await app.request(
    'POST',
    '/fhir/Patient',
    aPatient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000026' }] }),
  );
  otherId = other.json.id;
  await app.request('POST', '/fhir/Observation', anObservation(otherId));

  clock.advance(60_000);
  const later = await app.request('POST', '/fhir/Observation', anObservation(patientId, { status: 'amended' }));
  assert.equal(later.status, 201, later.text);
  laterObservationId = later.json.id;
  expected.set('Observation', 26);
});
after(async () => {
  await app.close();
});

function countByType(entries: Entry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.resource.resourceType, (counts.get(e.resource.resourceType) ?? 0) + 1);
  return counts;
}

async function allPages(url: string): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next) {
    const res = await app.request('GET', next.replace(/^https?:\/\/[^/]+/, ''));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.type, 'searchset');
    entries.push(...((res.json.entry ?? []) as Entry[]));
    next = (res.json.link as { relation: string; url: string }[]).find((l) => l.relation === 'next')?.url;
    pages++;
    assert.ok(pages < 100);
  }
  return { entries, pages };
}

describe('Patient/$everything', () => {
  test('returns the patient, its compartment and the shared resources they refer to', async () => {
    const res = await app.request('GET', `/fhir/Patient/${patientId}/$everything`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.resourceType, 'Bundle');
    assert.equal(res.json.type, 'searchset');
    const entries = res.json.entry as Entry[];
    assert.deepEqual(countByType(entries), new Map([...expected].sort()));
    assert.equal(res.json.total, entries.length);
    assert.ok(!entries.some((e) => e.resource.id === otherId));
    const org = entries.find((e) => e.resource.resourceType === 'Organization')!;
    assert.equal(org.search.mode, 'include');
    assert.equal(entries.find((e) => e.resource.resourceType === 'Patient')!.search.mode, 'match');
    assert.match(org.fullUrl, new RegExp(`/fhir/Organization/${org.resource.id}$`));
    const keys = entries.map((e) => `${e.resource.resourceType}/${e.resource.id}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  test('_type limits the types', async () => {
    const res = await app.request('GET', `/fhir/Patient/${patientId}/$everything?_type=Condition,Organization`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      countByType(res.json.entry),
      new Map([
        ['Condition', 1],
        ['Organization', 1],
      ]),
    );
    assert.equal((await app.request('GET', `/fhir/Patient/${patientId}/$everything?_type=Nonsense`)).status, 400);
  });

  test('_since keeps what changed at or after the instant', async () => {
    const res = await app.request('GET', `/fhir/Patient/${patientId}/$everything?_since=2026-03-01T09:00:30Z`);
    assert.equal(res.status, 200, res.text);
    const entries = res.json.entry as Entry[];
    assert.deepEqual(
      entries.map((e) => e.resource.id),
      [laterObservationId],
    );
    assert.equal((await app.request('GET', `/fhir/Patient/${patientId}/$everything?_since=yesterday`)).status, 400);
  });

  test('pages by keyset without repeats or gaps', async () => {
    const whole = await app.request('GET', `/fhir/Patient/${patientId}/$everything`);
    const all = (whole.json.entry as Entry[]).map((e) => e.fullUrl);
    for (const size of [1, 7, 10, 31, 1000]) {
      const { entries, pages } = await allPages(`/fhir/Patient/${patientId}/$everything?_count=${size}`);
      assert.deepEqual(
        entries.map((e) => e.fullUrl),
        all,
        `_count=${size}`,
      );
      assert.equal(pages, Math.max(1, Math.ceil(all.length / size)), `pages at _count=${size}`);
    }
    const { entries } = await allPages(`/fhir/Patient/${patientId}/$everything?_count=4&_type=Observation`);
    assert.equal(entries.length, 26);
    assert.equal(new Set(entries.map((e) => e.resource.id)).size, 26);
    const first = await app.request('GET', `/fhir/Patient/${patientId}/$everything?_count=3`);
    const next = (first.json.link as { relation: string; url: string }[]).find((l) => l.relation === 'next')!.url;
    assert.match(next, /_cursor=/);
    assert.match(next, /_count=3/);
    assert.equal((await app.request('GET', `/fhir/Patient/${patientId}/$everything?_cursor=garbage`)).status, 400);
  });

  test('_count=0 gives the total alone', async () => {
    const res = await app.request('GET', `/fhir/Patient/${patientId}/$everything?_count=0`);
    assert.equal(res.status, 200, res.text);
    assert.equal(
      res.json.total,
      [...expected.values()].reduce((a, b) => a + b, 0),
    );
    assert.deepEqual(res.json.entry, []);
  });

  test('POST takes its parameters in a Parameters resource', async () => {
    const res = await app.request('POST', `/fhir/Patient/${patientId}/$everything`, {
      resourceType: 'Parameters',
      parameter: [{ name: '_type', valueString: 'Encounter' }],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(countByType(res.json.entry), new Map([['Encounter', 1]]));
  });

  test('404 for an unknown patient, 410 for a deleted one', async () => {
    assert.equal((await app.request('GET', '/fhir/Patient/no-such-patient/$everything')).status, 404);
    const doomed = await app.request(
      'POST',
      '/fhir/Patient',
      aPatient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000034' }] }),
    );
    assert.equal((await app.request('GET', `/fhir/Patient/${doomed.json.id}/$everything`)).status, 200);
    assert.equal((await app.request('DELETE', `/fhir/Patient/${doomed.json.id}`)).status, 200);
    assert.equal((await app.request('GET', `/fhir/Patient/${doomed.json.id}/$everything`)).status, 410);
  });
});
