import type { FastifyInstance } from 'fastify';
import type { Config } from './platform/config.ts';
import type { Db } from './platform/db.ts';
import type { Clock } from './platform/clock.ts';
import { systemClock } from './platform/clock.ts';
import { createHttpServer } from './platform/http.ts';
import { createLogger, type Logger } from './platform/log.ts';
import { migrate } from './platform/migrate.ts';
import { createFhirModel } from './fhir/fhir-model.ts';
import { fhirStoreMigrations } from './fhir/store/store.migrations.ts';
import { FhirStore } from './fhir/store/store.ts';
import { createIndexer } from './fhir/search/index.ts';
import { registerFhirRoutes } from './fhir/api/fhir.routes.ts';
import { createFhirContext, type FhirContext } from './fhir/api/interactions.ts';
import { registerBulkRoutes } from './feeds/bulk/bulk.routes.ts';
import { hl7v2Migrations } from './feeds/hl7v2/hl7v2.migrations.ts';
import { createIdentityService, identityMigrations, registerIdentityRoutes } from './identity/index.ts';
import { createClientRegistry } from './access/clients.ts';
import { registerHl7Routes } from './feeds/hl7v2/hl7v2.routes.ts';
import { createHl7FeedService } from './feeds/hl7v2/hl7v2.service.ts';

export interface App {
  http: FastifyInstance;
  fhir: FhirContext;
  hl7: ReturnType<typeof createHl7FeedService>;
  db: Db;
  log: Logger;
}

/** Every migration of every module, in order. */
export const migrations = [...fhirStoreMigrations, ...hl7v2Migrations, ...identityMigrations];

/** Wires the modules together on an open database: the composition root shared by main.ts and the tests. */
export async function buildApp(config: Config, db: Db, options: { clock?: Clock; log?: Logger } = {}): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  await migrate(db, migrations);
  const model = createFhirModel(createIndexer);
  // The master patient index links every Patient any path writes, in the writer's transaction (ADR 6).
  const store = new FhirStore(db, model, {
    clock: options.clock ?? systemClock,
    onPatientsWritten: (tx, written) => identity.linkWritten(tx, written),
  });
  const fhir = createFhirContext(store, model, config);
  const http = createHttpServer(config, log);
  const clients = createClientRegistry(config);
  registerFhirRoutes(http, fhir, { sourceOf: (authorization) => clients.identify(authorization)?.source });
  registerBulkRoutes(http, store, { sourceOf: (authorization) => clients.identify(authorization)?.source });
  const clock = options.clock ?? systemClock;
  const identity = createIdentityService({ store });
  const hl7 = createHl7FeedService({
    store,
    clock,
    log,
    sources: config.hl7Sources,
    timeZone: config.hl7TimeZone,
  });
  registerHl7Routes(http, hl7, { userOf: (authorization) => clients.require(authorization, 'identity').id });
  registerIdentityRoutes(http, identity, { userOf: (authorization) => clients.require(authorization, 'identity').id });
  http.get('/health', async () => {
    await db.query('SELECT 1');
    return { status: 'ok', engine: db.engine };
  });
  return { http, fhir, hl7, db, log };
}
