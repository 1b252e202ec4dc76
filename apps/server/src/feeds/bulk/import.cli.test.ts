import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createFeedWriter, buildSyntheticRegion, generatePopulation } from '@joinedup/synth';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import { runImport } from './import.cli.ts';

let app: TestApp;
let base: string;
let dir: string;
/** The import's credentials, from the environment as the command reads them. */
let env: NodeJS.ProcessEnv;

before(async () => {
  app = await createTestApp();
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}/fhir`;
  env = { JOINEDUP_TOKEN: app.systemAuthorization.slice('Bearer '.length) };
  // A synthetic region's bulk NDJSON: what a migration would bring.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-import-'));
  const options = { patients: 25, seed: 'import-test', asOf: '2026-06-30' };
  const region = buildSyntheticRegion(options);
  const writer = createFeedWriter(dir, ['bulk'], options.seed);
  for (const person of generatePopulation(region, options)) writer.writePerson(person, region);
  writer.close();
});
after(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  return fn().finally(() => (process.stderr.write = write));
}

test('npm run import loads every NDJSON line of a directory, and reports rejected lines by file and line', async () => {
  const files = fs.readdirSync(path.join(dir, 'bulk'), { recursive: true }) as string[];
  const lines = files
    .filter((f) => f.endsWith('.ndjson'))
    .reduce(
      (n, f) =>
        n +
        fs
          .readFileSync(path.join(dir, 'bulk', f), 'utf8')
          .trim()
          .split('\n').length,
      0,
    );
  assert.ok(lines > 500, `only ${lines} lines`);
  assert.equal(await quietly(() => runImport([path.join(dir, 'bulk'), '--url', base, '--parallel', '8'], env)), 0);
  const patients = fs.readdirSync(path.join(dir, 'bulk')).reduce((n, ods) => {
    const f = path.join(dir, 'bulk', ods, 'Patient.ndjson');
    return n + (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').length : 0);
  }, 0);
  const count = await app.request('GET', '/fhir/Patient?_summary=count');
  assert.equal(count.json.total, patients);

  const bad = path.join(dir, 'bad.ndjson');
  fs.writeFileSync(
    bad,
    '{"resourceType":"Patient","id":"ok-1"}\n{oops\n{"resourceType":"Patient","id":"ok-2","gender":"x"}\n',
  );
  const report = path.join(dir, 'report.ndjson');
  assert.equal(await quietly(() => runImport([bad, '--url', base, '--report', report], env)), 1);
  const rejected = fs
    .readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; line: number; reason: string });
  assert.deepEqual(
    rejected.map((r) => [r.file, r.line]),
    [
      ['bad.ndjson', 2],
      ['bad.ndjson', 3],
    ],
  );
  assert.equal((await app.request('GET', '/fhir/Patient/ok-1')).status, 200);
});

test('a missing path and bad options (--parallel out of range) give usage, exit code 2', async () => {
  assert.equal(await quietly(() => runImport([])), 2);
  assert.equal(await quietly(() => runImport([path.join(dir, 'nope')])), 2);
  assert.equal(await quietly(() => runImport(['--nonsense'])), 2);
  assert.equal(await quietly(() => runImport([dir, '--parallel', '0'])), 2);
});

test('without credentials the server refuses the import and nothing is stored', async () => {
  const file = path.join(dir, 'anonymous.ndjson');
  fs.writeFileSync(file, '{"resourceType":"Patient","id":"anon-1"}\n');
  const code = await quietly(() => runImport([file, '--url', base], {}).catch(() => -1));
  assert.notEqual(code, 0);
  assert.equal((await app.request('GET', '/fhir/Patient/anon-1')).status, 404);
});
