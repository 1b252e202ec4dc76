import { parseArgs } from 'node:util';
import { formatInt, Progress, say } from '@joinedup/terminal';
import { ConfigError, loadConfig } from '../../platform/config.ts';
import { DatabaseLockedError, openDatabase, type Db } from '../../platform/db.ts';
import { verifyAuditChain } from './audit.service.ts';

const USAGE = `Usage: npm run audit:verify -- [--batch N]

Checks the audit store's hash chain from the first AuditEvent to the head, in the database the server is
configured with (DATABASE_URL, else the embedded database in JOINEDUP_DATA_DIR, which must not be in use by a
running server). Exit code 0: the chain is intact. 1: it is broken; the first broken sequence number and why are
printed. 2: the command could not run (bad arguments, no database, no audit store).
  --batch N   rows read per query, 100 to 100000 (default 5000)`;

/** `npm run audit:verify`: verifies the whole chain with a progress bar; returns the exit code. */
export async function runAuditVerify(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: { batch?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { batch: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (e) {
    say(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const batchSize = values.batch === undefined ? 5_000 : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 100 || batchSize > 100_000) {
    say(`--batch must be a whole number from 100 to 100000\n\n${USAGE}`);
    return 2;
  }
  let db: Db;
  try {
    db = await openDatabase(loadConfig(env));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof DatabaseLockedError) {
      say(`audit:verify: ${e.message}`);
      return 2;
    }
    throw e;
  }
  try {
    const [store] = await db.query<{ present: boolean }>(
      `SELECT to_regclass('audit_event') IS NOT NULL AND to_regclass('audit_head') IS NOT NULL AS present`,
    );
    if (!store?.present) {
      say('audit:verify: this database has no audit store (the server has not created it yet)');
      return 2;
    }
    let progress: Progress | undefined;
    const result = await verifyAuditChain(db, {
      batchSize,
      onProgress: (checked, total) => {
        progress ??= new Progress('audit events', total);
        progress.update(checked);
      },
    });
    progress?.finish();
    if (result.ok) {
      say(`audit chain intact: ${formatInt(result.rows)} events, head ${result.head.seq} (${result.head.hash})`);
      return 0;
    }
    const broken = result.firstBroken!;
    say(`audit chain BROKEN at sequence number ${broken.seq} (${broken.reason}): ${broken.detail}`);
    say(`checked ${formatInt(result.rows)} events; the head is at ${result.head.seq}`);
    return 1;
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  runAuditVerify(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      say(`audit:verify failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 2;
    },
  );
}
