import { notSupported } from '@joinedup/fhir';
import type { FhirRequest, FhirResponse } from './fhir-http.ts';
import type { FhirContext } from './interactions.ts';

/** Patient/[id]/$everything. */
export async function everything(_ctx: FhirContext, _req: FhirRequest, _id: string): Promise<FhirResponse> {
  await Promise.resolve();
  throw notSupported('$everything is not available yet');
}
