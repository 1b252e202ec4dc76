import { notSupported } from '@joinedup/fhir';
import type { FhirRequest, FhirResponse } from './fhir-http.ts';
import type { FhirContext } from './interactions.ts';

/** POST [base] with a batch or transaction Bundle. */
export async function processBundle(_ctx: FhirContext, _req: FhirRequest): Promise<FhirResponse> {
  await Promise.resolve();
  throw notSupported('Bundles are not available yet');
}
