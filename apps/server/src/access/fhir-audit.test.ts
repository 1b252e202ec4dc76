import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { aPatient, anObservation, createTestApp, type TestApp } from '../test-support/test-app.ts';
import { interactionOf } from './fhir-audit.ts';

// The audit of every FHIR request as the server wires it (reliability rows 18 and 19): exactly one AuditEvent per
// request and patient touched, refusals included, none for the CapabilityStatement; and nothing served when the
// audit cannot be written.

let app: TestApp;
const patients: string[] = [];

before(async () => {
  app = await createTestApp();
  for (const [i, nhs] of ['9990000018', '9990000026', '9990000034'].entries()) {
    const p = await app.request(
      'POST',
      '/fhir/Patient',
      aPatient({
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }],
        name: [{ family: `Audited${i}`, given: ['Ann'] }],
      }),
    );
    patients.push(p.json.id);
    await app.request('POST', '/fhir/Observation', anObservation(p.json.id));
  }
});
after(() => app.close());

type Row = { patient_id: string | null; outcome: string; user_id: string; request_id: string; event: string };

/** The events one request appended. */
async function eventsOf(send: () => Promise<{ status: number; json: any; text: string }>) {
  const [row] = await app.db.query<{ head: string }>('SELECT coalesce(max(seq), 0)::text AS head FROM audit_event');
  const head = row!.head;
  const res = await send();
  const rows = await app.db.query<Row>(
    'SELECT patient_id, outcome, user_id, request_id, event FROM audit_event WHERE seq > $1 ORDER BY seq',
    [head],
  );
  return { res, rows, events: rows.map((r) => JSON.parse(r.event)) };
}

test('a read is one event naming the patient, the interaction and the caller', async () => {
  const { res, rows, events } = await eventsOf(() => app.request('GET', `/fhir/Patient/${patients[0]}`));
  assert.equal(res.status, 200);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.patient_id, patients[0]);
  assert.equal(rows[0]!.outcome, '0');
  assert.equal(rows[0]!.user_id, 'test-system');
  assert.equal(events[0].subtype[0].code, 'read');
  assert.equal(events[0].action, 'R');
});

test('a search returning three patients’ data is three events, each with the raw query', async () => {
  const { res, rows, events } = await eventsOf(() =>
    app.request('GET', '/fhir/Observation?code=http://loinc.org|4548-4&_count=50'),
  );
  assert.equal(res.status, 200);
  assert.ok(res.json.entry.length >= 3);
  assert.deepEqual(rows.map((r) => r.patient_id).sort(), [...patients].sort());
  assert.equal(new Set(rows.map((r) => r.request_id)).size, 1, 'one request');
  for (const e of events) {
    const query = e.entity.find((x: any) => x.query)?.query;
    assert.equal(
      Buffer.from(query, 'base64').toString(),
      'GET /fhir/Observation?code=http://loinc.org|4548-4&_count=50',
    );
  }
});

test('a search that finds nothing touches nobody; the CapabilityStatement is not audited', async () => {
  assert.equal((await eventsOf(() => app.request('GET', '/fhir/Observation?code=none'))).rows.length, 0);
  assert.equal((await eventsOf(() => app.request('GET', '/fhir/metadata'))).rows.length, 0);
});

test('refusals are audited: no credentials (401), not found (404), bad input (400)', async () => {
  const anonymous = await eventsOf(() =>
    app.request('GET', `/fhir/Patient/${patients[1]}`, undefined, { authorization: '' }),
  );
  assert.equal(anonymous.res.status, 401);
  assert.equal(anonymous.rows.length, 1);
  assert.equal(anonymous.rows[0]!.outcome, '4');
  assert.equal(anonymous.rows[0]!.user_id, 'anonymous');
  assert.equal(anonymous.rows[0]!.patient_id, patients[1], 'the patient the path names');
  assert.match(anonymous.events[0].outcomeDesc, /access\.token-missing/);
  const missing = await eventsOf(() => app.request('GET', '/fhir/Observation/never-was'));
  assert.equal(missing.res.status, 404);
  assert.deepEqual(
    missing.rows.map((r) => [r.patient_id, r.outcome]),
    [[null, '4']],
  );
  const bad = await eventsOf(() => app.request('GET', '/fhir/Observation?date=yesterday'));
  assert.equal(bad.res.status, 400);
  assert.equal(bad.rows.length, 1);
});

test('a transaction writing for two patients is two events', async () => {
  const { res, rows } = await eventsOf(() =>
    app.request('POST', '/fhir', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [patients[0], patients[2]].map((id) => ({
        resource: anObservation(id!),
        request: { method: 'POST', url: 'Observation' },
      })),
    }),
  );
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(rows.map((r) => r.patient_id).sort(), [patients[0], patients[2]].sort());
  assert.equal(JSON.parse(rows[0]!.event).subtype[0].code, 'transaction');
});

test('fail closed: when the audit cannot be written, the answer is a 503 and carries nothing of the record', async () => {
  await app.db.query(
    `CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full' USING ERRCODE = '53100'; END $$`,
  );
  await app.db.query(
    'CREATE TRIGGER audit_down BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_down()',
  );
  try {
    const res = await app.request('GET', `/fhir/Patient/${patients[0]}`);
    assert.equal(res.status, 503);
    assert.doesNotMatch(res.text, /Audited0|Okafor|9990000018/);
    const search = await app.request('GET', '/fhir/Patient?family=Audited0');
    assert.equal(search.status, 503);
    assert.doesNotMatch(search.text, /Audited0/);
  } finally {
    await app.db.query('DROP TRIGGER audit_down ON audit_event');
    await app.db.query('DROP FUNCTION audit_down()');
  }
  assert.equal((await app.request('GET', `/fhir/Patient/${patients[0]}`)).status, 200);
  assert.equal((await app.audit.verify()).ok, true, 'the chain verifies');
});

test('the interaction of a request, from its method and path', () => {
  const cases: [string, string, string | undefined, string][] = [
    ['GET', 'Patient/1', undefined, 'read'],
    ['GET', 'Patient/1/_history/2', undefined, 'vread'],
    ['GET', 'Patient/1/_history', undefined, 'history-instance'],
    ['GET', 'Patient/_history', undefined, 'history-type'],
    ['GET', '_history', undefined, 'history-system'],
    ['GET', 'Observation', undefined, 'search-type'],
    ['POST', 'Observation/_search', undefined, 'search-type'],
    ['GET', '', undefined, 'search-system'],
    ['GET', 'Patient/1/Observation', undefined, 'search'],
    ['GET', 'Patient/1/$everything', undefined, 'operation'],
    ['POST', 'Observation', undefined, 'create'],
    ['PUT', 'Observation/1', undefined, 'update'],
    ['PUT', 'Observation', undefined, 'update'],
    ['PATCH', 'Observation/1', undefined, 'patch'],
    ['DELETE', 'Observation/1', undefined, 'delete'],
    ['POST', '', 'batch', 'batch'],
    ['POST', '', 'transaction', 'transaction'],
  ];
  for (const [method, path, bundleType, expected] of cases) {
    assert.equal(interactionOf(method, path, bundleType).interaction, expected, `${method} ${path}`);
  }
});
