import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, isValidId, type Bundle } from '@joinedup/fhir';
import { AUDIT_SEARCH_KINDS, type AlertStatus, type AuditSearchKind } from './audit.store.ts';
import { MAX_PAGE_SIZE, type AuditSearchParams, type AuditService } from './audit.service.ts';

export interface AuditRouteOptions {
  /**
   * Who is asking: throws 401 without credentials and 403 when they may not see the audit (the privacy officer's
   * role, domain.md 1.4). Called first in every route.
   */
  authorise: (request: FastifyRequest) => { userId: string } | Promise<{ userId: string }>;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY = 4 * 1024;
const MAX_NOTE = 1_000;
const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'all'];
// ODS codes are 3 to 10 letters and digits (trusts R1H, practices F84003, sites R1H12).
const ODS_CODE = /^[A-Za-z0-9]{3,10}$/;
// A user id from any issuer (an SDS user id is 12 digits): printable, no spaces.
const USER_ID = /^[\x21-\x7e]{1,128}$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
// FHIR instant: to the second at least, with a zone.
const INSTANT =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/**
 * The privacy officer's API under `/audit` (JSON): search the AuditEvents, the queue of break-glass and
 * self-claimed alerts and their acknowledgement, the monthly usage report, and verification of the hash chain.
 * Bad parameters are refused with an OperationOutcome naming the parameter (`audit.parameter`); a parameter this
 * API does not know is refused too, so that a misspelt filter never silently widens a search.
 */
export function registerAuditRoutes(http: FastifyInstance, service: AuditService, options: AuditRouteOptions) {
  http.get('/audit/events', async (request, reply) => {
    await options.authorise(request);
    const query = queryOf(request, ['patient', 'user', 'organisation', 'from', 'to', 'kind', 'before', 'limit']);
    const params: AuditSearchParams = { limit: limitOf(query) };
    const patient = query.get('patient');
    if (patient !== undefined) params.patientId = check(patient, isValidId(patient), 'patient', 'a FHIR id');
    const user = query.get('user');
    if (user !== undefined) params.userId = check(user, USER_ID.test(user), 'user', 'a user id');
    const organisation = query.get('organisation');
    if (organisation !== undefined) params.organisationOds = odsOf(organisation);
    const from = query.get('from');
    if (from !== undefined) params.from = timeOf(from, 'from');
    const to = query.get('to');
    if (to !== undefined) params.to = timeOf(to, 'to');
    if (params.from && params.to && instantValue(params.from) > instantValue(params.to)) {
      throw parameterError('from is after to', 'from');
    }
    const kind = query.get('kind');
    if (kind !== undefined) {
      params.kind = check(
        kind,
        (AUDIT_SEARCH_KINDS as readonly string[]).includes(kind),
        'kind',
        `one of ${AUDIT_SEARCH_KINDS.join(', ')}`,
      ) as AuditSearchKind;
    }
    const before = query.get('before');
    if (before !== undefined) params.before = seqOf(before, 'before');
    const page = await service.search(params);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: request.url }],
      entry: page.events.map((e) => ({ resource: e.resource })),
    };
    if (page.nextBefore !== undefined) {
      const next = new URLSearchParams(query.entries);
      next.set('before', String(page.nextBefore));
      bundle.link!.push({ relation: 'next', url: `/audit/events?${next.toString()}` });
    }
    return reply.header('content-type', FHIR_JSON).send(JSON.stringify(bundle));
  });

  http.get('/audit/alerts', async (request) => {
    await options.authorise(request);
    const query = queryOf(request, ['status', 'organisation', 'before', 'limit']);
    const status = query.get('status');
    const organisation = query.get('organisation');
    const before = query.get('before');
    return service.alerts({
      limit: limitOf(query),
      ...(status === undefined
        ? {}
        : {
            status: check(
              status,
              (ALERT_STATUSES as readonly string[]).includes(status),
              'status',
              'open, acknowledged or all',
            ) as AlertStatus,
          }),
      ...(organisation === undefined ? {} : { organisationOds: odsOf(organisation) }),
      ...(before === undefined ? {} : { before: seqOf(before, 'before') }),
    });
  });

  http.post('/audit/alerts/:seq/acknowledge', { bodyLimit: MAX_BODY }, async (request) => {
    const { userId } = await options.authorise(request);
    queryOf(request, []);
    const seq = seqOf((request.params as { seq: string }).seq, 'seq');
    const body = request.body;
    let note: string | undefined;
    if (body !== undefined && body !== null && body !== '') {
      if (typeof body !== 'object' || Array.isArray(body)) {
        throw parameterError('The body must be a JSON object: {"note": "..."} or {}', 'body');
      }
      const { note: given, ...rest } = body as Record<string, unknown>;
      const unknown = Object.keys(rest);
      if (unknown.length) throw parameterError(`Unknown field ${unknown[0]} in the body`, unknown[0]!);
      if (given !== undefined) {
        if (typeof given !== 'string' || given.length > MAX_NOTE) {
          throw parameterError(`note must be text of at most ${MAX_NOTE} characters`, 'note');
        }
        if (given.trim()) note = given.trim();
      }
    }
    return service.acknowledge(seq, { userId, ...(note ? { note } : {}) });
  });

  http.get('/audit/usage', async (request) => {
    await options.authorise(request);
    const query = queryOf(request, ['month', 'minutesPerView']);
    const month = query.get('month');
    if (month === undefined) throw parameterError('month is required (YYYY-MM)', 'month');
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw parameterError('month must be YYYY-MM', 'month');
    const minutes = query.get('minutesPerView');
    let minutesPerView: number | undefined;
    if (minutes !== undefined) {
      minutesPerView = Number(minutes);
      if (!/^\d+(\.\d+)?$/.test(minutes) || minutesPerView <= 0 || minutesPerView > 240) {
        throw parameterError('minutesPerView must be a number above 0 and at most 240', 'minutesPerView');
      }
    }
    return service.usage({ month, ...(minutesPerView === undefined ? {} : { minutesPerView }) });
  });

  http.get('/audit/verify', async (request) => {
    await options.authorise(request);
    queryOf(request, []);
    return service.verify();
  });
}

interface Query {
  get(name: string): string | undefined;
  entries: [string, string][];
}

// Each parameter once, and only the parameters the route knows.
function queryOf(request: FastifyRequest, known: readonly string[]): Query {
  const entries = [...new URL(request.url, 'http://localhost').searchParams.entries()];
  const seen = new Map<string, string>();
  for (const [name, value] of entries) {
    if (!known.includes(name)) {
      throw parameterError(
        known.length
          ? `Unknown parameter ${name}; this endpoint takes ${known.join(', ')}`
          : `Unknown parameter ${name}`,
        name,
      );
    }
    if (seen.has(name)) throw parameterError(`${name} is given more than once`, name);
    seen.set(name, value);
  }
  return { get: (name) => seen.get(name), entries };
}

function parameterError(message: string, parameter: string) {
  return badRequest(message, { code: 'audit.parameter', expression: parameter });
}

function check(value: string, ok: boolean, name: string, expected: string): string {
  if (!ok) throw parameterError(`${name} must be ${expected}`, name);
  return value;
}

function odsOf(value: string): string {
  return check(value, ODS_CODE.test(value), 'organisation', 'an ODS code').toUpperCase();
}

function seqOf(value: string, name: string): number {
  const n = Number(value);
  if (!/^[1-9]\d{0,15}$/.test(value) || !Number.isSafeInteger(n)) {
    throw parameterError(`${name} must be a sequence number (a whole number from 1)`, name);
  }
  return n;
}

function limitOf(query: Query): number {
  const raw = query.get('limit');
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (!/^\d{1,4}$/.test(raw) || n < 1 || n > MAX_PAGE_SIZE) {
    throw parameterError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`, 'limit');
  }
  return n;
}

function timeOf(value: string, name: string): string {
  const valid = DATE.test(value)
    ? !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
    : INSTANT.test(value) && !Number.isNaN(Date.parse(value));
  return check(value, valid, name, 'a date (YYYY-MM-DD) or an instant with a time zone (2026-11-30T09:00:00Z)');
}

// For comparing from and to: a date counts from its start (to's end-of-day makes from <= to hold for one day).
function instantValue(value: string): number {
  return Date.parse(DATE.test(value) ? `${value}T00:00:00Z` : value);
}
