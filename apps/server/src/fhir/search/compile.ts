import r4Model from 'fhirpath/fhir-context/r4';
import { badRequest, isValidId, notSupported } from '@joinedup/fhir';
import {
  rowSelectors,
  type RowSelector,
  type SearchDefinitions,
  type SearchParamDef,
  type SearchParamType,
} from '../definitions/search-parameters.ts';
import { tablesOf, type Scope } from '../store/store.migrations.ts';
import { filterSql, type Bind, type RowFilter } from '../store/row-filter.ts';
import { parseReference } from './extract.ts';
import type { Filter, IncludeSpec, ParsedName, SearchRequest, SortKey } from './request.ts';
import { and, escapeLike, or, SqlParams, type SqlCast } from './sql-fragment.ts';
import {
  dateRange,
  normaliseString,
  numberRange,
  splitEscaped,
  truncate,
  unescapeValue,
  type NumberRange,
  type Range,
} from './values.ts';

export type ScopeOf = (resourceType: string) => Scope;

/** The columns every result row carries, in the store's shape. */
export const RESULT_COLUMNS = 'patient_key, resource_type, id, version_id, last_updated, deleted, content';

/** One compiled sort key: how to cast its value back from a cursor. */
export interface CompiledSortKey {
  code: string;
  descending: boolean;
  cast: SqlCast;
}

export interface CompiledSearch {
  /** The page query; undefined when only a total is wanted (`_count=0`). */
  sql: string | undefined;
  params: unknown[];
  /** The count query, when a total is asked for. */
  countSql: string | undefined;
  countParams: unknown[];
  sort: CompiledSortKey[];
  /** Whether the page query runs backwards from a `previous` cursor (its rows come back reversed). */
  backwards: boolean;
  pageSize: number;
  types: string[];
  warnings: string[];
  /** The parameters actually applied, normalised, for the self link. */
  selfParams: [string, string][];
  /** The one patient's key every branch is narrowed to, when there is one (for `RowFilter.prepare`). */
  patientKey?: string;
}

/** The position of a row in a sorted result: its sort values and id (and type, in a multi-type search). */
export interface Cursor {
  direction: 'next' | 'previous';
  values: (string | null)[];
  id: string;
  type: string;
  /** The `_sort` the cursor was made for; a cursor is only valid for the same order. */
  sort: string;
}

const DATE_PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
const SUPERSET_MODIFIERS = new Set(['in', 'not-in', 'below', 'above', 'of-type']);
const MAX_OR_VALUES = 100;

class UnknownParameter extends Error {}

interface Ctx {
  defs: SearchDefinitions;
  scopeOf: ScopeOf;
  p: SqlParams;
  now: Date;
  /** The request's row filter, added to every resource table a statement reads. */
  filter: RowFilter | undefined;
}

/** The resource rows a condition is about: `alias` has the columns of a `<scope>_resource` table. */
interface Subject {
  alias: string;
  types: string[];
  /** SQL for the subject's resource type: a bound constant when there is one type. */
  typeSql: string;
  scope: Scope;
}

/** Compiles a parsed search into one parameterised statement (plus a count statement when a total is needed). */
export function compileSearch(
  defs: SearchDefinitions,
  scopeOf: ScopeOf,
  request: SearchRequest,
  options: { now?: Date; filter?: RowFilter | undefined } = {},
): CompiledSearch {
  const now = options.now ?? new Date();
  const filter = options.filter;
  const types = searchTypes(defs, request);
  const warnings: string[] = [];
  const selfParams: [string, string][] = [];
  const multiType = types.length > 1;

  // First pass: find out which filters apply (unknown ones are dropped or rejected).
  const probe: Ctx = { defs, scopeOf, p: new SqlParams(), now, filter };
  const probeSubject = subjectFor(probe, 'r', types, scopeOf(types[0]!));
  const filters: Filter[] = [];
  for (const f of request.filters) {
    try {
      filterCondition(probe, probeSubject, f.name, f.value, f.raw);
      filters.push(f);
      selfParams.push([f.raw, f.value]);
    } catch (e) {
      if (!(e instanceof UnknownParameter)) throw e;
      unknownParameter(request, f.raw, e.message, warnings);
    }
  }
  for (const name of request.unknown) unknownParameter(request, name, `Unknown search parameter ${name}`, warnings);

  const sort: { key: SortKey; cast: SqlCast }[] = [];
  for (const key of request.sort) {
    try {
      sort.push({ key, cast: sortExpression(probe, probeSubject, key).cast });
    } catch (e) {
      if (!(e instanceof UnknownParameter)) throw e;
      unknownParameter(request, `_sort=${key.code}`, e.message, warnings);
    }
  }
  for (const spec of [...request.include, ...request.revinclude]) checkInclude(defs, spec);
  const sortText = sort.map((s) => (s.key.descending ? '-' : '') + s.key.code).join(',');
  if (sortText) selfParams.push(['_sort', sortText]);
  if (request.resourceType === undefined && request.types.length) selfParams.push(['_type', types.join(',')]);

  const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor, sort.length, sortText);
  const backwards = cursor?.direction === 'previous';

  const narrowedKeys = new Set<string | undefined>();
  const branches = (ctx: Ctx, withSort: boolean) => {
    const byScope = new Map<Scope, string[]>();
    for (const t of types) {
      const s = scopeOf(t);
      byScope.set(s, [...(byScope.get(s) ?? []), t]);
    }
    const parts: string[] = [];
    for (const [scope, scopeTypes] of byScope) {
      const subject = subjectFor(ctx, 'r', scopeTypes, scope);
      const conditions = [
        scopeTypes.length === 1
          ? `r.resource_type = ${subject.typeSql}`
          : `r.resource_type = ANY(${ctx.p.add(scopeTypes, 'text[]')})`,
        'NOT r.deleted',
      ];
      // A statement narrowed to one patient's key lets the row filter decide about that patient once.
      const narrowed: { key?: string } = {};
      if (request.compartment) {
        conditions.push(compartmentCondition(ctx, subject, request.compartment.id));
        if (scope === 'patient') narrowed.key = request.compartment.id;
      }
      conditions.push(...patientKeyFastPath(ctx, subject, filters, narrowed));
      narrowedKeys.add(narrowed.key);
      conditions.push(
        filterSql(
          ctx.filter,
          {
            alias: 'r',
            scope,
            types: scopeTypes,
            history: false,
            ...(narrowed.key === undefined ? {} : { patientKey: narrowed.key }),
          },
          bind(ctx),
        ),
      );
      for (const f of filters) conditions.push(filterCondition(ctx, subject, f.name, f.value, f.raw));
      const sortCols = withSort
        ? sort.map((s, i) => `, ${sortExpression(ctx, subject, s.key).sql} AS s${i}`).join('')
        : '';
      const columns = RESULT_COLUMNS.split(', ')
        .map((c) => `r.${c}`)
        .join(', ');
      parts.push(`SELECT ${columns}${sortCols}\n  FROM ${tablesOf(scope).resource} r\n WHERE ${and(conditions)}`);
    }
    return parts;
  };

  let sql: string | undefined;
  let params: unknown[] = [];
  if (request.count > 0) {
    const ctx: Ctx = { defs, scopeOf, p: new SqlParams(), now, filter };
    const inner = branches(ctx, true).join('\nUNION ALL\n');
    const keys = [
      ...sort.map((s, i) => ({
        expr: `x.s${i}`,
        cast: s.cast,
        descending: s.key.descending !== backwards,
        nullsLast: !backwards,
        nullable: !s.key.code.startsWith('_'),
      })),
      { expr: 'x.id', cast: 'text' as SqlCast, descending: backwards, nullsLast: true, nullable: false },
      ...(multiType
        ? [
            {
              expr: 'x.resource_type',
              cast: 'text' as SqlCast,
              descending: backwards,
              nullsLast: true,
              nullable: false,
            },
          ]
        : []),
    ];
    const where = cursor
      ? `\n WHERE ${keysetAfter(ctx.p, keys, [...cursor.values, cursor.id, ...(multiType ? [cursor.type] : [])])}`
      : '';
    // NOT NULL keys get no NULLS clause, so that an index on them serves the order in both directions.
    const order = keys
      .map(
        (k) =>
          `${k.expr} ${k.descending ? 'DESC' : 'ASC'}${k.nullable ? ` NULLS ${k.nullsLast ? 'LAST' : 'FIRST'}` : ''}`,
      )
      .join(', ');
    const outerCols = [...RESULT_COLUMNS.split(', ').map((c) => `x.${c}`), ...sort.map((_, i) => `x.s${i}`)].join(', ');
    sql = `SELECT ${outerCols}\n  FROM (\n${inner}\n) x${where}\n ORDER BY ${order}\n LIMIT ${ctx.p.add(request.count + 1, 'int')}`;
    params = ctx.p.values;
  }

  let countSql: string | undefined;
  let countParams: unknown[] = [];
  if (request.total === 'accurate' || request.total === 'estimate' || request.count === 0) {
    const ctx: Ctx = { defs, scopeOf, p: new SqlParams(), now, filter };
    countSql = `SELECT count(*) AS total FROM (\n${branches(ctx, false).join('\nUNION ALL\n')}\n) x`;
    countParams = ctx.p.values;
  }

  return {
    sql,
    params,
    countSql,
    countParams,
    sort: sort.map((s) => ({ code: s.key.code, descending: s.key.descending, cast: s.cast })),
    backwards,
    pageSize: request.count,
    types,
    warnings,
    selfParams,
    ...(narrowedKeys.size === 1 && [...narrowedKeys][0] !== undefined ? { patientKey: [...narrowedKeys][0]! } : {}),
  };
}

const bind =
  (ctx: Ctx): Bind =>
  (value, cast) =>
    ctx.p.add(value, cast);

function unknownParameter(request: SearchRequest, name: string, message: string, warnings: string[]) {
  // FHIR R4 search.html#errors: with `Prefer: handling=strict` an unknown parameter is an error; otherwise it
  // is ignored and reported.
  if (request.strict) throw badRequest(message, { code: 'search.unknown-parameter', expression: name });
  warnings.push(message);
}

function searchTypes(defs: SearchDefinitions, request: SearchRequest): string[] {
  if (request.resourceType !== undefined) {
    if (!defs.byType.has(request.resourceType)) {
      throw badRequest(`Unknown resource type ${request.resourceType}`, { code: 'search.unknown-type' });
    }
    return [request.resourceType];
  }
  if (request.types.length === 0) return [...defs.byType.keys()].sort();
  for (const t of request.types) {
    if (!defs.byType.has(t))
      throw badRequest(`Unknown resource type ${t} in _type`, { code: 'search.unknown-type', expression: '_type' });
  }
  return [...new Set(request.types)].sort();
}

function subjectFor(ctx: Ctx, alias: string, types: string[], scope: Scope): Subject {
  return { alias, types, scope, typeSql: types.length === 1 ? ctx.p.add(types[0]!, 'text') : `${alias}.resource_type` };
}

/** The definition of `code` on every type of the subject (a multi-type search needs it on all of them, with one type). */
function definitionOf(ctx: Ctx, types: readonly string[], code: string): SearchParamDef {
  let found: SearchParamDef | undefined;
  for (const t of types) {
    const def = ctx.defs.byType.get(t)?.get(code);
    if (!def) throw new UnknownParameter(`Unknown search parameter ${code}${types.length === 1 ? ` for ${t}` : ''}`);
    if (found && found.type !== def.type)
      throw new UnknownParameter(`Search parameter ${code} differs between the types searched`);
    found ??= def;
  }
  if (!found) throw new UnknownParameter(`Unknown search parameter ${code}`);
  return found;
}

function invalidValue(raw: string, message: string) {
  return badRequest(`Invalid value for search parameter ${raw}: ${message}`, {
    code: 'search.invalid-value',
    expression: raw,
  });
}

function orValues(raw: string, value: string): string[] {
  const values = splitEscaped(value, ',');
  if (values.length > MAX_OR_VALUES) throw invalidValue(raw, `at most ${MAX_OR_VALUES} alternatives`);
  return values;
}

/** The SQL condition of one filter (one AND term: its comma-separated values are ORed). */
function filterCondition(ctx: Ctx, s: Subject, name: ParsedName, value: string, raw: string): string {
  if (name.has) return reverseChainCondition(ctx, s, name.has, value, raw);
  if (name.code === '_id') return idCondition(ctx, s, name, value, raw);
  if (name.code === '_lastUpdated') return lastUpdatedCondition(ctx, s, name, value, raw);
  const def = definitionOf(ctx, s.types, name.code);
  if (name.chain) return chainCondition(ctx, s, def, name, value, raw);
  const modifier = name.modifier;
  const table = tableOf(def.type);
  if (modifier === 'missing') {
    if (value !== 'true' && value !== 'false') throw invalidValue(raw, ':missing takes true or false');
    const exists = indexExists(ctx, s, table, def.code, 'TRUE');
    return value === 'true' ? `NOT ${exists}` : exists;
  }
  checkModifier(ctx, def, modifier, raw);
  const x = ctx.p.alias('x');
  const predicates = orValues(raw, value).map((v) => valuePredicate(ctx, x, def, modifier, v, raw));
  if (modifier === 'not') return `NOT ${indexExists(ctx, s, table, def.code, or(predicates), x)}`;
  return indexExists(ctx, s, table, def.code, or(predicates), x);
}

function tableOf(type: SearchParamType): SearchParamType {
  return type;
}

/** EXISTS over the index rows of one parameter of the subject's resource. */
function indexExists(
  ctx: Ctx,
  s: Subject,
  table: SearchParamType,
  code: string,
  predicate: string,
  alias?: string,
): string {
  const x = alias ?? ctx.p.alias('x');
  const t = tablesOf(s.scope)[table];
  const where = and([
    `${x}.patient_key = ${s.alias}.patient_key`,
    `${x}.resource_type = ${s.typeSql}`,
    `${x}.id = ${s.alias}.id`,
    paramTest(ctx, x, s.types, code),
    predicate,
  ]);
  return `EXISTS (SELECT 1 FROM ${t} ${x} WHERE ${where})`;
}

/**
 * The test on `x.param` that picks the index rows of `code` for each of `types`: its own rows, or for a
 * parameter stored as others' rows (SearchParamDef.storedAs) theirs, narrowed by target type where it says.
 */
function paramTest(ctx: Ctx, x: string, types: readonly string[], code: string): string {
  const groups = new Map<string, { types: string[]; selectors: RowSelector[] }>();
  for (const type of types) {
    const def = ctx.defs.byType.get(type)?.get(code);
    const selectors = def ? rowSelectors([def]) : [{ codes: [code] }];
    const key = JSON.stringify(selectors);
    const group = groups.get(key);
    if (group) group.types.push(type);
    else groups.set(key, { types: [type], selectors });
  }
  const all = [...groups.values()];
  if (all.length === 1) return selectorSql(ctx.p, x, all[0]!.selectors);
  return or(
    all.map((g) =>
      and([`${x}.resource_type = ANY(${ctx.p.add(g.types, 'text[]')})`, selectorSql(ctx.p, x, g.selectors)]),
    ),
  );
}

/** SQL picking the index rows `selectors` name. */
function selectorSql(p: SqlParams, x: string, selectors: readonly RowSelector[]): string {
  return or(
    selectors.map((sel) =>
      and([
        sel.codes.length === 1
          ? `${x}.param = ${p.add(sel.codes[0], 'text')}`
          : `${x}.param = ANY(${p.add(sel.codes, 'text[]')})`,
        sel.targetType ? `${x}.target_type = ${p.add(sel.targetType, 'text')}` : 'TRUE',
      ]),
    ),
  );
}

function checkModifier(ctx: Ctx, def: SearchParamDef, modifier: string | undefined, raw: string) {
  if (modifier === undefined) return;
  const allowed: Record<SearchParamType, readonly string[]> = {
    string: ['exact', 'contains'],
    token: ['not', 'text'],
    reference: ['identifier'],
    date: [],
    number: [],
    quantity: [],
    uri: ['below', 'above'],
    composite: [],
  };
  if (allowed[def.type].includes(modifier)) return;
  if (def.type === 'reference' && TYPE_RE.test(modifier)) {
    if (!ctx.defs.byType.has(modifier)) throw invalidValue(raw, `unknown resource type ${modifier}`);
    if (def.targets.length > 0 && !def.targets.includes(modifier))
      throw invalidValue(raw, `${def.code} cannot refer to ${modifier}`);
    return;
  }
  if ((def.type === 'token' || def.type === 'reference') && SUPERSET_MODIFIERS.has(modifier)) {
    throw notSupported(`The :${modifier} modifier is not supported on ${def.code}`, {
      code: 'search.modifier-not-supported',
      expression: raw,
    });
  }
  throw badRequest(`Unknown modifier :${modifier} on ${def.type} parameter ${def.code}`, {
    code: 'search.invalid-modifier',
    expression: raw,
  });
}

function valuePredicate(
  ctx: Ctx,
  x: string,
  def: SearchParamDef,
  modifier: string | undefined,
  v: string,
  raw: string,
): string {
  const p = ctx.p;
  switch (def.type) {
    case 'string': {
      const text = unescapeValue(v);
      if (modifier === 'exact') return `${x}.exact = ${p.add(truncate(text), 'text')}`;
      const norm = normaliseString(text);
      if (modifier === 'contains') return `${x}.value LIKE ${p.add(`%${escapeLike(norm)}%`, 'text')}`;
      return prefixRange(p, `${x}.value`, norm);
    }
    case 'token':
      if (modifier === 'text') return prefixRange(p, `${x}.text`, normaliseString(unescapeValue(v)));
      return tokenPredicate(p, `${x}.system`, `${x}.code`, v);
    case 'date':
      return datePredicate(ctx, `${x}.low`, `${x}.high`, v, raw);
    case 'number': {
      const { prefix, number } = parseNumber(v, raw);
      return numberPredicate(p, `${x}.value`, prefix, number);
    }
    case 'quantity':
      return quantityPredicate(p, `${x}.value`, `${x}.system`, `${x}.code`, `${x}.unit`, v, raw);
    case 'reference':
      return referencePredicate(ctx, x, def, modifier, v, raw);
    case 'uri': {
      const text = truncate(unescapeValue(v));
      if (modifier === 'below') return prefixRange(p, `${x}.value`, text);
      if (modifier === 'above') return `starts_with(${p.add(text, 'text')}, ${x}.value)`;
      return `${x}.value = ${p.add(text, 'text')}`;
    }
    case 'composite':
      return compositePredicate(ctx, x, def, v, raw);
    default:
      return 'FALSE';
  }
}

// Starts-with as a range, so that the (resource_type, param, value text_pattern_ops) index serves it with a
// bound value: every string that starts with `prefix` sorts between it and prefix + U+10FFFF byte-wise.
function prefixRange(p: SqlParams, column: string, prefix: string): string {
  if (prefix === '') return `${column} IS NOT NULL`;
  return `${column} ~>=~ ${p.add(prefix, 'text')} AND ${column} ~<~ ${p.add(prefix + '\u{10FFFF}', 'text')}`;
}

function tokenPredicate(p: SqlParams, systemCol: string, codeCol: string, v: string): string {
  const parts = splitEscaped(v, '|', 2);
  if (parts.length === 1) return `${codeCol} = ${p.add(truncate(unescapeValue(v)), 'text')}`;
  const system = truncate(unescapeValue(parts[0]!));
  const code = truncate(unescapeValue(parts[1]!));
  if (system === '' && code === '') return 'FALSE';
  if (system === '') return `${codeCol} = ${p.add(code, 'text')} AND ${systemCol} IS NULL`;
  if (code === '') return `${systemCol} = ${p.add(system, 'text')}`;
  return `${codeCol} = ${p.add(code, 'text')} AND ${systemCol} = ${p.add(system, 'text')}`;
}

function splitPrefix(v: string): { prefix: string; rest: string } {
  const m = /^([a-z]{2})(.*)$/.exec(v);
  if (m && DATE_PREFIXES.has(m[1]!)) return { prefix: m[1]!, rest: m[2]! };
  return { prefix: 'eq', rest: v };
}

function parseDate(v: string, raw: string): { prefix: string; range: Range } {
  const { prefix, rest } = splitPrefix(v);
  // A `+` in a time zone arrives as a space when the client forgot to encode it.
  const range = dateRange(rest.replace(/ (\d\d:\d\d)$/, '+$1'));
  if (!range)
    throw invalidValue(
      raw,
      `${v.slice(0, 64)} is not a date, with an optional prefix (eq, ne, gt, lt, ge, le, sa, eb, ap)`,
    );
  return { prefix, range };
}

/** FHIR R4 search.html#prefix for ranges: the resource's [low, high] against the search value's [sl, sh]. */
function datePredicate(ctx: Ctx, low: string, high: string, v: string, raw: string): string {
  const { prefix, range } = parseDate(v, raw);
  const p = ctx.p;
  const sl = () => p.add(range.low, 'timestamptz');
  const sh = () => p.add(range.high, 'timestamptz');
  // The resource range lies within the search range. `low <= sh` follows from `low <= high <= sh`; stating it
  // bounds the index range scan on (low, high) instead of reading every later value.
  const within = () => {
    const h = sh();
    return `${low} >= ${sl()} AND ${low} <= ${h} AND ${high} <= ${h}`;
  };
  switch (prefix) {
    case 'eq':
      return within();
    case 'ne':
      return `(${low} < ${sl()} OR ${high} > ${sh()})`;
    case 'gt':
      return `${high} > ${sh()}`;
    case 'lt':
      return `${low} < ${sl()}`;
    case 'ge':
      return `(${high} > ${sh()} OR (${within()}))`;
    case 'le':
      return `(${low} < ${sl()} OR (${within()}))`;
    case 'sa':
      return `${low} > ${sh()}`;
    case 'eb':
      return `${high} < ${sl()}`;
    default: {
      // ap: the search range widened on each side by 10% of its distance from now (at least one day),
      // then any overlap matches.
      const lowMs = Date.parse(range.low);
      const highMs = Date.parse(range.high);
      const gap = Math.max(Math.abs(ctx.now.getTime() - (lowMs + highMs) / 2) * 0.1, 86_400_000);
      const wl = new Date(Math.max(lowMs - gap, -62135596800000)).toISOString();
      const wh = new Date(Math.min(highMs + gap, 253402300799999)).toISOString();
      return `${low} <= ${p.add(wh, 'timestamptz')} AND ${high} >= ${p.add(wl, 'timestamptz')}`;
    }
  }
}

function parseNumber(v: string, raw: string): { prefix: string; number: NumberRange } {
  const { prefix, rest } = splitPrefix(v);
  const number = numberRange(rest);
  if (!number) throw invalidValue(raw, `${v.slice(0, 64)} is not a number, with an optional prefix`);
  return { prefix, number };
}

/** FHIR R4 search.html#number: without a prefix, `100` matches values in [99.5, 100.5). */
function numberPredicate(p: SqlParams, value: string, prefix: string, n: NumberRange): string {
  const v = () => p.add(n.value, 'numeric');
  switch (prefix) {
    case 'eq':
      return `${value} >= ${p.add(n.low, 'numeric')} AND ${value} < ${p.add(n.high, 'numeric')}`;
    case 'ne':
      return `(${value} < ${p.add(n.low, 'numeric')} OR ${value} >= ${p.add(n.high, 'numeric')})`;
    case 'gt':
    case 'sa':
      return `${value} > ${v()}`;
    case 'lt':
    case 'eb':
      return `${value} < ${v()}`;
    case 'ge':
      return `${value} >= ${v()}`;
    case 'le':
      return `${value} <= ${v()}`;
    default: {
      // ap: within 10% of the value.
      const a = Number(n.value);
      const d = Math.abs(a) * 0.1;
      return `${value} >= ${p.add(String(a - d), 'numeric')} AND ${value} <= ${p.add(String(a + d), 'numeric')}`;
    }
  }
}

function quantityPredicate(
  p: SqlParams,
  value: string,
  system: string,
  code: string,
  unit: string | undefined,
  v: string,
  raw: string,
): string {
  const parts = splitEscaped(v, '|', 3);
  const { prefix, number } = parseNumber(parts[0]!, raw);
  const conditions = [numberPredicate(p, value, prefix, number)];
  if (parts.length === 2) throw invalidValue(raw, 'a quantity is number, number|system|code or number||unit');
  if (parts.length === 3) {
    const sys = unescapeValue(parts[1]!);
    const c = unescapeValue(parts[2]!);
    if (sys) conditions.push(`${system} = ${p.add(sys, 'text')}`);
    if (c) {
      const bound = p.add(c, 'text');
      conditions.push(sys || !unit ? `${code} = ${bound}` : `(${code} = ${bound} OR ${unit} = ${bound})`);
    }
  }
  return and(conditions);
}

function referencePredicate(
  ctx: Ctx,
  x: string,
  def: SearchParamDef,
  modifier: string | undefined,
  v: string,
  raw: string,
): string {
  const p = ctx.p;
  if (modifier === 'identifier') return tokenPredicate(p, `${x}.identifier_system`, `${x}.identifier_value`, v);
  const text = unescapeValue(v);
  const typed = modifier && TYPE_RE.test(modifier) ? modifier : undefined;
  if (!typed && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) {
    // An absolute URL or a canonical; a canonical without a version also matches its versioned forms.
    const bound = p.add(truncate(text), 'text');
    return `(${x}.url = ${bound} OR starts_with(${x}.url, ${bound} || '|'))`;
  }
  const target = referenceTarget(ctx, def, text, typed, raw);
  const conditions = [`${x}.target_id = ${p.add(target.id, 'text')}`];
  if (target.type) conditions.push(`${x}.target_type = ${p.add(target.type, 'text')}`);
  return and(conditions);
}

/** The type (when known) and id a reference search value names. */
function referenceTarget(
  ctx: Ctx,
  def: SearchParamDef,
  text: string,
  typed: string | undefined,
  raw: string,
): { type?: string; id: string } {
  if (text.includes('/')) {
    const ref = parseReference(text);
    if (!ref?.targetType || !ref.targetId || ref.url)
      throw invalidValue(raw, `${text.slice(0, 64)} is not a reference`);
    if (!ctx.defs.byType.has(ref.targetType)) throw invalidValue(raw, `unknown resource type ${ref.targetType}`);
    if (typed && typed !== ref.targetType) throw invalidValue(raw, `the reference is not to a ${typed}`);
    return { type: ref.targetType, id: ref.targetId };
  }
  if (!isValidId(text)) throw invalidValue(raw, `${text.slice(0, 64)} is not a resource id`);
  const only = def.targets.length === 1 ? def.targets[0] : undefined;
  const type = typed ?? only;
  return type ? { type, id: text } : { id: text };
}

function compositePredicate(ctx: Ctx, x: string, def: SearchParamDef, v: string, raw: string): string {
  const parts = splitEscaped(v, '$', 2);
  const [first, second] = def.components;
  if (parts.length !== 2 || !first || !second) throw invalidValue(raw, 'a composite value is first$second');
  if (first.def.type !== 'token')
    throw notSupported(`Composite ${def.code} is not supported`, { code: 'search.not-supported', expression: raw });
  const p = ctx.p;
  const c1 = tokenPredicate(p, `${x}.c1_system`, `${x}.c1_code`, parts[0]!);
  const value = parts[1]!;
  let c2: string;
  switch (second.def.type) {
    case 'token':
      c2 = tokenPredicate(p, `${x}.c2_system`, `${x}.c2_code`, value);
      break;
    case 'reference': {
      const target = referenceTarget(ctx, second.def, unescapeValue(value), undefined, raw);
      c2 = and([
        `${x}.c2_code = ${p.add(target.id, 'text')}`,
        ...(target.type ? [`${x}.c2_system = ${p.add(target.type, 'text')}`] : []),
      ]);
      break;
    }
    case 'quantity':
    case 'number':
      c2 = quantityPredicate(
        p,
        `(${x}.c2_low + ${x}.c2_high) / 2`,
        `${x}.c2_system`,
        `${x}.c2_code`,
        undefined,
        value,
        raw,
      );
      break;
    case 'date':
      c2 = datePredicate(ctx, `${x}.c2_date_low`, `${x}.c2_date_high`, value, raw);
      break;
    case 'string':
      c2 = prefixRange(p, `${x}.c2_string`, normaliseString(unescapeValue(value)));
      break;
    case 'uri':
    case 'composite':
      throw notSupported(`Composite ${def.code} is not supported`, { code: 'search.not-supported', expression: raw });
  }
  return and([c1, c2]);
}

function idCondition(ctx: Ctx, s: Subject, name: ParsedName, value: string, raw: string): string {
  if (name.chain)
    throw badRequest(`${raw}: _id is not a reference, so it cannot be chained`, {
      code: 'search.invalid-chain',
      expression: raw,
    });
  if (name.modifier !== undefined && name.modifier !== 'not')
    throw badRequest(`Unknown modifier :${name.modifier} on _id`, { code: 'search.invalid-modifier', expression: raw });
  const ids = orValues(raw, value).map(unescapeValue);
  const condition =
    ids.length === 1
      ? `${s.alias}.id = ${ctx.p.add(ids[0], 'text')}`
      : `${s.alias}.id = ANY(${ctx.p.add(ids, 'text[]')})`;
  return name.modifier === 'not' ? `NOT (${condition})` : condition;
}

function lastUpdatedCondition(ctx: Ctx, s: Subject, name: ParsedName, value: string, raw: string): string {
  if (name.chain)
    throw badRequest(`${raw}: _lastUpdated is not a reference, so it cannot be chained`, {
      code: 'search.invalid-chain',
      expression: raw,
    });
  if (name.modifier !== undefined)
    throw badRequest(`Unknown modifier :${name.modifier} on _lastUpdated`, {
      code: 'search.invalid-modifier',
      expression: raw,
    });
  const col = `${s.alias}.last_updated`;
  return or(orValues(raw, value).map((v) => datePredicate(ctx, col, col, v, raw)));
}

/** `subject:Patient.name=x`: the reference's target must match the rest of the chain. */
function chainCondition(
  ctx: Ctx,
  s: Subject,
  def: SearchParamDef,
  name: ParsedName,
  value: string,
  raw: string,
): string {
  if (def.type !== 'reference') {
    throw badRequest(`${raw}: ${def.code} is not a reference parameter, so it cannot be chained`, {
      code: 'search.invalid-chain',
      expression: raw,
    });
  }
  const chained = name.chain!;
  let targets: readonly string[];
  if (name.modifier !== undefined) {
    if (!TYPE_RE.test(name.modifier) || !ctx.defs.byType.has(name.modifier)) {
      throw badRequest(`${raw}: a chain takes a resource type as its modifier`, {
        code: 'search.invalid-chain',
        expression: raw,
      });
    }
    targets = [name.modifier];
  } else {
    targets = def.targets;
    if (targets.length === 0)
      throw badRequest(`${raw}: name the target type, as in ${def.code}:Patient.${chained.code}`, {
        code: 'search.invalid-chain',
        expression: raw,
      });
  }
  const usable = targets.filter(
    (t) =>
      chained.has ||
      chained.code === '_id' ||
      chained.code === '_lastUpdated' ||
      ctx.defs.byType.get(t)?.has(chained.code),
  );
  if (usable.length === 0)
    throw new UnknownParameter(`Unknown search parameter ${raw}: no target of ${def.code} has ${chained.code}`);
  const x = ctx.p.alias('x');
  const alternatives = usable.map((t) => {
    const scope = ctx.scopeOf(t);
    const r2 = ctx.p.alias('r');
    const inner = subjectFor(ctx, r2, [t], scope);
    const condition = filterCondition(ctx, inner, chained, value, raw);
    // What the caller may not see never matches: a chain must not tell that it exists.
    const visible = filterSql(ctx.filter, { alias: r2, scope, types: [t], history: false }, bind(ctx));
    return `${x}.target_type = ${inner.typeSql} AND ${x}.target_id IN (SELECT ${r2}.id FROM ${tablesOf(scope).resource} ${r2} WHERE ${and([`${r2}.resource_type = ${inner.typeSql}`, `NOT ${r2}.deleted`, visible, condition])})`;
  });
  return indexExists(ctx, s, 'reference', def.code, or(alternatives), x);
}

/** `_has:Observation:patient:code=x`: some Observation whose `patient` refers to this resource matches `code=x`. */
function reverseChainCondition(
  ctx: Ctx,
  s: Subject,
  has: NonNullable<ParsedName['has']>,
  value: string,
  raw: string,
): string {
  if (!ctx.defs.byType.has(has.type)) throw invalidValue(raw, `unknown resource type ${has.type}`);
  const def = ctx.defs.byType.get(has.type)?.get(has.param);
  if (!def) throw new UnknownParameter(`Unknown search parameter ${has.param} for ${has.type} in ${raw}`);
  if (def.type !== 'reference')
    throw badRequest(`${raw}: ${has.param} is not a reference parameter`, {
      code: 'search.invalid-chain',
      expression: raw,
    });
  const scope = ctx.scopeOf(has.type);
  const t = tablesOf(scope);
  const h = ctx.p.alias('h');
  const r2 = ctx.p.alias('r');
  const inner = subjectFor(ctx, r2, [has.type], scope);
  const condition = filterCondition(ctx, inner, has.inner, value, raw);
  const where = and([
    `${h}.target_id = ${s.alias}.id`,
    `${h}.target_type = ${s.typeSql}`,
    `${h}.resource_type = ${inner.typeSql}`,
    paramTest(ctx, h, [has.type], has.param),
    `NOT ${r2}.deleted`,
    filterSql(ctx.filter, { alias: r2, scope, types: [has.type], history: false }, bind(ctx)),
    condition,
  ]);
  return `EXISTS (SELECT 1 FROM ${t.reference} ${h} JOIN ${t.resource} ${r2} ON ${r2}.patient_key = ${h}.patient_key AND ${r2}.resource_type = ${h}.resource_type AND ${r2}.id = ${h}.id WHERE ${where})`;
}

/** `Patient/123/Observation`: resources that name the patient through a patient-compartment parameter. */
function compartmentCondition(ctx: Ctx, s: Subject, patientId: string): string {
  if (!isValidId(patientId))
    throw badRequest(`${patientId.slice(0, 64)} is not a resource id`, { code: 'search.invalid-value' });
  if (s.types.length === 1 && s.types[0] === 'Patient') {
    const id = ctx.p.add(patientId, 'text');
    return `${s.alias}.id = ${id} AND ${s.alias}.patient_key = ${id}`;
  }
  const alternatives: string[] = [];
  for (const type of s.types) {
    const params = ctx.defs.patientCompartmentRows.get(type);
    if (!params?.length) continue;
    const x = ctx.p.alias('x');
    const id = ctx.p.add(patientId, 'text');
    const typeTest = s.types.length === 1 ? 'TRUE' : `${s.alias}.resource_type = ${ctx.p.add(type, 'text')}`;
    const exists = `EXISTS (SELECT 1 FROM ${tablesOf(s.scope).reference} ${x} WHERE ${and([
      `${x}.patient_key = ${s.alias}.patient_key`,
      `${x}.resource_type = ${ctx.p.add(type, 'text')}`,
      `${x}.id = ${s.alias}.id`,
      `${x}.param = ANY(${ctx.p.add(params, 'text[]')})`,
      `${x}.target_type = 'Patient'`,
      `${x}.target_id = ${id}`,
    ])})`;
    // A patient-scoped resource lives under the key of the first patient it names: the key narrows the
    // search to that patient's rows (see README, "patient_key fast path").
    const keyed = s.scope === 'patient' ? `${s.alias}.patient_key = ${id}` : 'TRUE';
    alternatives.push(and([typeTest, keyed, exists]));
  }
  if (alternatives.length === 0) {
    throw badRequest(`${s.types.join(', ')} is not in the Patient compartment`, { code: 'search.not-in-compartment' });
  }
  return or(alternatives);
}

const repeating = (r4Model as { path2Repeating?: Record<string, boolean> }).path2Repeating ?? {};
const keyedCache = new WeakMap<SearchDefinitions, Map<string, Set<string>>>();

/**
 * The reference parameters of a type whose Patient target decides the resource's patient_key: those on the
 * same single-valued element as the first patient-compartment parameter (the store keys a resource by the
 * first patient that parameter names).
 */
export function patientKeyParams(defs: SearchDefinitions, type: string): Set<string> {
  let byType = keyedCache.get(defs);
  if (!byType) keyedCache.set(defs, (byType = new Map<string, Set<string>>()));
  const cached = byType.get(type);
  if (cached) return cached;
  const result = new Set<string>();
  const first = defs.patientCompartment.get(type)?.[0];
  const params = defs.byType.get(type);
  const firstDef = first ? params?.get(first) : undefined;
  const path = firstDef ? elementPath(firstDef.expression) : undefined;
  const segments = path?.split('.') ?? [];
  const single =
    path !== undefined && segments.every((_, i) => i === 0 || !repeating[segments.slice(0, i + 1).join('.')]);
  if (path && single && params) {
    for (const def of params.values()) {
      if (def.type === 'reference' && elementPath(def.expression) === path) result.add(def.code);
    }
  }
  byType.set(type, result);
  return result;
}

function elementPath(expression: string): string | undefined {
  const plain = expression.replace(/\.where\(resolve\(\) is Patient\)$/, '');
  return /^[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+$/.test(plain) ? plain : undefined;
}

/**
 * `Observation?patient=123`: the resource must name Patient/123 where the store takes its patient_key from,
 * so `r.patient_key = '123'` is implied and lets the primary key find that patient's rows directly.
 */
function patientKeyFastPath(ctx: Ctx, s: Subject, filters: readonly Filter[], narrowed: { key?: string }): string[] {
  if (s.scope !== 'patient' || s.types.length !== 1) return [];
  const type = s.types[0]!;
  const out: string[] = [];
  for (const f of filters) {
    const n = f.name;
    if (n.chain || n.has) continue;
    const values = splitEscaped(f.value, ',').map(unescapeValue);
    if (type === 'Patient' && n.code === '_id' && n.modifier === undefined) {
      out.push(`${s.alias}.patient_key = ANY(${ctx.p.add(values, 'text[]')})`);
      if (values.length === 1) narrowed.key = values[0]!;
      continue;
    }
    if (!patientKeyParams(ctx.defs, type).has(n.code)) continue;
    if (n.modifier !== undefined && n.modifier !== 'Patient') continue;
    const def = ctx.defs.byType.get(type)?.get(n.code);
    const onlyPatient = n.modifier === 'Patient' || (def?.targets.length === 1 && def.targets[0] === 'Patient');
    const ids: string[] = [];
    for (const v of values) {
      const m = /^(?:([A-Z][A-Za-z]+)\/)?([A-Za-z0-9\-.]{1,64})$/.exec(v);
      if (!m || (m[1] ? m[1] !== 'Patient' : !onlyPatient)) break;
      ids.push(m[2]!);
    }
    if (ids.length !== values.length) continue;
    if (ids.length === 1) narrowed.key = ids[0]!;
    out.push(
      ids.length === 1
        ? `${s.alias}.patient_key = ${ctx.p.add(ids[0], 'text')}`
        : `${s.alias}.patient_key = ANY(${ctx.p.add(ids, 'text[]')})`,
    );
  }
  return out;
}

function sortExpression(ctx: Ctx, s: Subject, key: SortKey): { sql: string; cast: SqlCast } {
  if (key.code === '_id') return { sql: `${s.alias}.id`, cast: 'text' };
  if (key.code === '_lastUpdated') return { sql: `${s.alias}.last_updated`, cast: 'timestamptz' };
  const def = definitionOf(ctx, s.types, key.code);
  const agg = key.descending ? 'max' : 'min';
  const x = ctx.p.alias('x');
  let column: string;
  let cast: SqlCast = 'text';
  switch (def.type) {
    case 'string':
    case 'uri':
      column = `${x}.value`;
      break;
    case 'composite':
      throw badRequest(`Cannot sort on composite parameter ${def.code}`, {
        code: 'search.invalid-sort',
        expression: '_sort',
      });
    case 'token':
      column = `${x}.code`;
      break;
    case 'date':
      column = key.descending ? `${x}.high` : `${x}.low`;
      cast = 'timestamptz';
      break;
    case 'number':
    case 'quantity':
      column = `${x}.value`;
      cast = 'numeric';
      break;
    case 'reference':
      column = `coalesce(${x}.target_type || '/' || ${x}.target_id, ${x}.url)`;
      break;
    default:
      throw badRequest(`Cannot sort on composite parameter ${def.code}`, {
        code: 'search.invalid-sort',
        expression: '_sort',
      });
  }
  const t = tablesOf(s.scope)[def.type];
  const where = and([
    `${x}.patient_key = ${s.alias}.patient_key`,
    `${x}.resource_type = ${s.alias}.resource_type`,
    `${x}.id = ${s.alias}.id`,
    paramTest(ctx, x, s.types, key.code),
  ]);
  return { sql: `(SELECT ${agg}(${column}) FROM ${t} ${x} WHERE ${where})`, cast };
}

interface KeysetKey {
  expr: string;
  cast: SqlCast;
  descending: boolean;
  nullsLast: boolean;
  nullable: boolean;
}

/** Rows strictly after `values` in the order of `keys`: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... with NULLs placed. */
function keysetAfter(p: SqlParams, keys: readonly KeysetKey[], values: readonly (string | null)[]): string {
  const alternatives: string[] = [];
  const equal: string[] = [];
  keys.forEach((k, i) => {
    const v = values[i] ?? null;
    let after: string;
    if (v === null) after = k.nullsLast ? 'FALSE' : `${k.expr} IS NOT NULL`;
    else {
      const bound = p.add(v, k.cast);
      const cmp = `${k.expr} ${k.descending ? '<' : '>'} ${bound}`;
      after = k.nullsLast && k.nullable ? `(${cmp} OR ${k.expr} IS NULL)` : cmp;
    }
    if (after !== 'FALSE') alternatives.push(and([...equal, after]));
    if (i < keys.length - 1) equal.push(v === null ? `${k.expr} IS NULL` : `${k.expr} = ${p.add(v, k.cast)}`);
  });
  return or(alternatives);
}

/** The opaque cursor of a row: base64url JSON of its sort values and id. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(
    JSON.stringify({
      d: cursor.direction === 'next' ? 'n' : 'p',
      k: cursor.values,
      i: cursor.id,
      t: cursor.type,
      s: cursor.sort,
    }),
  ).toString('base64url');
}

export function decodeCursor(text: string, keyCount: number, sort: string): Cursor {
  const bad = () =>
    badRequest('The paging cursor is not valid for this search', {
      code: 'search.invalid-cursor',
      expression: '_cursor',
    });
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof data !== 'object' || data === null) throw bad();
  const { d, k, i, t, s } = data as Record<string, unknown>;
  if ((d !== 'n' && d !== 'p') || typeof i !== 'string' || typeof t !== 'string' || s !== sort) throw bad();
  if (
    !Array.isArray(k) ||
    k.length !== keyCount ||
    !k.every((v) => v === null || (typeof v === 'string' && v.length < 2048))
  )
    throw bad();
  return { direction: d === 'n' ? 'next' : 'previous', values: k as (string | null)[], id: i, type: t, sort: s };
}

/** Checks an `_include`/`_revinclude` names a reference parameter (400 otherwise). */
function checkInclude(defs: SearchDefinitions, spec: IncludeSpec) {
  if (spec.sourceType === '*') return;
  const params = defs.byType.get(spec.sourceType);
  if (!params)
    throw badRequest(`Unknown resource type ${spec.sourceType} in an include`, { code: 'search.invalid-include' });
  if (spec.targetType && !defs.byType.has(spec.targetType))
    throw badRequest(`Unknown resource type ${spec.targetType} in an include`, { code: 'search.invalid-include' });
  if (spec.param === '*') return;
  const def = params.get(spec.param);
  if (!def || def.type !== 'reference') {
    throw badRequest(`${spec.sourceType}:${spec.param} is not a reference parameter`, {
      code: 'search.invalid-include',
    });
  }
}

/** The reference rows an include follows from one source type (none when it does not apply to the type). */
export function includeParams(defs: SearchDefinitions, spec: IncludeSpec, sourceType: string): RowSelector[] {
  if (spec.sourceType !== '*' && spec.sourceType !== sourceType) return [];
  const params = defs.byType.get(sourceType);
  if (!params) return [];
  if (spec.param === '*') return rowSelectors([...params.values()].filter((d) => d.type === 'reference'));
  const def = params.get(spec.param);
  return def?.type === 'reference' ? rowSelectors([def]) : [];
}

export interface ResourceKey {
  patientKey: string;
  resourceType: string;
  id: string;
}

export interface CompiledStatement {
  sql: string;
  params: unknown[];
}

/** Most resources one include step adds. */
export const INCLUDE_LIMIT = 1000;

/** `_include`: the resources the given resources of one type refer to through `params`. */
export function compileInclude(
  scopeOf: ScopeOf,
  sourceType: string,
  sources: readonly ResourceKey[],
  params: readonly RowSelector[],
  targetType: string | undefined,
  filter?: RowFilter,
): CompiledStatement {
  const p = new SqlParams();
  const source = tablesOf(scopeOf(sourceType));
  const keys = `unnest(${p.add(
    sources.map((s) => s.patientKey),
    'text[]',
  )}, ${p.add(
    sources.map((s) => s.id),
    'text[]',
  )}) AS u(patient_key, id)`;
  const where = and([
    selectorSql(p, 'x', params),
    targetType ? `x.target_type = ${p.add(targetType, 'text')}` : 'x.target_id IS NOT NULL',
  ]);
  const refs = `SELECT x.target_type, x.target_id FROM ${keys} JOIN ${source.reference} x ON x.patient_key = u.patient_key AND x.resource_type = ${p.add(sourceType, 'text')} AND x.id = u.id WHERE ${where}`;
  const scopes: Scope[] = targetType ? [scopeOf(targetType)] : ['patient', 'shared'];
  const branches = scopes.map(
    (scope) =>
      `SELECT ${RESULT_COLUMNS.split(', ')
        .map((c) => `r.${c}`)
        .join(', ')} FROM ${tablesOf(scope).resource} r WHERE ${and([
        `(r.resource_type, r.id) IN (${refs})`,
        'NOT r.deleted',
        filterSql(filter, { alias: 'r', scope, types: targetType ? [targetType] : undefined, history: false }, (v, c) =>
          p.add(v, c),
        ),
      ])}`,
  );
  return { sql: `${branches.join('\nUNION ALL\n')}\nLIMIT ${p.add(INCLUDE_LIMIT, 'int')}`, params: p.values };
}

/** `_revinclude`: the resources of `sourceType` that refer to the given resources through `params`. */
export function compileRevinclude(
  scopeOf: ScopeOf,
  sourceType: string,
  targets: readonly ResourceKey[],
  params: readonly RowSelector[],
  filter?: RowFilter,
): CompiledStatement {
  const p = new SqlParams();
  const t = tablesOf(scopeOf(sourceType));
  const type = p.add(sourceType, 'text');
  const keys = `unnest(${p.add(
    targets.map((s) => s.resourceType),
    'text[]',
  )}, ${p.add(
    targets.map((s) => s.id),
    'text[]',
  )}) AS u(target_type, target_id)`;
  const refs = `SELECT x.patient_key, x.id FROM ${keys} JOIN ${t.reference} x ON x.target_type = u.target_type AND x.target_id = u.target_id WHERE x.resource_type = ${type} AND ${selectorSql(p, 'x', params)}`;
  const sql = `SELECT ${RESULT_COLUMNS.split(', ')
    .map((c) => `r.${c}`)
    .join(', ')} FROM ${t.resource} r WHERE ${and([
    `r.resource_type = ${type}`,
    `(r.patient_key, r.id) IN (${refs})`,
    'NOT r.deleted',
    filterSql(filter, { alias: 'r', scope: scopeOf(sourceType), types: [sourceType], history: false }, (v, c) =>
      p.add(v, c),
    ),
  ])}\nLIMIT ${p.add(INCLUDE_LIMIT, 'int')}`;
  return { sql, params: p.values };
}
