import { methodNotAllowed, notFound, notSupported } from '@joinedup/fhir';
import type { FhirInteraction, FhirRequest, FhirResponse } from './fhir-http.ts';
import * as fhir from './interactions.ts';
import type { FhirContext } from './interactions.ts';
import { capabilityStatement } from './capability.ts';
import { processBundle } from './bundle-processor.ts';
import { everything, personEverything } from './everything.ts';

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * Routes one FHIR request to its interaction (FHIR R4 http.html), each after the caller's permission check
 * (`req.permit`); a batch or transaction is checked entry by entry, the CapabilityStatement is public.
 */
export async function handleFhirRequest(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const segments = req.path.split('/').filter((s) => s.length > 0);
  const [a, b, c, d] = segments;
  const m = req.method === 'HEAD' ? 'GET' : req.method;
  const permit = (interaction: FhirInteraction, resourceType?: string, id?: string) =>
    req.permit?.({
      interaction,
      ...(resourceType ? { resourceType } : {}),
      ...(id ? { id } : {}),
      ...(interaction.startsWith('search') || interaction === 'everything' ? { query: req.query } : {}),
    });

  if (segments.length === 0) {
    if (m === 'GET') {
      permit('search-system');
      return fhir.search(ctx, req, undefined);
    }
    if (m === 'POST') return processBundle(ctx, req, handleFhirRequest);
    throw methodNotAllowed(`${m} is not allowed on the base URL`);
  }
  if (a === 'metadata' && segments.length === 1) {
    if (m !== 'GET') throw methodNotAllowed('metadata is read with GET');
    return { status: 200, body: JSON.stringify(capabilityStatement(ctx)) };
  }
  if (a === '_history' && segments.length === 1) {
    if (m !== 'GET') throw methodNotAllowed('history is read with GET');
    permit('history-system');
    return fhir.history(ctx, req);
  }
  if (a === '_search' && segments.length === 1 && m === 'POST') {
    permit('search-system');
    return fhir.search(ctx, req, undefined);
  }
  if (!a || !TYPE.test(a)) {
    if (a?.startsWith('$')) throw notSupported(`Operation ${a} is not supported`);
    throw notFound(`Unknown resource type '${a ?? ''}'`, { code: 'type.unknown' });
  }
  fhir.assertKnownType(ctx, a);

  if (segments.length === 1) {
    switch (m) {
      case 'GET':
        permit('search-type', a);
        return fhir.search(ctx, req, a);
      case 'POST':
        permit('create', a);
        return fhir.create(ctx, req, a);
      case 'PUT':
        permit('conditional-update', a);
        return fhir.conditionalUpdate(ctx, req, a);
      case 'PATCH':
        permit('conditional-patch', a);
        return fhir.patch(ctx, req, a, undefined);
      case 'DELETE':
        permit('conditional-delete', a);
        return fhir.remove(ctx, req, a, undefined);
    }
  }
  if (b === '_search' && segments.length === 2) {
    if (m !== 'POST' && m !== 'GET') throw methodNotAllowed('_search takes POST or GET');
    permit('search-type', a);
    return fhir.search(ctx, req, a);
  }
  if (b === '_history' && segments.length === 2) {
    if (m !== 'GET') throw methodNotAllowed('history is read with GET');
    permit('history-type', a);
    return fhir.history(ctx, req, a);
  }
  if (b?.startsWith('$')) throw notSupported(`Operation ${b} is not supported on ${a}`);
  if (b === undefined) throw methodNotAllowed(`${m} is not allowed here`);

  if (segments.length === 2) {
    switch (m) {
      case 'GET':
        permit('read', a, b);
        return fhir.read(ctx, req, a, b);
      case 'PUT':
        permit('update', a, b);
        return fhir.update(ctx, req, a, b);
      case 'PATCH':
        permit('patch', a, b);
        return fhir.patch(ctx, req, a, b);
      case 'DELETE':
        permit('delete', a, b);
        return fhir.remove(ctx, req, a, b);
      case 'POST':
        throw methodNotAllowed('POST creates at the type URL; use PUT to update an instance');
    }
  }
  if (c === '_history') {
    if (m !== 'GET') throw methodNotAllowed('history is read with GET');
    if (segments.length === 3) {
      permit('history-instance', a, b);
      return fhir.history(ctx, req, a, b);
    }
    if (segments.length === 4 && d) {
      permit('vread', a, b);
      return fhir.vread(ctx, req, a, b, d);
    }
  }
  if (c === '$everything' && segments.length === 3) {
    if (a !== 'Patient' && a !== 'Person') throw notSupported('$everything is supported on Patient and Person');
    if (m !== 'GET' && m !== 'POST') throw methodNotAllowed('$everything takes GET or POST');
    permit('everything', a, b);
    return a === 'Person' ? personEverything(ctx, req, b) : everything(ctx, req, b);
  }
  if (c?.startsWith('$')) throw notSupported(`Operation ${c} is not supported`);
  if (c && segments.length === 3 && TYPE.test(c)) {
    if (a !== 'Patient') throw notSupported(`Compartment searches are supported for Patient, not ${a}`);
    if (m !== 'GET') throw methodNotAllowed('Compartment search takes GET');
    fhir.assertKnownType(ctx, c);
    permit('search-compartment', c, b);
    return fhir.search(ctx, req, c, { type: 'Patient', id: b });
  }
  throw notFound(`No FHIR endpoint at /${req.path}`, { code: 'request.no-endpoint' });
}
