// Security labels written at ingest (ADR 12; domain.md 1.6 requirement 1): every resource any path writes whose
// code is in a legally restricted category gets that category as a `meta.security` label, beside whatever labels
// its source gave it (the source can always label more). What is sealed is then one look-up in the search index.
import type { Coding, Resource } from '@joinedup/fhir';

/** The legally restricted categories (ADR 8), as labels. */
export const SENSITIVITY_SYSTEM = 'https://joinedup.example.org/fhir/CodeSystem/sensitivity';
/** HL7 v3 Confidentiality: R restricted, V very restricted (N normal is not a seal). */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** A `meta.tag` placing an item in a category of ADR 8's matrix whatever its type (e.g. an MHA form). */
export const CATEGORY_TAG_SYSTEM = 'https://joinedup.example.org/fhir/CodeSystem/record-category';
/** What a resource shown with elements removed carries (HL7 v3 ObservationValue REDACTED). */
export const REDACTED_LABEL = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'REDACTED',
  display: 'redacted',
} as const;

export type SensitiveCategory = 'IVF' | 'STI' | 'TOP' | 'GENDER';

/** The labels that seal an item (ADR 8: withheld from everyone through the shared record). */
export const SEALED_LABELS: readonly { system: string; code: string }[] = [
  ...(['IVF', 'STI', 'TOP', 'GENDER'] as const).map((code) => ({ system: SENSITIVITY_SYSTEM, code })),
  { system: CONFIDENTIALITY_SYSTEM, code: 'R' },
  { system: CONFIDENTIALITY_SYSTEM, code: 'V' },
];

const SNOMED = 'http://snomed.info/sct';

/**
 * ⚠ A starting code list (ADR 12): SNOMED CT concepts of each category, standing in for the GP summary
 * exclusion reference sets (domain.md 1.6), which replace it when loaded. Matched on the item's own codes.
 */
export const SENSITIVE_CODES: Readonly<Record<SensitiveCategory, readonly string[]>> = {
  IVF: ['63487001', '58533008'],
  STI: ['165829005', '269828009', '310861008', '105629000', '15628003', '76272004'],
  TOP: ['57797005', '386639001', '714812005'],
  GENDER: ['407377005', '407376001'],
};

const CATEGORY_OF_CODE = new Map<string, SensitiveCategory>(
  (Object.entries(SENSITIVE_CODES) as [SensitiveCategory, readonly string[]][]).flatMap(([category, codes]) =>
    codes.map((code) => [code, category] as const),
  ),
);

// The elements that say what an item is about, across the clinical types.
const CODED_ELEMENTS = ['code', 'type', 'reasonCode', 'category', 'valueCodeableConcept', 'vaccineCode'];

/** The resource with a label for each restricted category its codes fall in; the same object when none. */
export function labelSensitive(resource: Resource): Resource {
  const found = new Set<SensitiveCategory>();
  const record = resource as unknown as Record<string, unknown>;
  for (const element of CODED_ELEMENTS) {
    for (const concept of [record[element]].flat()) {
      const codings = (concept as { coding?: Coding[] } | undefined)?.coding;
      if (!Array.isArray(codings)) continue;
      for (const coding of codings) {
        const category = coding?.system === SNOMED && coding.code ? CATEGORY_OF_CODE.get(coding.code) : undefined;
        if (category) found.add(category);
      }
    }
  }
  if (found.size === 0) return resource;
  const security = [...(resource.meta?.security ?? [])];
  for (const code of found) {
    if (!security.some((s) => s.system === SENSITIVITY_SYSTEM && s.code === code)) {
      security.push({ system: SENSITIVITY_SYSTEM, code });
    }
  }
  return { ...resource, meta: { ...resource.meta, security } };
}
