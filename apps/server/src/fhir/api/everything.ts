import { badRequest, isValidId, notFound } from '@joinedup/fhir';
import type { FhirRequest, FhirResponse } from './fhir-http.ts';
import { fhirBase, type FhirContext } from './interactions.ts';
import { countCompartment, readCompartment, type CompartmentQuery } from '../store/compartment-read.ts';

// FHIR R4 patient-operation-everything.html: the Patient, every resource of its compartment, and the resources
// those refer to. Patient-compartment resources are stored under the patient's key, so the compartment is one
// index range of patient_resource; the shared resources they refer to (Organization, Practitioner, Location,
// Medication ...) come from the reference index rows kept under the same key. Resources that name the patient
// only through a second compartment parameter live with another patient and are not included.

interface Cursor {
  t: string;
  i: string;
}

interface EverythingParams {
  count: number;
  since: string | undefined;
  types: string[] | undefined;
  cursor: Cursor | undefined;
  /** The parameters to repeat in the paging links. */
  params: [string, string][];
}

/** Patient/[id]/$everything with `_since`, `_type`, `_count` and keyset paging (`_cursor`). */
export async function everything(ctx: FhirContext, req: FhirRequest, id: string): Promise<FhirResponse> {
  if (!isValidId(id)) throw notFound(`Patient/${id} is not known`);
  const p = parseParams(ctx, req);
  // 404 when unknown or hidden from the caller, 410 when deleted.
  await ctx.store.read('Patient', id, req.rowFilter);
  return page(ctx, req, p, [id], `Patient/${id}`, undefined);
}

/**
 * Person/[id]/$everything: one person's record across every source: the Person, and the compartments of every
 * Patient it links (the master patient index keeps Person.link current), with the same parameters and paging
 * as Patient/$everything. The Person comes first on the first page.
 */
export async function personEverything(ctx: FhirContext, req: FhirRequest, id: string): Promise<FhirResponse> {
  if (!isValidId(id)) throw notFound(`Person/${id} is not known`);
  const p = parseParams(ctx, req);
  const stored = await ctx.store.read('Person', id, req.rowFilter);
  const person = JSON.parse(stored.content!) as { link?: { target?: { reference?: string } }[] };
  const patients = [
    ...new Set(
      (person.link ?? [])
        .map((l) => /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(l.target?.reference ?? '')?.[1])
        .filter((x): x is string => x !== undefined),
    ),
  ];
  const focal =
    !p.cursor && (!p.types || p.types.includes('Person')) && (!p.since || stored.lastUpdated >= p.since)
      ? `{"fullUrl":${JSON.stringify(`${fhirBase(ctx)}/Person/${id}`)},"resource":${stored.content},"search":{"mode":"match"}}`
      : undefined;
  return page(ctx, req, p, patients, `Person/${id}`, focal);
}

async function page(
  ctx: FhirContext,
  req: FhirRequest,
  p: EverythingParams,
  patientIds: string[],
  focus: string,
  first: string | undefined,
): Promise<FhirResponse> {
  const query: CompartmentQuery = {
    patientIds,
    types: p.types,
    since: p.since,
    after: p.cursor ? { type: p.cursor.t, id: p.cursor.i } : undefined,
  };
  const base = fhirBase(ctx);
  const extra = first === undefined ? 0 : 1;
  const self = url(base, focus, p.params);
  if (patientIds.length === 1) await req.rowFilter?.prepare?.(ctx.store.db, patientIds[0]!);
  if (p.count === 0) {
    const n = await countCompartment(ctx.store.db, query, req.rowFilter);
    return { status: 200, body: bundleText(self, undefined, n + extra, []) };
  }
  const found = (await readCompartment(ctx.store.db, query, p.count + 1, req.rowFilter)).map((r) => ({
    ...r,
    patientKey: r.patient_key,
    resourceType: r.resource_type,
  }));
  const rows = req.rowFilter?.shape ? await req.rowFilter.shape(ctx.store.db, found) : found;
  const page = rows.slice(0, p.count);
  req.touched?.(page);
  const last = page[page.length - 1];
  const next =
    rows.length > p.count && last
      ? url(base, focus, [...p.params, ['_cursor', encodeCursor({ t: last.resource_type, i: last.id })]])
      : undefined;
  // The total is known for free when the whole answer is on this one page.
  const total = !p.cursor && !next ? page.length + extra : undefined;
  const entries = page.map(
    (r) =>
      `{"fullUrl":${JSON.stringify(`${base}/${r.resource_type}/${r.id}`)},"resource":${r.content},"search":{"mode":"${r.scope === 'p' ? 'match' : 'include'}"}}`,
  );
  if (first !== undefined) entries.unshift(first);
  return { status: 200, body: bundleText(self, next, total, entries) };
}

function bundleText(self: string, next: string | undefined, total: number | undefined, entries: string[]): string {
  const links = [JSON.stringify({ relation: 'self', url: self })];
  if (next) links.push(JSON.stringify({ relation: 'next', url: next }));
  const t = total === undefined ? '' : `,"total":${total}`;
  return `{"resourceType":"Bundle","type":"searchset"${t},"link":[${links.join(',')}],"entry":[${entries.join(',')}]}`;
}

function url(base: string, focus: string, params: [string, string][]): string {
  const qs = new URLSearchParams(params).toString();
  return `${base}/${focus}/$everything${qs ? `?${qs}` : ''}`;
}

function parseParams(ctx: FhirContext, req: FhirRequest): EverythingParams {
  const input: [string, string][] = [...req.query];
  // POST takes the same parameters in a Parameters resource.
  const body = req.body as
    { resourceType?: unknown; parameter?: { name?: unknown; [k: string]: unknown }[] } | undefined;
  if (req.method === 'POST' && body?.resourceType === 'Parameters') {
    for (const param of body.parameter ?? []) {
      const value = Object.entries(param).find(([k]) => k.startsWith('value'))?.[1];
      if (typeof param.name === 'string' && (typeof value === 'string' || typeof value === 'number')) {
        input.push([param.name, String(value)]);
      }
    }
  }
  const p: EverythingParams = {
    count: ctx.config.maxPageSize,
    since: undefined,
    types: undefined,
    cursor: undefined,
    params: [],
  };
  for (const [name, value] of input) {
    switch (name) {
      case '_count':
        if (!/^\d{1,6}$/.test(value)) throw badRequest('_count must be a whole number', { code: 'search.count' });
        p.count = Math.min(Number(value), ctx.config.maxPageSize);
        p.params.push([name, String(p.count)]);
        break;
      case '_since':
        if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(Date.parse(value))) {
          throw badRequest('_since must be an instant such as 2026-01-01T00:00:00Z', { code: 'search.since' });
        }
        p.since = new Date(value).toISOString();
        p.params.push([name, value]);
        break;
      case '_type': {
        const types = value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const unknown = types.filter((t) => !ctx.model.resourceTypes.has(t));
        if (unknown.length) {
          throw badRequest(`_type names unknown resource types: ${unknown.join(', ')}`, { code: 'search.type' });
        }
        p.types = [...new Set([...(p.types ?? []), ...types])];
        p.params.push([name, value]);
        break;
      }
      case '_cursor':
        p.cursor = decodeCursor(value);
        break;
      default:
        // start, end and _elements are optional in R4 and not supported; the self link shows what was applied.
        break;
    }
  }
  return p;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.t, c.i])).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && c.length === 2 && typeof c[0] === 'string' && typeof c[1] === 'string') {
      return { t: c[0], i: c[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('The paging cursor is not valid; start $everything again from the first page', {
    code: 'search.cursor',
  });
}
