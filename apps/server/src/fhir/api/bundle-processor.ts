import {
  badRequest,
  internalError,
  isOperationOutcomeError,
  isValidId,
  notFound,
  notSupported,
  OperationOutcomeError,
  preconditionFailed,
  tooLarge,
} from '@joinedup/fhir';
import type { OperationOutcome, Resource } from '@joinedup/fhir';
import type { Db } from '../../platform/db.ts';
import { findIdsForCondition } from '../search/index.ts';
import {
  FhirStore,
  fromHistoryRow,
  type StoreTransaction,
  type StoredVersion,
  type VersionRow,
} from '../store/store.ts';
import { etag, type FhirPermit, type FhirRequest, type FhirResponse } from './fhir-http.ts';
import {
  assertKnownType,
  assertMayChange,
  assertWritten,
  checkBody,
  fhirBase,
  transactionFor,
  type FhirContext,
} from './interactions.ts';
import type { RowFilter } from '../store/row-filter.ts';

// FHIR R4 http.html#transaction. A transaction runs in one store transaction: every entry lands or none does.
// Creates are staged in the store's buffer and written in bulk, so a bundle of hundreds of POSTs costs a
// handful of statements; only conditional entries (searches) and updates (row locks) cost one each.

const MAX_ENTRIES = 10_000;
const METHODS = new Set<FhirRequest['method']>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]{1,63})\?(.+)$/;

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

type Method = FhirRequest['method'];

interface BundleEntryRequest {
  method?: unknown;
  url?: unknown;
  ifNoneMatch?: unknown;
  ifModifiedSince?: unknown;
  ifMatch?: unknown;
  ifNoneExist?: unknown;
}

/** One request entry, checked and split up. */
interface ParsedEntry {
  index: number;
  method: Method;
  /** The url as given, for messages. */
  url: string;
  /** Path below the base, e.g. `Patient/123`; `type` and `id` when it names a type or an instance. */
  path: string;
  type: string | undefined;
  id: string | undefined;
  query: [string, string][];
  /** The query text as given (conditional interactions). */
  condition: string;
  fullUrl: string | undefined;
  resource: (Resource & Record<string, unknown>) | undefined;
  /** JSON Patch operations of a PATCH entry. */
  patch: unknown[] | undefined;
  headers: Record<string, string | undefined>;
}

/** The response part of one response entry; `resource` and `outcome` are JSON text. */
interface EntryResult {
  status: number;
  fullUrl?: string;
  resource?: string;
  location?: string;
  etag?: string;
  lastModified?: string;
  outcome?: string;
}

/** Sends one request through the FHIR router; passed in so that this module and the router do not import each other. */
export type Dispatch = (ctx: FhirContext, req: FhirRequest) => Promise<FhirResponse>;

/** POST [base] with a batch or transaction Bundle. */
export async function processBundle(ctx: FhirContext, req: FhirRequest, dispatch: Dispatch): Promise<FhirResponse> {
  const bundle = req.body as { resourceType?: unknown; type?: unknown; entry?: unknown } | undefined;
  if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle) || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the base URL takes a Bundle of type batch or transaction', {
      code: 'bundle.invalid',
      expression: 'Bundle',
    });
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`A Bundle of type '${String(bundle.type)}' cannot be processed; send a batch or a transaction`, {
      code: 'bundle.type',
      expression: 'Bundle.type',
    });
  }
  const entries = bundle.entry ?? [];
  if (!Array.isArray(entries)) throw badRequest('Bundle.entry must be an array', { code: 'bundle.invalid' });
  if (entries.length > MAX_ENTRIES) {
    throw tooLarge(`The Bundle has ${entries.length} entries; this server takes at most ${MAX_ENTRIES}`, {
      code: 'bundle.too-large',
    });
  }
  const minimal = /return=minimal/.test(req.headers.prefer ?? '');
  const results =
    bundle.type === 'batch'
      ? await processBatch(ctx, req, entries as unknown[], dispatch)
      : await processTransaction(ctx, req, entries as unknown[], dispatch);
  const base = fhirBase(ctx);
  const type = bundle.type === 'batch' ? 'batch-response' : 'transaction-response';
  const body = `{"resourceType":"Bundle","type":"${type}","link":[${JSON.stringify({ relation: 'self', url: base })}],"entry":[${results.map((r) => entryText(r, minimal)).join(',')}]}`;
  return { status: 200, body };
}

function entryText(r: EntryResult, minimal: boolean): string {
  const parts: string[] = [];
  if (r.fullUrl) parts.push(`"fullUrl":${JSON.stringify(r.fullUrl)}`);
  if (r.resource && !minimal) parts.push(`"resource":${r.resource}`);
  const response = [`"status":"${r.status} ${REASONS[r.status] ?? ''}"`.replace(' "', '"')];
  if (r.location) response.push(`"location":${JSON.stringify(r.location)}`);
  if (r.etag) response.push(`"etag":${JSON.stringify(r.etag)}`);
  if (r.lastModified) response.push(`"lastModified":"${r.lastModified}"`);
  if (r.outcome) response.push(`"outcome":${r.outcome}`);
  parts.push(`"response":{${response.join(',')}}`);
  return `{${parts.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------- parsing

function parseEntry(ctx: FhirContext, raw: unknown, index: number): ParsedEntry {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('The entry is not an object');
  const e = raw as { fullUrl?: unknown; resource?: unknown; request?: BundleEntryRequest };
  const request = e.request;
  if (!request || typeof request !== 'object') {
    throw badRequest('The entry has no request', {
      code: 'bundle.entry-request',
      expression: `Bundle.entry[${index}].request`,
    });
  }
  const method = request.method;
  if (typeof method !== 'string' || !METHODS.has(method as Method)) {
    throw badRequest(`The entry's request.method '${String(method)}' is not GET, HEAD, POST, PUT, PATCH or DELETE`, {
      code: 'bundle.entry-request',
      expression: `Bundle.entry[${index}].request.method`,
    });
  }
  if (typeof request.url !== 'string' || request.url.trim() === '') {
    throw badRequest('The entry has no request.url', {
      code: 'bundle.entry-request',
      expression: `Bundle.entry[${index}].request.url`,
    });
  }
  const url = request.url.trim();
  const relative = relativeUrl(ctx, url, index);
  const q = relative.indexOf('?');
  const rawPath = q < 0 ? relative : relative.slice(0, q);
  const condition = q < 0 ? '' : relative.slice(q + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath).replace(/^\/+|\/+$/g, '');
  } catch {
    throw badRequest(`The entry's request.url '${url}' is not a valid URL`, { code: 'bundle.entry-url' });
  }
  const segments = path.split('/').filter(Boolean);
  const [type, id] = segments;
  const headers: Record<string, string | undefined> = {};
  const header = (name: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') headers[name] = value;
  };
  header('if-match', request.ifMatch);
  header('if-none-match', request.ifNoneMatch);
  header('if-modified-since', request.ifModifiedSince);
  header('if-none-exist', request.ifNoneExist);
  const parsed: ParsedEntry = {
    index,
    method: method as Method,
    url,
    path,
    type: type !== undefined && TYPE.test(type) ? type : undefined,
    id: segments.length === 2 ? id : undefined,
    query: [...new URLSearchParams(condition)],
    condition,
    fullUrl: typeof e.fullUrl === 'string' && e.fullUrl !== '' ? e.fullUrl : undefined,
    resource: undefined,
    patch: undefined,
    headers,
  };
  if (method === 'GET' || method === 'HEAD') return parsed;

  // Writes name a type (POST, conditional PUT/PATCH/DELETE) or an instance (PUT, PATCH, DELETE).
  const isType = segments.length === 1 && parsed.type !== undefined;
  const isInstance = segments.length === 2 && parsed.type !== undefined;
  const shapeOk =
    method === 'POST' ? isType && condition === '' : (isInstance && condition === '') || (isType && condition !== '');
  if (!shapeOk) {
    const expected = method === 'POST' ? '[type]' : '[type]/[id] or [type]?[search]';
    throw badRequest(`A ${method} entry's request.url must be ${expected}, not '${url}'`, {
      code: 'bundle.entry-url',
      expression: `Bundle.entry[${index}].request.url`,
    });
  }
  assertKnownType(ctx, parsed.type!);
  if (parsed.id !== undefined && !isValidId(parsed.id)) {
    throw badRequest(`'${parsed.id}' is not a valid FHIR id`, { code: 'request.invalid-id' });
  }
  if (method === 'POST' || method === 'PUT') {
    if (!e.resource || typeof e.resource !== 'object' || Array.isArray(e.resource)) {
      throw badRequest(`A ${method} entry needs a resource`, {
        code: 'bundle.entry-resource',
        expression: `Bundle.entry[${index}].resource`,
      });
    }
    parsed.resource = e.resource as Resource & Record<string, unknown>;
  }
  if (method === 'PATCH') parsed.patch = patchOperations(e.resource, index);
  return parsed;
}

// FHIR R4 http.html#transaction: request.url is relative to the base; an absolute URL is accepted only when it is
// this server's own base, since nothing else can be written here.
function relativeUrl(ctx: FhirContext, url: string, index: number): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) return url.replace(/^\/+/, '');
  const base = fhirBase(ctx);
  if (url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`)) {
    return url.slice(base.length).replace(/^\/+/, '');
  }
  throw badRequest(`The entry's request.url '${url}' is not on this server (${base})`, {
    code: 'bundle.entry-url',
    expression: `Bundle.entry[${index}].request.url`,
  });
}

// FHIR R4 http.html#patch: in a Bundle the patch document travels as a Binary (JSON Patch) or as Parameters
// (FHIRPath Patch); only the first is supported.
function patchOperations(resource: unknown, index: number): unknown[] {
  const r = resource as { resourceType?: unknown; contentType?: unknown; data?: unknown } | undefined;
  if (r?.resourceType === 'Parameters') {
    throw notSupported('FHIRPath Patch (a Parameters resource) is not supported; send a JSON Patch as a Binary');
  }
  if (r?.resourceType !== 'Binary' || typeof r.data !== 'string' || !/json-patch\+json/.test(String(r.contentType))) {
    throw badRequest(
      'A PATCH entry carries a Binary with contentType application/json-patch+json and the patch in data',
      {
        code: 'bundle.entry-patch',
        expression: `Bundle.entry[${index}].resource`,
      },
    );
  }
  let operations: unknown;
  try {
    operations = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
  } catch {
    operations = undefined;
  }
  if (!Array.isArray(operations)) {
    throw badRequest('The Binary of a PATCH entry must hold a JSON Patch document (an array of operations)', {
      code: 'bundle.entry-patch',
      expression: `Bundle.entry[${index}].resource.data`,
    });
  }
  return operations;
}

/** The error of one entry, with the entry named so that the client knows which one failed. */
function entryError(e: unknown, index: number, entry: ParsedEntry | undefined): unknown {
  if (!isOperationOutcomeError(e)) return e;
  const where = `Bundle.entry[${index}]`;
  const label = entry ? `${where} (${entry.method} ${entry.url})` : where;
  const outcome: OperationOutcome = {
    ...e.outcome,
    issue: (e.outcome.issue ?? []).map((issue, i) => {
      const expressions = (issue.expression ?? []).filter((x) => !x.startsWith('Bundle.'));
      const rest = expressions.map((x) => {
        const type = entry?.resource?.resourceType ?? entry?.type;
        return type && x.startsWith(`${type}.`) ? `${where}.resource${x.slice(type.length)}` : x;
      });
      const own = (issue.expression ?? []).filter((x) => x.startsWith('Bundle.'));
      return {
        ...issue,
        diagnostics: i === 0 ? `${label} failed: ${issue.diagnostics ?? ''}` : issue.diagnostics,
        expression: [...new Set([where, ...own, ...rest])],
      };
    }),
  };
  return new OperationOutcomeError(e.status, outcome);
}

// ------------------------------------------------------------------------------------------------ batch

// FHIR R4 http.html#batch: each entry on its own, as if sent alone; a failure is that entry's outcome.
async function processBatch(
  ctx: FhirContext,
  req: FhirRequest,
  raw: unknown[],
  dispatch: Dispatch,
): Promise<EntryResult[]> {
  const results: EntryResult[] = [];
  for (let i = 0; i < raw.length; i++) {
    let entry: ParsedEntry | undefined;
    try {
      entry = parseEntry(ctx, raw[i], i);
      const response = await dispatch(ctx, entryRequest(entry, req.headers.prefer, req));
      results.push(fromResponse(ctx, response, entry.method));
    } catch (e) {
      // An unexpected failure of one entry is that entry's 500: the entries before it are committed already.
      const err = entryError(isOperationOutcomeError(e) ? e : internalError('An unexpected error occurred'), i, entry);
      if (!isOperationOutcomeError(err)) throw err;
      results.push({ status: err.status, outcome: JSON.stringify(err.outcome) });
    }
  }
  return results;
}

/** The permissions a write entry of a transaction needs (a conditional one searches too); none for a read. */
function writeChecks(entry: ParsedEntry): Parameters<FhirPermit>[0][] {
  const conditional = entry.id === undefined;
  const on = { ...(entry.type ? { resourceType: entry.type } : {}), ...(entry.id ? { id: entry.id } : {}) };
  switch (entry.method) {
    case 'POST':
      return entry.headers['if-none-exist']
        ? [
            { interaction: 'create', ...on },
            { interaction: 'search-type', ...on },
          ]
        : [{ interaction: 'create', ...on }];
    case 'PUT':
      return [{ interaction: conditional ? 'conditional-update' : 'update', ...on }];
    case 'PATCH':
      return [{ interaction: conditional ? 'conditional-patch' : 'patch', ...on }];
    case 'DELETE':
      return [{ interaction: conditional ? 'conditional-delete' : 'delete', ...on }];
    case 'GET':
    case 'HEAD':
      // Reads go through the router, which checks them as they run.
      return [];
  }
}

/** An entry as a request of its own, sent by the bundle's caller: its source and its permission check. */
function entryRequest(entry: ParsedEntry, prefer: string | undefined, bundle: FhirRequest): FhirRequest {
  const headers = { ...entry.headers, prefer: prefer ?? 'return=representation' };
  const from = {
    ...(bundle.source === undefined ? {} : { source: bundle.source }),
    ...(bundle.permit === undefined ? {} : { permit: bundle.permit }),
    ...(bundle.rowFilter === undefined ? {} : { rowFilter: bundle.rowFilter }),
    ...(bundle.touched === undefined ? {} : { touched: bundle.touched }),
  };
  if (entry.method === 'PATCH') {
    return {
      method: 'PATCH',
      path: entry.path,
      query: entry.query,
      headers,
      body: entry.patch,
      contentType: 'application/json-patch+json',
      ...from,
    };
  }
  return {
    method: entry.method,
    path: entry.path,
    query: entry.query,
    headers,
    body: entry.resource,
    contentType: 'application/fhir+json',
    ...from,
  };
}

/** A response entry from an interaction's response (batch entries, and PUT/PATCH/GET in a transaction). */
function fromResponse(ctx: FhirContext, r: FhirResponse, method: Method, lastModified?: string): EntryResult {
  const h = r.headers ?? {};
  const result: EntryResult = { status: r.status };
  const base = `${fhirBase(ctx)}/`;
  if (h.location) {
    result.location = h.location.startsWith(base) ? h.location.slice(base.length) : h.location;
    result.fullUrl = `${base}${result.location.replace(/\/_history\/.*$/, '')}`;
  }
  if (h.etag) result.etag = h.etag;
  if (lastModified) result.lastModified = lastModified;
  else if (h['last-modified'])
    result.lastModified = lastUpdatedOf(r.body) ?? new Date(h['last-modified']).toISOString();
  if (r.body !== undefined && method !== 'HEAD') {
    if (method === 'DELETE' || /^\{"resourceType":"OperationOutcome"/.test(r.body)) result.outcome = r.body;
    else result.resource = r.body;
  }
  return result;
}

function lastUpdatedOf(body: string | undefined): string | undefined {
  if (!body) return undefined;
  return /"meta":\{[^{}]*?"lastUpdated":"([^"]+)"/.exec(body)?.[1];
}

// ------------------------------------------------------------------------------------------ transaction

interface Target {
  type: string;
  id: string;
}

/** What a POST entry resolved to: a new resource, or the existing match of its conditional create. */
interface CreateTarget extends Target {
  existing: boolean;
}

async function processTransaction(
  ctx: FhirContext,
  req: FhirRequest,
  raw: unknown[],
  dispatch: Dispatch,
): Promise<EntryResult[]> {
  const entries: ParsedEntry[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      entries.push(parseEntry(ctx, raw[i], i));
    } catch (e) {
      throw entryError(e, i, undefined);
    }
  }
  const fullUrls = new Set<string>();
  for (const entry of entries) {
    if (!entry.fullUrl || entry.method === 'GET' || entry.method === 'HEAD') continue;
    if (fullUrls.has(entry.fullUrl)) {
      throw entryError(
        badRequest(`Two entries have the fullUrl '${entry.fullUrl}'`, { code: 'bundle.duplicate-fullurl' }),
        entry.index,
        entry,
      );
    }
    fullUrls.add(entry.fullUrl);
  }
  // Every write is the caller's to make before any is made: the transaction writes creates and deletes itself, not
  // through the router (reads are checked by the router as they run).
  for (const entry of entries) {
    try {
      for (const check of writeChecks(entry)) req.permit?.(check);
    } catch (e) {
      throw entryError(e, entry.index, entry);
    }
  }
  const byMethod = (...methods: Method[]) => entries.filter((e) => methods.includes(e.method));
  const results: EntryResult[] = new Array<EntryResult>(entries.length);

  await transactionFor(ctx, req, async (tx) => {
    const txCtx = boundContext(ctx, tx);
    let current: ParsedEntry | undefined;
    try {
      // Conditional creates and updates are searched first without a lock: a condition that already matches one
      // resource will not create, so it cannot race. Only the others take a lock, which queues identical conditional
      // interactions of concurrent transactions behind one another (the keys are the ones interactions.ts uses),
      // all in one statement and one order so that two bundles cannot deadlock; they are then searched again.
      const found = new Map<string, string[]>();
      for (const entry of entries) {
        const condition = conditionOf(entry);
        if (condition === undefined) continue;
        current = entry;
        const key = conditionKey(entry.type!, condition);
        if (!found.has(key)) found.set(key, await searchIds(tx, ctx, entry.type!, condition, req.rowFilter));
      }
      current = undefined;
      const lockKeys = [...found].filter(([, ids]) => ids.length !== 1).map(([key]) => key);
      if (lockKeys.length) {
        await tx.q.query(
          'SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) s',
          [lockKeys],
        );
        for (const key of lockKeys) found.delete(key);
      }
      const resolve = async (entry: ParsedEntry, what: 'create' | 'update', condition: string) => {
        const key = conditionKey(entry.type!, condition);
        let ids = found.get(key);
        if (!ids) found.set(key, (ids = await searchIds(tx, ctx, entry.type!, condition, req.rowFilter)));
        return atMostOne(ids, entry, what, condition);
      };

      const written = new Set<string>();
      const claim = (entry: ParsedEntry, target: Target) => {
        const key = `${target.type}/${target.id}`;
        if (written.has(key)) {
          throw badRequest(`${key} is written by more than one entry of the transaction`, {
            code: 'bundle.duplicate-target',
          });
        }
        written.add(key);
      };

      // 1. DELETE
      for (const entry of byMethod('DELETE')) {
        current = entry;
        const ids = entry.id ? [entry.id] : await findOne(tx, ctx, entry, 'delete', true, req.rowFilter);
        const expected = versionOf(entry.headers['if-match']);
        let deleted: StoredVersion | undefined;
        for (const id of ids) {
          claim(entry, { type: entry.type!, id });
          await assertMayChange(tx, req, entry.type!, id);
          deleted = await tx.delete(entry.type!, id, expected === undefined ? {} : { ifMatch: expected });
        }
        if (deleted) req.touched?.([deleted]);
        results[entry.index] = deleted
          ? { status: 204, etag: etag(deleted.versionId), lastModified: deleted.lastUpdated }
          : { status: 204 };
      }

      // The searches below see the deletions.
      if (results.some((r) => r.etag)) {
        await tx.flush();
        found.clear();
      }

      // 2. Resolve what every POST and conditional PUT/PATCH stands for, before any reference is rewritten.
      const creates = new Map<number, CreateTarget>();
      const conditionalCreates = new Map<string, CreateTarget>();
      const posts = byMethod('POST');
      for (const entry of posts) {
        current = entry;
        const condition = entry.headers['if-none-exist'];
        if (!condition) {
          creates.set(entry.index, { type: entry.type!, id: tx.newId(), existing: false });
          continue;
        }
        const key = conditionKey(entry.type!, condition);
        let target = conditionalCreates.get(key);
        if (!target) {
          const match = await resolve(entry, 'create', stripType(entry.type!, condition));
          target = { type: entry.type!, id: match ?? tx.newId(), existing: match !== undefined };
          conditionalCreates.set(key, target);
        }
        creates.set(entry.index, target);
      }
      const updates = new Map<number, Target>();
      for (const entry of byMethod('PUT', 'PATCH')) {
        current = entry;
        let id = entry.id;
        if (id === undefined) {
          const match =
            entry.method === 'PUT'
              ? await resolve(entry, 'update', entry.condition)
              : (await findOne(tx, ctx, entry, 'patch', false, req.rowFilter))[0];
          id = match ?? (typeof entry.resource?.id === 'string' ? entry.resource.id : tx.newId());
        }
        updates.set(entry.index, { type: entry.type!, id });
      }

      // 3. fullUrl → the resource it became; then every reference in every resource is rewritten.
      const base = fhirBase(ctx);
      const ids = new Map<string, string>();
      for (const entry of entries) {
        const target = creates.get(entry.index) ?? (entry.method === 'PUT' ? updates.get(entry.index) : undefined);
        if (!target || !entry.fullUrl) continue;
        const reference = `${target.type}/${target.id}`;
        ids.set(entry.fullUrl, reference);
        // An absolute fullUrl on this server also stands for its relative form (FHIR R4 bundle.html#references).
        if (entry.fullUrl.startsWith(`${base}/`)) ids.set(entry.fullUrl.slice(base.length + 1), reference);
      }
      await rewriteReferences(tx, ctx, entries, ids, conditionalCreates, (e) => (current = e), req.rowFilter);

      // 4. POST
      const existing: CreateTarget[] = [];
      const created = new Map<string, StoredVersion>();
      for (const entry of posts) {
        current = entry;
        const target = creates.get(entry.index)!;
        const key = `${target.type}/${target.id}`;
        if (target.existing) {
          existing.push(target);
          continue;
        }
        const already = created.get(key);
        if (already) {
          results[entry.index] = versionResult(base, already, 200);
          continue;
        }
        claim(entry, target);
        const resource = checkBody(ctx, entry.resource, entry.type!);
        const version = tx.create(resource, { id: target.id });
        created.set(key, version);
        results[entry.index] = versionResult(base, version, 201);
      }
      current = undefined;
      const matched = await readVersions(tx, existing);
      for (const entry of posts) {
        const target = creates.get(entry.index)!;
        if (!target.existing) continue;
        const version = matched.get(`${target.type}/${target.id}`);
        if (!version) {
          throw entryError(notFound(`${target.type}/${target.id} matched but cannot be read`), entry.index, entry);
        }
        results[entry.index] = versionResult(base, version, 200);
      }
      await tx.flush();
      for (const entry of posts) {
        const version = created.get(`${creates.get(entry.index)!.type}/${creates.get(entry.index)!.id}`);
        if (!version) continue;
        current = entry;
        await assertWritten(tx, req, version);
        req.touched?.([version]);
      }
      current = undefined;

      // 5. PUT and PATCH, through the interactions, on this transaction.
      for (const entry of byMethod('PUT', 'PATCH')) {
        current = entry;
        const target = updates.get(entry.index)!;
        claim(entry, target);
        const request = entryRequest(entry, 'return=representation', req);
        request.path = `${target.type}/${target.id}`;
        request.query = [];
        if (entry.method === 'PUT' && entry.resource && entry.id === undefined && entry.resource.id === undefined) {
          request.body = { ...entry.resource, id: target.id };
        }
        results[entry.index] = fromResponse(ctx, await dispatch(txCtx, request), entry.method, tx.now());
      }

      // 6. GET and HEAD see the transaction's writes.
      for (const entry of byMethod('GET', 'HEAD')) {
        current = entry;
        results[entry.index] = fromResponse(
          ctx,
          await dispatch(txCtx, entryRequest(entry, undefined, req)),
          entry.method,
        );
      }
    } catch (e) {
      throw current ? entryError(e, current.index, current) : e;
    }
  });
  return results;
}

function versionResult(base: string, v: StoredVersion, status: number): EntryResult {
  return {
    status,
    fullUrl: `${base}/${v.resourceType}/${v.id}`,
    resource: v.content ?? undefined,
    location: `${v.resourceType}/${v.id}/_history/${v.versionId}`,
    etag: etag(v.versionId),
    lastModified: v.lastUpdated,
  };
}

function versionOf(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(ifMatch.trim());
  if (!m) throw badRequest('ifMatch must be a version ETag such as W/"1"', { code: 'request.if-match' });
  return Number(m[1]);
}

/** `Patient?identifier=x` or `identifier=x` as the query alone. */
function stripType(type: string, condition: string): string {
  return condition.startsWith(`${type}?`) ? condition.slice(type.length + 1) : condition.replace(/^\?/, '');
}

/** The key that serialises identical conditional interactions; the same text as interactions.ts builds. */
function conditionKey(type: string, condition: string): string {
  const query = stripType(type, condition).split('&').filter(Boolean).sort().join('&');
  return `${type}?${query}`;
}

/** What fhir/search needs to know of the model, from the FHIR context. */
function searchContext(ctx: FhirContext) {
  return { ...ctx, defs: ctx.model.definitions, scopeOf: (type: string) => ctx.model.scopeOf(type) };
}

/** The condition of a conditional create or update, which may create a resource. */
function conditionOf(entry: ParsedEntry): string | undefined {
  if (entry.method === 'POST' && entry.headers['if-none-exist'])
    return stripType(entry.type!, entry.headers['if-none-exist']);
  if (entry.method === 'PUT' && entry.id === undefined) return entry.condition;
  return undefined;
}

async function searchIds(
  tx: StoreTransaction,
  ctx: FhirContext,
  type: string,
  condition: string,
  filter: RowFilter | undefined,
): Promise<string[]> {
  if (!condition) throw badRequest('A conditional interaction needs search parameters', { code: 'conditional.empty' });
  return (await findIdsForCondition(tx.q, searchContext(ctx), type, condition, filter)).map((m) => m.id);
}

function atMostOne(ids: string[], entry: ParsedEntry, what: string, condition: string): string | undefined {
  if (ids.length > 1) {
    throw preconditionFailed(
      `${ids.length} ${entry.type} resources match '${condition}'; a conditional ${what} needs at most one`,
      { code: 'conditional.multiple-matches' },
    );
  }
  return ids[0];
}

/** The ids matching a conditional delete (none or one) or patch (exactly one). */
async function findOne(
  tx: StoreTransaction,
  ctx: FhirContext,
  entry: ParsedEntry,
  what: 'patch' | 'delete',
  noneAllowed: boolean,
  filter: RowFilter | undefined,
): Promise<string[]> {
  const ids = await searchIds(tx, ctx, entry.type!, entry.condition, filter);
  atMostOne(ids, entry, what, entry.condition);
  if (ids.length === 0 && !noneAllowed) throw notFound(`No ${entry.type} matches '${entry.condition}'`);
  return ids;
}

// FHIR R4 bundle.html#references and http.html#trules: a reference to an entry's fullUrl becomes the id that
// entry got; a conditional reference `Type?search` becomes the one resource it matches (none or several is 412).
async function rewriteReferences(
  tx: StoreTransaction,
  ctx: FhirContext,
  entries: ParsedEntry[],
  ids: Map<string, string>,
  conditionalCreates: Map<string, CreateTarget>,
  setCurrent: (e: ParsedEntry) => void,
  filter: RowFilter | undefined,
) {
  const pending = new Map<string, { holders: Record<string, unknown>[]; entry: ParsedEntry }>();
  for (const entry of entries) {
    if (!entry.resource) continue;
    setCurrent(entry);
    visitReferences(entry.resource, (holder, reference) => {
      const id = ids.get(reference);
      if (id !== undefined) {
        holder.reference = id;
        return;
      }
      if (CONDITIONAL_REFERENCE.test(reference)) {
        const p = pending.get(reference);
        if (p) p.holders.push(holder);
        else pending.set(reference, { holders: [holder], entry });
        return;
      }
      if (/^urn:(uuid|oid):/.test(reference)) {
        throw badRequest(`The reference '${reference}' names no entry of the transaction`, {
          code: 'bundle.unresolved-reference',
        });
      }
    });
  }
  for (const [reference, { holders, entry }] of pending) {
    setCurrent(entry);
    const [, type, query] = CONDITIONAL_REFERENCE.exec(reference)!;
    assertKnownType(ctx, type!);
    const inBundle = conditionalCreates.get(conditionKey(type!, query!));
    let id = inBundle?.id;
    if (id === undefined) {
      const matches = await findIdsForCondition(tx.q, searchContext(ctx), type!, query!, filter);
      if (matches.length !== 1) {
        throw preconditionFailed(
          `The conditional reference '${reference}' matches ${matches.length} resources; it must match exactly one`,
          { code: 'bundle.conditional-reference' },
        );
      }
      id = matches[0]!.id;
    }
    for (const holder of holders) holder.reference = `${type}/${id}`;
  }
}

/** Calls fn for every `reference` string at any depth (Reference.reference, in extensions and contained too). */
function visitReferences(node: unknown, fn: (holder: Record<string, unknown>, reference: string) => void) {
  if (Array.isArray(node)) {
    for (const item of node) if (item !== null && typeof item === 'object') visitReferences(item, fn);
    return;
  }
  const o = node as Record<string, unknown>;
  for (const key in o) {
    const value = o[key];
    if (value === null || typeof value !== 'object') {
      if (key === 'reference' && typeof value === 'string') fn(o, value);
      continue;
    }
    visitReferences(value, fn);
  }
}

// Both scopes in one statement; a resource is in one of them only.
const READ_CURRENT_VERSIONS = `
  SELECT r.patient_key, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
    FROM unnest($1::text[], $2::text[]) AS u(resource_type, id)
    JOIN resource_key k ON k.resource_type = u.resource_type AND k.id = u.id
    JOIN patient_resource r ON r.patient_key = k.patient_key AND r.resource_type = k.resource_type AND r.id = k.id
  UNION ALL
  SELECT r.patient_key, r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content
    FROM unnest($1::text[], $2::text[]) AS u(resource_type, id)
    JOIN shared_resource r ON r.patient_key = '' AND r.resource_type = u.resource_type AND r.id = u.id`;

/** The current versions of several resources, in one statement. */
async function readVersions(tx: StoreTransaction, targets: Target[]): Promise<Map<string, StoredVersion>> {
  const found = new Map<string, StoredVersion>();
  if (targets.length === 0) return found;
  const rows = await tx.q.query<VersionRow>(READ_CURRENT_VERSIONS, [
    targets.map((t) => t.type),
    targets.map((t) => t.id),
  ]);
  for (const row of rows) {
    const v = fromHistoryRow(row);
    if (!v.deleted) found.set(`${v.resourceType}/${v.id}`, v);
  }
  return found;
}

/** The FHIR context with a store whose reads and writes run on this transaction, for entries that go through the router. */
function boundContext(ctx: FhirContext, tx: StoreTransaction): FhirContext {
  const db: Db = {
    engine: ctx.store.db.engine,
    query: (text, params) => tx.q.query(text, params),
    transaction: (fn) => fn(tx.q),
    close: () => Promise.resolve(),
  };
  // One instant for the whole transaction, so that every entry's meta.lastUpdated is the same.
  const store = new FhirStore(db, ctx.store.model, {
    clock: { now: () => new Date(tx.now()) },
    newId: () => tx.newId(),
    // What an entry writes is checked (references) and linked (Patients) by the bundle's own transaction, once,
    // at its end: an entry may refer to what a later one writes.
    within: tx,
    label: ctx.store.label,
  });
  return { ...ctx, store };
}
