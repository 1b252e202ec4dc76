import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixedClock } from '../../platform/clock.ts';
import { openPglite, type Db } from '../../platform/db.ts';
import { migrate } from '../../platform/migrate.ts';
import { openTestDatabase } from '../../test-support/test-app.ts';
import { buildPatientResourceEvent } from './audit.events.ts';
import { auditMigrations } from './audit.migrations.ts';
import { createAuditService } from './audit.service.ts';
import { runAuditVerify } from './audit.verify.cli.ts';

// `npm run audit:verify` as an operator runs it, on the configured database: PGlite in a data directory, or with
// DATABASE_URL the PostgreSQL server (in this file's own schema, named through the URL's `options`).

const CLI = path.join(import.meta.dirname, 'audit.verify.cli.ts');
const url = process.env.DATABASE_URL;
let dataDir: string | undefined;
let cliEnv: Record<string, string>;
/** Opens the database the command will verify; on PGlite it must be closed again before the command runs. */
let open: () => Promise<Db>;
let release: (db: Db) => Promise<void>;
let cleanUp: () => Promise<void>;

before(async () => {
  if (url) {
    const { db, drop } = await openTestDatabase();
    const [row] = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
    const separator = url.includes('?') ? '&' : '?';
    cliEnv = { DATABASE_URL: `${url}${separator}options=${encodeURIComponent(`-c search_path=${row!.schema}`)}` };
    open = () => Promise.resolve(db);
    release = () => Promise.resolve();
    cleanUp = drop;
  } else {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-verify-'));
    cliEnv = { DATABASE_URL: '', JOINEDUP_DATA_DIR: dataDir };
    open = () => openPglite({ dataDir: dataDir! });
    release = (db) => db.close();
    cleanUp = () => fs.promises.rm(dataDir!, { recursive: true, force: true });
  }
});
after(async () => {
  await cleanUp();
});

function runCli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...cliEnv, JOINEDUP_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stderr: result.stderr, stdout: result.stdout };
}

async function inProcess(argv: string[]): Promise<{ code: number; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  };
  try {
    const code = await runAuditVerify(argv, { ...process.env, ...cliEnv });
    return { code, stderr };
  } finally {
    process.stderr.write = original;
  }
}

test('bad arguments exit 2 with the usage', async () => {
  for (const argv of [['--batch', '10'], ['--batch', 'many'], ['--frobnicate']]) {
    const { code, stderr } = await inProcess(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(stderr, /Usage: npm run audit:verify/);
  }
  const help = await inProcess(['--help']);
  assert.equal(help.code, 0);
});

test('a database without the audit store exits 2', async () => {
  const { code, stderr } = await inProcess([]);
  assert.equal(code, 2);
  assert.match(stderr, /no audit store/);
});

test('an intact chain exits 0; a tampered one exits 1 naming the first broken sequence number', async () => {
  let db = await open();
  await migrate(db, auditMigrations);
  const audit = createAuditService({ db, clock: fixedClock(new Date('2026-12-01T00:00:00Z')) });
  await db.transaction((tx) =>
    audit.record(
      tx,
      Array.from({ length: 250 }, (_, i) =>
        buildPatientResourceEvent({
          recorded: new Date(Date.UTC(2026, 10, 1, 8, 0, i)),
          agent: { userId: `u-${i % 7}`, clientId: 'epr', organisationOds: 'R1H', roleCode: 'R8000' },
          observer: { name: 'joinedup', baseUrl: 'https://joinedup.example.org/fhir' },
          patientId: `pat-${i % 40}`,
          interaction: 'read',
          resource: { type: 'Patient', id: `pat-${i % 40}` },
        }),
      ),
    ),
  );
  await release(db);

  const intact = runCli('--batch', '100');
  assert.equal(intact.code, 0, intact.stderr);
  assert.match(intact.stderr, /audit chain intact: 250 events, head 250 \([0-9a-f]{64}\)/);
  assert.match(intact.stderr, /250\/250 audit events/, 'a progress bar');
  assert.equal(intact.stdout, '');

  db = await open();
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query(`UPDATE audit_event SET patient_id = 'pat-hidden' WHERE seq = 137`);
  });
  await release(db);
  const broken = runCli();
  assert.equal(broken.code, 1, broken.stderr);
  assert.match(broken.stderr, /audit chain BROKEN at sequence number 137 \(altered\)/);
  assert.doesNotMatch(broken.stderr, /pat-/, 'no patient ids on the terminal');
});
