import { badRequest } from '@joinedup/fhir';

/** A parameter name taken apart: `subject:Patient.name`, `_has:Observation:patient:code`, `code:not`. */
export interface ParsedName {
  code: string;
  modifier?: string;
  chain?: ParsedName;
  has?: { type: string; param: string; inner: ParsedName };
}

export interface Filter {
  /** The name as sent, e.g. `code:not`. */
  raw: string;
  name: ParsedName;
  /** The value as sent: comma-separated alternatives, still escaped. */
  value: string;
}

export interface SortKey {
  code: string;
  descending: boolean;
}

export interface IncludeSpec {
  /** `*` for every reference parameter. */
  sourceType: string;
  param: string;
  targetType?: string;
  iterate: boolean;
}

export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';
export type TotalMode = 'none' | 'estimate' | 'accurate';

export interface SearchRequest {
  /** The type searched; undefined for a system search (then `types` lists `_type`, or every type when empty). */
  resourceType: string | undefined;
  types: string[];
  filters: Filter[];
  sort: SortKey[];
  count: number;
  total: TotalMode | undefined;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  summary: SummaryMode | undefined;
  elements: string[] | undefined;
  cursor: string | undefined;
  compartment: { type: 'Patient'; id: string } | undefined;
  strict: boolean;
  /** Parameters that were not understood (ignored under lenient handling). */
  unknown: string[];
}

export interface ParseOptions {
  strict: boolean;
  defaultCount: number;
  maxCount: number;
  compartment?: { type: 'Patient'; id: string };
}

/** Longest parameter name or value accepted; longer ones are a 400, never a slow query. */
export const MAX_PARAM_LENGTH = 4096;
const MAX_PARAMS = 100;
const MAX_DEPTH = 4;

// Result parameters we accept and ignore: they concern the HTTP layer.
const IGNORED = new Set(['_format', '_pretty']);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_\-.:]*$/;
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;

/** Parses a search's query parameters (FHIR R4 search.html) into a request; the values are checked at compile time. */
export function parseSearchRequest(
  resourceType: string | undefined,
  params: readonly (readonly [string, string])[],
  options: ParseOptions,
): SearchRequest {
  if (params.length > MAX_PARAMS)
    throw badRequest(`Too many search parameters (at most ${MAX_PARAMS})`, { code: 'search.too-many' });
  const request: SearchRequest = {
    resourceType,
    types: [],
    filters: [],
    sort: [],
    count: options.defaultCount,
    total: undefined,
    include: [],
    revinclude: [],
    summary: undefined,
    elements: undefined,
    cursor: undefined,
    compartment: options.compartment,
    strict: options.strict,
    unknown: [],
  };
  for (const [name, value] of params) {
    if (name.length > MAX_PARAM_LENGTH || value.length > MAX_PARAM_LENGTH) {
      throw badRequest(`Search parameter ${name.slice(0, 64)} is longer than ${MAX_PARAM_LENGTH} characters`, {
        code: 'search.too-long',
      });
    }
    if (name.includes('\u0000') || value.includes('\u0000')) {
      throw badRequest('Search parameters cannot contain U+0000', { code: 'search.invalid-value' });
    }
    if (IGNORED.has(name)) continue;
    switch (name) {
      case '_count':
        request.count = Math.min(parseCount(value), options.maxCount);
        continue;
      case '_sort':
        request.sort = parseSort(value);
        continue;
      case '_total':
        if (value !== 'none' && value !== 'estimate' && value !== 'accurate') throw invalidValue(name, value);
        request.total = value;
        continue;
      case '_summary':
        if (!['true', 'text', 'data', 'count', 'false'].includes(value)) throw invalidValue(name, value);
        request.summary = value as SummaryMode;
        if (value === 'count') request.count = 0;
        continue;
      case '_elements':
        request.elements = value
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean);
        if (request.elements.some((e) => !/^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?$/.test(e))) {
          throw invalidValue(name, value);
        }
        continue;
      case '_cursor':
        request.cursor = value;
        continue;
      case '_include':
      case '_include:iterate':
      case '_include:recurse':
        request.include.push(parseInclude(name, value, name !== '_include'));
        continue;
      case '_revinclude':
      case '_revinclude:iterate':
      case '_revinclude:recurse':
        request.revinclude.push(parseInclude(name, value, name !== '_revinclude'));
        continue;
      case '_type':
        if (resourceType === undefined) {
          for (const t of value.split(',')) {
            if (!TYPE_RE.test(t)) throw invalidValue(name, value);
            request.types.push(t);
          }
          continue;
        }
        break;
      default:
        break;
    }
    // FHIR R4 search.html#errors: a parameter with an empty value is ignored.
    if (value === '') continue;
    const parsed = parseName(name, 0);
    if (!parsed) {
      request.unknown.push(name);
      continue;
    }
    request.filters.push({ raw: name, name: parsed, value });
  }
  return request;
}

/** `code`, `code:modifier`, `ref[:Type].chained...`, `_has:Type:ref:inner`; undefined when malformed. */
export function parseName(name: string, depth: number): ParsedName | undefined {
  if (depth > MAX_DEPTH || !NAME_RE.test(name)) return undefined;
  if (name.startsWith('_has:')) {
    const m = /^_has:([A-Z][A-Za-z]*):([A-Za-z0-9_-]+):(.+)$/.exec(name);
    if (!m) return undefined;
    const inner = parseName(m[3]!, depth + 1);
    if (!inner) return undefined;
    return { code: '_has', has: { type: m[1]!, param: m[2]!, inner } };
  }
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const [code, modifier, extra] = head.split(':');
  if (!code || extra !== undefined || modifier === '') return undefined;
  const result: ParsedName = { code };
  if (modifier !== undefined) result.modifier = modifier;
  if (dot >= 0) {
    const chain = parseName(name.slice(dot + 1), depth + 1);
    if (!chain) return undefined;
    result.chain = chain;
  }
  return result;
}

function invalidValue(name: string, value: string) {
  return badRequest(`Invalid value for ${name}: ${value.slice(0, 100)}`, {
    code: 'search.invalid-value',
    expression: name,
  });
}

function parseCount(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw invalidValue('_count', value);
  return Number(value);
}

function parseSort(value: string): SortKey[] {
  const keys = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length > 5) throw badRequest('At most 5 sort keys', { code: 'search.invalid-value', expression: '_sort' });
  return keys.map((k) => {
    const descending = k.startsWith('-');
    const code = descending ? k.slice(1) : k;
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(code)) throw invalidValue('_sort', value);
    return { code, descending };
  });
}

function parseInclude(name: string, value: string, iterate: boolean): IncludeSpec {
  if (value === '*') return { sourceType: '*', param: '*', iterate };
  const m = /^([A-Z][A-Za-z]*):([A-Za-z0-9_-]+|\*)(?::([A-Z][A-Za-z]*))?$/.exec(value);
  if (!m) throw invalidValue(name, value);
  const spec: IncludeSpec = { sourceType: m[1]!, param: m[2]!, iterate };
  if (m[3]) spec.targetType = m[3];
  return spec;
}
