import fhirpath from 'fhirpath';
import type { Compiled } from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { Resource } from '@joinedup/fhir';
import type { SearchDefinitions, SearchParamDef } from '../definitions/search-parameters.ts';
import { emptyIndexRows, type IndexRows } from '../store/index-rows.ts';
import { dateRange, normaliseString, numberRange, truncate } from './values.ts';
import { compileFastPath, compileRelativePath, type PathValue } from './fast-path.ts';

type Value = { type: string | undefined; data: unknown };
type Rows = IndexRows;
type CompositeRow = IndexRows['composite'][number];

interface Extractor {
  def: SearchParamDef;
  evaluate: Compiled;
  /** The same expression walked directly over the JSON, where it is a plain path (see fast-path.ts). */
  fast: ((resource: unknown) => PathValue[]) | undefined;
  /** For a composite: its components walked directly from each instance, where they are plain paths. */
  fastComponents: [(node: PathValue) => PathValue[], (node: PathValue) => PathValue[]] | undefined;
}

/**
 * `resolve()` would fetch the referenced resource; at index time we only have the reference text, so
 * `X.where(resolve() is Patient)` becomes a test on the type named in the reference (relative `Patient/1`
 * or absolute `https://host/fhir/Patient/1`).
 */
export function rewriteResolve(expression: string): string {
  return expression.replace(
    /\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)/g,
    (_, type: string) => `.where(reference.startsWith('${type}/') or reference.contains('/${type}/'))`,
  );
}

function compile(expression: string | { base: string; expression: string }): Compiled | undefined {
  const text = typeof expression === 'string' ? expression : expression.expression;
  // Whatever resolve() remains after the rewrite would need the referenced resource: never evaluate it.
  if (/resolve\(\)/.test(text)) return undefined;
  try {
    return fhirpath.compile(expression, r4Model, { resolveInternalTypes: false });
  } catch {
    return undefined;
  }
}

/** Builds the function the store calls at every write; expressions are compiled once per type and code. */
export function createIndexer(
  defs: SearchDefinitions,
  options: { fastPaths?: boolean; derived?: boolean } = {},
): (resource: Resource) => IndexRows {
  const useFastPaths = options.fastPaths ?? true;
  // Parameters whose rows are other parameters' rows (SearchParamDef.storedAs) are not stored; `derived: true`
  // extracts them too, for the test that checks they are indeed the same rows.
  const withDerived = options.derived ?? false;
  const byType = new Map<string, Extractor[]>();
  const componentCache = new Map<string, Compiled | null>();

  const extractorsOf = (type: string): Extractor[] => {
    let list = byType.get(type);
    if (list) return list;
    list = [];
    for (const def of defs.byType.get(type)?.values() ?? []) {
      if (def.storedAs && !withDerived) continue;
      const evaluate = compile(rewriteResolve(def.expression));
      let fast = useFastPaths ? compileFastPath(def.expression) : undefined;
      let fastComponents: Extractor['fastComponents'];
      if (fast && def.type === 'composite') {
        const [a, b] = def.components;
        const first = a && compileRelativePath(a.expression);
        const second = b && compileRelativePath(b.expression);
        if (first && second) fastComponents = [first, second];
        else fast = undefined;
      }
      if (evaluate) list.push({ def, evaluate, fast, fastComponents });
    }
    byType.set(type, list);
    return list;
  };

  const component = (base: string, expression: string): Compiled | undefined => {
    const key = `${base}\u0000${expression}`;
    let fn = componentCache.get(key);
    if (fn === undefined) {
      fn = compile({ base, expression: rewriteResolve(expression) }) ?? null;
      componentCache.set(key, fn);
    }
    return fn ?? undefined;
  };

  return (resource) => {
    const rows = emptyIndexRows();
    const seen = new Set<string>();
    for (const { def, evaluate, fast, fastComponents } of extractorsOf(resource.resourceType)) {
      if (fast && fastComponents) {
        const [first, second] = fastComponents;
        for (const node of fast(resource)) {
          if (isObject(node.data))
            addCompositeValues(
              rows,
              seen,
              def,
              () => first(node),
              () => second(node),
            );
        }
        continue;
      }
      if (fast) {
        for (const value of fast(resource)) {
          try {
            addValue(rows, seen, def.code, def.type, value);
          } catch {
            // Bad data in one element must not stop the write: the element is left out of the index.
          }
        }
        continue;
      }
      let nodes: unknown[];
      try {
        nodes = evaluate(resource);
      } catch {
        continue;
      }
      if (def.type === 'composite') {
        for (const node of nodes) addComposite(rows, seen, def, node, component);
        continue;
      }
      for (const node of nodes) {
        try {
          addValue(rows, seen, def.code, def.type, valueOf(node));
        } catch {
          // Bad data in one element must not stop the write: the element is left out of the index.
        }
      }
    }
    return rows;
  };
}

function valueOf(node: unknown): Value {
  if (node && typeof node === 'object' && 'fhirNodeDataType' in node) {
    const n = node as { fhirNodeDataType?: string; data?: unknown };
    // fhirpath wraps decimals to keep their precision; `asStr` is the decimal as written.
    const data = n.data as { asStr?: unknown } | undefined;
    if (data && typeof data === 'object' && typeof data.asStr === 'string')
      return { type: n.fhirNodeDataType, data: data.asStr };
    return { type: n.fhirNodeDataType, data: n.data };
  }
  return { type: undefined, data: node };
}

function push<K extends keyof Rows>(rows: Rows, seen: Set<string>, table: K, row: Rows[K][number]) {
  const key = `${table}\u0000${Object.values(row).join('\u0000')}`;
  if (seen.has(key)) return;
  seen.add(key);
  (rows[table] as Rows[K][number][]).push(row);
}

function addValue(rows: Rows, seen: Set<string>, param: string, type: SearchParamDef['type'], v: Value) {
  switch (type) {
    case 'string':
      for (const s of stringsOf(v)) {
        const value = normaliseString(s);
        if (value) push(rows, seen, 'string', { param, value, exact: truncate(s) });
      }
      return;
    case 'token':
      for (const t of tokensOf(v)) push(rows, seen, 'token', { param, ...t });
      return;
    case 'date':
      for (const r of datesOf(v)) push(rows, seen, 'date', { param, ...r });
      return;
    case 'number': {
      const n = numberOf(v.data);
      if (n) push(rows, seen, 'number', { param, ...n });
      return;
    }
    case 'quantity':
      for (const q of quantitiesOf(v)) push(rows, seen, 'quantity', { param, ...q });
      return;
    case 'reference':
      for (const r of referencesOf(v)) push(rows, seen, 'reference', { param, ...r });
      return;
    case 'uri':
      if (typeof v.data === 'string' && v.data) push(rows, seen, 'uri', { param, value: truncate(v.data) });
      return;
    case 'composite':
      return;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function str(x: unknown): string | null {
  return typeof x === 'string' && x.length > 0 ? truncate(x) : null;
}

function strings(x: unknown): string[] {
  if (typeof x === 'string') return x ? [x] : [];
  if (Array.isArray(x)) return x.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}

function stringsOf({ type, data }: Value): string[] {
  if (typeof data === 'string') return [data];
  if (typeof data === 'number' || typeof data === 'boolean') return [String(data)];
  if (!isObject(data)) return [];
  if (type === 'HumanName' || 'family' in data || 'given' in data) {
    return [
      ...strings(data.family),
      ...strings(data.given),
      ...strings(data.prefix),
      ...strings(data.suffix),
      ...strings(data.text),
    ];
  }
  if (type === 'Address' || 'line' in data || 'city' in data || 'postalCode' in data) {
    return [
      ...strings(data.line),
      ...strings(data.city),
      ...strings(data.district),
      ...strings(data.state),
      ...strings(data.postalCode),
      ...strings(data.country),
      ...strings(data.text),
    ];
  }
  // Any other complex value: its own string parts, one level down (e.g. CodeableConcept text, Coding display).
  const out: string[] = [];
  for (const [k, val] of Object.entries(data)) {
    if (k === 'id' || k === 'extension' || k === 'system' || k === 'url') continue;
    out.push(...strings(val));
  }
  return out;
}

type TokenRow = { system: string | null; code: string | null; text: string | null };

function text(x: unknown): string | null {
  return typeof x === 'string' && x.trim() ? normaliseString(x) : null;
}

// The same element is often read by several parameters (Observation.code by `code` and four composites):
// its token rows are worked out once. The rows are never changed after, so sharing them is safe.
const tokenCache = new WeakMap<object, { type: string | undefined; rows: TokenRow[] }>();

function tokensOf(v: Value): TokenRow[] {
  if (!isObject(v.data)) return tokensOfUncached(v);
  const cached = tokenCache.get(v.data);
  if (cached && cached.type === v.type) return cached.rows;
  const rows = tokensOfUncached(v);
  tokenCache.set(v.data, { type: v.type, rows });
  return rows;
}

function tokensOfUncached({ type, data }: Value): TokenRow[] {
  if (typeof data === 'boolean') return [{ system: null, code: String(data), text: null }];
  if (typeof data === 'string' || typeof data === 'number') {
    const code = str(String(data));
    return code ? [{ system: null, code, text: null }] : [];
  }
  if (!isObject(data)) return [];
  if (
    type === 'CodeableConcept' ||
    Array.isArray(data.coding) ||
    (type === undefined && 'text' in data && !('value' in data))
  ) {
    const out: TokenRow[] = [];
    for (const c of Array.isArray(data.coding) ? data.coding : []) {
      if (isObject(c)) out.push(codingRow(c));
    }
    const t = text(data.text);
    if (t && !out.some((r) => r.text === t)) out.push({ system: null, code: null, text: t });
    return out.filter((r) => r.system || r.code || r.text);
  }
  if (type === 'Identifier' || (type === undefined && 'value' in data && !('use' in data && 'rank' in data))) {
    const typeText = isObject(data.type) ? text(data.type.text) : null;
    const row = { system: str(data.system), code: str(data.value), text: typeText };
    return row.system || row.code ? [row] : [];
  }
  if (type === 'ContactPoint') {
    // FHIR R4 search.html#token: a ContactPoint matches on its value; the system is not part of the token.
    const code = str(data.value);
    return code ? [{ system: null, code, text: null }] : [];
  }
  if (type === 'Coding' || 'code' in data || 'system' in data) {
    const row = codingRow(data);
    return row.system || row.code || row.text ? [row] : [];
  }
  return [];
}

function codingRow(c: Record<string, unknown>): TokenRow {
  return {
    system: str(c.system),
    code: str(typeof c.code === 'number' ? String(c.code) : c.code),
    text: text(c.display),
  };
}

function datesOf({ type, data }: Value): Range[] {
  if (typeof data === 'string') {
    const r = dateRange(data);
    return r ? [r] : [];
  }
  if (!isObject(data)) return [];
  if (type === 'Period' || 'start' in data || 'end' in data) {
    const start = typeof data.start === 'string' ? dateRange(data.start) : undefined;
    const end = typeof data.end === 'string' ? dateRange(data.end) : undefined;
    if ((data.start !== undefined && !start) || (data.end !== undefined && !end) || (!start && !end)) return [];
    return [{ low: start?.low ?? '-infinity', high: end?.high ?? 'infinity' }];
  }
  if (type === 'Timing' || 'event' in data || 'repeat' in data) {
    const out: Range[] = [];
    for (const e of strings(data.event)) {
      const r = dateRange(e);
      if (r) out.push(r);
    }
    const bounds = isObject(data.repeat) ? data.repeat.boundsPeriod : undefined;
    if (isObject(bounds)) out.push(...datesOf({ type: 'Period', data: bounds }));
    return out;
  }
  return [];
}
type Range = { low: string; high: string };

function numberOf(x: unknown): { value: string; low: string; high: string } | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) return numberRange(String(x));
  if (typeof x === 'string') return numberRange(x);
  return undefined;
}

type QuantityRow = Omit<IndexRows['quantity'][number], 'param'>;

function quantitiesOf({ data }: Value): QuantityRow[] {
  const n = numberOf(data);
  if (n) return [{ ...n, system: null, code: null, unit: null }];
  if (!isObject(data)) return [];
  const v = numberOf(data.value);
  if (!v) return [];
  // Money has a currency where a Quantity has a code.
  const code = str(data.code) ?? str(data.currency);
  const system = str(data.system) ?? (typeof data.currency === 'string' ? 'urn:iso:std:iso:4217' : null);
  return [{ ...v, system, code, unit: str(data.unit) }];
}

type ReferenceRow = Omit<IndexRows['reference'][number], 'param'>;

const RELATIVE_RE = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE_RE =
  /^(?:https?|urn):.*\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Splits a reference string into its type and id; absolute URLs keep the URL too. Contained `#x` gives nothing. */
export function parseReference(reference: string): ReferenceRow | undefined {
  if (!reference || reference.startsWith('#')) return undefined;
  const rel = RELATIVE_RE.exec(reference);
  if (rel) return { targetType: rel[1]!, targetId: rel[2]!, url: null, identifierSystem: null, identifierValue: null };
  const abs = ABSOLUTE_RE.exec(reference);
  return {
    targetType: abs ? abs[1]! : null,
    targetId: abs ? abs[2]! : null,
    url: truncate(reference),
    identifierSystem: null,
    identifierValue: null,
  };
}

function referencesOf({ data }: Value): ReferenceRow[] {
  // canonical, uri and url values.
  if (typeof data === 'string') {
    const r = parseReference(data);
    return r ? [r.url ? r : { ...r, url: null }] : [];
  }
  if (!isObject(data)) return [];
  // One row per Reference: its literal reference and its identifier together, so that a row narrowed to a
  // target type (a derived `patient` parameter, see deriveStorage) keeps the identifier too.
  const r = typeof data.reference === 'string' ? parseReference(data.reference) : undefined;
  const system = isObject(data.identifier) ? str(data.identifier.system) : null;
  const value = isObject(data.identifier) ? str(data.identifier.value) : null;
  if (!system && !value) return r ? [r] : [];
  const row = r ?? { targetType: null, targetId: null, url: null, identifierSystem: null, identifierValue: null };
  return [{ ...row, identifierSystem: system, identifierValue: value }];
}

function addComposite(
  rows: Rows,
  seen: Set<string>,
  def: SearchParamDef,
  node: unknown,
  component: (base: string, expression: string) => Compiled | undefined,
) {
  const [first, second] = def.components;
  if (!first || !second) return;
  const base = (node as { path?: string }).path;
  const data = valueOf(node).data;
  if (!base || !isObject(data)) return;
  const f1 = component(base, first.expression);
  const f2 = component(base, second.expression);
  if (!f1 || !f2) return;
  addCompositeValues(
    rows,
    seen,
    def,
    () => f1(data).map(valueOf),
    () => f2(data).map(valueOf),
  );
}

/** One composite instance: its first component's tokens paired with its second component's values. */
function addCompositeValues(
  rows: Rows,
  seen: Set<string>,
  def: SearchParamDef,
  first: () => Value[],
  secondValues: () => Value[],
) {
  const second = def.components[1];
  if (!second) return;
  try {
    const c1 = first()
      .flatMap((v) => tokensOf(v))
      .filter((t) => t.code);
    if (c1.length === 0) return;
    const c2: Omit<CompositeRow, 'param' | 'c1System' | 'c1Code'>[] = [];
    const empty = {
      c2System: null,
      c2Code: null,
      c2Low: null,
      c2High: null,
      c2DateLow: null,
      c2DateHigh: null,
      c2String: null,
    };
    for (const v of secondValues()) {
      switch (second.def.type) {
        case 'token':
          for (const t of tokensOf(v)) if (t.code) c2.push({ ...empty, c2System: t.system, c2Code: t.code });
          break;
        case 'quantity':
        case 'number':
          for (const q of quantitiesOf(v))
            c2.push({ ...empty, c2Low: q.low, c2High: q.high, c2System: q.system, c2Code: q.code ?? q.unit });
          break;
        case 'date':
          for (const d of datesOf(v)) c2.push({ ...empty, c2DateLow: d.low, c2DateHigh: d.high });
          break;
        case 'string':
          for (const s of stringsOf(v)) {
            const value = normaliseString(s);
            if (value) c2.push({ ...empty, c2String: value });
          }
          break;
        case 'reference':
          for (const r of referencesOf(v)) {
            if (r.targetType && r.targetId) c2.push({ ...empty, c2System: r.targetType, c2Code: r.targetId });
          }
          break;
        case 'uri':
        case 'composite':
          break;
      }
    }
    for (const a of c1)
      for (const b of c2) push(rows, seen, 'composite', { param: def.code, c1System: a.system, c1Code: a.code, ...b });
  } catch {
    // as for simple values: leave out what cannot be read.
  }
}
