import { badRequest, gone, isValidId, notFound } from '@joinedup/fhir';
import type { FhirRequest, FhirResponse } from './fhir-http.ts';
import { fhirBase, type FhirContext } from './interactions.ts';
import { binderFor, filterSql, type RowFilter } from '../store/row-filter.ts';

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

type Row = { patient_key: string; resource_type: string; id: string; scope: string; content: string };

// $1 the patient ids (one, or every Patient a Person links), $2 the _type list, $3 _since, $4 and $5 the cursor's type and id; a null one applies no filter.
// The shared branch starts from this patient's own reference rows, so its cost does not grow with the
// number of shared resources. The conditions are pushed into both branches: the compartment is read along patient_resource's primary key
// (patient_key, resource_type, id), already in the order of the page, from the cursor on.
// The caller's row filter (ADR 11) is added to both branches, binding its values after these five.
function everythingSql(filter: RowFilter | undefined, values: unknown[]): string {
  const bind = binderFor(values);
  const compartment = filterSql(filter, { alias: 'p', scope: 'patient', types: undefined, history: false }, bind);
  const shared = filterSql(filter, { alias: 's', scope: 'shared', types: undefined, history: false }, bind);
  return `
  SELECT p.patient_key, p.resource_type, p.id, 'p' AS scope, p.last_updated, p.content FROM patient_resource p
   WHERE p.patient_key = ANY($1::text[]) AND NOT p.deleted AND ${compartment}
  UNION ALL
  SELECT s.patient_key, s.resource_type, s.id, 's' AS scope, s.last_updated, s.content
    FROM (SELECT DISTINCT target_type, target_id FROM patient_sp_reference
           WHERE patient_key = ANY($1::text[]) AND target_id IS NOT NULL AND target_type IS NOT NULL) t
    JOIN shared_resource s ON s.patient_key = '' AND s.resource_type = t.target_type AND s.id = t.target_id
   WHERE NOT s.deleted AND ${shared}`;
}
const FILTERS = `
   WHERE ($2::text[] IS NULL OR resource_type = ANY($2::text[]))
     AND ($3::timestamptz IS NULL OR last_updated >= $3::timestamptz)
     AND ($4::text IS NULL OR (resource_type, id) > ($4::text, $5::text))`;

/** Patient/[id]/$everything with `_since`, `_type`, `_count` and keyset paging (`_cursor`). */
export async function everything(ctx: FhirContext, req: FhirRequest, id: string): Promise<FhirResponse> {
  if (!isValidId(id)) throw notFound(`Patient/${id} is not known`);
  const p = parseParams(ctx, req);
  const values: unknown[] = [id];
  const visible = filterSql(
    req.rowFilter,
    { alias: 'p', scope: 'patient', types: ['Patient'], history: false },
    binderFor(values),
  );
  const patient = await ctx.store.db.query<{ deleted: boolean }>(
    `SELECT p.deleted FROM patient_resource p
      WHERE p.patient_key = $1 AND p.resource_type = 'Patient' AND p.id = $1 AND ${visible}`,
    values,
  );
  if (!patient[0]) throw notFound(`Patient/${id} is not known`);
  if (patient[0].deleted) throw gone(`Patient/${id} has been deleted`);
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
  const values = [patientIds, p.types ?? null, p.since ?? null, p.cursor?.t ?? null, p.cursor?.i ?? null];
  const base = fhirBase(ctx);
  const extra = first === undefined ? 0 : 1;
  const self = url(base, focus, p.params);
  const everything = everythingSql(req.rowFilter, values);
  if (p.count === 0) {
    const [row] = await ctx.store.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (${everything}) e${FILTERS}`,
      values,
    );
    return { status: 200, body: bundleText(self, undefined, (row?.n ?? 0) + extra, []) };
  }
  const limit = binderFor(values)(p.count + 1, 'int');
  const read = `SELECT patient_key, resource_type, id, scope, content FROM (${everything}) e${FILTERS} ORDER BY resource_type, id LIMIT ${limit}`;
  const found = await ctx.store.db.query<Row>(read, values);
  const rows = req.rowFilter?.shape
    ? await req.rowFilter.shape(ctx.store.db, found.map((r) => ({ ...r, patientKey: r.patient_key, resourceType: r.resource_type })))
    : found;
  const page = rows.slice(0, p.count);
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
