import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationOutcomeError } from '@joinedup/fhir';
import { handleFhirRequest } from '../fhir/api/router.ts';
import type { FhirRequest } from '../fhir/api/fhir-http.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { CONFIDENTIALITY_SYSTEM, SENSITIVITY_SYSTEM } from './labels.ts';
import type { Principal } from './principal.ts';
import { ODS_CODE_SYSTEM } from './audit/audit.events.ts';
import { rowFilterFor } from './visibility.ts';

// Leak tests of the data layer (ADR 12; reliability rows 14 and 17): canary records planted in a small region
// (another organisation's patient, sealed items, an objecting patient's items from elsewhere, an encounter too old
// to count) are looked for on every read path the FHIR API has, as a clinician at one trust, an administrator, a
// patient and a system would ask. Each must be not found, not counted, not hinted at.

const TRUST_A = 'RAA01';
const TRUST_B = 'RBB01';
const DAY = 86_400_000;
let app: TestApp;

const ids = {
  orgA: 'org-a',
  orgB: 'org-b',
  mine: 'p-mine',
  other: 'p-other',
  objecting: 'p-objecting',
  restricted: 'p-restricted',
  old: 'p-old',
};
const CANARY_CODE = '99999-9';
/** Resources nobody but their own may see, by who should not see them. */
const canaries: Record<string, string[]> = {};

function patient(id: string, family: string, nhs: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }],
    name: [{ family, given: ['Canary'] }],
    gender: 'female',
    birthDate: '1980-01-01',
    address: [{ line: ['1 Hidden Street'], postalCode: 'N1 1AA' }],
    telecom: [{ system: 'phone', value: '020 7946 0000' }],
    ...extra,
  };
}

function encounter(id: string, patientId: string, org: string, start: Date, end?: Date) {
  return {
    resourceType: 'Encounter',
    id,
    status: end ? 'finished' : 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: `Patient/${patientId}` },
    serviceProvider: { reference: `Organization/${org}` },
    period: { start: start.toISOString(), ...(end ? { end: end.toISOString() } : {}) },
  };
}

function observation(id: string, patientId: string, source: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    id,
    meta: { source },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: CANARY_CODE }] },
    subject: { reference: `Patient/${patientId}` },
    valueQuantity: { value: 1, unit: 'mmol/L' },
    ...extra,
  };
}

before(async () => {
  app = await createTestApp();
  const now = Date.now();
  const put = (r: { resourceType: string; id: string; [k: string]: unknown }) => ({
    resource: r,
    request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
  });
  const org = (id: string, ods: string) => ({
    resourceType: 'Organization',
    id,
    identifier: [{ system: ODS_CODE_SYSTEM, value: ods }],
    name: `Trust ${ods}`,
  });
  const entries = [
    put(org(ids.orgA, TRUST_A)),
    put(org(ids.orgB, TRUST_B)),
    // Mine: seen at trust A last week; one ordinary result, one sealed by code, one marked restricted at source.
    put(patient(ids.mine, 'Mine', '9990000018', { meta: { source: TRUST_A } })),
    put(encounter('e-mine', ids.mine, ids.orgA, new Date(now - 7 * DAY))),
    put(observation('o-mine', ids.mine, TRUST_A)),
    put({
      resourceType: 'Procedure',
      id: 'sealed-sti',
      status: 'completed',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '310861008' }] },
      subject: { reference: `Patient/${ids.mine}` },
    }),
    put(
      observation('sealed-r', ids.mine, TRUST_A, {
        meta: { source: TRUST_A, security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }] },
      }),
    ),
    put({
      resourceType: 'Appointment',
      id: 'a-mine',
      status: 'booked',
      participant: [{ actor: { reference: `Patient/${ids.mine}` }, status: 'accepted' }],
    }),
    // Another trust's patient, with nothing at trust A.
    put(patient(ids.other, 'Other', '9990000026', { meta: { source: TRUST_B } })),
    put(encounter('e-other', ids.other, ids.orgB, new Date(now - 3 * DAY))),
    put(observation('o-other', ids.other, TRUST_B)),
    // An objecting patient seen at both trusts: trust A sees what trust A sent, not trust B's.
    put(patient(ids.objecting, 'Objecting', '9990000034', { meta: { source: TRUST_B } })),
    put(encounter('e-objecting-a', ids.objecting, ids.orgA, new Date(now - 2 * DAY))),
    put(encounter('e-objecting-b', ids.objecting, ids.orgB, new Date(now - 2 * DAY))),
    put(observation('o-objecting-a', ids.objecting, TRUST_A)),
    put(observation('o-objecting-b', ids.objecting, TRUST_B)),
    // An S-flagged patient seen at trust A: found, but without where they live.
    put(
      patient(ids.restricted, 'Restricted', '9990000042', {
        meta: { source: TRUST_B, security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }] },
      }),
    ),
    put(encounter('e-restricted', ids.restricted, ids.orgA, new Date(now - DAY))),
    // Seen at trust A two years ago: too long ago to count.
    put(patient(ids.old, 'Old', '9990000050', { meta: { source: TRUST_B } })),
    put(encounter('e-old', ids.old, ids.orgA, new Date(now - 800 * DAY), new Date(now - 799 * DAY))),
    put(observation('o-old', ids.old, TRUST_B)),
    // Registered with trust A as their GP: that makes a relationship for a GP practice only (ADR 8).
    put(
      patient('p-registered', 'Registered', '9990000069', {
        name: [{ family: 'Registered', given: ['Gp'] }],
        generalPractitioner: [{ reference: `Organization/${ids.orgA}` }],
        meta: { source: TRUST_B },
      }),
    ),
    put(observation('o-registered', 'p-registered', TRUST_B)),
  ];
  const res = await app.request('POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: entries });
  assert.equal(res.status, 200, res.text);
  await app.db.query(`INSERT INTO access_objection (patient_id, recorded_at, recorded_by) VALUES ($1, now(), 'test')`, [
    ids.objecting,
  ]);
  canaries.clinicianA = [
    'Observation/o-other',
    'Observation/o-objecting-b',
    'Observation/o-old',
    'Procedure/sealed-sti',
    'Observation/sealed-r',
  ];
});
after(() => app.close());

const base = { clientId: 'viewer', scopes: [], resourceScopes: [], tokenId: 't1', expiresAt: 0 };
const clinicianA: Principal = {
  ...base,
  kind: 'staff',
  userId: 'u-clinician',
  name: 'Dr A',
  roleCode: 'R8000',
  organisation: { odsCode: TRUST_A, name: 'Trust A', kind: 'acute-trust' },
};
const adminA: Principal = { ...clinicianA, userId: 'u-admin', roleCode: 'R8006' };
const patientMine: Principal = {
  ...base,
  kind: 'patient',
  userId: 'nhs-login-1',
  nhsNumber: '9990000018',
  proofingLevel: 'P9',
  patient: ids.mine,
};
const systemB: Principal = { ...base, kind: 'system', source: TRUST_B };

/** One FHIR request as the principal, through the router as the API runs it; errors become their status. */
async function as(principal: Principal, method: FhirRequest['method'], url: string, body?: unknown) {
  const [path, qs] = url.split('?');
  const req: FhirRequest = {
    method,
    path: path!,
    query: [...new URLSearchParams(qs ?? '')],
    headers: {},
    ...(body === undefined ? {} : { body, contentType: 'application/fhir+json' }),
    rowFilter: rowFilterFor(principal, { now: () => new Date(), encounterDays: 365, narrowing: new Map() }),
  };
  try {
    const res = await handleFhirRequest(app.fhir, req);
    return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
  } catch (e) {
    if (e instanceof OperationOutcomeError) return { status: e.status, json: e.outcome };
    throw e;
  }
}

const refsOf = (bundle: any): string[] =>
  (bundle?.entry ?? []).map((e: any) => `${e.resource?.resourceType}/${e.resource?.id}`);

describe('a clinician at trust A', () => {
  test('reads its own patient, and every canary is not found, whether read, vread or history', async () => {
    assert.equal((await as(clinicianA, 'GET', 'Observation/o-mine')).status, 200);
    for (const ref of canaries.clinicianA!) {
      const read = await as(clinicianA, 'GET', ref);
      assert.equal(read.status, 404, `${ref} read`);
      // Word for word what a resource that never existed gets.
      const [type, id] = ref.split('/');
      const never = await as(clinicianA, 'GET', `${type}/never-existed`);
      assert.equal(JSON.stringify(read.json).replaceAll(id!, 'never-existed'), JSON.stringify(never.json));
      assert.equal((await as(clinicianA, 'GET', `${ref}/_history/1`)).status, 404, `${ref} vread`);
      assert.equal((await as(clinicianA, 'GET', `${ref}/_history`)).status, 404, `${ref} history`);
    }
  });

  test('searches, counts, chains, _has, includes and compartments leave the canaries out', async () => {
    const leaks = (refs: string[]) => refs.filter((r) => canaries.clinicianA!.includes(r));
    const all = await as(clinicianA, 'GET', 'Observation?_total=accurate');
    assert.deepEqual(refsOf(all.json).sort(), ['Observation/o-mine', 'Observation/o-objecting-a']);
    assert.equal(all.json.total, 2);
    assert.equal((await as(clinicianA, 'GET', 'Observation?_summary=count')).json.total, 2);
    assert.equal((await as(clinicianA, 'GET', `Observation?_id=o-other,sealed-r&_total=accurate`)).json.total, 0);
    assert.equal((await as(clinicianA, 'GET', 'Procedure?_summary=count')).json.total, 0);
    // Chained through another patient's record, or _has on a sealed item: nothing.
    assert.equal((await as(clinicianA, 'GET', 'Observation?subject.family=Other')).json.entry?.length ?? 0, 0);
    const has = await as(clinicianA, 'GET', `Patient?_has:Observation:subject:code=${CANARY_CODE}`);
    assert.deepEqual(
      refsOf(has.json).sort(),
      [`Patient/${ids.mine}`, `Patient/${ids.objecting}`].filter((r) => r !== `Patient/${ids.objecting}`),
    );
    const hasSealed = await as(clinicianA, 'GET', 'Patient?_has:Procedure:subject:code=310861008');
    assert.equal(hasSealed.json.entry?.length ?? 0, 0);
    const revinclude = await as(
      clinicianA,
      'GET',
      `Patient?_id=${ids.mine},${ids.other}&_revinclude=Observation:subject`,
    );
    assert.deepEqual(leaks(refsOf(revinclude.json)), []);
    const include = await as(clinicianA, 'GET', 'Encounter?_include=Encounter:subject');
    assert.deepEqual(leaks(refsOf(include.json)), []);
    assert.ok(!refsOf(include.json).includes('Encounter/e-other'), 'another trust’s encounter');
    const compartment = await as(clinicianA, 'GET', `Patient/${ids.other}/Observation`);
    assert.equal(compartment.json.entry?.length ?? 0, 0);
    const multi = await as(clinicianA, 'GET', '?_type=Observation,Procedure,Patient');
    assert.deepEqual(leaks(refsOf(multi.json)), []);
  });

  test('history at every level and $everything leave them out', async () => {
    const leaks = (refs: string[]) => refs.filter((r) => canaries.clinicianA!.includes(r));
    assert.deepEqual(leaks(refsOf((await as(clinicianA, 'GET', '_history?_count=500')).json)), []);
    assert.deepEqual(leaks(refsOf((await as(clinicianA, 'GET', 'Observation/_history')).json)), []);
    const everything = await as(clinicianA, 'GET', `Patient/${ids.mine}/$everything`);
    const refs = refsOf(everything.json);
    assert.ok(refs.includes('Observation/o-mine'));
    assert.deepEqual(leaks(refs), []);
    const otherEverything = await as(clinicianA, 'GET', `Patient/${ids.other}/$everything`);
    assert.deepEqual(refsOf(otherEverything.json), [`Patient/${ids.other}`], 'only the demographics');
  });

  test('finds any person by demographics, but not one who objects, unless their record came from trust A', async () => {
    const found = refsOf((await as(clinicianA, 'GET', 'Patient?given=Canary')).json).sort();
    assert.deepEqual(found, [
      `Patient/${ids.mine}`,
      `Patient/${ids.old}`,
      `Patient/${ids.other}`,
      `Patient/${ids.restricted}`,
    ]);
    const objecting = await as(clinicianA, 'GET', `Patient/${ids.objecting}/$everything`);
    assert.equal(objecting.status, 404, 'the objecting patient’s own record came from trust B');
    const theirs = await as(clinicianA, 'GET', `Patient/${ids.objecting}/Observation`);
    assert.deepEqual(refsOf(theirs.json), ['Observation/o-objecting-a']);
  });

  test('break-glass opens an objecting patient’s record for its claimant, and never a sealed item', async () => {
    await app.db.query(
      `INSERT INTO access_claim (id, patient_id, user_id, kind, reason_code, justification, role_code, organisation_ods, started_at, expires_at)
       VALUES ('c1', $1, $2, 'break-glass', 'life-threatening-emergency', 'collapsed in ED', 'R8000', $3, now() - interval '1 minute', now() + interval '1 hour'),
              ('c2', $4, $2, 'break-glass', 'life-threatening-emergency', 'collapsed in ED', 'R8000', $3, now() - interval '1 minute', now() + interval '1 hour')`,
      [ids.objecting, clinicianA.kind === 'staff' ? clinicianA.userId : '', TRUST_A, ids.mine],
    );
    try {
      const theirs = await as(clinicianA, 'GET', `Patient/${ids.objecting}/Observation`);
      assert.deepEqual(refsOf(theirs.json).sort(), ['Observation/o-objecting-a', 'Observation/o-objecting-b']);
      assert.equal((await as(clinicianA, 'GET', 'Procedure/sealed-sti')).status, 404);
      // Another user of the same trust has no such claim.
      const colleague = { ...clinicianA, userId: 'u-colleague' } as Principal;
      assert.equal((await as(colleague, 'GET', 'Observation/o-objecting-b')).status, 404);
    } finally {
      await app.db.query(`DELETE FROM access_claim WHERE id IN ('c1', 'c2')`);
    }
  });

  test('a self-claimed relationship opens another trust’s patient until it expires', async () => {
    assert.equal((await as(clinicianA, 'GET', 'Observation/o-other')).status, 404);
    await app.db.query(
      `INSERT INTO access_claim (id, patient_id, user_id, kind, reason_code, role_code, organisation_ods, started_at, expires_at)
       VALUES ('c3', $1, 'u-clinician', 'self-claimed', 'direct-care-arranging', 'R8000', $2, now() - interval '1 minute', now() + interval '1 hour')`,
      [ids.other, TRUST_A],
    );
    try {
      assert.equal((await as(clinicianA, 'GET', 'Observation/o-other')).status, 200);
      await app.db.query(
        `UPDATE access_claim SET expires_at = now() - interval '1 second', started_at = now() - interval '2 hours' WHERE id = 'c3'`,
      );
      assert.equal((await as(clinicianA, 'GET', 'Observation/o-other')).status, 404, 'expired');
    } finally {
      await app.db.query(`DELETE FROM access_claim WHERE id = 'c3'`);
    }
  });

  test('a registration with trust A counts only when trust A is a GP practice', async () => {
    assert.equal((await as(clinicianA, 'GET', 'Observation/o-registered')).status, 404);
    const gp = {
      ...clinicianA,
      userId: 'u-gp',
      organisation: { odsCode: TRUST_A, name: 'Practice A', kind: 'gp-practice' },
    } as Principal;
    assert.equal((await as(gp, 'GET', 'Observation/o-registered')).status, 200);
    assert.equal((await as(gp, 'GET', 'Observation?patient=p-registered')).json.entry.length, 1);
  });

  test('an S-flagged patient is found without address, telephone or GP, everywhere', async () => {
    const read = await as(clinicianA, 'GET', `Patient/${ids.restricted}`);
    assert.equal(read.status, 200);
    assert.equal(read.json.address, undefined);
    assert.equal(read.json.telecom, undefined);
    assert.ok(read.json.meta.security.some((s: any) => s.code === 'REDACTED'));
    const searched = (await as(clinicianA, 'GET', 'Patient?family=Restricted')).json.entry[0].resource;
    assert.equal(searched.address, undefined);
    const history = (await as(clinicianA, 'GET', `Patient/${ids.restricted}/_history`)).json.entry[0].resource;
    assert.equal(history.address, undefined);
    const everything = (await as(clinicianA, 'GET', `Patient/${ids.restricted}/$everything`)).json.entry[0].resource;
    assert.equal(everything.address, undefined);
    // Others keep theirs.
    assert.ok((await as(clinicianA, 'GET', `Patient/${ids.mine}`)).json.address);
  });

  test('a write into a record trust A has no relationship with is refused; one it has is allowed', async () => {
    const update = await as(clinicianA, 'PUT', 'Observation/o-other', observation('o-other', ids.other, TRUST_A));
    assert.equal(update.status, 404);
    const [row] = await app.db.query<{ content: string }>(`SELECT content FROM patient_resource WHERE id = 'o-other'`);
    assert.match(row!.content, new RegExp(TRUST_B), 'unchanged');
    const create = await as(clinicianA, 'POST', 'Observation', observation('ignored', ids.other, TRUST_A));
    assert.equal(create.status, 403);
    assert.equal((await as(clinicianA, 'DELETE', 'Observation/o-old')).status, 404);
    const own = await as(clinicianA, 'POST', 'Observation', observation('ignored', ids.mine, TRUST_A));
    assert.equal(own.status, 201);
  });
});

describe('other callers', () => {
  test('an administrator sees demographics and appointments, not results', async () => {
    assert.equal((await as(adminA, 'GET', 'Observation/o-mine')).status, 404);
    assert.equal((await as(adminA, 'GET', 'Appointment/a-mine')).status, 200);
    assert.equal((await as(adminA, 'GET', `Patient/${ids.mine}`)).status, 200);
  });

  test('a patient sees their own record, never another’s, never a sealed item', async () => {
    assert.equal((await as(patientMine, 'GET', 'Observation/o-mine')).status, 200);
    assert.equal((await as(patientMine, 'GET', 'Observation/sealed-r')).status, 404);
    assert.equal((await as(patientMine, 'GET', `Patient/${ids.other}`)).status, 404);
    const found = refsOf((await as(patientMine, 'GET', 'Patient?given=Canary')).json);
    assert.deepEqual(found, [`Patient/${ids.mine}`]);
    assert.equal((await as(patientMine, 'POST', 'Observation', observation('x', ids.mine, TRUST_A))).status, 403);
  });

  test('a system reads everything but sealed items and other sources’ items of an objecting patient', async () => {
    assert.equal((await as(systemB, 'GET', 'Observation/o-mine')).status, 200);
    assert.equal((await as(systemB, 'GET', 'Procedure/sealed-sti')).status, 404);
    assert.equal((await as(systemB, 'GET', 'Observation/o-objecting-a')).status, 404);
    assert.equal((await as(systemB, 'GET', 'Observation/o-objecting-b')).status, 200);
    // Stored all the same, labelled at ingest.
    const [row] = await app.db.query<{ content: string }>(
      `SELECT content FROM patient_resource WHERE id = 'sealed-sti'`,
    );
    assert.ok(
      JSON.parse(row!.content).meta.security.some((s: any) => s.system === SENSITIVITY_SYSTEM && s.code === 'STI'),
    );
  });
});
