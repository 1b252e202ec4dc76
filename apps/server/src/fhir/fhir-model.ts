import type { Resource } from '@joinedup/fhir';
import { loadSearchDefinitions, type SearchDefinitions } from './definitions/search-parameters.ts';
import type { IndexRows } from './store/index-rows.ts';
import type { StoreModel } from './store/store.ts';
import type { Scope } from './store/store.migrations.ts';
import { resourceTypes } from './validate/validate.ts';

// Compartment members that are not one patient's: a Group or Person spans many, a Schedule belongs to a
// practitioner or service; they are shared resources.
const NOT_PATIENT_SCOPED = new Set(['Group', 'Person', 'Schedule']);

/** All R4 (4.0.1) resource type names. */
export function allResourceTypes(): readonly string[] {
  return resourceTypes();
}

export interface FhirModel extends StoreModel {
  readonly definitions: SearchDefinitions;
  readonly resourceTypes: ReadonlySet<string>;
}

/** The R4 model the store and search run on: resource types, search parameters, scopes. */
export function createFhirModel(createIndexer: (defs: SearchDefinitions) => (r: Resource) => IndexRows): FhirModel {
  const types = allResourceTypes();
  const definitions = loadSearchDefinitions(types);
  const index = createIndexer(definitions);
  const scopes = new Map<string, Scope>();
  const referrers = new Map<string, { resourceType: string; param: string }[]>();
  for (const t of types) {
    const patient = t === 'Patient' || (definitions.patientCompartment.has(t) && !NOT_PATIENT_SCOPED.has(t));
    scopes.set(t, patient ? 'patient' : 'shared');
  }
  return {
    definitions,
    resourceTypes: new Set(types),
    scopeOf: (t) => scopes.get(t) ?? 'shared',
    compartmentParams: (t) => definitions.patientCompartmentRows.get(t) ?? [],
    referencingParams: (target) => {
      let found = referrers.get(target);
      if (!found) {
        found = [];
        for (const [resourceType, params] of definitions.byType) {
          for (const def of params.values()) {
            if (def.type !== 'reference' || def.storedAs || def.code.startsWith('_')) continue;
            if (def.targets.length === 0 || def.targets.includes(target)) found.push({ resourceType, param: def.code });
          }
        }
        referrers.set(target, found);
      }
      return found;
    },
    index,
  };
}
