import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notAcceptable, OperationOutcomeError, unsupportedMediaType } from '@joinedup/fhir';
import type { FhirExchange, FhirPermit, FhirRequest, FhirResponse, TouchedRow } from './fhir-http.ts';
import type { RowFilter } from '../store/row-filter.ts';
import type { FhirContext } from './interactions.ts';
import { handleFhirRequest } from './router.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

export interface FhirRouteOptions {
  /**
   * Who sends a request, from its `Authorization` header, decided outside the engine (access/): the organisation
   * recorded on what it writes (`meta.source`) and the permission check of every interaction. Throws (401) to
   * refuse the request. Not asked for `GET metadata`: the CapabilityStatement tells a client how to sign in.
   */
  callerOf?: (authorization: string | undefined) => Promise<{
    source?: string;
    permit?: FhirPermit;
    rowFilter?: RowFilter;
    /** Records the request (ADR 12) before its answer is sent; throws to send an error instead. */
    audit?: (exchange: FhirExchange) => Promise<void>;
  }>;
  /** Records a request refused before a caller was known (no credentials, a bad token). */
  auditRefused?: (exchange: FhirExchange) => Promise<void>;
}

/** The FHIR REST API under /fhir as a fastify plugin: HTTP in, FhirRequest to the router, FHIR JSON out. */
export function registerFhirRoutes(app: FastifyInstance, ctx: FhirContext, options: FhirRouteOptions = {}) {
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  // Only JSON (and form fields for _search) is accepted; fastify's plain-text parser would let text through.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/fhir+json', 'application/json-patch+json', 'application/json+fhir'],
    { parseAs: 'string' },
    jsonParser,
  );

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'http://localhost');
    const query: [string, string][] = [];
    let pretty = false;
    for (const [k, v] of url.searchParams) {
      if (k === '_format') {
        if (!JSON_FORMATS.has(v)) throw notAcceptable(`_format '${v}' is not supported; this server speaks JSON`);
      } else if (k === '_pretty') pretty = v === 'true';
      else query.push([k, v]);
    }
    const accept = request.headers.accept;
    if (accept && !/(\*\/\*|json|application\/\*)/.test(accept)) {
      throw notAcceptable('This server returns application/fhir+json');
    }
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    const hasBody = request.body !== undefined && request.body !== null && request.body !== '';
    if (hasBody && contentType === 'application/x-www-form-urlencoded' && !url.pathname.endsWith('_search')) {
      throw unsupportedMediaType('Form bodies are accepted only by _search');
    }
    const fhirRequest: FhirRequest = {
      method: request.method as FhirRequest['method'],
      path: decodeURIComponent(url.pathname.replace(/^\/fhir\/?/, '')),
      query,
      headers: request.headers as Record<string, string | undefined>,
      body: request.body,
      contentType,
    };
    const isMetadata = fhirRequest.path === 'metadata' && (request.method === 'GET' || request.method === 'HEAD');
    const touched: TouchedRow[] = [];
    const exchange = (status: number, failure: unknown): FhirExchange => {
      const body = fhirRequest.body as { resourceType?: unknown; type?: unknown } | undefined;
      return {
        method: request.method,
        raw: request.url,
        path: fhirRequest.path,
        status,
        ...(failure === undefined ? {} : { error: errorOf(failure) }),
        ...(body?.resourceType === 'Bundle' && typeof body.type === 'string' ? { bundleType: body.type } : {}),
        touched,
        requestId: request.id,
        networkAddress: request.ip,
      };
    };
    let audit: ((exchange: FhirExchange) => Promise<void>) | undefined;
    if (options.callerOf && !isMetadata) {
      let caller: Awaited<ReturnType<NonNullable<FhirRouteOptions['callerOf']>>>;
      try {
        caller = await options.callerOf(request.headers.authorization);
      } catch (e) {
        await options.auditRefused?.(exchange(statusOf(e), e));
        throw e;
      }
      if (caller.source !== undefined) fhirRequest.source = caller.source;
      if (caller.permit !== undefined) fhirRequest.permit = caller.permit;
      if (caller.rowFilter !== undefined) fhirRequest.rowFilter = caller.rowFilter;
      audit = caller.audit;
      fhirRequest.touched = (rows) => {
        for (const r of rows) touched.push(r);
      };
    }
    let response: FhirResponse;
    try {
      response = await handleFhirRequest(ctx, fhirRequest);
    } catch (e) {
      await audit?.(exchange(statusOf(e), e));
      throw e;
    }
    // Nothing leaves that is not audited: an audit that cannot be written is a 503 in place of the answer.
    await audit?.(exchange(response.status, undefined));
    reply.code(response.status);
    for (const [k, v] of Object.entries(response.headers ?? {})) reply.header(k, v);
    if (response.body === undefined || response.status === 304) return reply.send();
    reply.header('content-type', FHIR_JSON);
    if (request.method === 'HEAD') return reply.send();
    return reply.send(pretty ? JSON.stringify(JSON.parse(response.body), null, 2) : response.body);
  };
  for (const url of ['/fhir', '/fhir/*']) {
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url, exposeHeadRoute: false, handler });
  }

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const fields: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) (fields[k] ??= []).push(v);
    done(null, fields);
  });
  app.addContentTypeParser('*', (_req, _payload, done) => {
    done(unsupportedMediaType('Send FHIR JSON (Content-Type: application/fhir+json)'), undefined);
  });
}

function statusOf(e: unknown): number {
  return e instanceof OperationOutcomeError ? e.status : 500;
}

function errorOf(e: unknown): { code: string | undefined; message: string } {
  if (e instanceof OperationOutcomeError) {
    const issue = e.outcome.issue?.[0];
    return { code: issue?.details?.coding?.[0]?.code, message: issue?.diagnostics ?? e.message };
  }
  return { code: undefined, message: 'An unexpected error occurred' };
}
