import Fastify, { type FastifyInstance } from 'fastify';
import {
  internalError,
  isOperationOutcomeError,
  OperationOutcomeError,
  outcome,
  issue,
  unavailable,
} from '@joinedup/fhir';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

// PostgreSQL connection classes 08 (connection exception) and 57P (operator intervention), and socket
// errors: the database is unreachable, which is a 503 the client may retry, not a 500.
function isDatabaseUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return /^08|^57P0[1-3]$|^53300$/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code);
}

/** An error as the client sees it: an OperationOutcome with the right status, never internals. */
export function toOperationOutcomeError(e: unknown, requestId: string): OperationOutcomeError {
  if (isOperationOutcomeError(e)) return e;
  const err = e as { statusCode?: number; code?: string; message?: string };
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const status = err.statusCode;
    const code = status === 413 ? 'too-costly' : status === 415 ? 'not-supported' : 'invalid';
    const text =
      status === 413
        ? 'The request body is larger than this server accepts'
        : status === 415
          ? 'Unsupported Content-Type; send application/fhir+json'
          : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.message?.includes('JSON')
            ? 'The body is not valid JSON'
            : (err.message ?? 'Bad request').replace(/\s+at .*/s, '');
    return new OperationOutcomeError(status, outcome(issue('error', code, text, { code: `http.${status}` })));
  }
  if (isDatabaseUnavailable(e)) return unavailable('The database is unavailable; try again shortly');
  return internalError(`An unexpected error occurred (request ${requestId})`);
}

/** The HTTP server with the platform's defaults: body limit, request ids, errors as OperationOutcomes. */
export function createHttpServer(config: Pick<Config, 'maxBodyBytes'>, log: Logger): FastifyInstance {
  const app = Fastify({
    bodyLimit: config.maxBodyBytes,
    logger: false,
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
  });
  app.setErrorHandler((error, request, reply) => {
    const e = toOperationOutcomeError(error, request.id);
    if (e.status >= 500) log.error('request failed', { requestId: request.id, error: describe(error) });
    void reply.code(e.status).header('content-type', FHIR_JSON).send(JSON.stringify(e.outcome));
  });
  app.setNotFoundHandler((request, reply) => {
    const body = outcome(issue('error', 'not-found', `No endpoint at ${request.method} ${request.url.split('?')[0]}`));
    void reply.code(404).header('content-type', FHIR_JSON).send(JSON.stringify(body));
  });
  app.addHook('onResponse', (request, reply, done) => {
    // Path only: query strings can hold identifiers, and no patient data goes to the log.
    log.info('request', {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    });
    done();
  });
  return app;
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}: ${(error as { code?: string }).code ?? ''} ${error.stack?.split('\n')[1]?.trim() ?? ''}`;
  return typeof error;
}
