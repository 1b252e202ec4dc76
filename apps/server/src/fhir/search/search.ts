import { badRequest } from '@joinedup/fhir';
import type { Queryable } from '../../platform/db.ts';
import type { SearchDefinitions } from '../definitions/search-parameters.ts';
import type { RowFilter } from '../store/row-filter.ts';
import { fromHistoryRow, type StoredVersion, type VersionRow } from '../store/store.ts';
import {
  compileInclude,
  compileRevinclude,
  compileSearch,
  encodeCursor,
  includeParams,
  type CompiledSearch,
  type ResourceKey,
  type ScopeOf,
} from './compile.ts';
import { parseSearchRequest, type IncludeSpec, type SearchRequest } from './request.ts';
import { subsetContent } from './summary.ts';

export { parseSearchRequest };

/** What search needs to know about the FHIR model. */
export interface SearchContext {
  defs: SearchDefinitions;
  scopeOf: ScopeOf;
  /** The time `ap` dates are approximated from; the system clock when absent. */
  now?: () => Date;
}

export interface SearchResult {
  matches: StoredVersion[];
  includes: StoredVersion[];
  total?: number;
  /** Cursor of the next page, for `_cursor`. */
  next?: string;
  previous?: string;
  /** The parameters actually applied, normalised, for the self link. */
  selfParams: [string, string][];
  warnings: string[];
}

type Row = VersionRow & Record<string, unknown>;

// Iterated includes follow at most this many hops (FHIR R4 search.html#revinclude leaves the depth to the server).
const MAX_INCLUDE_DEPTH = 3;

/**
 * Runs a search: the page query, the count query when a total is wanted, then includes over the page. Every
 * statement reads only the rows `filter` lets the caller see, and what leaves is what it shapes.
 */
export async function executeSearch(
  q: Queryable,
  ctx: SearchContext,
  request: SearchRequest,
  filter?: RowFilter,
): Promise<SearchResult> {
  const now = ctx.now?.();
  const options = { ...(now ? { now } : {}), filter };
  let compiled = compileSearch(ctx.defs, ctx.scopeOf, request, options);
  // A search of one patient's rows: the filter looks the patient up once, and the statement carries the answer.
  if (filter?.prepare && compiled.patientKey !== undefined && (await filter.prepare(q, compiled.patientKey))) {
    compiled = compileSearch(ctx.defs, ctx.scopeOf, request, options);
  }
  let rows = compiled.sql ? await q.query<Row>(compiled.sql, compiled.params) : [];
  const hasMore = rows.length > compiled.pageSize;
  if (hasMore) rows = rows.slice(0, compiled.pageSize);
  if (compiled.backwards) rows.reverse();

  const result: SearchResult = {
    matches: rows.map(toVersion),
    includes: [],
    selfParams: selfParams(request, compiled),
    warnings: compiled.warnings,
  };
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (last && (compiled.backwards || hasMore)) result.next = cursorOf(compiled, last, 'next');
  if (first && (compiled.backwards ? hasMore : request.cursor !== undefined))
    result.previous = cursorOf(compiled, first, 'previous');

  if (compiled.countSql) {
    const [row] = await q.query<{ total: number | string }>(compiled.countSql, compiled.countParams);
    result.total = Number(row?.total ?? 0);
  } else if (request.total !== 'none' && request.cursor === undefined && !hasMore) {
    result.total = rows.length;
  }

  if (result.matches.length && (request.include.length || request.revinclude.length)) {
    result.includes = await runIncludes(q, ctx, request, result.matches, filter);
  }
  if (filter?.shape) {
    result.matches = await filter.shape(q, result.matches);
    result.includes = await filter.shape(q, result.includes);
  }
  if (request.summary || request.elements) {
    const subset = (v: StoredVersion): StoredVersion =>
      v.content ? { ...v, content: subsetContent(v.content, request.summary, request.elements) } : v;
    result.matches = result.matches.map(subset);
    result.includes = result.includes.map(subset);
  }
  return result;
}

function toVersion(row: Row): StoredVersion {
  return fromHistoryRow(row);
}

function cursorOf(compiled: CompiledSearch, row: Row, direction: 'next' | 'previous'): string {
  return encodeCursor({
    direction,
    values: compiled.sort.map((_, i) => {
      const v = row[`s${i}`];
      return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
    }),
    id: row.id,
    type: row.resource_type,
    sort: compiled.sort.map((s) => (s.descending ? '-' : '') + s.code).join(','),
  });
}

function selfParams(request: SearchRequest, compiled: CompiledSearch): [string, string][] {
  const out = [...compiled.selfParams];
  const spec = (s: IncludeSpec) =>
    s.sourceType === '*' ? '*' : `${s.sourceType}:${s.param}${s.targetType ? `:${s.targetType}` : ''}`;
  for (const s of request.include) out.push([s.iterate ? '_include:iterate' : '_include', spec(s)]);
  for (const s of request.revinclude) out.push([s.iterate ? '_revinclude:iterate' : '_revinclude', spec(s)]);
  if (request.summary) out.push(['_summary', request.summary]);
  if (request.elements) out.push(['_elements', request.elements.join(',')]);
  if (request.total) out.push(['_total', request.total]);
  out.push(['_count', String(request.count)]);
  return out;
}

const keyOf = (v: { resourceType: string; id: string }) => `${v.resourceType}/${v.id}`;

async function runIncludes(
  q: Queryable,
  ctx: SearchContext,
  request: SearchRequest,
  matches: StoredVersion[],
  filter: RowFilter | undefined,
): Promise<StoredVersion[]> {
  const seen = new Set(matches.map(keyOf));
  const included: StoredVersion[] = [];
  // Round 0 applies every include to the matches; later rounds apply the :iterate ones to what the
  // previous round added.
  let frontier: StoredVersion[] = matches;
  for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length; depth++) {
    const include = request.include.filter((s) => depth === 0 || s.iterate);
    const revinclude = request.revinclude.filter((s) => depth === 0 || s.iterate);
    if (!include.length && !revinclude.length) break;
    const added: StoredVersion[] = [];
    const take = (rows: Row[]) => {
      for (const row of rows) {
        const v = toVersion(row);
        if (seen.has(keyOf(v))) continue;
        seen.add(keyOf(v));
        added.push(v);
      }
    };
    const byType = new Map<string, ResourceKey[]>();
    for (const v of frontier) {
      const list = byType.get(v.resourceType) ?? [];
      list.push({ patientKey: v.patientKey, resourceType: v.resourceType, id: v.id });
      byType.set(v.resourceType, list);
    }
    for (const spec of include) {
      for (const [type, sources] of byType) {
        const params = includeParams(ctx.defs, spec, type);
        if (!params.length) continue;
        const stmt = compileInclude(ctx.scopeOf, type, sources, params, spec.targetType, filter);
        take(await q.query<Row>(stmt.sql, stmt.params));
      }
    }
    const targets = frontier.map((v) => ({ patientKey: v.patientKey, resourceType: v.resourceType, id: v.id }));
    for (const spec of revinclude) {
      if (spec.sourceType === '*')
        throw badRequest('_revinclude=* is not supported: name the referring type', { code: 'search.invalid-include' });
      const params = includeParams(ctx.defs, spec, spec.sourceType);
      if (!params.length) continue;
      const stmt = compileRevinclude(ctx.scopeOf, spec.sourceType, targets, params, filter);
      take(await q.query<Row>(stmt.sql, stmt.params));
    }
    included.push(...added);
    frontier = added;
  }
  return included;
}

/**
 * The current resources matching a conditional create/update/delete's criteria (`identifier=x|y`): at most
 * two, which is enough to tell none, one and several apart. Unknown parameters are an error here, since
 * ignoring one would widen the match.
 */
export async function findIdsForCondition(
  q: Queryable,
  ctx: SearchContext,
  resourceType: string,
  queryString: string,
  filter?: RowFilter,
): Promise<{ id: string; versionId: number }[]> {
  const params = [...new URLSearchParams(queryString.startsWith('?') ? queryString.slice(1) : queryString)];
  const request = parseSearchRequest(resourceType, params, { strict: true, defaultCount: 2, maxCount: 2 });
  if (request.filters.length === 0) {
    throw badRequest('A conditional request needs at least one search parameter', { code: 'search.condition-empty' });
  }
  request.count = 2;
  request.include = [];
  request.revinclude = [];
  request.total = 'none';
  // What the caller may not see is not matched: a conditional write must not tell that it exists.
  const compiled = compileSearch(ctx.defs, ctx.scopeOf, request, { filter });
  if (!compiled.sql) return [];
  const rows = await q.query<Row>(compiled.sql, compiled.params);
  return rows.slice(0, 2).map((r) => ({ id: r.id, versionId: r.version_id }));
}
