import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, isValidId } from '@joinedup/fhir';
import type { IdentityService } from './identity.service.ts';

export interface IdentityRouteOptions {
  /**
   * The user a request acts as, from its `Authorization` header: throws 401 without credentials and 403 when
   * they do not allow the index's API. Every change is recorded against that user.
   */
  userOf: (authorization: string | undefined) => string;
}

const MAX_BODY = 4 * 1024;

/**
 * The master patient index's API for data quality users, under `/mpi` (JSON): where a record is linked and why,
 * link, unlink, merge and unmerge of persons, the review queue. Each change is one transaction, audited in
 * `mpi_event` with the user, and rewrites the FHIR Person resources at once (what `GET /fhir/Person/{id}` shows).
 */
export function registerIdentityRoutes(app: FastifyInstance, mpi: IdentityService, options: IdentityRouteOptions) {
  const user = (request: FastifyRequest) => options.userOf(request.headers.authorization);

  app.get('/mpi/patients/:patientId', async (request) => {
    user(request);
    const { patientId } = params(request, 'patientId');
    return mpi.recordOf(patientId);
  });
  app.get('/mpi/patients/:patientId/history', async (request) => {
    user(request);
    const { patientId } = params(request, 'patientId');
    return { patientId, events: await mpi.history(patientId) };
  });
  app.post('/mpi/patients/:patientId/link', { bodyLimit: MAX_BODY }, async (request) => {
    const by = user(request);
    const { patientId } = params(request, 'patientId');
    return mpi.link(patientId, idField(request.body, 'personId'), by);
  });
  app.post('/mpi/patients/:patientId/unlink', { bodyLimit: MAX_BODY }, async (request) => {
    const by = user(request);
    const { patientId } = params(request, 'patientId');
    return mpi.unlink(patientId, by);
  });
  app.get('/mpi/persons/:personId', async (request) => {
    user(request);
    const { personId } = params(request, 'personId');
    return { personId, records: await mpi.patientsOf(personId) };
  });
  app.post('/mpi/persons/:personId/merge', { bodyLimit: MAX_BODY }, async (request) => {
    const by = user(request);
    const { personId } = params(request, 'personId');
    return mpi.mergePersons(personId, idField(request.body, 'mergedPersonId'), by);
  });
  app.post('/mpi/persons/:personId/unmerge', { bodyLimit: MAX_BODY }, async (request) => {
    const by = user(request);
    const { personId } = params(request, 'personId');
    return mpi.unmergePersons(personId, by);
  });
  app.get('/mpi/reviews', async (request) => {
    user(request);
    const raw = (request.query as Record<string, string | undefined>).limit;
    const limit = raw === undefined ? 100 : Number(raw);
    return { reviews: await mpi.openReviews(limit) };
  });
  app.post('/mpi/reviews/:patientId/:personId', { bodyLimit: MAX_BODY }, async (request) => {
    const by = user(request);
    const { patientId, personId } = params(request, 'patientId', 'personId');
    const decision = (request.body as { decision?: unknown } | undefined)?.decision;
    if (decision !== 'link' && decision !== 'reject') {
      throw badRequest('The body must be {"decision": "link"} or {"decision": "reject"}', {
        code: 'identity.request',
      });
    }
    return mpi.decideReview(patientId, personId, decision, by);
  });
}

function params<K extends string>(request: FastifyRequest, ...names: K[]): Record<K, string> {
  const all = request.params as Record<string, string>;
  const out = {} as Record<K, string>;
  for (const name of names) {
    const value = all[name];
    if (value === undefined || !isValidId(value)) {
      throw badRequest(`${name} must be a FHIR id`, { code: 'identity.request' });
    }
    out[name] = value;
  }
  return out;
}

function idField(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || !isValidId(value)) {
    throw badRequest(`The body must be {"${name}": "<a FHIR id>"}`, { code: 'identity.request' });
  }
  return value;
}
