import { badRequest } from '@joinedup/fhir';
import type { FhirStore, StoredVersion } from './store.ts';
import { fromHistoryRow, HISTORY_COLUMNS, type VersionRow } from './store.ts';
import { binderFor, filterSql, type RowFilter } from './row-filter.ts';
import { SCOPES, tablesOf } from './store.migrations.ts';

export interface HistoryQuery {
  resourceType?: string | undefined;
  id?: string | undefined;
  query: [string, string][];
  defaultCount: number;
  maxCount: number;
  /** The rows the caller may see (ADR 11); every version else is left out. */
  filter?: RowFilter | undefined;
}

export interface HistoryPage {
  entries: StoredVersion[];
  /** Cursor of the next (older) page, when there is one. */
  next?: string;
  cursorUsed: boolean;
  params: [string, string][];
}

interface Cursor {
  t: string;
  r: string;
  i: string;
  v: number;
}

/**
 * Reads history newest first. Paging is by keyset on (last_updated, resource_type, id, version_id): versions
 * are never changed once written, so a page boundary never moves and nothing is skipped or repeated.
 */
export async function readHistory(store: FhirStore, h: HistoryQuery): Promise<HistoryPage> {
  let count = h.defaultCount;
  let since: string | undefined;
  let cursor: Cursor | undefined;
  const params: [string, string][] = [];
  for (const [name, value] of h.query) {
    if (name === '_count') {
      if (!/^\d{1,6}$/.test(value)) throw badRequest('_count must be a whole number', { code: 'search.count' });
      count = Math.min(Number(value), h.maxCount);
      params.push([name, String(count)]);
    } else if (name === '_since') {
      if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d\d-\d\dT/.test(value)) {
        throw badRequest('_since must be an instant such as 2026-01-01T00:00:00Z', { code: 'search.since' });
      }
      since = new Date(value).toISOString();
      params.push([name, value]);
    } else if (name === '_cursor') {
      cursor = decodeCursor(value);
    } else if (name === '_at' || name === '_list') {
      throw badRequest(`${name} is not supported on history`, { code: 'search.unsupported' });
    }
  }
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  if (h.resourceType) add((n) => `resource_type = ${n}`, h.resourceType);
  if (h.id) add((n) => `id = ${n}`, h.id);
  // FHIR R4 http.html#history: versions created at or after the instant.
  if (since) add((n) => `last_updated >= ${n}::timestamptz`, since);
  if (cursor) {
    values.push(cursor.t, cursor.r, cursor.i, cursor.v);
    const n = values.length;
    where.push(
      `(last_updated, resource_type, id, version_id) < ($${n - 3}::timestamptz, $${n - 2}, $${n - 1}, $${n}::int)`,
    );
  }
  values.push(count + 1);
  const limit = `$${values.length}`;
  const scopes = h.resourceType ? [store.model.scopeOf(h.resourceType)] : SCOPES;
  const types = h.resourceType ? [h.resourceType] : undefined;
  const selects = scopes.map((s) => {
    const visible = filterSql(h.filter, { alias: 'v', scope: s, types, history: true }, binderFor(values));
    const all = [...where, visible].filter((w) => w !== 'TRUE');
    return `SELECT ${HISTORY_COLUMNS} FROM ${tablesOf(s).history} v ${all.length ? `WHERE ${all.join(' AND ')}` : ''}`;
  });
  const order = 'ORDER BY last_updated DESC, resource_type DESC, id DESC, version_id DESC';
  const sql =
    selects.length === 1
      ? `${selects[0]} ${order} LIMIT ${limit}`
      : `SELECT * FROM (${selects.map((s) => `(${s} ${order} LIMIT ${limit})`).join(' UNION ALL ')}) h ${order} LIMIT ${limit}`;
  const rows = await store.db.query<VersionRow>(sql, values);
  let entries = rows.slice(0, count).map(fromHistoryRow);
  if (h.filter?.shape) entries = await h.filter.shape(store.db, entries);
  const last = entries[entries.length - 1];
  const page: HistoryPage = { entries, cursorUsed: cursor !== undefined, params };
  if (rows.length > count && last) {
    page.next = encodeCursor({ t: last.lastUpdated, r: last.resourceType, i: last.id, v: last.versionId });
  }
  return page;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.t === 'string' && typeof c.r === 'string' && typeof c.i === 'string' && Number.isInteger(c.v)) {
      if (!Number.isNaN(Date.parse(c.t))) return c;
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('The paging cursor is not valid; start the history again from the first page', {
    code: 'search.cursor',
  });
}
