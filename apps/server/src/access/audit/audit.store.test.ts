import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';
import { GENESIS_HASH, hashRow, verifyRows } from './audit.chain.ts';
import {
  buildAccessAlertEvent,
  buildPatientQueryEvent,
  buildPatientResourceEvent,
  type AuditAgent,
  type AuditEntry,
} from './audit.events.ts';
import { auditMigrations } from './audit.migrations.ts';
import { appendMany, AUDIT_EVENT_COLUMNS, auditRowValues, readHead, searchEvents, streamRows } from './audit.store.ts';

// The store on PGlite, or on PostgreSQL in a schema of its own when DATABASE_URL is set: appends, the chain they
// make, search, and the database refusing every change to what was appended.

let db: Db;
let drop: () => Promise<void>;
before(async () => {
  ({ db, drop } = await openTestDatabase());
  await migrate(db, auditMigrations);
});
after(async () => {
  await drop();
});

const observer = { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir' };
function agent(userId: string, organisationOds = 'R1H'): AuditAgent {
  return {
    userId,
    name: `User ${userId}`,
    roleCode: 'R8000',
    organisationOds,
    organisationKind: 'acute-trust',
    clientId: 'epr',
  };
}
function view(patientId: string, userId: string, at: string, organisationOds = 'R1H'): AuditEntry {
  return buildPatientResourceEvent({
    recorded: new Date(at),
    agent: agent(userId, organisationOds),
    observer,
    patientId,
    interaction: 'read',
    resource: { type: 'Patient', id: patientId },
    purpose: { basis: 'relationship' },
  });
}

async function allRows() {
  const { head, beyond } = await readHead(db);
  const rows = [];
  for await (const batch of streamRows(db, { through: head.seq, batchSize: 7 })) rows.push(...batch);
  return { rows, head, beyond };
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  assert.fail('expected the statement to be refused');
}

// Runs fn in a transaction and rolls it back, so that a refused statement leaves nothing behind.
async function inRolledBack(fn: (q: { query: Db['query'] }) => Promise<void>) {
  const rollback = new Error('roll back');
  await assert.rejects(
    db.transaction(async (tx) => {
      await fn(tx);
      throw rollback;
    }),
    (e) => e === rollback,
  );
}

test('appends are numbered from 1 without gaps, linked by hash, and each AuditEvent takes its number as id', async () => {
  const first = await db.transaction((tx) =>
    appendMany(tx, [view('pat-a', 'u1', '2026-11-01T10:00:00Z'), view('pat-b', 'u1', '2026-11-01T10:01:00Z')]),
  );
  assert.deepEqual(
    first.map((r) => r.seq),
    [1, 2],
  );
  assert.equal(first[0]!.prevHash, GENESIS_HASH);
  assert.equal(first[1]!.prevHash, first[0]!.hash);
  const second = await db.transaction((tx) => appendMany(tx, [view('pat-a', 'u2', '2026-11-02T10:00:00Z')]));
  assert.equal(second[0]!.seq, 3);
  assert.equal(second[0]!.prevHash, first[1]!.hash);
  assert.deepEqual(await db.transaction((tx) => appendMany(tx, [])), [], 'nothing to append takes no lock');

  const { rows, head, beyond } = await allRows();
  assert.deepEqual(head, { seq: 3, hash: second[0]!.hash });
  assert.equal(beyond, undefined);
  assert.equal(verifyRows(rows, head), undefined, 'the rows read back verify');
  assert.deepEqual(rows, [...first, ...second], 'read back exactly as hashed, to the microsecond');
  for (const row of rows) {
    assert.equal(row.chainVersion, 2);
    assert.equal(row.hash, hashRow(row.prevHash, row), 'the link the database computed is the one verify computes');
  }
  assert.equal(JSON.parse(rows[2]!.event).id, undefined, 'the id is not stored but served');
  const { events } = await searchEvents(db, { patientId: 'pat-a', limit: 10 });
  assert.deepEqual(
    events.map((e) => [e.seq, e.resource.id]),
    [
      [3, '3'],
      [1, '1'],
    ],
  );
  assert.equal(rows[0]!.recorded, '2026-11-01T10:00:00.000000Z');
});

test('search filters by patient, user, organisation, dates and kind, newest first, in pages', async () => {
  await db.transaction((tx) =>
    appendMany(tx, [
      view('pat-c', 'u3', '2026-11-10T08:00:00Z', 'F84003'),
      view('pat-c', 'u3', '2026-11-11T08:00:00Z', 'F84003'),
      buildAccessAlertEvent({
        recorded: new Date('2026-11-12T08:00:00Z'),
        agent: agent('u4'),
        observer,
        patientId: 'pat-c',
        alert: 'break-glass',
        reasonCode: 'unable-to-consent',
        reasonText: 'Collapsed in clinic',
      }),
      buildPatientQueryEvent({
        recorded: new Date('2026-11-12T08:01:00Z'),
        agent: agent('u4'),
        observer,
        patientId: 'pat-c',
        interaction: 'search-type',
        rawQuery: 'GET /fhir/Observation?patient=pat-c',
        purpose: { basis: 'break-glass', reasonCode: 'unable-to-consent', reasonText: 'Collapsed in clinic' },
      }),
      buildPatientResourceEvent({
        recorded: new Date('2026-11-13T08:00:00Z'),
        agent: agent('u5'),
        observer,
        patientId: 'pat-d',
        interaction: 'read',
        resource: { type: 'Patient', id: 'pat-d' },
        purpose: { basis: 'self-claimed', reasonCode: 'mdt-review' },
      }),
    ]),
  );
  const seqs = async (search: Parameters<typeof searchEvents>[1]) =>
    (await searchEvents(db, search)).events.map((e) => e.seq);

  assert.deepEqual(await seqs({ patientId: 'pat-c', limit: 50 }), [7, 6, 5, 4]);
  assert.deepEqual(await seqs({ userId: 'u3', limit: 50 }), [5, 4]);
  assert.deepEqual(await seqs({ organisationOds: 'F84003', limit: 50 }), [5, 4]);
  assert.deepEqual(await seqs({ patientId: 'pat-c', userId: 'u4', limit: 50 }), [7, 6]);
  assert.deepEqual(
    await seqs({ from: new Date('2026-11-11T00:00:00Z'), to: new Date('2026-11-13T00:00:00Z'), limit: 50 }),
    [7, 6, 5],
  );
  assert.deepEqual(await seqs({ kind: 'alert', limit: 50 }), [6]);
  assert.deepEqual(await seqs({ kind: 'break-glass', limit: 50 }), [7, 6]);
  assert.deepEqual(await seqs({ kind: 'self-claimed', limit: 50 }), [8]);
  assert.deepEqual(await seqs({ kind: 'exceptional', limit: 50 }), [8, 7, 6]);
  assert.deepEqual(await seqs({ kind: 'access', patientId: 'pat-c', limit: 50 }), [7, 5, 4]);
  assert.deepEqual(await seqs({ patientId: 'nobody', limit: 50 }), []);

  const page1 = await searchEvents(db, { limit: 3 });
  assert.deepEqual(
    page1.events.map((e) => e.seq),
    [8, 7, 6],
  );
  assert.equal(page1.nextBefore, 6);
  const page2 = await searchEvents(db, { limit: 3, before: page1.nextBefore });
  assert.deepEqual(
    page2.events.map((e) => e.seq),
    [5, 4, 3],
  );
  const page3 = await searchEvents(db, { limit: 3, before: page2.nextBefore! });
  assert.deepEqual(
    page3.events.map((e) => e.seq),
    [2, 1],
  );
  assert.equal(page3.nextBefore, undefined, 'the last page has no next');
  assert.equal(page1.events[0]!.resource.resourceType, 'AuditEvent');
  assert.equal(page1.events[0]!.resource.id, '8');
});

test('the database refuses UPDATE, DELETE and TRUNCATE of audit rows and acknowledgements', async () => {
  const statements = [
    `UPDATE audit_event SET user_id = 'intruder' WHERE seq = 1`,
    `UPDATE audit_event SET event = event`,
    `DELETE FROM audit_event WHERE seq = 2`,
    `DELETE FROM audit_event`,
    'TRUNCATE audit_event CASCADE',
    `UPDATE audit_alert_ack SET note = 'x'`,
    'DELETE FROM audit_alert_ack',
    'TRUNCATE audit_alert_ack',
  ];
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO audit_alert_ack (seq, acknowledged_at, acknowledged_by, event_seq) VALUES (6, now(), 'po', 6)`,
    );
  });
  for (const sql of statements) {
    await inRolledBack(async (tx) => {
      const e = await rejection(tx.query(sql));
      assert.equal(e.code, '42501', sql);
      assert.match(e.message, /append-only/, sql);
    });
  }
  const [count] = await db.query<{ n: number }>('SELECT count(*) AS n FROM audit_event');
  assert.equal(count!.n, 8);
});

test('the head moves only by appending, and an append that does not extend it is refused', async () => {
  const { head } = await readHead(db);
  for (const sql of [
    `UPDATE audit_head SET last_seq = last_seq + 1`,
    `UPDATE audit_head SET last_hash = '${'a'.repeat(64)}'`,
    'DELETE FROM audit_head',
    'TRUNCATE audit_head',
  ]) {
    await inRolledBack(async (tx) => {
      const e = await rejection(tx.query(sql));
      assert.equal(e.code, '42501', sql);
      assert.match(e.message, /audit_head moves only|append-only/, sql);
    });
  }
  const tuple = (seq: number, prevHash: string, hash: string) =>
    `(${seq}, now(), 'rest', 'R', '0', false, false, '{}', '${prevHash}', '${hash}')`;
  const insert = (...tuples: string[]) =>
    `INSERT INTO audit_event (seq, recorded, event_type, action, outcome, break_glass, self_claimed, event, prev_hash, hash)
     VALUES ${tuples.join(', ')}`;
  const [b, c, d] = ['b', 'c', 'd'].map((x) => x.repeat(64)) as [string, string, string];
  const refused: [string, RegExp][] = [
    [insert(tuple(head.seq + 2, head.hash, b)), /do not extend the chain/],
    [insert(tuple(head.seq + 1, c, b)), /do not extend the chain/],
    [insert(tuple(head.seq, head.hash, b)), /duplicate key/],
    // Several rows at once: the second does not name the first's hash; the third skips a number.
    [insert(tuple(head.seq + 1, head.hash, b), tuple(head.seq + 2, c, d)), /do not extend the chain/],
    [insert(tuple(head.seq + 1, head.hash, b), tuple(head.seq + 3, b, d)), /do not extend the chain/],
  ];
  for (const [sql, message] of refused) {
    await inRolledBack(async (tx) => {
      const e = await rejection(tx.query(sql));
      assert.match(e.message, message, sql);
    });
  }
  // The database checks the links, not the hashes (it cannot recompute them): that is verification's work.
  await inRolledBack(async (tx) => {
    await tx.query(insert(tuple(head.seq + 1, head.hash, b), tuple(head.seq + 2, b, d)));
    assert.deepEqual((await readHead(tx)).head, { seq: head.seq + 2, hash: d }, 'the head moved once, to the last row');
  });
  assert.deepEqual((await readHead(db)).head, head);
});

test('concurrent appends from many transactions make one linear chain', async () => {
  const { head: start } = await readHead(db);
  const workers = 8;
  const perWorker = 12;
  let expected = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) {
        const count = 1 + ((w + i) % 3);
        expected += count;
        await db.transaction(async (tx) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          // Some work of the caller's first, so that the transactions overlap before they queue on the head.
          await tx.query('SELECT pg_sleep(0.002)');
          await appendMany(
            tx,
            Array.from({ length: count }, (_, k) =>
              view(`pat-w${w}`, `u-w${w}`, `2026-11-20T10:${String(i).padStart(2, '0')}:0${k}Z`),
            ),
          );
          inFlight--;
        });
      }
    }),
  );
  // PGlite runs one transaction at a time; on a PostgreSQL server they really were open together.
  if (db.engine === 'postgres') assert.ok(mostInFlight > 1, `at most ${mostInFlight} transaction open at once`);
  const { rows, head, beyond } = await allRows();
  assert.equal(head.seq, start.seq + expected);
  assert.deepEqual(
    rows.map((r) => r.seq),
    Array.from({ length: head.seq }, (_, i) => i + 1),
    'gap-free',
  );
  assert.equal(beyond, undefined);
  assert.equal(verifyRows(rows, head), undefined, 'every row follows the one before');
});

test('an application role with SELECT on the chain appends through audit_append only, and changes or removes nothing', async () => {
  const role = `audit_app_${randomBytes(4).toString('hex')}`;
  await db.query(`CREATE ROLE ${role} NOLOGIN`);
  try {
    const [{ schema }] = (await db.query<{ schema: string }>('SELECT current_schema() AS schema')) as [
      { schema: string },
    ];
    await db.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await db.query(`GRANT SELECT ON audit_event TO ${role}`);
    await db.query(`GRANT SELECT, INSERT ON audit_alert_ack TO ${role}`);
    await db.query(`GRANT SELECT ON audit_head TO ${role}`);
    const appended = await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE ${role}`);
      return appendMany(tx, [view('pat-e', 'u-app', '2026-11-21T09:00:00Z')]);
    });
    assert.equal(appended.length, 1);
    for (const sql of [
      // Rows go in through audit_append alone, which numbers and links them.
      `INSERT INTO audit_event SELECT * FROM audit_event WHERE seq = 1`,
      `UPDATE audit_event SET user_id = 'x' WHERE seq = 1`,
      'DELETE FROM audit_event WHERE seq = 1',
      'UPDATE audit_head SET last_seq = 0',
      'TRUNCATE audit_event',
    ]) {
      await inRolledBack(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${role}`);
        // Turning the triggers off is a superuser's power, not the application's.
        const off = await rejection(tx.query('SET LOCAL session_replication_role = replica'));
        assert.match(off.message, /permission denied/);
      });
      await inRolledBack(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${role}`);
        const e = await rejection(tx.query(sql));
        assert.equal(e.code, '42501', sql);
        assert.match(e.message, /permission denied/, sql);
      });
    }
    const { rows, head } = await allRows();
    assert.equal(verifyRows(rows, head), undefined);
  } finally {
    await db.query(`DROP OWNED BY ${role}`);
    await db.query(`DROP ROLE ${role}`);
  }
});

test('an append is one statement outside a transaction, and an entry without a content digest is refused whole', async () => {
  const [row] = await appendMany(db, [view('pat-z', 'u9', '2026-11-03T10:00:00Z')]);
  assert.equal(row!.hash, hashRow(row!.prevHash, row!));
  const before = await readHead(db);
  await assert.rejects(
    db.query('SELECT * FROM audit_append($1::jsonb)', [
      JSON.stringify([{ recorded: '2026-11-03T10:00:00Z', eventType: 'rest', action: 'R', outcome: '0', event: '{}' }]),
    ]),
    /no content digest/,
  );
  assert.deepEqual(await readHead(db), before, 'nothing appended');
});

test('rows of chain version 1, as appended before audit_append, and version 2 rows after them verify together', async () => {
  const { head } = await readHead(db);
  const [template] = await appendMany(db, [view('pat-v1', 'u9', '2026-11-04T10:00:00Z')]);
  // A version 1 row as the earlier code wrote it: hashed whole in the application, its AuditEvent with its id.
  const content = {
    ...template!,
    seq: template!.seq + 1,
    chainVersion: 1 as const,
    prevHash: template!.hash,
    event: JSON.stringify({ ...JSON.parse(template!.event), id: String(template!.seq + 1) }),
  };
  const v1 = { ...content, hash: hashRow(content.prevHash, content) };
  await db.query(
    `INSERT INTO audit_event (${AUDIT_EVENT_COLUMNS.join(', ')}) VALUES (${AUDIT_EVENT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
    auditRowValues(v1),
  );
  const [after] = await appendMany(db, [view('pat-v1', 'u9', '2026-11-04T10:01:00Z')]);
  assert.equal(after!.prevHash, v1.hash);
  const { rows, head: last } = await allRows();
  assert.ok(last.seq > head.seq);
  assert.deepEqual(
    rows.slice(-3).map((r) => r.chainVersion),
    [2, 1, 2],
  );
  assert.equal(verifyRows(rows, last), undefined);
  const { events } = await searchEvents(db, { patientId: 'pat-v1', limit: 10 });
  assert.deepEqual(
    events.map((e) => e.resource.id),
    [after!.seq, v1.seq, template!.seq].map(String),
    'each served with its number as id, whichever version',
  );
});
