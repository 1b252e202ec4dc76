import type { CapabilityStatement, CapabilityStatementRestResource } from '@joinedup/fhir';
import type { FhirContext } from './interactions.ts';

let cached: CapabilityStatement | undefined;

/** The CapabilityStatement, generated from the same search definitions and scopes that drive the store. */
export function capabilityStatement(ctx: FhirContext): CapabilityStatement {
  if (cached) return cached;
  const resource: CapabilityStatementRestResource[] = [];
  // _revinclude=Source:param is listed on each type the parameter may point at (a wildcard is not supported).
  const revIncludes = new Map<string, string[]>();
  for (const [source, params] of ctx.model.definitions.byType) {
    for (const p of params.values()) {
      if (p.type !== 'reference') continue;
      for (const target of p.targets) {
        let list = revIncludes.get(target);
        if (!list) revIncludes.set(target, (list = []));
        list.push(`${source}:${p.code}`);
      }
    }
  }
  for (const type of [...ctx.model.resourceTypes].sort()) {
    const params = [...(ctx.model.definitions.byType.get(type)?.values() ?? [])];
    const references = params.filter((p) => p.type === 'reference');
    resource.push({
      type: type as CapabilityStatementRestResource['type'],
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: true,
      conditionalCreate: true,
      conditionalRead: 'full-support',
      conditionalUpdate: true,
      conditionalDelete: 'single',
      interaction: (
        [
          'read',
          'vread',
          'update',
          'patch',
          'delete',
          'history-instance',
          'history-type',
          'create',
          'search-type',
        ] as const
      ).map((code) => ({ code })),
      searchInclude: ['*', ...references.map((p) => `${type}:${p.code}`)],
      searchRevInclude: (revIncludes.get(type) ?? []).sort(),
      searchParam: [
        { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
        { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
        ...params.map((p) => ({ name: p.code, type: p.type, definition: p.url })),
      ],
      ...(type === 'Patient'
        ? {
            operation: [
              { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
            ],
          }
        : type === 'Person'
          ? {
              // Not a base R4 operation: one person's record across every source Patient the Person links.
              operation: [
                { name: 'everything', definition: `${ctx.config.baseUrl}/fhir/OperationDefinition/Person-everything` },
              ],
            }
          : {}),
    });
  }
  cached = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-22',
    kind: 'instance',
    software: { name: 'joinedup', version: '0.1.0' },
    implementation: { description: 'joinedup FHIR R4 server', url: `${ctx.config.baseUrl}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        resource,
        interaction: [
          { code: 'transaction' },
          { code: 'batch' },
          { code: 'search-system' },
          { code: 'history-system' },
        ],
        searchParam: [
          { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
          {
            name: '_lastUpdated',
            type: 'date',
            definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
          },
        ],
        // feeds/bulk: a synchronous NDJSON import (its README says how it differs from the Bulk Data draft).
        operation: [{ name: 'import', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/import' }],
      },
    ],
  };
  return cached;
}
