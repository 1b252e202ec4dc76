import fs from 'node:fs';
import { buildApp } from './app.ts';
import { startMllpListener, type MllpListener } from './feeds/mllp/index.ts';
import { loadDemoIfEmpty } from './demo/demo.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { DatabaseLockedError, openDatabase } from './platform/db.ts';

// The process entry point: read the configuration, open the database, serve, and stop cleanly on a signal.
async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  const app = await buildApp(config, db);
  if (config.demo) await loadDemoIfEmpty(app.fhir, app.log, { people: config.demoPeople });
  // PGlite runs no autovacuum, so statistics are gathered here; without them plans degrade as data grows.
  if (db.engine === 'pglite') await db.query('ANALYZE');
  let mllp: MllpListener | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info('stopping', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await mllp?.close();
      await app.http.close();
      await db.close();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.http.listen({ host: config.host, port: config.port });
  if (config.mllp) {
    const { tls } = config.mllp;
    // A connection is let in from an address some allowed sender uses; each message's MSH-4 is checked again.
    const allowed = new Set(config.hl7Sources.flatMap((s) => s.addresses ?? []));
    mllp = await startMllpListener({
      host: config.mllp.host,
      port: config.mllp.port,
      ...(tls
        ? {
            tls: {
              key: fs.readFileSync(tls.keyFile),
              cert: fs.readFileSync(tls.certFile),
              ...(tls.caFile ? { ca: fs.readFileSync(tls.caFile), requestClientCert: true } : {}),
            },
          }
        : {}),
      authorise: (peer) => allowed.has(peer.address),
      handle: (message, peer) => app.hl7.receive(message, { channel: 'mllp', address: peer.address }),
      log: app.log,
    });
    process.stdout.write(`HL7 v2 (MLLP${tls ? ' over TLS' : ''}) on ${mllp.host}:${mllp.port}\n`);
  }
  const where = config.databaseUrl ? 'PostgreSQL server' : `embedded database in ${config.dataDir}`;
  process.stdout.write(`joinedup is running at ${config.baseUrl}/fhir (${where})\n`);
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DatabaseLockedError) {
    process.stderr.write(`joinedup: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`joinedup failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
