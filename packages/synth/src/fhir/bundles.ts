import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

/**
 * A transaction of `PUT Type/id` entries: update-as-create (R4 http.html#upsert), so sending the same bundle
 * again changes nothing but version numbers.
 */
export function putTransaction(resources: Resource[]): Bundle {
  const entry: BundleEntry[] = new Array<BundleEntry>(resources.length);
  for (let i = 0; i < resources.length; i++) {
    const resource = resources[i]!;
    entry[i] = { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/**
 * FHIR Bulk Data NDJSON: one resource per line, no pretty printing, grouped by resource type for
 * `<Type>.ndjson` files. Pass the same map again to keep appending (e.g. one person at a time); types keep the
 * order in which they first appear.
 */
export function toNdjson(resources: Resource[], into = new Map<string, string[]>()): Map<string, string[]> {
  for (const resource of resources) {
    let lines = into.get(resource.resourceType);
    if (!lines) {
      lines = [];
      into.set(resource.resourceType, lines);
    }
    lines.push(JSON.stringify(resource));
  }
  return into;
}
