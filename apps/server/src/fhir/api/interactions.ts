import jsonpatch from 'fast-json-patch';
import {
  badRequest,
  conflict,
  forbidden,
  informational,
  invalidIssues,
  isValidId,
  methodNotAllowed,
  notFound,
  notSupported,
  preconditionFailed,
  unsupportedMediaType,
} from '@joinedup/fhir';
import type { Resource } from '@joinedup/fhir';
import type { Config } from '../../platform/config.ts';
import type { Queryable } from '../../platform/db.ts';
import type { FhirModel } from '../fhir-model.ts';
import { executeSearch, findIdsForCondition, parseSearchRequest, type SearchContext } from '../search/index.ts';
import type { FhirStore, StoreTransaction, StoredVersion } from '../store/store.ts';
import { readHistory } from '../store/history.ts';
import { validateResource } from '../validate/validate.ts';
import { etag, jsonResponse, outcomeResponse, parseETag, type FhirRequest, type FhirResponse } from './fhir-http.ts';
import { searchsetBundle, historyBundle } from './bundles.ts';

/** Everything an interaction needs, passed in. */
export interface FhirContext extends SearchContext {
  store: FhirStore;
  model: FhirModel;
  config: Pick<Config, 'baseUrl' | 'defaultPageSize' | 'maxPageSize'>;
}

/** The context of the FHIR API over one store. */
export function createFhirContext(store: FhirStore, model: FhirModel, config: FhirContext['config']): FhirContext {
  return { store, model, config, defs: model.definitions, scopeOf: model.scopeOf };
}

export function fhirBase(ctx: FhirContext) {
  return `${ctx.config.baseUrl}/fhir`;
}

export function assertKnownType(ctx: FhirContext, type: string) {
  if (!ctx.model.resourceTypes.has(type)) {
    throw notFound(`Unknown resource type '${type}'`, { code: 'type.unknown' });
  }
}

function assertId(id: string) {
  if (!isValidId(id)) throw badRequest(`'${id}' is not a valid FHIR id`, { code: 'request.invalid-id' });
}

/** Checks a body before a write: a JSON object of the right type, structurally valid. */
export function checkBody(ctx: FhirContext, body: unknown, type: string, id?: string): Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a FHIR resource (a JSON object)', { code: 'request.body' });
  }
  const resource = body as Resource;
  if (resource.resourceType !== type) {
    throw badRequest(`The body's resourceType '${String(resource.resourceType)}' does not match the URL's '${type}'`, {
      code: 'request.type-mismatch',
      expression: 'resourceType',
    });
  }
  if (id !== undefined && resource.id !== id) {
    throw badRequest(
      resource.id === undefined
        ? `The body has no id; an update needs the id '${id}' from the URL`
        : `The body's id '${String(resource.id)}' does not match the URL's '${id}'`,
      { code: 'request.id-mismatch', expression: `${type}.id` },
    );
  }
  const issues = validateResource(resource);
  if (issues.length) throw invalidIssues(issues);
  return resource;
}

function versionHeaders(ctx: FhirContext, v: StoredVersion): Record<string, string> {
  return {
    etag: etag(v.versionId),
    'last-modified': new Date(v.lastUpdated).toUTCString(),
    location: `${fhirBase(ctx)}/${v.resourceType}/${v.id}/_history/${v.versionId}`,
  };
}

/** The response to a write, honouring `Prefer: return=minimal | representation | OperationOutcome`. */
export function writeResponse(ctx: FhirContext, req: FhirRequest, status: number, v: StoredVersion): FhirResponse {
  req.touched?.([v]);
  const headers = versionHeaders(ctx, v);
  const prefer = req.headers.prefer ?? '';
  if (/return=minimal/.test(prefer)) return { status, headers };
  if (/return=OperationOutcome/i.test(prefer)) {
    return {
      ...jsonResponse(status, informational(`${v.resourceType}/${v.id} version ${v.versionId} stored`)),
      headers,
    };
  }
  return { status, headers, body: v.content ?? undefined };
}

function ifMatch(req: FhirRequest): number | undefined {
  const v = parseETag(req.headers['if-match']);
  if (Number.isNaN(v)) throw badRequest('If-Match must be a version ETag such as W/"1"', { code: 'request.if-match' });
  return v;
}

/** read: GET [type]/[id], with If-None-Match and If-Modified-Since giving 304. */
export async function read(ctx: FhirContext, req: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  assertKnownType(ctx, type);
  assertId(id);
  const v = await shaped(ctx.store.db, req, await ctx.store.read(type, id, req.rowFilter));
  req.touched?.([v]);
  return notModifiedOr(req, v, { status: 200, headers: versionHeaders(ctx, v), body: v.content! });
}

export async function vread(ctx: FhirContext, req: FhirRequest, type: string, id: string, vid: string) {
  assertKnownType(ctx, type);
  assertId(id);
  const v = await shaped(ctx.store.db, req, await ctx.store.vread(type, id, vid, req.rowFilter));
  req.touched?.([v]);
  return notModifiedOr(req, v, { status: 200, headers: versionHeaders(ctx, v), body: v.content! });
}

/** One version as the caller's row filter lets it leave (what a write answers with is told by `writeResponse`). */
async function shaped(q: Queryable, req: FhirRequest, v: StoredVersion): Promise<StoredVersion> {
  if (!req.rowFilter?.shape) return v;
  // The patient is known now: what the filter learns of them serves this answer and the request's next statements.
  if (v.patientKey !== '') await req.rowFilter.prepare?.(q, v.patientKey);
  return (await req.rowFilter.shape(q, [v]))[0]!;
}

/**
 * Before a write changes an existing resource: one the caller's row filter does not let it change is not known
 * (404), as for a read, so that a write does not tell what a read would not.
 */
export async function assertMayChange(tx: StoreTransaction, req: FhirRequest, type: string, id: string) {
  if (!req.rowFilter) return;
  if ((await tx.mayChange(type, id, req.rowFilter)) === false) throw notFound(`${type}/${id} is not known`);
}

/** After a write: what it made must be in what the caller's row filter lets it change (403 otherwise). */
export async function assertWritten(tx: StoreTransaction, req: FhirRequest, v: StoredVersion) {
  if (!req.rowFilter || v.deleted) return;
  if ((await tx.mayChange(v.resourceType, v.id, req.rowFilter)) !== true) {
    throw forbidden(`This ${v.resourceType} is outside what the caller may write`, { code: 'resource.not-writable' });
  }
}

function notModifiedOr(req: FhirRequest, v: StoredVersion, response: FhirResponse): FhirResponse {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const tags = inm.split(',').map((t) => t.trim());
    if (tags.includes('*') || tags.some((t) => parseETag(t) === v.versionId)) {
      return { status: 304, headers: { etag: etag(v.versionId) } };
    }
    return response;
  }
  const ims = req.headers['if-modified-since'];
  if (ims) {
    const since = Date.parse(ims);
    // HTTP dates have whole seconds; the resource is unmodified if its time truncated to seconds is not later.
    if (!Number.isNaN(since) && Math.floor(Date.parse(v.lastUpdated) / 1000) * 1000 <= since) {
      return { status: 304, headers: { etag: etag(v.versionId) } };
    }
  }
  return response;
}

/** Conditional create, inside a transaction: the existing match, or undefined when a new resource is to be made. */
export async function matchIfNoneExist(
  ctx: FhirContext,
  tx: StoreTransaction,
  type: string,
  condition: string,
  req: FhirRequest,
): Promise<StoredVersion | undefined> {
  // Serialise identical conditional creates: after this lock, a concurrent twin's commit is visible to the search.
  await tx.q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${type}?${normaliseQuery(condition)}`]);
  await tx.flush();
  const matches = await findIdsForCondition(tx.q, ctx, type, condition, req.rowFilter);
  if (matches.length > 1) {
    throw preconditionFailed(`${matches.length} ${type} resources match '${condition}'; the condition must match one`, {
      code: 'conditional.multiple-matches',
    });
  }
  return matches[0] ? tx.read(type, matches[0].id) : undefined;
}

function normaliseQuery(q: string): string {
  return q.replace(/^\?/, '').split('&').filter(Boolean).sort().join('&');
}

/** A store transaction for a request: what it writes is recorded as its sender's when its credentials say who. */
export function transactionFor<T>(ctx: FhirContext, req: FhirRequest, fn: (tx: StoreTransaction) => Promise<T>) {
  return ctx.store.transaction((tx) => {
    if (req.source !== undefined) tx.recordSource(req.source);
    tx.checkReferences = true;
    return fn(tx);
  });
}

/** create: POST [type], conditional with If-None-Exist. */
export async function create(ctx: FhirContext, req: FhirRequest, type: string): Promise<FhirResponse> {
  assertKnownType(ctx, type);
  const resource = checkBody(ctx, req.body, type);
  const condition = req.headers['if-none-exist'];
  return transactionFor(ctx, req, async (tx) => {
    if (condition) {
      const existing = await matchIfNoneExist(ctx, tx, type, condition, req);
      if (existing) return writeResponse(ctx, req, 200, await shaped(tx.q, req, existing));
    }
    const created = tx.create(resource);
    await assertWritten(tx, req, created);
    return writeResponse(ctx, req, 201, created);
  });
}

/** update: PUT [type]/[id], update-as-create with the client's id, If-Match for concurrency. */
export async function update(ctx: FhirContext, req: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  assertKnownType(ctx, type);
  assertId(id);
  const resource = checkBody(ctx, req.body, type, id);
  const expected = ifMatch(req);
  return transactionFor(ctx, req, async (tx) => {
    await assertMayChange(tx, req, type, id);
    const { version, created } = await tx.update(resource, expected === undefined ? {} : { ifMatch: expected });
    await assertWritten(tx, req, version);
    return writeResponse(ctx, req, created ? 201 : 200, version);
  });
}

/** Conditional update: PUT [type]?search. */
export async function conditionalUpdate(ctx: FhirContext, req: FhirRequest, type: string): Promise<FhirResponse> {
  assertKnownType(ctx, type);
  const condition = queryString(req);
  const body = req.body as Resource;
  return transactionFor(ctx, req, async (tx) => {
    await tx.q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${type}?${normaliseQuery(condition)}`]);
    const matches = await findIdsForCondition(tx.q, ctx, type, condition, req.rowFilter);
    if (matches.length > 1) {
      throw preconditionFailed(`${matches.length} ${type} resources match; a conditional update needs one`, {
        code: 'conditional.multiple-matches',
      });
    }
    const match = matches[0];
    if (!match) {
      const resource = checkBody(ctx, body, type);
      if (resource.id) {
        await assertMayChange(tx, req, type, resource.id);
        const { version } = await tx.update(resource, {});
        await assertWritten(tx, req, version);
        return writeResponse(ctx, req, 201, version);
      }
      const created = tx.create(resource, { method: 'PUT' });
      await assertWritten(tx, req, created);
      return writeResponse(ctx, req, 201, created);
    }
    if (body && typeof body === 'object' && 'id' in body && body.id !== match.id) {
      throw badRequest(`The body's id does not match the resource found (${type}/${match.id})`, {
        code: 'request.id-mismatch',
      });
    }
    const resource = checkBody(ctx, { ...(body as object), id: match.id }, type, match.id);
    const expected = ifMatch(req);
    const { version } = await tx.update(resource, expected === undefined ? {} : { ifMatch: expected });
    await assertWritten(tx, req, version);
    return writeResponse(ctx, req, 200, version);
  });
}

/** patch: PATCH [type]/[id] with a JSON Patch (RFC 6902) document. */
export async function patch(ctx: FhirContext, req: FhirRequest, type: string, id: string | undefined) {
  assertKnownType(ctx, type);
  if (!/^application\/json-patch\+json/.test(req.contentType ?? '')) {
    throw unsupportedMediaType('PATCH takes a JSON Patch document (Content-Type: application/json-patch+json)');
  }
  const operations = req.body;
  if (!Array.isArray(operations)) throw badRequest('A JSON Patch document is an array of operations');
  const expected = ifMatch(req);
  return transactionFor(ctx, req, async (tx) => {
    let targetId: string;
    if (id !== undefined) targetId = id;
    else {
      const matches = await findIdsForCondition(tx.q, ctx, type, queryString(req), req.rowFilter);
      if (matches.length !== 1) {
        if (matches.length === 0) throw notFound(`No ${type} matches the condition`);
        throw preconditionFailed(`${matches.length} ${type} resources match; a conditional patch needs one`, {
          code: 'conditional.multiple-matches',
        });
      }
      targetId = matches[0]!.id;
    }
    assertId(targetId);
    await assertMayChange(tx, req, type, targetId);
    const lock = await tx.lock(type, targetId);
    if (!lock || lock.deleted) {
      if (lock?.deleted) throw conflict(`${type}/${targetId} is deleted and cannot be patched`);
      throw notFound(`${type}/${targetId} is not known`);
    }
    if (expected !== undefined && expected !== lock.versionId) {
      throw preconditionFailed(`${type}/${targetId} is at version ${lock.versionId}, not ${expected}`);
    }
    const current = JSON.parse((await tx.read(type, targetId)).content!) as Resource;
    let patched: Resource;
    try {
      const error = jsonpatch.validate(operations as jsonpatch.Operation[], current);
      if (error) throw error;
      patched = jsonpatch.applyPatch(current, operations as jsonpatch.Operation[], true, false, true).newDocument;
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0] : 'invalid patch';
      throw badRequest(`The JSON Patch cannot be applied: ${message}`, { code: 'request.patch' });
    }
    if (patched.resourceType !== type || patched.id !== targetId) {
      throw badRequest('A patch may not change resourceType or id', { code: 'request.patch' });
    }
    delete patched.meta?.versionId;
    const resource = checkBody(ctx, patched, type, targetId);
    const { version } = await tx.update(resource, { ifMatch: lock.versionId, method: 'PATCH' });
    await assertWritten(tx, req, version);
    return writeResponse(ctx, req, 200, version);
  });
}

/** delete: DELETE [type]/[id] or DELETE [type]?search (one match at most). */
export async function remove(ctx: FhirContext, req: FhirRequest, type: string, id: string | undefined) {
  assertKnownType(ctx, type);
  const expected = ifMatch(req);
  return transactionFor(ctx, req, async (tx) => {
    let ids: string[];
    if (id === undefined) {
      const condition = queryString(req);
      if (!condition) throw methodNotAllowed('A conditional delete needs search parameters');
      const matches = await findIdsForCondition(tx.q, ctx, type, condition, req.rowFilter);
      if (matches.length > 1) {
        throw preconditionFailed(`${matches.length} ${type} resources match; a conditional delete deletes one`, {
          code: 'conditional.multiple-matches',
        });
      }
      ids = matches.map((m) => m.id);
    } else {
      assertId(id);
      ids = [id];
    }
    let deleted: StoredVersion | undefined;
    for (const target of ids) await assertMayChange(tx, req, type, target);
    for (const target of ids)
      deleted = await tx.delete(type, target, expected === undefined ? {} : { ifMatch: expected });
    if (deleted) req.touched?.([deleted]);
    const headers: Record<string, string> = deleted ? { etag: etag(deleted.versionId) } : {};
    return {
      ...outcomeResponse(200, informational(deleted ? `${type}/${deleted.id} deleted` : 'Nothing to delete')),
      headers,
    };
  });
}

/** history at instance, type or system level, with `_since`, `_at` not supported, `_count` and paging. */
export async function history(ctx: FhirContext, req: FhirRequest, type?: string, id?: string) {
  if (type) assertKnownType(ctx, type);
  if (id) assertId(id);
  const page = await readHistory(ctx.store, {
    resourceType: type,
    id,
    query: req.query,
    ...pageLimits(ctx),
    filter: req.rowFilter,
  });
  if (id && page.entries.length === 0 && !page.cursorUsed) throw notFound(`${type}/${id} is not known`);
  req.touched?.(page.entries);
  return { status: 200, body: historyBundle(fhirBase(ctx), req, page, type, id) } satisfies FhirResponse;
}

function pageLimits(ctx: FhirContext) {
  return { defaultCount: ctx.config.defaultPageSize, maxCount: ctx.config.maxPageSize };
}

/** search: GET [type]?…, POST [type]/_search, GET [base]?_type=… and compartment search. */
export async function search(
  ctx: FhirContext,
  req: FhirRequest,
  type: string | undefined,
  compartment?: { type: 'Patient'; id: string },
): Promise<FhirResponse> {
  if (type) assertKnownType(ctx, type);
  if (compartment) assertId(compartment.id);
  const params = [...req.query];
  if (req.method === 'POST' && req.body && typeof req.body === 'object') {
    for (const [k, v] of Object.entries(req.body as Record<string, string | string[]>)) {
      for (const value of Array.isArray(v) ? v : [v]) params.push([k, value]);
    }
  }
  const strict = /handling=strict/.test(req.headers.prefer ?? '');
  const request = parseSearchRequest(type, params, { strict, ...pageLimits(ctx), compartment });
  const result = await executeSearch(ctx.store.db, ctx, request, req.rowFilter);
  req.touched?.(result.matches);
  req.touched?.(result.includes);
  return { status: 200, body: searchsetBundle(fhirBase(ctx), type, compartment, result) };
}

export function queryString(req: FhirRequest): string {
  return new URLSearchParams(req.query).toString();
}

export function notAllowed(what: string): never {
  throw methodNotAllowed(`${what} is not supported`);
}

export function unsupported(what: string): never {
  throw notSupported(`${what} is not supported`);
}
