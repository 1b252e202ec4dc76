import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bundle } from '@joinedup/fhir';
import type { FhirRequest } from '../fhir/api/fhir-http.ts';
import { handleFhirRequest } from '../fhir/api/router.ts';
import { loadSearchDefinitions } from '../fhir/definitions/search-parameters.ts';
import { allResourceTypes } from '../fhir/fhir-model.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { ODS_CODE_SYSTEM } from './audit/audit.events.ts';
import { permitFor } from './fhir-gate.ts';
import type { StaffPrincipal } from './principal.ts';
import { narrowingOf, parseNarrowingQuery } from './scope-narrowing.ts';
import { parseScopes } from './scopes.ts';
import { rowFilterFor } from './visibility.ts';

// Search-narrowed SMART scopes enforced in the data layer (ADR 11): a clinician's app granted only laboratory
// Observations sees only those, on every path, and the door lets no write through such a scope.

const TRUST = 'RNA01';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const definitions = loadSearchDefinitions(allResourceTypes());
let app: TestApp;

function observation(id: string, category: string) {
  return {
    resourceType: 'Observation',
    id,
    meta: { source: TRUST },
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code: category === 'laboratory' ? '4548-4' : '8867-4' }] },
    subject: { reference: 'Patient/p-narrow' },
    effectiveDateTime: '2026-11-30T09:00:00Z',
  };
}

before(async () => {
  app = await createTestApp();
  const put = (r: { resourceType: string; id: string; [k: string]: unknown }) => ({
    resource: r,
    request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
  });
  const res = await app.request('POST', '/fhir', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      put({ resourceType: 'Organization', id: 'org-n', identifier: [{ system: ODS_CODE_SYSTEM, value: TRUST }] }),
      put({
        resourceType: 'Patient',
        id: 'p-narrow',
        meta: { source: TRUST },
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000077' }],
        name: [{ family: 'Narrow' }],
        generalPractitioner: [{ reference: 'Organization/org-n' }],
      }),
      put(observation('o-lab', 'laboratory')),
      put(observation('o-vital', 'vital-signs')),
      put(observation('o-survey', 'survey')),
    ],
  });
  assert.equal(res.status, 200, res.text);
});
after(() => app.close());

function clinician(scope: string): StaffPrincipal {
  const scopes = scope.split(' ');
  return {
    kind: 'staff',
    clientId: 'viewer',
    scopes,
    resourceScopes: parseScopes(scopes).resourceScopes,
    tokenId: 't-narrow',
    expiresAt: 2_000_000_000,
    userId: 'u-narrow',
    name: 'Dr Narrow',
    roleCode: 'R8000',
    organisation: { odsCode: TRUST, name: 'Trust', kind: 'gp-practice' },
  };
}

/** One request as the principal, with its door and row filter as the API builds them (fhir-gate.ts). */
async function as(principal: StaffPrincipal, url: string, options: { door?: boolean; method?: 'GET' | 'PUT' } = {}) {
  const [path, qs] = url.split('?');
  const narrowing = narrowingOf(principal, definitions);
  assert.ok(narrowing.ok);
  const req: FhirRequest = {
    method: options.method ?? 'GET',
    path: path!,
    query: [...new URLSearchParams(qs ?? '')],
    headers: {},
    rowFilter: rowFilterFor(principal, { now: () => new Date(), encounterDays: 365, narrowing: narrowing.narrowing }),
    ...(options.door === false ? {} : { permit: permitFor(principal, narrowing) }),
    ...(options.method === 'PUT'
      ? { body: observation('o-lab', 'laboratory'), contentType: 'application/fhir+json' }
      : {}),
  };
  try {
    const res = await handleFhirRequest(app.fhir, req);
    return { status: res.status, json: res.body ? (JSON.parse(res.body) as Bundle) : undefined };
  } catch (e) {
    return { status: (e as { status?: number }).status ?? 500, json: undefined };
  }
}

const ids = (bundle: Bundle | undefined) =>
  (bundle?.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();

const labOnly = clinician('user/Patient.rs user/Observation.rs?category=laboratory');

test('a narrowed search finds and counts only what the scope allows', async () => {
  const all = await as(clinician('user/Patient.rs user/Observation.rs'), 'Observation?patient=p-narrow');
  assert.deepEqual(ids(all.json), ['Observation/o-lab', 'Observation/o-survey', 'Observation/o-vital']);
  const lab = await as(labOnly, 'Observation?patient=p-narrow&_total=accurate');
  assert.equal(lab.status, 200);
  assert.deepEqual(ids(lab.json), ['Observation/o-lab']);
  assert.equal(lab.json?.total, 1, 'the count agrees');
  const vitals = await as(labOnly, 'Observation?patient=p-narrow&category=vital-signs&_total=accurate');
  assert.deepEqual(ids(vitals.json), [], 'asking for another category finds nothing');
  assert.equal(vitals.json?.total, 0);
  const compartment = await as(labOnly, 'Patient/p-narrow/Observation');
  assert.deepEqual(ids(compartment.json), ['Observation/o-lab']);
});

test('a read by id outside the scope is not found, worded as for an id that never existed; history shows nothing', async () => {
  assert.equal((await as(labOnly, 'Observation/o-lab')).status, 200);
  assert.equal((await as(labOnly, 'Observation/o-vital')).status, 404);
  assert.equal((await as(labOnly, 'Observation/o-nonexistent')).status, 404);
  assert.equal((await as(labOnly, 'Observation/o-lab/_history/1')).status, 404, 'old versions keep no index rows');
  assert.equal((await as(labOnly, 'Patient/p-narrow')).status, 200, 'an unnarrowed type is untouched');
});

test('values by system|code, any of several, and several narrowed scopes together', async () => {
  const bySystem = clinician(`user/Observation.rs?category=${encodeURIComponent(`${CATEGORY}|vital-signs`)}`);
  assert.deepEqual(ids((await as(bySystem, 'Observation?patient=p-narrow')).json), ['Observation/o-vital']);
  const wrongSystem = clinician('user/Observation.rs?category=http://example.org/other|vital-signs');
  assert.deepEqual(ids((await as(wrongSystem, 'Observation?patient=p-narrow')).json), []);
  const anyOf = clinician('user/Observation.rs?category=laboratory,survey');
  assert.deepEqual(ids((await as(anyOf, 'Observation?patient=p-narrow')).json), [
    'Observation/o-lab',
    'Observation/o-survey',
  ]);
  const two = clinician('user/Observation.rs?category=laboratory user/Observation.rs?category=vital-signs');
  assert.deepEqual(ids((await as(two, 'Observation?patient=p-narrow')).json), [
    'Observation/o-lab',
    'Observation/o-vital',
  ]);
  const both = clinician('user/Observation.rs?category=laboratory&code=http://loinc.org|8867-4');
  assert.deepEqual(ids((await as(both, 'Observation?patient=p-narrow')).json), [], '& needs every parameter to match');
  const unnarrowed = clinician('user/Observation.rs?category=laboratory user/Observation.rs');
  assert.equal(
    ids((await as(unnarrowed, 'Observation?patient=p-narrow')).json).length,
    3,
    'an unnarrowed scope lifts it',
  );
});

test('includes of a narrowed type bring in only what the scope allows, in the data layer itself', async () => {
  // The door refuses _revinclude without a * scope; the row filter holds on its own all the same.
  const res = await as(labOnly, 'Patient?_id=p-narrow&_revinclude=Observation:subject', { door: false });
  assert.equal(res.status, 200);
  assert.deepEqual(ids(res.json), ['Observation/o-lab', 'Patient/p-narrow']);
  assert.equal((await as(labOnly, 'Patient?_id=p-narrow&_revinclude=Observation:subject')).status, 403);
});

test('no write goes through a narrowed scope', async () => {
  const writer = clinician('user/Observation.cruds?category=laboratory');
  assert.equal((await as(writer, 'Observation/o-lab', { method: 'PUT' })).status, 403);
});

test('only token parameters narrow: anything else is refused with the reason', () => {
  const refusal = (query: string) => {
    const parsed = parseNarrowingQuery(definitions, 'Observation', query);
    assert.equal(typeof parsed, 'string', query);
    return parsed as string;
  };
  assert.deepEqual(parseNarrowingQuery(definitions, 'Observation', 'category=laboratory'), [
    { codes: ['category'], values: [{ code: 'laboratory' }] },
  ]);
  assert.deepEqual(parseNarrowingQuery(definitions, 'Observation', 'code=%7C1234,http%3A%2F%2Floinc.org%7C'), [
    { codes: ['code'], values: [{ system: null, code: '1234' }, { system: 'http://loinc.org' }] },
  ]);
  assert.match(refusal('date=2026'), /token/);
  assert.match(refusal('subject=Patient/1'), /token/);
  assert.match(refusal('category='), /no value/);
  assert.match(refusal('category=%E0%A4%A'), /encoded/);
  const star = narrowingOf(clinician('user/*.rs?category=laboratory'), definitions);
  assert.equal(star.ok, false);
});
