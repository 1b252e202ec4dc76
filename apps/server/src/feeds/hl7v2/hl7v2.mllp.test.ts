import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildSyntheticRegion, generateSyntheticPerson, hl7v2Messages, type SourceRecord } from '@joinedup/synth';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import { createMllpDecoder, frame, startMllpListener, type MllpListener } from '../mllp/index.ts';
import { parseHl7 } from './hl7-message.ts';

// The whole HL7 v2 path as main.ts wires it: TCP, MLLP framing, the feed service, the store, the ACK.

const options = { patients: 40, seed: 'hl7-mllp', asOf: '2026-06-30' };
const region = buildSyntheticRegion(options);
let record: SourceRecord | undefined;
for (let i = 0; i < options.patients && !record; i++) {
  record = generateSyntheticPerson(region, i, options).records.find(
    (r) => region.byOdsCode.get(r.odsCode)?.kind === 'acute-trust' && r.events.length > 5,
  );
}
const feed = hl7v2Messages(record!, region, options.seed);
let app: TestApp;
let listener: MllpListener;

before(async () => {
  const sources = [{ facility: record!.odsCode, addresses: ['127.0.0.1'] }];
  app = await createTestApp({ env: { JOINEDUP_HL7_SOURCES: JSON.stringify(sources), JOINEDUP_HL7_TIMEZONE: 'UTC' } });
  listener = await startMllpListener({
    port: 0,
    authorise: (peer) => peer.address === '127.0.0.1',
    handle: (message, peer) => app.hl7.receive(message, { channel: 'mllp', address: peer.address }),
  });
});
after(async () => {
  await listener.close();
  await app.close();
});

test('messages sent together over one connection are each acknowledged, in order, after they are stored', async () => {
  const socket = net.connect(listener.port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const decoder = createMllpDecoder({ maxMessageBytes: 1 << 20 });
  const acks: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) if (e.type === 'message') acks.push(e.payload.toString('utf8'));
      if (acks.length === feed.length) resolve();
    });
    socket.once('error', reject);
  });
  // Every message of the feed in one write: the listener must split them and answer each.
  socket.write(Buffer.concat(feed.map((m) => frame(m.message))));
  await done;
  socket.end();
  assert.deepEqual(
    acks.map((a) => {
      const p = parseHl7(a);
      assert.ok(p.ok);
      return [p.message.segment('MSA')!.get(1), p.message.segment('MSA')!.get(2)];
    }),
    feed.map((m) => ['AA', m.controlId]),
  );
  const patients = await app.request('GET', `/fhir/Patient?identifier=${record!.localId}`);
  assert.equal(patients.json.entry?.length, 1);
});
