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
import { createAuthorizationServer, oauthMigrations, readOAuthConfig } from './access/oauth/index.ts';
import { auditMigrations } from './access/audit/audit.migrations.ts';
import { createAuditService } from './access/audit/audit.service.ts';
import { registerAuditRoutes } from './access/audit/audit.routes.ts';
import { roleGroupOf } from './access/policy.rules.ts';
import { createAuthenticator, fhirCallerOf } from './access/fhir-gate.ts';
import { fhirAuditFor } from './access/fhir-audit.ts';
import { claimsMigrations } from './access/claims.migrations.ts';
import { createClaimService } from './access/claims.service.ts';
import { registerClaimRoutes } from './access/claims.routes.ts';
import { labelSensitive } from './access/labels.ts';
import { objectionMigrations, registerObjectionRoutes } from './access/objections.ts';
import { visibilityMigrations } from './access/visibility.ts';
import { demoDirectory } from './demo/demo.ts';
import { forbidden, OperationOutcomeError } from '@joinedup/fhir';
import { registerHl7Routes } from './feeds/hl7v2/hl7v2.routes.ts';
import { createHl7FeedService } from './feeds/hl7v2/hl7v2.service.ts';

export interface App {
  http: FastifyInstance;
  fhir: FhirContext;
  hl7: ReturnType<typeof createHl7FeedService>;
  db: Db;
  log: Logger;
  /** Sign-in and tokens: the built-in authorisation server and the verifier of every bearer token. */
  auth: Awaited<ReturnType<typeof createAuthorizationServer>>;
  audit: ReturnType<typeof createAuditService>;
}

/** Every migration of every module, in order. */
export const migrations = [
  ...fhirStoreMigrations,
  ...hl7v2Migrations,
  ...identityMigrations,
  ...oauthMigrations,
  ...auditMigrations,
  ...claimsMigrations,
  ...objectionMigrations,
  ...visibilityMigrations,
];

/** Wires the modules together on an open database: the composition root shared by main.ts and the tests. */
export async function buildApp(
  config: Config,
  db: Db,
  options: { clock?: Clock; log?: Logger; env?: NodeJS.ProcessEnv } = {},
): Promise<App> {
  const log = options.log ?? createLogger(config.logLevel);
  await migrate(db, migrations);
  const model = createFhirModel(createIndexer);
  // The master patient index links every Patient any path writes, in the writer's transaction (ADR 6).
  const store = new FhirStore(db, model, {
    clock: options.clock ?? systemClock,
    onPatientsWritten: (tx, written) => identity.linkWritten(tx, written),
    // What any path writes in a legally restricted category is labelled so, and so sealed (ADR 12).
    label: labelSensitive,
  });
  const fhir = createFhirContext(store, model, config);
  const http = createHttpServer(config, log);
  const clients = createClientRegistry(config);
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

  // Sign-in (ADR 10): the demo region's organisations and a few of its patients are offered in demo mode only.
  const directory = config.demo ? demoDirectory({ people: config.demoPeople }) : undefined;
  const auth = await createAuthorizationServer({
    db,
    config: readOAuthConfig(options.env ?? process.env, { baseUrl: config.baseUrl, demo: config.demo }),
    log,
    clock,
    ...(directory
      ? { organisations: directory.organisations, demoPatientNhsNumbers: directory.patientNhsNumbers }
      : {}),
    findPatientByNhsNumber: async (nhs) => (await identity.patientsWithNhsNumber(nhs))[0],
    patientExists: (id) => exists(store, 'Patient', id),
  });
  auth.register(http);

  // The audit of every look (ADR 9), and the privacy officer's API over it; this server is each event's observer.
  const observer = { name: 'joinedup', baseUrl: `${config.baseUrl}/fhir` };
  const audit = createAuditService({ db, clock, log, observer });

  // The FHIR API admits a verified token or a shared-secret client and checks every interaction against its scopes
  // (ADR 11); every statement it runs sees only the caller's rows, and every request is audited before its answer
  // leaves (ADR 12). GET metadata is public and not audited. The bulk import checks scopes only (systems' writes).
  const authenticate = createAuthenticator({ verify: (a) => auth.verify(a), clients });
  // A benchmark measures what the checks cost against the same requests without them (never in production).
  const checks = !config.benchWithoutAccessChecks;
  if (!checks) log.warn('access checks and the audit of FHIR requests are off: benchmark mode');
  const fhirAudit = checks ? { db, clock, audit, observer } : undefined;
  const checkedCallerOf = fhirCallerOf(
    authenticate,
    { now: () => clock.now(), encounterDays: config.relationshipDays },
    fhirAudit,
    model.definitions,
  );
  const callerOf = checks
    ? checkedCallerOf
    : async (authorization: string | undefined) => {
        const { source } = await checkedCallerOf(authorization);
        return source === undefined ? {} : { source };
      };
  registerFhirRoutes(http, fhir, {
    callerOf,
    ...(fhirAudit ? { auditRefused: fhirAuditFor(undefined, fhirAudit) } : {}),
  });
  registerBulkRoutes(http, store, { callerOf });
  registerAuditRoutes(http, audit, {
    authorise: async (request) => {
      const principal = await authenticate(request.headers.authorization);
      if (principal.kind !== 'staff' || roleGroupOf(principal.roleCode) !== 'privacy-officer') {
        throw forbidden('The audit is for privacy officers', { code: 'access.forbidden' });
      }
      return { userId: principal.userId };
    },
  });
  // Relationships a user claims (self-claimed, break-glass): audited and alerting before anything is served.
  const claims = createClaimService({
    db,
    clock,
    audit,
    observer,
    patientExists: (id) => exists(store, 'Patient', id),
  });
  registerClaimRoutes(http, claims, { authenticate });
  registerObjectionRoutes(http, { db, clock, audit, observer, authenticate });

  http.get('/health', async () => {
    await db.query('SELECT 1');
    return { status: 'ok', engine: db.engine };
  });
  return { http, fhir, hl7, db, log, auth, audit };
}

/** Whether a resource is stored and not deleted; any other failure (the database) is thrown, not taken as "no". */
async function exists(store: FhirStore, resourceType: string, id: string): Promise<boolean> {
  try {
    await store.read(resourceType, id);
    return true;
  } catch (e) {
    if (e instanceof OperationOutcomeError && (e.status === 404 || e.status === 410)) return false;
    throw e;
  }
}
