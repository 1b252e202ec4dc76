import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openPglite } from '../../platform/db.ts';
import { startServerProcess, waitFor } from '../../test-support/server-process.ts';
import { msh, segment } from './mappers/hl7-fixtures.test-support.ts';

// Reliability matrix row 9 (its crash part): the server is killed (SIGKILL, no chance to clean up) while
// messages are in flight over MLLP, then started again, and the sender resends whatever it holds no ACK for.
// Every message answered AA is in the store afterwards, and each applied exactly once. The embedded database
// (the default a user gets) is the one under test here; on a PostgreSQL server durability is the server's.

const SENDER = 'RKIL';
const MESSAGES = Number(process.env.CRASH_MESSAGES ?? 700);
const KILLS = Number(process.env.CRASH_KILLS ?? 20);

function oru(n: number): { controlId: string; text: string } {
  const at = `20240301${String(10 + Math.floor(n / 60)).padStart(2, '0')}${String(n % 60).padStart(2, '0')}00`;
  const controlId = `K${n}`;
  const text = [
    msh('ORU^R01^ORU_R01', { 4: SENDER, 7: at, 10: controlId }),
    segment('PID', { 1: '1', 3: `M${n % 20}^^^${SENDER}^MR`, 5: `Crash^Test${n % 20}`, 7: '19650303', 8: 'F' }),
    segment('OBR', { 1: '1', 2: `PL${n}`, 3: `F${n}`, 4: '2345-7^Glucose^LN', 7: at, 22: at, 25: 'F' }),
    segment('OBX', { 1: '1', 2: 'NM', 3: '2345-7^Glucose^LN', 5: String(4 + (n % 5)), 6: 'mmol/L', 11: 'F', 14: at }),
  ].join('\r');
  return { controlId, text };
}

function startServer(dataDir: string, mllpPort: number, httpPort: number) {
  return startServerProcess(dataDir, {
    JOINEDUP_PORT: String(httpPort),
    JOINEDUP_LOG_LEVEL: 'error',
    JOINEDUP_MLLP_PORT: String(mllpPort),
    JOINEDUP_HL7_SOURCES: JSON.stringify([{ facility: SENDER, addresses: ['127.0.0.1'], timeZone: 'UTC' }]),
  });
}

/** One MLLP connection that sends a message and waits for its ACK (the MSA-1 code), or fails when the peer goes. */
function connect(port: number): Promise<{ send: (text: string) => Promise<string>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      let buffer = '';
      let waiting: { resolve: (code: string) => void; reject: (e: Error) => void } | undefined;
      socket.on('data', (d: Buffer) => {
        buffer += d.toString('latin1');
        const end = buffer.indexOf('\x1c\r');
        if (end < 0 || !waiting) return;
        const ack = buffer.slice(buffer.indexOf('\x0b') + 1, end);
        buffer = buffer.slice(end + 2);
        const msa = ack.split('\r').find((s) => s.startsWith('MSA|'));
        const w = waiting;
        waiting = undefined;
        w.resolve(msa?.split('|')[1] ?? '');
      });
      const fail = () => {
        const w = waiting;
        waiting = undefined;
        w?.reject(new Error('connection lost'));
      };
      socket.on('close', fail);
      socket.on('error', fail);
      resolve({
        send: (text) =>
          new Promise<string>((res, rej) => {
            waiting = { resolve: res, reject: rej };
            socket.write(`\x0b${text}\x1c\r`);
          }),
        close: () => socket.destroy(),
      });
    });
    socket.once('error', reject);
  });
}

test(`${KILLS} SIGKILLs of the server with messages in flight: every AA is stored, each message applied once`, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-crash-'));
  const mllpPort = 21000 + Math.floor(Math.random() * 20000);
  const messages = Array.from({ length: MESSAGES }, (_, n) => oru(n));
  const acked = new Set<string>();
  let next = 0;
  let lost = 0;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  try {
    for (let life = 0; life <= KILLS && next < messages.length; life++) {
      const server = startServer(dataDir, mllpPort, mllpPort + 1);
      try {
        await waitFor(() => server.output().includes('HL7 v2 (MLLP) on'), 60_000);
        const client = await connect(mllpPort);
        // The last life runs to the end; the others are killed after a random number of messages, while the
        // next one is on its way (before, during or after its commit).
        const killAt =
          life === KILLS ? messages.length : Math.min(messages.length, next + 10 + Math.floor(random() * 30));
        try {
          while (next < messages.length) {
            const m = messages[next]!;
            const answer = client.send(m.text);
            if (next === killAt) {
              setTimeout(() => server.child.kill('SIGKILL'), Math.floor(random() * 15));
            }
            const code = await answer;
            assert.equal(code, 'AA', m.controlId);
            acked.add(m.controlId);
            next++;
          }
        } catch (e) {
          // The server went away: the message in flight has no ACK and is sent again to the next server.
          assert.match((e as Error).message, /connection lost/);
          lost++;
        } finally {
          client.close();
        }
      } finally {
        if (server.child.exitCode === null) {
          server.child.kill(next >= messages.length ? 'SIGTERM' : 'SIGKILL');
          await new Promise((r) => server.child.once('exit', r));
        }
      }
    }
    assert.equal(next, messages.length, 'every message was answered AA in the end');
    assert.equal(lost, KILLS, 'each kill landed with a message in flight');

    const db = await openPglite({ dataDir });
    try {
      const rows = await db.query<{ control_id: string }>('SELECT control_id FROM feed_message WHERE sender = $1', [
        SENDER,
      ]);
      const stored = new Set(rows.map((r) => r.control_id));
      for (const id of acked) assert.ok(stored.has(id), `${id} was answered AA and is stored`);
      // Exactly once: each result's report has one version, however often its message was sent.
      const reports = await db.query<{ id: string; version_id: number }>(
        `SELECT id, version_id FROM patient_resource WHERE resource_type = 'DiagnosticReport' AND id LIKE $1`,
        [`${SENDER}-F%`],
      );
      assert.equal(reports.length, MESSAGES);
      for (const r of reports) assert.equal(r.version_id, 1, `${r.id} applied once`);
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
