import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { unauthorized } from '@joinedup/fhir';
import { fixedClock } from '../platform/clock.ts';
import type { Db } from '../platform/db.ts';
import { createHttpServer } from '../platform/http.ts';
import { createLogger } from '../platform/log.ts';
import { migrate } from '../platform/migrate.ts';
import { openTestDatabase } from '../test-support/test-app.ts';
import { migrations } from '../app.ts';
import { OBJECTION_SYSTEM } from './audit/audit.events.ts';
import { createAuditService, type AuditService } from './audit/audit.service.ts';
import { registerObjectionRoutes } from './objections.ts';
import type { Principal } from './principal.ts';

// A patient's objection to sharing through HTTP: who may record and withdraw it, and one AuditEvent for every
// change and every refused attempt, committed with the change or not at all.

let db: Db;
let drop: () => Promise<void>;
let http: FastifyInstance;
let audit: AuditService;

const common = { clientId: 'app', scopes: [], resourceScopes: [], tokenId: 't-1', expiresAt: 4_000_000_000 };
const PRINCIPALS: Record<string, Principal> = {
  ada: {
    ...common,
    kind: 'patient',
    userId: 'nhs-ada',
    nhsNumber: '9990000018',
    proofingLevel: 'P9',
    patient: 'pat-ada',
  },
  'ada-p5': {
    ...common,
    kind: 'patient',
    userId: 'nhs-ada',
    nhsNumber: '9990000018',
    proofingLevel: 'P5',
    patient: 'pat-ada',
  },
  officer: {
    ...common,
    kind: 'staff',
    userId: 'po-1',
    name: 'Privacy Officer',
    roleCode: 'R0001',
    organisation: { odsCode: 'R1H', name: 'Trust', kind: 'acute-trust' },
  },
  clinician: {
    ...common,
    kind: 'staff',
    userId: 'gp-1',
    name: 'A GP',
    roleCode: 'R8000',
    organisation: { odsCode: 'Y90001', name: 'Practice', kind: 'gp-practice' },
  },
};
const as = (who: string) => ({ authorization: `Bearer ${who}` });

before(async () => {
  ({ db, drop } = await openTestDatabase());
  await migrate(db, migrations);
  for (const id of ['pat-ada', 'pat-ben']) {
    await db.query(
      `INSERT INTO mpi_record (patient_id, source, person_id, record, method, updated_at) VALUES ($1, 'Y90001', $2, '{}', 'new', now())`,
      [id, `person-${id}`],
    );
  }
  const clock = fixedClock(new Date('2026-12-01T09:00:00Z'));
  audit = createAuditService({ db, clock });
  http = createHttpServer({ maxBodyBytes: 1024 * 1024 }, createLogger('silent'));
  registerObjectionRoutes(http, {
    db,
    clock,
    audit,
    observer: { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir' },
    authenticate: (header) => {
      const principal = PRINCIPALS[header?.replace(/^Bearer /, '') ?? ''];
      if (!principal) return Promise.reject(unauthorized('Credentials are required', { code: 'access.credentials' }));
      return Promise.resolve(principal);
    },
  });
});
after(async () => {
  await http.close();
  await drop();
});

async function send(method: 'PUT' | 'DELETE' | 'GET', url: string, headers: Record<string, string>, body?: unknown) {
  const res = await http.inject({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: res.statusCode, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined };
}

/** The objection events recorded for a patient, oldest first: what they say and who said it. */
async function objectionEvents(patientId: string) {
  const { events } = await audit.search({ patientId });
  return events
    .filter((e) => e.resource.entity?.some((x) => x.what?.identifier?.system === OBJECTION_SYSTEM))
    .reverse()
    .map((e) => ({
      action: e.resource.action,
      outcome: e.resource.outcome,
      user: e.resource.agent[0]?.who?.identifier?.value,
      purpose: e.resource.purposeOfEvent?.[0]?.coding?.[0]?.code,
    }));
}

test('a patient records and withdraws their own objection, and each change is one audit event', async () => {
  const recorded = await send('PUT', '/access/objections/pat-ada', as('ada'), { note: 'Please keep my record local' });
  assert.equal(recorded.status, 200);
  assert.equal(recorded.json?.recordedBy, 'nhs-ada');
  assert.equal((await db.query('SELECT 1 FROM access_objection WHERE patient_id = $1', ['pat-ada'])).length, 1);
  assert.equal((await send('DELETE', '/access/objections/pat-ada', as('ada'))).status, 204);
  assert.equal((await db.query('SELECT 1 FROM access_objection WHERE patient_id = $1', ['pat-ada'])).length, 0);
  assert.deepEqual(await objectionEvents('pat-ada'), [
    { action: 'U', outcome: '0', user: 'nhs-ada', purpose: 'PATRQT' },
    { action: 'D', outcome: '0', user: 'nhs-ada', purpose: 'PATRQT' },
  ]);
  // The patient's note is theirs and the objection's: it is not copied into the audit.
  const { events } = await audit.search({ patientId: 'pat-ada' });
  assert.ok(!JSON.stringify(events).includes('Please keep my record local'));
  assert.equal((await audit.verify()).ok, true);
});

test('refused attempts are audited as failures and change nothing', async () => {
  const attempts: [string, 'PUT' | 'DELETE', string, number][] = [
    ['clinician', 'PUT', '/access/objections/pat-ben', 403],
    ['ada', 'PUT', '/access/objections/pat-ben', 403],
    ['ada-p5', 'PUT', '/access/objections/pat-ada', 403],
    ['officer', 'DELETE', '/access/objections/pat-ben', 404],
  ];
  for (const [who, method, url, status] of attempts) {
    const res = await send(method, url, as(who));
    assert.equal(res.status, status, `${who} ${method} ${url}`);
  }
  assert.equal((await db.query('SELECT 1 FROM access_objection')).length, 0);
  assert.deepEqual(await objectionEvents('pat-ben'), [
    { action: 'U', outcome: '4', user: 'gp-1', purpose: 'HOPERAT' },
    { action: 'U', outcome: '4', user: 'nhs-ada', purpose: 'PATRQT' },
    { action: 'D', outcome: '4', user: 'po-1', purpose: 'HOPERAT' },
  ]);
  // A caller who cannot be identified is not an agent the audit can name: refused before anything else.
  assert.equal((await send('PUT', '/access/objections/pat-ada', {})).status, 401);
});

test('a privacy officer records one for anyone, and a bad note is refused and audited, nothing written', async () => {
  const bad = await send('PUT', '/access/objections/pat-ben', as('officer'), { note: 'x'.repeat(1001) });
  assert.equal(bad.status, 400);
  assert.equal((await db.query('SELECT 1 FROM access_objection')).length, 0);
  const ok = await send('PUT', '/access/objections/pat-ben', as('officer'), { note: 'by letter' });
  assert.equal(ok.status, 200);
  const listed = await send('GET', '/access/objections', as('officer'));
  assert.deepEqual(
    (listed.json?.objections as { patient: string }[]).map((o) => o.patient),
    ['pat-ben'],
  );
  const events = await objectionEvents('pat-ben');
  assert.deepEqual(events.slice(-2), [
    { action: 'U', outcome: '4', user: 'po-1', purpose: 'HOPERAT' },
    { action: 'U', outcome: '0', user: 'po-1', purpose: 'HOPERAT' },
  ]);
});

test('when the audit cannot be written, the objection is not changed', async () => {
  // The chain's head row made unreadable to the append for this test: the append fails, so the change rolls back.
  await db.query('ALTER TABLE audit_head RENAME TO audit_head_away');
  try {
    const res = await send('DELETE', '/access/objections/pat-ben', as('officer'));
    assert.equal(res.status, 503);
  } finally {
    await db.query('ALTER TABLE audit_head_away RENAME TO audit_head');
  }
  assert.equal((await db.query('SELECT 1 FROM access_objection WHERE patient_id = $1', ['pat-ben'])).length, 1);
});
