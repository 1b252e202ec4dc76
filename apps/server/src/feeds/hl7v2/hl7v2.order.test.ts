import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import { parseHl7 } from './hl7-message.ts';
import { msh as fixtureMsh, segment, type Fields } from './mappers/hl7-fixtures.test-support.ts';

// Reliability matrix row 11: out-of-order ADT and a reversed merge must not mis-file data. One person's stream
// from one hospital (registrations of a record and of its duplicate, an update, results for each, the A40
// merging the duplicate, a later result and a person update), delivered in every order fast-check picks, all at
// once (so the feed's group commit batches them in arrival order): the final record equals the one the canonical
// order gives, and no clinical resource is left on the retired record. A merge that contradicts one already
// applied (PID and MRG reversed) is parked for review and never applied. ORDER_RUNS scales the runs.

const SENDER = 'RORD';
const SECRET = 'order-test-secret';
const RUNS = Number(process.env.ORDER_RUNS ?? 60);
let app: TestApp;

before(async () => {
  app = await createTestApp({
    env: {
      JOINEDUP_HL7_SOURCES: JSON.stringify([{ facility: SENDER, secret: SECRET, timeZone: 'UTC' }]),
      JOINEDUP_CLIENTS: JSON.stringify([{ id: 'dq', secret: 'q'.repeat(40), scopes: ['identity'] }]),
    },
  });
});
after(() => app.close());

interface Sent {
  label: string;
  text: string;
}

const time = (minute: number) =>
  `202403011${String(minute).padStart(3, '0').slice(0, 1)}${String(minute % 60).padStart(2, '0')}00`;

/** The sender's MSH (the fixtures' MSH with this file's facility, time and control id). */
const msh = (type: string, controlId: string, at: string) => fixtureMsh(type, { 4: SENDER, 7: at, 10: controlId });

/** The person's details as the hospital holds them at one moment: every ADT carries the whole snapshot. */
function pid(mrn: string, version: 1 | 2, phone: 1 | 2): string {
  const fields: Fields = {
    1: '1',
    3: `${mrn}^^^${SENDER}^MR`,
    5: 'Okonkwo^Chidi^^^Mr',
    7: '19580611',
    8: 'M',
    11: version === 1 ? '4 Canal Walk^^London^^N1 5QX^GBR^H' : '18 Nelson Square^^London^^SE1 0QA^GBR^H',
    13: phone === 1 ? '07700 900101^PRN^CP' : '07700 900202^PRN^CP',
  };
  return segment('PID', fields);
}

function adt(
  trigger: string,
  n: number,
  label: string,
  at: string,
  mrn: string,
  version: 1 | 2,
  phone: 1 | 2,
  visit?: string,
) {
  const type = trigger === 'A31' ? 'ADT^A31^ADT_A05' : trigger === 'A04' ? 'ADT^A04^ADT_A01' : `ADT^${trigger}^ADT_A01`;
  const segments = [msh(type, `${n}-${label}`, at), segment('EVN', { 1: trigger, 2: at }), pid(mrn, version, phone)];
  if (visit)
    segments.push(segment('PV1', { 1: '1', 2: 'O', 3: 'OPD^^^RORD01', 19: `${visit}^^^${SENDER}^VN`, 44: at }));
  return { label, text: segments.join('\r') };
}

function oru(n: number, label: string, at: string, mrn: string, filler: string) {
  const segments = [
    msh('ORU^R01^ORU_R01', `${n}-${label}`, at),
    pid(mrn, mrn.startsWith('S') ? 1 : 1, 1),
    segment('ORC', { 1: 'RE', 2: `PL${filler}`, 3: filler }),
    segment('OBR', { 1: '1', 2: `PL${filler}`, 3: filler, 4: '4548-4^HbA1c^LN', 7: at, 22: at, 25: 'F' }),
    segment('OBX', { 1: '1', 2: 'NM', 3: '4548-4^HbA1c^LN', 5: '48', 6: 'mmol/mol', 11: 'F', 14: at }),
  ];
  return { label, text: segments.join('\r') };
}

function merge(n: number, label: string, at: string, survivor: string, prior: string, version: 1 | 2) {
  const segments = [
    msh('ADT^A40^ADT_A39', `${n}-${label}`, at),
    segment('EVN', { 1: 'A40', 2: at }),
    pid(survivor, version, 1),
    segment('MRG', { 1: `${prior}^^^${SENDER}^MR` }),
  ];
  return { label, text: segments.join('\r') };
}

/** The canonical stream of run `n`, in the order the hospital sent it. */
function stream(n: number): { messages: Sent[]; survivor: string; prior: string; results: string[] } {
  const s = `S${n}`;
  const p = `P${n}`;
  const messages = [
    adt('A04', n, 'reg-s', time(1), s, 1, 1, `VS${n}`),
    adt('A04', n, 'reg-p', time(2), p, 1, 1, `VP${n}`),
    oru(n, 'oru-p', time(3), p, `FP${n}`),
    adt('A08', n, 'upd-s', time(4), s, 2, 1, `VS${n}`),
    oru(n, 'oru-s', time(5), s, `FS${n}`),
    merge(n, 'merge', time(6), s, p, 2),
    oru(n, 'oru-after', time(7), s, `FA${n}`),
    adt('A31', n, 'person-s', time(8), s, 2, 2),
  ];
  return { messages, survivor: `${SENDER}-${s}`, prior: `${SENDER}-${p}`, results: [`FP${n}`, `FS${n}`, `FA${n}`] };
}

async function send(messages: readonly Sent[]): Promise<Map<string, string>> {
  const acks = await Promise.all(
    messages.map((m) =>
      app.hl7.receive(Buffer.from(m.text, 'utf8'), { channel: 'http', address: '127.0.0.1', secret: SECRET }),
    ),
  );
  const codes = new Map<string, string>();
  acks.forEach((ack, i) => {
    const parsed = parseHl7(ack);
    assert.ok(parsed.ok, ack);
    codes.set(messages[i]!.label, parsed.message.segment('MSA')!.get(1));
  });
  return codes;
}

interface Row {
  patient_key: string;
  resource_type: string;
  id: string;
  content: string;
}

async function recordOf(survivor: string, prior: string) {
  const rows = await app.db.query<Row>(
    `SELECT patient_key, resource_type, id, content FROM patient_resource
      WHERE patient_key = ANY($1) AND NOT deleted AND resource_type <> 'Provenance' ORDER BY resource_type, id`,
    [[survivor, prior]],
  );
  const patient = (id: string) => {
    const r = rows.find((x) => x.resource_type === 'Patient' && x.id === id);
    return r ? (JSON.parse(r.content) as Record<string, any>) : undefined;
  };
  const clinical = rows.filter((r) => r.resource_type !== 'Patient');
  return { patient, clinical };
}

function assertMerged(
  record: Awaited<ReturnType<typeof recordOf>>,
  survivor: string,
  prior: string,
  results: string[],
) {
  const s = record.patient(survivor)!;
  const p = record.patient(prior)!;
  assert.ok(s, 'the survivor exists');
  assert.notEqual(s.active, false);
  assert.equal(s.address?.[0]?.postalCode, 'SE1 0QA', 'the latest address (the update and the merge carried it)');
  assert.deepEqual(
    s.telecom?.map((t: { value: string }) => t.value),
    ['07700 900202'],
    'the latest telephone (the person update, sent last)',
  );
  assert.equal(p?.active, false, 'the prior record is retired');
  assert.deepEqual(p?.link, [{ other: { reference: `Patient/${survivor}` }, type: 'replaced-by' }]);
  // 0 clinical resources on the retired record; each on the survivor and naming it.
  for (const r of record.clinical) {
    assert.equal(r.patient_key, survivor, `${r.resource_type}/${r.id} is filed under the survivor`);
    assert.ok(!r.content.includes(`"Patient/${prior}"`), `${r.resource_type}/${r.id} names the retired record`);
  }
  const reports = record.clinical.filter((r) => r.resource_type === 'DiagnosticReport').map((r) => r.id);
  assert.deepEqual(reports.sort(), results.map((f) => `${SENDER}-${f}`).sort(), 'every result, once');
  const encounters = record.clinical.filter((r) => r.resource_type === 'Encounter').map((r) => r.id);
  assert.equal(encounters.length, 2, 'both visits');
}

let run = 0;

/** Delivery orders of `length` messages, as indexes into the canonical order (shrinks towards it). */
const permutation = (length: number) =>
  fc.shuffledSubarray(
    Array.from({ length }, (_, i) => i),
    { minLength: length, maxLength: length },
  );

test('the canonical order gives the merged record', async () => {
  const n = run++;
  const { messages, survivor, prior, results } = stream(n);
  for (const m of messages) {
    const codes = await send([m]);
    assert.equal(codes.get(m.label), 'AA', m.label);
  }
  assertMerged(await recordOf(survivor, prior), survivor, prior, results);
});

test(`${RUNS} random delivery orders of one person's stream: the same final record, nothing on the retired one`, async () => {
  await fc.assert(
    fc.asyncProperty(permutation(8), async (indexes) => {
      const n = run++;
      const { messages, survivor, prior, results } = stream(n);
      const order = indexes.map((i) => messages[i]!);
      const codes = await send(order);
      for (const m of messages)
        assert.equal(codes.get(m.label), 'AA', `${m.label} in ${order.map((o) => o.label).join(', ')}`);
      assertMerged(await recordOf(survivor, prior), survivor, prior, results);
    }),
    { numRuns: RUNS },
  );
});

test('a reversed merge (PID and MRG swapped after the merge) is parked for review, never applied', async () => {
  const n = run++;
  const { messages, survivor, prior, results } = stream(n);
  for (const m of messages) await send([m]);
  const reversed = merge(n, 'reversed', time(9), `P${n}`, `S${n}`, 2);
  const codes = await send([reversed]);
  assert.equal(codes.get('reversed'), 'AE');
  assertMerged(await recordOf(survivor, prior), survivor, prior, results);
  // The same message again gets the same answer and is still not applied.
  assert.equal((await send([reversed])).get('reversed'), 'AE');
  const parked = await app.request('GET', '/hl7v2/parked', undefined, { authorization: `Bearer ${'q'.repeat(40)}` });
  assert.equal(parked.status, 200, parked.text);
  assert.ok(
    parked.json.parked.some((p: { controlId: string }) => p.controlId === `${n}-reversed`),
    'listed for review',
  );
  assert.equal(
    (await app.request('GET', '/hl7v2/parked', undefined, { authorization: '' })).status,
    401,
    'the review list needs credentials',
  );
});

test(`${Math.max(10, Math.round(RUNS / 3))} orders of a stream holding a merge and its reversal: one applied, the other parked`, async () => {
  await fc.assert(
    fc.asyncProperty(permutation(9), async (indexes) => {
      const n = run++;
      const { messages, survivor, prior } = stream(n);
      const all = [...messages, merge(n, 'reversed', time(9), `P${n}`, `S${n}`, 2)];
      const order = indexes.map((i) => all[i]!);
      const codes = await send(order);
      assert.deepEqual(
        [codes.get('merge'), codes.get('reversed')].sort(),
        ['AA', 'AE'],
        `one merge applied, the other parked: ${order.map((o) => o.label).join(', ')}`,
      );
      // Whichever record survived holds every clinical resource; the retired one holds none.
      const record = await recordOf(survivor, prior);
      const [kept, retired] = record.patient(survivor)?.active === false ? [prior, survivor] : [survivor, prior];
      assert.equal(record.patient(retired)?.active, false);
      for (const r of record.clinical) {
        assert.equal(r.patient_key, kept, `${r.resource_type}/${r.id} on the record that was kept`);
      }
    }),
    { numRuns: Math.max(10, Math.round(RUNS / 3)) },
  );
});

test('an unmerge through HTTP needs the identity scope, moves back what the merge moved and records who', async () => {
  const n = run++;
  const { messages, survivor, prior } = stream(n);
  for (const m of messages) await send([m]);
  const url = `/hl7v2/merges/${SENDER}/${n}-merge/unmerge`;
  assert.equal((await app.request('POST', url, {}, { authorization: '' })).status, 401);
  const res = await app.request('POST', url, {}, { authorization: `Bearer ${'q'.repeat(40)}` });
  assert.equal(res.status, 200, res.text);
  assert.ok(res.json.moved.includes(`DiagnosticReport/${SENDER}-FP${n}`), "the prior record's result goes back");
  const record = await recordOf(survivor, prior);
  assert.notEqual(record.patient(prior)?.active, false, 'the prior record is active again');
  const [row] = await app.db.query<{ unmerged_by: string }>(
    'SELECT unmerged_by FROM feed_merge WHERE sender = $1 AND control_id = $2',
    [SENDER, `${n}-merge`],
  );
  assert.equal(row?.unmerged_by, 'dq');
  const again = await app.request('POST', url, {}, { authorization: `Bearer ${'q'.repeat(40)}` });
  assert.deepEqual(again.json.moved, [], 'undone already: nothing moves');
});
