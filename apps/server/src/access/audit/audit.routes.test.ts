import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forbidden, unauthorized } from '@joinedup/fhir';
import { fixedClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db.ts';
import { createHttpServer } from '../../platform/http.ts';
import { createLogger } from '../../platform/log.ts';
import { migrate } from '../../platform/migrate.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';
import { buildAccessAlertEvent, buildPatientResourceEvent, type AuditAgent } from './audit.events.ts';
import { auditMigrations } from './audit.migrations.ts';
import { registerAuditRoutes } from './audit.routes.ts';
import { createAuditService } from './audit.service.ts';

// The privacy officer's API through HTTP on the platform's server: the right figures for good requests, and an
// OperationOutcome naming the parameter for every bad one.

let db: Db;
let drop: () => Promise<void>;
let http: FastifyInstance;
const OFFICER = { authorization: 'Bearer privacy-officer' };

before(async () => {
  ({ db, drop } = await openTestDatabase());
  await migrate(db, auditMigrations);
  const audit = createAuditService({ db, clock: fixedClock(new Date('2026-12-01T09:00:00Z')) });
  http = createHttpServer({ maxBodyBytes: 1024 * 1024 }, createLogger('silent'));
  registerAuditRoutes(http, audit, {
    authorise: (request) => {
      const header = request.headers.authorization;
      if (!header) throw unauthorized('Credentials are required', { code: 'access.credentials' });
      if (header !== OFFICER.authorization)
        throw forbidden('Only a privacy officer may see the audit', { code: 'access.scope' });
      return { userId: 'po-1' };
    },
  });
  const agent: AuditAgent = {
    userId: 'u-1',
    name: 'Test Clinician',
    roleCode: 'R8000',
    organisationOds: 'R1H',
    organisationKind: 'acute-trust',
    clientId: 'epr',
  };
  const observer = { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir' };
  await db.transaction((tx) =>
    audit.record(tx, [
      ...Array.from({ length: 3 }, (_, i) =>
        buildPatientResourceEvent({
          recorded: new Date(`2026-11-0${i + 1}T10:00:00Z`),
          agent,
          observer,
          patientId: 'pat-1',
          interaction: 'read',
          resource: { type: 'Patient', id: 'pat-1' },
        }),
      ),
      buildAccessAlertEvent({
        recorded: new Date('2026-11-04T10:00:00Z'),
        agent,
        observer,
        patientId: 'pat-2',
        alert: 'self-claimed',
        reasonCode: 'direct-care-arranging',
      }),
    ]),
  );
});
after(async () => {
  await http.close();
  await drop();
});

async function send(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = OFFICER) {
  const res = await http.inject({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.statusCode, json: JSON.parse(res.body), contentType: res.headers['content-type'] };
}

test('every route asks who is calling before anything else', async () => {
  for (const [method, url] of [
    ['GET', '/audit/events?patient=not%20an%20id'],
    ['GET', '/audit/alerts'],
    ['POST', '/audit/alerts/4/acknowledge'],
    ['GET', '/audit/usage?month=bad'],
    ['GET', '/audit/verify'],
  ] as const) {
    const anonymous = await send(method, url, undefined, {});
    assert.equal(anonymous.status, 401, url);
    assert.equal(anonymous.json.issue[0].details.coding[0].code, 'access.credentials');
    const clinician = await send(method, url, undefined, { authorization: 'Bearer clinician' });
    assert.equal(clinician.status, 403, url);
  }
});

test('bad parameters are refused with an OperationOutcome naming the parameter', async () => {
  const cases: [string, string, unknown?][] = [
    ['/audit/events?patient=has%20space', 'patient'],
    ['/audit/events?patient=a&patient=b', 'patient'],
    ['/audit/events?patient_id=pat-1', 'patient_id'],
    ['/audit/events?user=', 'user'],
    ['/audit/events?organisation=R-1H', 'organisation'],
    ['/audit/events?from=2026-02-30', 'from'],
    ['/audit/events?from=2026-11-30T09:00:00', 'from'],
    ['/audit/events?to=yesterday', 'to'],
    ['/audit/events?from=2026-12-02&to=2026-12-01', 'from'],
    ['/audit/events?kind=everything', 'kind'],
    ['/audit/events?limit=0', 'limit'],
    ['/audit/events?limit=501', 'limit'],
    ['/audit/events?limit=ten', 'limit'],
    ['/audit/events?before=0', 'before'],
    ['/audit/events?before=1.5', 'before'],
    ['/audit/events?before=99999999999999999999', 'before'],
    ['/audit/alerts?status=closed', 'status'],
    ['/audit/alerts?organisation=R1H%3B', 'organisation'],
    ['/audit/usage', 'month'],
    ['/audit/usage?month=2026-13', 'month'],
    ['/audit/usage?month=2026-1', 'month'],
    ['/audit/usage?month=2026-11&minutesPerView=0', 'minutesPerView'],
    ['/audit/usage?month=2026-11&minutesPerView=-3', 'minutesPerView'],
    ['/audit/usage?month=2026-11&minutesPerView=1e3', 'minutesPerView'],
    ['/audit/verify?full=true', 'full'],
    ['POST /audit/alerts/four/acknowledge', 'seq'],
    ['POST /audit/alerts/4/acknowledge', 'note', { note: 5 }],
    ['POST /audit/alerts/4/acknowledge', 'note', { note: 'x'.repeat(1001) }],
    ['POST /audit/alerts/4/acknowledge', 'by', { by: 'someone-else' }],
    ['POST /audit/alerts/4/acknowledge', 'body', ['a note']],
  ];
  for (const [target, parameter, body] of cases) {
    const [method, url] = target.startsWith('POST ')
      ? (['POST', target.slice(5)] as const)
      : (['GET', target] as const);
    const res = await send(method, url, body);
    assert.equal(res.status, 400, `${target}: ${JSON.stringify(res.json)}`);
    assert.match(String(res.contentType), /application\/fhir\+json/);
    assert.equal(res.json.resourceType, 'OperationOutcome', target);
    const issue = res.json.issue[0];
    assert.equal(issue.severity, 'error');
    assert.equal(issue.code, 'invalid');
    assert.equal(issue.details.coding[0].code, 'audit.parameter', target);
    assert.deepEqual(issue.expression, [parameter], target);
  }
  assert.equal((await send('GET', '/audit/verify')).json.rows, 4, 'nothing was acknowledged by the bad requests');
});

test('search returns a FHIR searchset Bundle of AuditEvents, newest first, with a next link', async () => {
  const first = await send('GET', '/audit/events?patient=pat-1&limit=2');
  assert.equal(first.status, 200);
  assert.match(String(first.contentType), /application\/fhir\+json/);
  assert.equal(first.json.resourceType, 'Bundle');
  assert.equal(first.json.type, 'searchset');
  assert.deepEqual(
    first.json.entry.map((e: any) => e.resource.id),
    ['3', '2'],
  );
  const next = first.json.link.find((l: any) => l.relation === 'next').url as string;
  assert.equal(next, '/audit/events?patient=pat-1&limit=2&before=2');
  const second = await send('GET', next);
  assert.deepEqual(
    second.json.entry.map((e: any) => e.resource.id),
    ['1'],
  );
  assert.equal(
    second.json.link.find((l: any) => l.relation === 'next'),
    undefined,
  );
  const alerts = await send('GET', '/audit/events?kind=alert&organisation=r1h&from=2026-11-04&to=2026-11-04');
  assert.deepEqual(
    alerts.json.entry.map((e: any) => e.resource.type.code),
    ['110113'],
  );
});

test('alerts, acknowledgement once, usage and verify', async () => {
  const open = await send('GET', '/audit/alerts');
  assert.equal(open.status, 200);
  assert.deepEqual(
    open.json.alerts.map((a: any) => [a.seq, a.kind, a.patientId, a.reasonCode]),
    [[4, 'self-claimed', 'pat-2', 'direct-care-arranging']],
  );
  const ack = await send('POST', '/audit/alerts/4/acknowledge', { note: '  Seen in clinic that day  ' });
  assert.equal(ack.status, 200, JSON.stringify(ack.json));
  assert.deepEqual(ack.json.acknowledged, {
    at: '2026-12-01T09:00:00.000Z',
    by: 'po-1',
    note: 'Seen in clinic that day',
    eventSeq: 5,
  });
  const again = await send('POST', '/audit/alerts/4/acknowledge', {});
  assert.equal(again.status, 409);
  assert.equal(again.json.issue[0].details.coding[0].code, 'audit.alert-acknowledged');
  const notAnAlert = await send('POST', '/audit/alerts/1/acknowledge');
  assert.equal(notAnAlert.status, 404);
  assert.equal(notAnAlert.json.issue[0].details.coding[0].code, 'audit.alert-unknown');
  assert.deepEqual((await send('GET', '/audit/alerts')).json.alerts, []);
  assert.equal((await send('GET', '/audit/alerts?status=acknowledged')).json.alerts.length, 1);

  const usage = await send('GET', '/audit/usage?month=2026-11&minutesPerView=3');
  assert.equal(usage.status, 200);
  assert.equal(usage.json.views, 3);
  assert.equal(usage.json.distinctUsers, 1);
  assert.equal(usage.json.estimatedMinutesSaved, 9);

  const verify = await send('GET', '/audit/verify');
  assert.deepEqual({ ok: verify.json.ok, rows: verify.json.rows }, { ok: true, rows: 5 });
});
