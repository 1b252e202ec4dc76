import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type App } from '../app.ts';
import { loadConfig } from '../platform/config.ts';
import { openPglite, openPostgres, type Db } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { createLogger } from '../platform/log.ts';

export interface TestApp extends App {
  /**
   * Sends one request to the API in process, as a backend system allowed everything (a shared-secret client of the
   * test app) unless `headers` has its own `authorization`; an empty one sends none.
   */
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** The `Authorization` header of that test system. */
  systemAuthorization: string;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: LightMyRequestResponse['headers'];
  text: string;
  json: any;
}

/** Opens a fresh database for one test file: in-memory PGlite, or a new schema on the server in DATABASE_URL. */
export async function openTestDatabase(): Promise<{ db: Db; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openPglite();
    return { db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openPostgres({ url, schema, poolSize: 20 });
  return {
    db,
    drop: async () => {
      await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await db.close();
    },
  };
}

/** The whole server on a fresh database, for a test file. */
export async function createTestApp(options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const { db, drop } = await openTestDatabase();
  // Every test app has a system client allowed every interaction, beside the clients a test configures.
  const secret = randomBytes(24).toString('hex');
  const clients = [...(JSON.parse(options.env?.JOINEDUP_CLIENTS ?? '[]') as unknown[]), { id: 'test-system', secret }];
  const env = { JOINEDUP_LOG_LEVEL: 'silent', ...options.env, JOINEDUP_CLIENTS: JSON.stringify(clients) };
  const systemAuthorization = `Bearer ${secret}`;
  const config = loadConfig(env);
  const app = await buildApp(config, db, {
    clock: options.clock,
    log: createLogger((process.env.TEST_LOG_LEVEL ?? 'silent') as Parameters<typeof createLogger>[0]),
    env,
  });
  return {
    ...app,
    systemAuthorization,
    async request(method, url, body, given = {}) {
      const own = Object.keys(given).find((k) => k.toLowerCase() === 'authorization');
      const headers: Record<string, string> =
        own === undefined ? { authorization: systemAuthorization, ...given } : { ...given };
      if (own !== undefined && given[own] === '') delete headers[own];
      const res = await app.http.inject({
        method: method as 'GET',
        url,
        headers: body === undefined ? headers : { 'content-type': 'application/fhir+json', ...headers },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      let json: unknown;
      try {
        json = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, text: res.body, json };
    },
    async close() {
      await app.http.close();
      await drop();
    },
  };
}

/** A minimal valid Patient; override any field. */
export function aPatient(fields: Record<string, unknown> = {}) {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
    name: [{ family: 'Okafor', given: ['Ada'] }],
    gender: 'female',
    birthDate: '1970-04-01',
    ...fields,
  };
}

/** A minimal valid Observation for a patient. */
export function anObservation(patientId: string, fields: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2026-01-15T09:30:00Z',
    valueQuantity: { value: 48, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
    ...fields,
  };
}
