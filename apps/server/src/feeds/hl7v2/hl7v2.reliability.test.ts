import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntheticRegion, generateSyntheticPerson, hl7v2Messages } from '@joinedup/synth';
import { buildApp, type App } from '../../app.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db.ts';
import { createLogger } from '../../platform/log.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';

// Reliability matrix rows 9 and 10 at the PR tier: an ACK is AA only for what is committed, whatever fails
// underneath; a message sent again is applied once and answered AA again.

const options = { patients: 40, seed: 'hl7-reliability', asOf: '2026-06-30' };
const region = buildSyntheticRegion(options);
const feed: { facility: string; controlId: string; message: string }[] = [];
for (let i = 0; i < options.patients; i++) {
  for (const r of generateSyntheticPerson(region, i, options).records) {
    if (region.byOdsCode.get(r.odsCode)?.kind !== 'acute-trust') continue;
    for (const m of hl7v2Messages(r, region, options.seed))
      feed.push({ facility: r.odsCode, controlId: m.controlId, message: m.message });
  }
}

/** A database whose commits fail whenever `failing()` says so: the write is rolled back, as on a lost server. */
function flaky(db: Db, failing: () => boolean): Db {
  return {
    ...db,
    engine: db.engine,
    query: (text, params) => db.query(text, params),
    transaction: (fn) =>
      db.transaction(async (tx) => {
        const result = await fn(tx);
        if (failing()) throw new Error('connection lost at commit (injected)');
        return result;
      }),
    close: () => db.close(),
  };
}

let app: App;
let drop: () => Promise<void>;
let failNext = false;

before(async () => {
  const opened = await openTestDatabase();
  drop = opened.drop;
  const sources = [...new Set(feed.map((m) => m.facility))].map((facility) => ({
    facility,
    addresses: ['127.0.0.1'],
    timeZone: 'UTC',
  }));
  const config = loadConfig({ JOINEDUP_LOG_LEVEL: 'silent', JOINEDUP_HL7_SOURCES: JSON.stringify(sources) });
  app = await buildApp(
    config,
    flaky(opened.db, () => failNext),
    { log: createLogger('silent') },
  );
});
after(async () => {
  await app.http.close();
  await drop();
});

const receive = (message: string) =>
  app.hl7.receive(Buffer.from(message, 'utf8'), { channel: 'mllp', address: '127.0.0.1' });

async function appliedControlIds(): Promise<Set<string>> {
  const rows = await app.db.query<{ control_id: string }>('SELECT control_id FROM feed_message');
  return new Set(rows.map((r) => r.control_id));
}

test('row 9: with one commit in ten failing, every AA is committed and nothing unacknowledged is', async () => {
  let n = 0;
  const acked = new Set<string>();
  let failures = 0;
  for (const m of feed) {
    failNext = n++ % 10 === 7;
    try {
      const ack = await receive(m.message);
      if (ack.includes('MSA|AA|')) acked.add(m.controlId);
    } catch {
      failures++; // no ACK at all: the sender resends
    }
  }
  failNext = false;
  assert.ok(failures > feed.length / 20, `only ${failures} failures injected`);
  const applied = await appliedControlIds();
  for (const id of acked) assert.ok(applied.has(id), `${id} was acknowledged AA but is not stored`);
  for (const id of applied) assert.ok(acked.has(id), `${id} is stored but was never acknowledged AA`);
  // The sender resends what got no ACK; now everything lands.
  for (const m of feed) if (!acked.has(m.controlId)) assert.match(await receive(m.message), /MSA\|AA\|/);
  assert.equal((await appliedControlIds()).size, new Set(feed.map((m) => m.controlId)).size);
});

test('row 10: a replay with a fifth of the messages duplicated applies each once and answers each AA', async () => {
  const versionsBefore = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM patient_resource_history');
  let n = 0;
  for (const m of feed) {
    if (n++ % 5 !== 0) continue;
    assert.match(await receive(m.message), /MSA\|AA\|/);
  }
  const versionsAfter = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM patient_resource_history');
  assert.equal(versionsAfter[0]!.n, versionsBefore[0]!.n, 'a duplicate wrote a new version');
});
