import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSyntheticRegion, generateSyntheticPerson, hl7v2Messages, type SourceRecord } from '@joinedup/synth';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import { parseHl7 } from './hl7-message.ts';

// A hospital's real-shaped feed (the synthetic region's) through POST /hl7v2, on the real store.

const options = { patients: 60, seed: 'hl7-service', asOf: '2026-06-30' };
const region = buildSyntheticRegion(options);
const records: SourceRecord[] = [];
for (let i = 0; i < options.patients && records.length < 3; i++) {
  for (const r of generateSyntheticPerson(region, i, options).records) {
    if (region.byOdsCode.get(r.odsCode)?.kind === 'acute-trust' && r.events.some((e) => e.kind === 'lab-report'))
      records.push(r);
  }
}
const feeds = records.map((r) => hl7v2Messages(r, region, options.seed));
const SECRET = 'test-only-secret';
let app: TestApp;

before(async () => {
  const sources = [...new Set(records.map((r) => r.odsCode))].map((facility) => ({ facility, secret: SECRET }));
  app = await createTestApp({ env: { JOINEDUP_HL7_SOURCES: JSON.stringify(sources), JOINEDUP_HL7_TIMEZONE: 'UTC' } });
});
after(async () => {
  await app.close();
});

async function send(message: string, secret = SECRET) {
  const res = await app.http.inject({
    method: 'POST',
    url: '/hl7v2',
    headers: { 'content-type': 'x-application/hl7-v2+er7', authorization: `Bearer ${secret}` },
    payload: Buffer.from(message, 'utf8'),
  });
  assert.equal(res.statusCode, 200, res.body);
  const ack = parseHl7(res.body);
  assert.ok(ack.ok, 'the ACK parses');
  const msa = ack.message.segment('MSA')!;
  return { text: res.body, code: msa.get(1), controlId: msa.get(2), err: ack.message.segment('ERR') };
}

test('a feed is applied: AA with MSA-2 = MSH-10, and the record holds what the messages said', async () => {
  assert.ok(records.length > 0 && feeds.flat().length > 10);
  for (const feed of feeds) {
    for (const m of feed) {
      const ack = await send(m.message);
      assert.equal(ack.code, 'AA', `${m.type}: ${ack.text}`);
      assert.equal(ack.controlId, m.controlId);
    }
  }
  const record = records[0]!;
  const patients = await app.request('GET', `/fhir/Patient?identifier=${record.localId}`);
  assert.equal(patients.json.entry?.length, 1, 'one Patient for the MRN');
  const patientId = patients.json.entry[0].resource.id as string;
  const reports = await app.request('GET', `/fhir/DiagnosticReport?patient=${patientId}&_summary=count`);
  const sent = record.events.filter((e) => e.kind === 'lab-report' && e.at <= options.asOf + 'T23:59:59Z').length;
  assert.equal(reports.json.total, sent);
  const provenance = await app.request('GET', `/fhir/Provenance?patient=${patientId}&_summary=count`);
  assert.ok(provenance.json.total > 0, 'each message leaves a Provenance');
  // The master patient index linked the source Patient to a person in the same transaction.
  const person = await app.request('GET', `/fhir/Person?link=Patient/${patientId}`);
  assert.equal(person.json.entry?.length, 1, 'one Person links the source Patient');
});

test('the same message again gets the same ACK and changes nothing', async () => {
  const m = feeds[0]!.find((f) => f.type.startsWith('ORU'))!;
  const first = await send(m.message);
  const before = await app.request('GET', '/fhir/DiagnosticReport/_history?_summary=count');
  const again = await send(m.message);
  assert.equal(again.text, first.text);
  const afterwards = await app.request('GET', '/fhir/DiagnosticReport/_history?_summary=count');
  assert.equal(afterwards.json.total, before.json.total);
});

test('a sender not allowed and a wrong secret get AR; garbage an error ACK; never a crash', async () => {
  const m = feeds[0]![0]!.message;
  const wrongSecret = await send(m, 'wrong');
  assert.equal(wrongSecret.code, 'AR');
  const stranger = m.replace(/^(MSH\|[^|]*\|[^|]*\|)[^|]*/, '$1ZZZ99');
  const res = await send(stranger.replace(/^(MSH(\|[^|]*){8}\|)[^|]*/, '$1NEWID1'));
  assert.equal(res.code, 'AR');
  assert.ok(res.err, 'an ERR segment says why');
  const garbage = await send('this is not HL7');
  assert.ok(garbage.code === 'AR' || garbage.code === 'AE');
  assert.ok(garbage.err);
  const truncated = await send(m.slice(0, 20));
  assert.notEqual(truncated.code, 'AA');
});
