import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startServerProcess, waitFor } from './test-support/server-process.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MAIN = path.join(import.meta.dirname, 'main.ts');

const start = (dataDir: string, port: number) => startServerProcess(dataDir, { JOINEDUP_PORT: String(port) });

const exitCode = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

test('the embedded database is locked against a second process, and SIGTERM stops the server cleanly', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-main-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const first = start(dataDir, port);
  try {
    await waitFor(() => first.output().includes('is running at'), 60_000);
    assert.match(first.output(), new RegExp(`http://127.0.0.1:${port}/fhir`));
    const res = await fetch(`http://127.0.0.1:${port}/fhir/metadata`);
    assert.equal(res.status, 200);

    const second = start(dataDir, port + 1);
    assert.equal(await exitCode(second.child), 2);
    assert.match(second.output(), /in use by process \d+/);

    first.child.kill('SIGTERM');
    assert.equal(await exitCode(first.child), 0);
    assert.equal(fs.existsSync(path.join(dataDir, 'joinedup.lock')), false);

    // The directory is usable again after a clean stop.
    const third = start(dataDir, port + 2);
    await waitFor(() => third.output().includes('is running at'), 60_000);
    third.child.kill('SIGINT');
    assert.equal(await exitCode(third.child), 0);
  } finally {
    first.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a bad setting stops start-up with a message naming the variable', async () => {
  const run = spawn(process.execPath, [MAIN], {
    env: { ...process.env, JOINEDUP_PORT: 'eighty' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  run.stderr.on('data', (d: Buffer) => (text += d.toString()));
  assert.equal(await exitCode(run), 2);
  assert.match(text, /JOINEDUP_PORT/);
});
