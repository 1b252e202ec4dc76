import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden, issue, outcome, type OperationOutcomeIssue } from '@joinedup/fhir';
import type { FhirStore } from '../../fhir/store/store.ts';
import type { FhirPermit } from '../../fhir/api/fhir-http.ts';
import { importNdjson } from './ndjson-import.ts';

export const NDJSON_TYPES = ['application/fhir+ndjson', 'application/x-ndjson', 'application/ndjson'];
/** Rejected lines listed one by one in the answer; beyond this many, a count. */
const MAX_LISTED = 1_000;
const ODS_CODE = /^[A-Z0-9]{3,12}$/;

/**
 * `POST /fhir/$import`: a synchronous NDJSON import (the FHIR Bulk Data NDJSON format, one resource per line) in
 * the request body, answered with an OperationOutcome: an information issue with the counts, then one error
 * issue per rejected line naming its line number and reason. Large sets are sent in several requests
 * (`npm run import` does so). The caller needs credentials allowing it to create and update every type; the sender
 * is the organisation they name (a backend service's or shared-secret client's `source`), recorded as
 * `meta.source`, or else `?source=ODS`; credentials naming one organisation and `?source` another are refused (403).
 */
export interface BulkRouteOptions {
  /** The caller, from its `Authorization` header (throws 401 to refuse): its organisation and permission check. */
  callerOf?: (authorization: string | undefined) => Promise<{ source?: string; permit?: FhirPermit }>;
}

export function registerBulkRoutes(app: FastifyInstance, store: FhirStore, options: BulkRouteOptions = {}) {
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/fhir/$import', async (request, reply) => {
    const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!NDJSON_TYPES.includes(contentType) || typeof request.body !== 'string') {
      throw badRequest(`$import takes NDJSON: Content-Type ${NDJSON_TYPES[0]}`, { code: 'import.content-type' });
    }
    const claimed = (request.query as Record<string, string | undefined>).source;
    if (claimed !== undefined && !ODS_CODE.test(claimed)) {
      throw badRequest('source must be an ODS code', { code: 'import.source' });
    }
    const caller = await options.callerOf?.(request.headers.authorization);
    // An import writes resources of any type, each as an update-as-create.
    caller?.permit?.({ interaction: 'create' });
    caller?.permit?.({ interaction: 'update' });
    const known = caller?.source;
    if (known !== undefined && claimed !== undefined && claimed !== known) {
      throw forbidden('These credentials send for another organisation than source names', {
        code: 'import.source',
      });
    }
    const source = known ?? claimed;
    const report = await importNdjson(store, request.body.split('\n'), source ? { source } : {});
    const issues: OperationOutcomeIssue[] = [
      issue(
        'information',
        'informational',
        `Read ${report.read} resources; stored ${report.stored}; rejected ${report.rejected.length}`,
      ),
    ];
    for (const r of report.rejected.slice(0, MAX_LISTED)) {
      const what = r.resourceType ? ` (${r.resourceType}${r.id ? `/${r.id}` : ''})` : '';
      issues.push(
        issue('error', 'invalid', `line ${r.line}${what}: ${r.reason}`, {
          expression: `line ${r.line}`,
          code: 'import.rejected',
        }),
      );
    }
    if (report.rejected.length > MAX_LISTED) {
      issues.push(issue('error', 'too-costly', `${report.rejected.length - MAX_LISTED} more lines rejected`));
    }
    reply.code(200).header('content-type', 'application/fhir+json');
    return JSON.stringify(outcome(...issues));
  });
}
