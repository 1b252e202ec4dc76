/** FHIR R4 datatypes.html#id: 1-64 characters of A-Z a-z 0-9 - . */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: string): boolean {
  return FHIR_ID.test(id);
}

/** A relative reference `Type/id` split into its parts, or undefined when it is not one. */
export function parseRelativeReference(reference: string): { resourceType: string; id: string } | undefined {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference);
  if (!m) return undefined;
  return { resourceType: m[1]!, id: m[2]! };
}
