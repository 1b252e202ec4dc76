import type { Reference, Resource } from '@medplum/fhirtypes';

/** Every literal Reference in a resource: any object, at any depth, with a `reference` string. */
export function referencesIn(value: unknown, out: Reference[] = []): Reference[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.reference === 'string') out.push(obj);
    for (const v of Object.values(obj)) referencesIn(v, out);
  }
  return out;
}

export function keyOf(resource: Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}
