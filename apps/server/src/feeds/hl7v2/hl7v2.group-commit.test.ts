import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildApp, type App } from '../../app.ts';
import { loadConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db.ts';
import { systemClock } from '../../platform/clock.ts';
import { createLogger } from '../../platform/log.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';
import { parseHl7 } from './hl7-message.ts';
import { createHl7FeedService } from './hl7v2.service.ts';
import { evn, msh, pid, pv1 } from './mappers/hl7-fixtures.test-support.ts';

// Group commit on the real store: messages that arrive while a transaction runs are applied together in the
// next one, and each keeps the guarantees it has alone (ADR 6; reliability matrix rows 9, 10 and 11).

let app: App;
let drop: () => Promise<void>;
let transactions = 0;
/** Which transactions (numbered from 1) fail at commit: the write is rolled back, as when the server is lost. */
let failing: (n: number) => boolean = () => false;

/** The test database, counting transactions and failing commits when told to. */
function observed(db: Db): Db {
  return {
    ...db,
    engine: db.engine,
    query: (text, params) => db.query(text, params),
    transaction: (fn) =>
      db.transaction(async (tx) => {
        const n = ++transactions;
        const result = await fn(tx);
        if (failing(n)) throw new Error('connection lost at commit (injected)');
        return result;
      }),
    close: () => db.close(),
  };
}

before(async () => {
  const opened = await openTestDatabase();
  drop = opened.drop;
  app = await buildApp(loadConfig({ JOINEDUP_LOG_LEVEL: 'silent' }), observed(opened.db), {
    log: createLogger('silent'),
  });
});
after(async () => {
  await app.http.close();
  await drop();
});
beforeEach(() => {
  failing = () => false;
});

// One transaction at a time, so that a first message holds the queue while the others gather behind it.
const feed = () =>
  createHl7FeedService({
    store: app.fhir.store,
    clock: systemClock,
    log: createLogger('silent'),
    sources: ['RXX', 'RYY'].map((facility) => ({ facility, addresses: ['127.0.0.1'] })),
    timeZone: 'Europe/London',
    concurrentTransactions: 1,
  });

let serial = 0;
/** An ADT A08 from `sender` about MRN `mrn`, sent at `at` (HL7 DTM), with its own MSH-10 unless given. */
function a08(sender: string, mrn: string, options: { at?: string; family?: string; controlId?: string } = {}) {
  const at = options.at ?? '20240301103000';
  return [
    msh('ADT^A08', { 4: sender, 7: at, 10: options.controlId ?? `GC${++serial}-${randomBytes(3).toString('hex')}` }),
    evn('A08', at),
    pid({ 3: `${mrn}^^^${sender}^MR`, 5: `${options.family ?? 'Smith'}^Jane^^^Mrs^^L` }),
    pv1({ 19: `V-${mrn}^^^${sender}^VN` }),
  ].join('\r');
}

/** Sends every message at once; the first one is alone in a transaction and the rest wait for it together. */
async function receiveTogether(service: ReturnType<typeof feed>, messages: string[]) {
  const before = transactions;
  const settled = await Promise.allSettled(
    messages.map((m) => service.receive(Buffer.from(m, 'utf8'), { channel: 'mllp', address: '127.0.0.1' })),
  );
  return { settled, transactions: transactions - before };
}

function ackOf(text: string) {
  const parsed = parseHl7(text);
  assert.ok(parsed.ok, 'the ACK parses');
  const msa = parsed.message.segment('MSA')!;
  return { code: msa.get(1), controlId: msa.get(2), err: parsed.message.segment('ERR') };
}

const controlIdOf = (message: string) => message.split('\r')[0]!.split('|')[9]!;
const answered = (r: PromiseSettledResult<string>) => {
  assert.equal(r.status, 'fulfilled', 'an ACK was given');
  return r.value;
};

async function storedPatient(id: string): Promise<{ family?: string; versions: number } | undefined> {
  const rows = await app.db.query<{ content: string; version_id: number }>(
    `SELECT content, version_id FROM patient_resource WHERE resource_type = 'Patient' AND id = $1`,
    [id],
  );
  if (!rows[0]) return undefined;
  const patient = JSON.parse(rows[0].content) as { name?: { family?: string }[] };
  return { family: patient.name?.[0]?.family, versions: rows[0].version_id };
}

test('messages from several senders received together are committed together, each answered AA after it', async () => {
  const service = feed();
  const messages = [a08('RXX', 'GC-FIRST'), ...['RXX', 'RYY', 'RXX', 'RYY', 'RXX'].map((s, i) => a08(s, `GC-${i}`))];
  const { settled, transactions: used } = await receiveTogether(service, messages);
  assert.equal(used, 2, 'the first message alone, then the five that waited for it in one transaction');
  settled.forEach((r, i) => {
    const ack = ackOf(answered(r));
    assert.equal(ack.code, 'AA');
    assert.equal(ack.controlId, controlIdOf(messages[i]!), 'MSA-2 is the message’s MSH-10');
  });
  const applied = await app.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM feed_message WHERE control_id = ANY($1)',
    [messages.map(controlIdOf)],
  );
  assert.equal(applied[0]!.n, messages.length);
  const provenance = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM patient_resource WHERE resource_type = 'Provenance' AND id LIKE 'hl7-%-GC%'`,
  );
  assert.ok(provenance[0]!.n >= messages.length, 'a Provenance for each message');
  // The master patient index recorded each Patient as its own sender's, though one transaction held both.
  const indexed = await app.db.query<{ patient_id: string; source: string }>(
    `SELECT patient_id, source FROM mpi_record WHERE patient_id LIKE 'R__-GC-%' ORDER BY patient_id`,
  );
  assert.deepEqual(
    indexed.filter((r) => /GC-\d$/.test(r.patient_id)).map((r) => [r.patient_id, r.source]),
    [
      ['RXX-GC-0', 'RXX'],
      ['RXX-GC-2', 'RXX'],
      ['RXX-GC-4', 'RXX'],
      ['RYY-GC-1', 'RYY'],
      ['RYY-GC-3', 'RYY'],
    ],
  );
});

test('a message received twice in one batch is applied once and both get the same ACK', async () => {
  const service = feed();
  const twice = a08('RXX', 'GC-TWICE');
  const { settled, transactions: used } = await receiveTogether(service, [a08('RXX', 'GC-HOLD'), twice, twice]);
  assert.equal(used, 2);
  const [, first, second] = settled.map(answered);
  assert.equal(ackOf(first!).code, 'AA');
  assert.equal(second, first, 'the same ACK');
  const rows = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_message WHERE control_id = $1', [
    controlIdOf(twice),
  ]);
  assert.equal(rows[0]!.n, 1);
  assert.equal((await storedPatient('RXX-GC-TWICE'))?.versions, 1, 'written once');
  // Sent again later: the first ACK, and nothing written.
  const again = await receiveTogether(service, [twice]);
  assert.equal(answered(again.settled[0]!), first);
  assert.equal((await storedPatient('RXX-GC-TWICE'))?.versions, 1);
});

test('messages about one patient in one batch are applied in arrival order, and an older one is skipped', async () => {
  const service = feed();
  const { settled, transactions: used } = await receiveTogether(service, [
    a08('RXX', 'GC-HOLD2'),
    a08('RXX', 'GC-ORDER', { at: '20240301100000', family: 'Brown' }),
    a08('RXX', 'GC-ORDER', { at: '20240301110000', family: 'Green' }),
    // Sent after Green but about an earlier event: must not overwrite it (reliability matrix row 11).
    a08('RXX', 'GC-ORDER', { at: '20240301090000', family: 'Black' }),
  ]);
  assert.equal(used, 2);
  for (const r of settled) assert.equal(ackOf(answered(r)).code, 'AA');
  const stored = await storedPatient('RXX-GC-ORDER');
  assert.equal(stored?.family, 'Green');
  assert.equal(stored?.versions, 1, 'one write of the last state');
  const outcomes = await app.db.query<{ outcome: string }>(
    `SELECT outcome FROM feed_message WHERE patient_id = 'RXX-GC-ORDER' ORDER BY sent_at`,
  );
  assert.deepEqual(
    outcomes.map((r) => r.outcome),
    ['stale', 'applied', 'applied'],
  );
});

test('a message whose record the store refuses gets AR, and the others in its batch are applied', async () => {
  const service = feed();
  // The database refuses one Patient (a constraint such as an operator may add): a refusal of that message's
  // data, not a failure of the database.
  await app.db.query(`ALTER TABLE patient_resource ADD CONSTRAINT gc_refused CHECK (id <> 'RYY-GC-REFUSED') NOT VALID`);
  try {
    const messages = [a08('RXX', 'GC-HOLD3'), a08('RXX', 'GC-GOOD1'), a08('RYY', 'GC-REFUSED'), a08('RXX', 'GC-GOOD2')];
    const { settled } = await receiveTogether(service, messages);
    const acks = settled.map((r) => ackOf(answered(r)));
    assert.deepEqual(
      acks.map((a) => a.code),
      ['AA', 'AA', 'AR', 'AA'],
    );
    assert.equal(acks[2]!.controlId, controlIdOf(messages[2]!));
    assert.equal(acks[2]!.err?.get(3), '207');
    assert.equal(await storedPatient('RYY-GC-REFUSED'), undefined, 'nothing of the refused message is stored');
    const claimed = await app.db.query('SELECT 1 FROM feed_message WHERE control_id = $1', [controlIdOf(messages[2]!)]);
    assert.equal(claimed.length, 0, 'not recorded as applied: sent again once fixed, it is applied');
    assert.equal((await storedPatient('RXX-GC-GOOD1'))?.family, 'Smith');
    assert.equal((await storedPatient('RXX-GC-GOOD2'))?.family, 'Smith');
  } finally {
    await app.db.query('ALTER TABLE patient_resource DROP CONSTRAINT gc_refused');
  }
});

test('a batch whose commit fails is never answered AA for it: each message is tried again on its own', async () => {
  const service = feed();
  const messages = [a08('RXX', 'GC-HOLD4'), a08('RXX', 'GC-RETRY1'), a08('RYY', 'GC-RETRY2')];
  // The first (lone) transaction commits; the batch of the other two fails at commit; each alone then commits.
  const batch = transactions + 2;
  failing = (n) => n === batch;
  const { settled, transactions: used } = await receiveTogether(service, messages);
  assert.equal(used, 4);
  for (const r of settled) assert.equal(ackOf(answered(r)).code, 'AA');
  for (const id of ['RXX-GC-RETRY1', 'RYY-GC-RETRY2']) assert.ok(await storedPatient(id), `${id} stored`);
});

test('when the database fails every commit, no message is answered and none is stored', async () => {
  const service = feed();
  const messages = [a08('RXX', 'GC-LOST0'), a08('RXX', 'GC-LOST1'), a08('RYY', 'GC-LOST2')];
  failing = () => true;
  const { settled } = await receiveTogether(service, messages);
  failing = () => false;
  for (const r of settled) assert.equal(r.status, 'rejected', 'no ACK: the sender sends it again');
  const claimed = await app.db.query('SELECT 1 FROM feed_message WHERE control_id = ANY($1)', [
    messages.map(controlIdOf),
  ]);
  assert.equal(claimed.length, 0);
  // Sent again once the database is back: applied, answered AA.
  const again = await receiveTogether(service, messages);
  for (const r of again.settled) assert.equal(ackOf(answered(r)).code, 'AA');
});
