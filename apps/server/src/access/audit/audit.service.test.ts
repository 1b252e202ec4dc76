import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isOperationOutcomeError } from '@joinedup/fhir';
import { fixedClock } from '../../platform/clock.ts';
import type { Db, Queryable } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';
import { hashRow, type ChainBreakReason, type ChainedRow } from './audit.chain.ts';
import {
  buildAccessAlertEvent,
  buildPatientQueryEvent,
  buildPatientResourceEvent,
  outcomeOfStatus,
  type AuditAgent,
  type AuditEntry,
} from './audit.events.ts';
import { auditMigrations } from './audit.migrations.ts';
import { createAuditService, verifyAuditChain, zonedMidnight, type AuditService } from './audit.service.ts';
import { APPEND_CHUNK, AUDIT_EVENT_COLUMNS, auditRowValues, readHead, streamRows } from './audit.store.ts';

// The service on PGlite, or on PostgreSQL in a schema of its own when DATABASE_URL is set: fail closed, the usage
// report, the privacy officer's alerts, and verification finding 100 tampers out of 100.

let db: Db;
let drop: () => Promise<void>;
let audit: AuditService;
const logged: { message: string; fields: Record<string, unknown> | undefined }[] = [];
const clock = fixedClock(new Date('2026-12-01T09:00:00Z'));
before(async () => {
  ({ db, drop } = await openTestDatabase());
  await migrate(db, auditMigrations);
  await db.query('CREATE TABLE caller_work (id text PRIMARY KEY)');
  audit = createAuditService({
    db,
    clock,
    observer,
    minutesPerView: 4,
    log: { error: (message, fields) => logged.push({ message, fields }) },
  });
});
after(async () => {
  await drop();
});

const observer = { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir' };
function staff(userId: string, roleCode: string, organisationKind: string, organisationOds: string): AuditAgent {
  return {
    userId,
    name: `Test User ${userId}`,
    roleCode,
    organisationOds,
    organisationName: `Organisation ${organisationOds}`,
    organisationKind,
    clientId: 'viewer',
  };
}
const gpA = staff('gp-a', 'R8000', 'gp-practice', 'F84003');
const gpB = staff('gp-b', 'R8000', 'gp-practice', 'F84004');
const nurse = staff('nurse-a', 'R8001', 'acute-trust', 'R1H');
const doctor = staff('doc-a', 'R8000', 'acute-trust', 'R1H');

function read(
  agent: AuditAgent,
  patientId: string,
  at: string,
  extra: Partial<Parameters<typeof buildPatientResourceEvent>[0]> = {},
) {
  return buildPatientResourceEvent({
    recorded: new Date(at),
    agent,
    observer,
    patientId,
    interaction: 'read',
    resource: { type: 'Patient', id: patientId },
    purpose: { basis: 'relationship' },
    ...extra,
  });
}

function search(agent: AuditAgent, patientId: string, at: string) {
  return buildPatientQueryEvent({
    recorded: new Date(at),
    agent,
    observer,
    patientId,
    interaction: 'search-type',
    rawQuery: `GET /fhir/Observation?patient=${patientId}`,
    purpose: { basis: 'relationship' },
  });
}

function alert(agent: AuditAgent, patientId: string, at: string, basis: 'break-glass' | 'self-claimed') {
  return buildAccessAlertEvent({
    recorded: new Date(at),
    agent,
    observer,
    patientId,
    alert: basis,
    reasonCode: basis === 'break-glass' ? 'unable-to-consent' : 'mdt-review',
    ...(basis === 'break-glass' ? { reasonText: 'Unresponsive on arrival' } : {}),
  });
}

async function recordAll(entries: AuditEntry[]) {
  return db.transaction((tx) => audit.record(tx, entries));
}

test('record appends in the caller transaction: the caller work and its audit commit together', async () => {
  const seqs = await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO caller_work (id) VALUES ('served-1')`);
    return audit.record(tx, [
      read(nurse, 'pat-1', '2026-11-03T10:00:00Z'),
      read(nurse, 'pat-2', '2026-11-03T10:00:01Z'),
    ]);
  });
  assert.deepEqual(seqs, [1, 2]);
  const work = await db.query('SELECT id FROM caller_work');
  assert.deepEqual(work, [{ id: 'served-1' }]);
});

test('fail closed: when the audit cannot be written, the caller transaction rolls back and the error is a 503', async () => {
  // The audit sink failing as a full disk would (SQLSTATE 53100).
  await db.query(
    `CREATE FUNCTION audit_sink_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$`,
  );
  await db.query(
    'CREATE TRIGGER audit_sink_down BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_sink_down()',
  );
  const before = (await readHead(db)).head;
  try {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO caller_work (id) VALUES ('would-be-served')`);
        await audit.record(tx, [read(nurse, 'pat-1', '2026-11-03T11:00:00Z')]);
        await tx.query(`INSERT INTO caller_work (id) VALUES ('after-audit')`);
      }),
      (e) => {
        assert.ok(isOperationOutcomeError(e));
        assert.equal(e.status, 503);
        assert.equal(e.outcome.issue?.[0]?.details?.coding?.[0]?.code, 'audit.unavailable');
        assert.doesNotMatch(JSON.stringify(e.outcome), /could not extend|pat-1/, 'no internals, no patient');
        return true;
      },
    );
  } finally {
    await db.query('DROP TRIGGER audit_sink_down ON audit_event');
    await db.query('DROP FUNCTION audit_sink_down()');
  }
  assert.deepEqual(await db.query(`SELECT id FROM caller_work ORDER BY id`), [{ id: 'served-1' }], 'nothing served');
  assert.deepEqual(logged, [{ message: 'audit append failed', fields: { sqlstate: '53100' } }], 'why, without the row');
  assert.deepEqual((await readHead(db)).head, before, 'nothing appended');
});

test('the usage report counts successful views per month, by organisation kind and role', async () => {
  await recordAll([
    // July 2026 in London (BST): 30 June 23:30 UTC is 1 July 00:30 local.
    read(gpA, 'pat-10', '2026-06-30T23:30:00Z'),
    read(gpA, 'pat-11', '2026-07-01T09:00:00Z'),
    search(gpA, 'pat-12', '2026-07-01T09:01:00Z'),
    read(gpB, 'pat-10', '2026-07-15T12:00:00Z'),
    read(nurse, 'pat-10', '2026-07-20T08:00:00Z'),
    read(nurse, 'pat-13', '2026-07-20T08:05:00Z'),
    read(doctor, 'pat-13', '2026-07-31T22:59:59Z'),
    // Not views: a refusal, a write, an alert; and 31 July 23:00 UTC is 1 August 00:00 in London.
    read(doctor, 'pat-14', '2026-07-10T10:00:00Z', { outcome: outcomeOfStatus(403, 'No legitimate relationship') }),
    buildPatientResourceEvent({
      recorded: new Date('2026-07-10T10:05:00Z'),
      agent: doctor,
      observer,
      patientId: 'pat-14',
      interaction: 'update',
      resource: { type: 'CarePlan', id: 'cp-1' },
    }),
    alert(doctor, 'pat-14', '2026-07-10T10:06:00Z', 'break-glass'),
    read(doctor, 'pat-15', '2026-07-31T23:00:00Z'),
    // June, before the month.
    read(gpA, 'pat-16', '2026-06-30T22:59:59Z'),
  ]);
  const july = await audit.usage({ month: '2026-07' });
  assert.deepEqual(july, {
    month: '2026-07',
    timeZone: 'Europe/London',
    from: '2026-06-30T23:00:00.000Z',
    to: '2026-07-31T23:00:00.000Z',
    minutesPerView: 4,
    views: 7,
    distinctUsers: 4,
    distinctPatients: 4,
    estimatedMinutesSaved: 28,
    byOrganisationKind: [
      {
        organisationKind: 'acute-trust',
        views: 3,
        distinctUsers: 2,
        estimatedMinutesSaved: 12,
        byRole: [
          { roleCode: 'R8000', views: 1, distinctUsers: 1, estimatedMinutesSaved: 4 },
          { roleCode: 'R8001', views: 2, distinctUsers: 1, estimatedMinutesSaved: 8 },
        ],
      },
      {
        organisationKind: 'gp-practice',
        views: 4,
        distinctUsers: 2,
        estimatedMinutesSaved: 16,
        byRole: [{ roleCode: 'R8000', views: 4, distinctUsers: 2, estimatedMinutesSaved: 16 }],
      },
    ],
  });
  const withOtherMinutes = await audit.usage({ month: '2026-07', minutesPerView: 2.5 });
  assert.equal(withOtherMinutes.estimatedMinutesSaved, 17.5);
  const august = await audit.usage({ month: '2026-08' });
  assert.equal(august.views, 1);
  assert.equal(august.byOrganisationKind[0]?.byRole[0]?.roleCode, 'R8000');
  const empty = await audit.usage({ month: '2025-01' });
  assert.equal(empty.views, 0);
  assert.deepEqual(empty.byOrganisationKind, []);
  assert.equal(empty.from, '2025-01-01T00:00:00.000Z', 'GMT in winter');
  await assert.rejects(audit.usage({ month: '2026-13' }), RangeError);
});

test('days start at midnight in London, in GMT and in BST', () => {
  assert.equal(zonedMidnight('2026-01-15', 'Europe/London').toISOString(), '2026-01-15T00:00:00.000Z');
  assert.equal(zonedMidnight('2026-07-15', 'Europe/London').toISOString(), '2026-07-14T23:00:00.000Z');
  assert.equal(zonedMidnight('2026-03-29', 'Europe/London').toISOString(), '2026-03-29T00:00:00.000Z');
  assert.equal(zonedMidnight('2026-03-30', 'Europe/London').toISOString(), '2026-03-29T23:00:00.000Z');
  assert.equal(zonedMidnight('2026-10-25', 'Europe/London').toISOString(), '2026-10-24T23:00:00.000Z');
  assert.equal(zonedMidnight('2026-10-26', 'Europe/London').toISOString(), '2026-10-26T00:00:00.000Z');
});

test('search takes dates as whole London days, to inclusive', async () => {
  const page = await audit.search({ from: '2026-07-01', to: '2026-07-01', kind: 'access' });
  // 30 June 23:30 UTC (1 July 00:30 BST), 1 July 09:00 and 09:01.
  assert.deepEqual(
    page.events.map((e) => e.resource.recorded),
    ['2026-07-01T09:01:00.000Z', '2026-07-01T09:00:00.000Z', '2026-06-30T23:30:00.000Z'],
  );
  const instants = await audit.search({ from: '2026-07-01T09:00:00Z', to: '2026-07-01T09:01:00Z' });
  assert.deepEqual(
    instants.events.map((e) => e.resource.recorded),
    ['2026-07-01T09:00:00.000Z'],
  );
  await assert.rejects(audit.search({ limit: 0 }), RangeError);
  await assert.rejects(audit.alerts({ limit: 501 }), RangeError);
});

test('the privacy officer sees break-glass and self-claimed alerts with no clinical data, and acknowledges each once', async () => {
  const [selfClaimedSeq, refusedSeq] = await recordAll([
    alert(gpB, 'pat-20', '2026-11-20T10:00:00Z', 'self-claimed'),
    buildAccessAlertEvent({
      recorded: new Date('2026-11-20T11:00:00Z'),
      agent: { ...gpB, roleCode: 'R8009' },
      observer,
      patientId: 'pat-21',
      alert: 'break-glass-refused',
      refusal: 'Break-glass is for clinicians and social workers',
    }),
  ]);
  const open = await audit.alerts();
  assert.deepEqual(
    open.alerts.map((a) => [a.seq, a.kind, a.patientId]),
    [
      [refusedSeq, 'break-glass-refused', 'pat-21'],
      [selfClaimedSeq, 'self-claimed', 'pat-20'],
      [12, 'break-glass', 'pat-14'],
    ],
  );
  assert.equal(open.alerts[0]!.refusal, 'Break-glass is for clinicians and social workers');
  assert.equal(open.alerts[0]!.user.roleCode, 'R8009');
  assert.deepEqual(open.alerts[2], {
    seq: 12,
    recorded: '2026-07-10T10:06:00.000Z',
    kind: 'break-glass',
    patientId: 'pat-14',
    user: { id: 'doc-a', name: 'Test User doc-a', roleCode: 'R8000' },
    organisation: { odsCode: 'R1H', name: 'Organisation R1H' },
    reasonCode: 'unable-to-consent',
    reasonText: 'Unresponsive on arrival',
  });
  const gpOnly = await audit.alerts({ organisationOds: 'F84004' });
  assert.deepEqual(
    gpOnly.alerts.map((a) => a.seq),
    [refusedSeq, selfClaimedSeq],
  );

  clock.advance(60_000);
  const acknowledged = await audit.acknowledge(12, { userId: 'po-1', note: 'Attended ED that night (PAS)' });
  assert.deepEqual(acknowledged.acknowledged, {
    at: '2026-12-01T09:01:00.000Z',
    by: 'po-1',
    note: 'Attended ED that night (PAS)',
    eventSeq: refusedSeq! + 1,
  });
  assert.deepEqual(
    (await audit.alerts()).alerts.map((a) => a.seq),
    [refusedSeq, selfClaimedSeq],
    'no longer open',
  );
  assert.deepEqual(
    (await audit.alerts({ status: 'acknowledged' })).alerts.map((a) => a.seq),
    [12],
  );
  assert.equal((await audit.alerts({ status: 'all', limit: 1 })).nextBefore, refusedSeq);

  const review = (await audit.search({ before: refusedSeq! + 2, limit: 1 })).events[0]!;
  assert.equal(review.resource.type.code, '110101', 'the review is itself in the chain');
  assert.equal(review.resource.entity?.[0]?.what?.reference, 'AuditEvent/12');

  await assert.rejects(audit.acknowledge(12, { userId: 'po-2' }), (e) => {
    assert.ok(isOperationOutcomeError(e));
    assert.equal(e.status, 409);
    assert.equal(e.outcome.issue?.[0]?.details?.coding?.[0]?.code, 'audit.alert-acknowledged');
    return true;
  });
  for (const seq of [1, 99_999]) {
    await assert.rejects(audit.acknowledge(seq, { userId: 'po-1' }), (e) => {
      assert.ok(isOperationOutcomeError(e));
      assert.equal(e.status, 404);
      assert.equal(e.outcome.issue?.[0]?.details?.coding?.[0]?.code, 'audit.alert-unknown');
      return true;
    });
  }
  // Two privacy officers at once: one acknowledgement, one 409, and one review in the chain.
  const head = (await readHead(db)).head;
  const results = await Promise.allSettled([
    audit.acknowledge(selfClaimedSeq!, { userId: 'po-1' }),
    audit.acknowledge(selfClaimedSeq!, { userId: 'po-2' }),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  assert.equal((await readHead(db)).head.seq, head.seq + 1);
  assert.equal((await audit.verify()).ok, true);
});

test('verify streams the chain in batches and reports progress', async () => {
  const progress: [number, number][] = [];
  const result = await audit.verify({ batchSize: 4, onProgress: (done, total) => progress.push([done, total]) });
  const head = (await readHead(db)).head;
  assert.equal(result.ok, true);
  assert.equal(result.rows, head.seq);
  assert.deepEqual(result.head, head);
  assert.equal(result.firstBroken, undefined);
  assert.equal(progress.length, Math.ceil(head.seq / 4));
  assert.deepEqual(progress.at(-1), [head.seq, head.seq]);
});

// Tampering as someone with the database's superuser would: triggers off (session_replication_role = replica),
// then one change; each trial in a transaction rolled back afterwards, verified inside it.
type Tamper = (
  q: Queryable,
  rows: ChainedRow[],
  target: number,
) => Promise<{ seq: number; reasons: ChainBreakReason[] }>;

const TAMPERS: Record<string, Tamper> = {
  'update a column': async (q, _rows, target) => {
    await q.query(`UPDATE audit_event SET user_id = 'someone-else' WHERE seq = $1`, [target]);
    return { seq: target, reasons: ['altered'] };
  },
  'change one byte of the JSON': async (q, rows, target) => {
    const event = rows[target - 1]!.event;
    const at = 1 + ((target * 7919) % (event.length - 2));
    const replacement = event[at] === 'x' ? 'y' : 'x';
    await q.query('UPDATE audit_event SET event = overlay(event placing $2 from $3 for 1) WHERE seq = $1', [
      target,
      replacement,
      at + 1,
    ]);
    return { seq: target, reasons: ['altered'] };
  },
  'move the recorded time by a microsecond': async (q, _rows, target) => {
    await q.query(`UPDATE audit_event SET recorded = recorded - interval '1 microsecond' WHERE seq = $1`, [target]);
    return { seq: target, reasons: ['altered'] };
  },
  'delete a row': async (q, rows, target) => {
    await q.query('DELETE FROM audit_event WHERE seq = $1', [target]);
    return { seq: target, reasons: target === rows.length ? ['head-mismatch'] : ['missing'] };
  },
  'rewrite a row with a fresh hash': async (q, rows, target) => {
    const forged = { ...rows[target - 1]!, patientId: 'pat-forged' };
    await q.query('UPDATE audit_event SET patient_id = $2, hash = $3 WHERE seq = $1', [
      target,
      forged.patientId,
      hashRow(forged.prevHash, forged),
    ]);
    return target === rows.length
      ? { seq: target, reasons: ['head-mismatch'] }
      : { seq: target + 1, reasons: ['broken-link'] };
  },
  'replace a row with a forged one linked to its predecessor': async (q, rows, target) => {
    const original = rows[target - 1]!;
    const forged = { ...original, userId: 'forger', requestId: 'forged' };
    await q.query('DELETE FROM audit_event WHERE seq = $1', [target]);
    await insertRow(q, { ...forged, hash: hashRow(forged.prevHash, forged) });
    return target === rows.length
      ? { seq: target, reasons: ['head-mismatch'] }
      : { seq: target + 1, reasons: ['broken-link'] };
  },
  'insert a forged row after the last': async (q, rows) => {
    const last = rows.at(-1)!;
    const forged = { ...last, seq: last.seq + 1, prevHash: last.hash, requestId: 'forged' };
    await insertRow(q, { ...forged, hash: hashRow(forged.prevHash, forged) });
    return { seq: last.seq + 1, reasons: ['beyond-head'] };
  },
  'swap two rows': async (q, rows, target) => {
    const other = target === rows.length ? target - 1 : target + 1;
    const [a, b] = [Math.min(target, other), Math.max(target, other)];
    await q.query('UPDATE audit_event SET seq = 999999999 WHERE seq = $1', [a]);
    await q.query('UPDATE audit_event SET seq = $1 WHERE seq = $2', [a, b]);
    await q.query('UPDATE audit_event SET seq = $1 WHERE seq = 999999999', [b]);
    return { seq: a, reasons: ['altered'] };
  },
  'point a row at another predecessor': async (q, rows, target) => {
    await q.query('UPDATE audit_event SET prev_hash = $2 WHERE seq = $1', [
      target,
      rows[(target + 3) % rows.length]!.hash,
    ]);
    return { seq: target, reasons: ['altered'] };
  },
  'move the head back': async (q, rows) => {
    await q.query('UPDATE audit_head SET last_seq = last_seq - 1, last_hash = $1', [rows.at(-2)!.hash]);
    return { seq: rows.length, reasons: ['beyond-head'] };
  },
};

async function insertRow(q: Queryable, row: ChainedRow) {
  const values = auditRowValues(row);
  await q.query(
    `INSERT INTO audit_event (${AUDIT_EVENT_COLUMNS.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
}

test('100 tamper trials of every kind: verification finds 100 of 100, at the row tampered with', async () => {
  // Enough rows for every trial to have a different target among several batches.
  const more: AuditEntry[] = [];
  for (let i = 0; i < 40; i++)
    more.push(read(i % 2 ? nurse : gpA, `pat-${30 + (i % 9)}`, `2026-11-25T10:${String(i).padStart(2, '0')}:00Z`));
  await recordAll(more);
  const rows: ChainedRow[] = [];
  const { head } = await readHead(db);
  for await (const batch of streamRows(db, { through: head.seq })) rows.push(...batch);
  assert.ok(rows.length >= 50, `${rows.length} rows`);

  let random = 20261201;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random;
  };
  const kinds = Object.keys(TAMPERS);
  const detected: string[] = [];
  const rollback = new Error('roll back');
  for (let trial = 0; trial < 100; trial++) {
    const kind = kinds[trial % kinds.length]!;
    const target = 2 + (next() % (rows.length - 1));
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        const expected = await TAMPERS[kind]!(tx, rows, target);
        await tx.query('SET LOCAL session_replication_role = origin');
        const result = await verifyAuditChain(tx, { batchSize: 16 });
        const where = `trial ${trial} (${kind} at ${target})`;
        assert.equal(result.ok, false, where);
        assert.equal(result.firstBroken?.seq, expected.seq, `${where}: ${result.firstBroken?.detail}`);
        assert.ok(expected.reasons.includes(result.firstBroken.reason), `${where}: ${result.firstBroken?.reason}`);
        detected.push(kind);
        throw rollback;
      }),
      (e) => e === rollback,
    );
  }
  assert.equal(detected.length, 100, '100/100 tampers detected');
  assert.equal(new Set(detected).size, kinds.length, 'every kind tried');
  const after = await audit.verify();
  assert.equal(after.ok, true, 'each trial was rolled back');
  assert.equal(after.rows, rows.length);
});

test('a tamper that is committed is reported by verify with the first broken sequence number', async () => {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    // Hiding a refusal: seq 10 is the read refused in July.
    await tx.query(`UPDATE audit_event SET outcome = '0' WHERE seq = 10 AND outcome = '4'`);
  });
  const result = await audit.verify();
  assert.equal(result.ok, false);
  assert.deepEqual(
    { seq: result.firstBroken?.seq, reason: result.firstBroken?.reason },
    { seq: 10, reason: 'altered' },
  );
  assert.equal(result.rows, 10, 'stops at the break');
});

test('append on its own is all or nothing, also when it takes more than one audit_append call', async () => {
  const start = (await readHead(db)).head.seq;
  const many = Array.from({ length: APPEND_CHUNK + 1 }, (_, i) =>
    read(doctor, `pat-many-${i}`, '2020-01-01T09:00:00Z'),
  );
  // The last row of the second call fails: the first call's rows must not stay.
  await db.query(
    `CREATE FUNCTION audit_last_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.seq = ${start + APPEND_CHUNK + 1} THEN RAISE EXCEPTION 'disk full' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$`,
  );
  await db.query(
    'CREATE TRIGGER audit_last_fails BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_last_fails()',
  );
  try {
    await assert.rejects(audit.append(many), (e) => isOperationOutcomeError(e) && e.status === 503);
  } finally {
    await db.query('DROP TRIGGER audit_last_fails ON audit_event');
    await db.query('DROP FUNCTION audit_last_fails()');
  }
  assert.equal((await readHead(db)).head.seq, start, 'nothing of either call appended');
  const seqs = await audit.append(many);
  assert.equal(seqs.length, APPEND_CHUNK + 1);
  assert.equal(seqs.at(-1), start + APPEND_CHUNK + 1);
  assert.deepEqual(await audit.append([read(doctor, 'pat-one', '2020-01-01T09:01:00Z')]), [start + APPEND_CHUNK + 2]);
  // (An earlier test left a tampered row before these; each of these links to the one before it.)
  const rows: ChainedRow[] = [];
  for await (const batch of streamRows(db, { through: start + APPEND_CHUNK + 2 })) rows.push(...batch);
  for (const [i, row] of rows.entries()) {
    if (row.seq <= start) continue;
    assert.equal(row.prevHash, rows[i - 1]!.hash);
    assert.equal(row.hash, hashRow(row.prevHash, row));
  }
});
