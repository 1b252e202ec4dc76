import type { OperationOutcome } from '@joinedup/fhir';

/** A FHIR interaction request, independent of the HTTP framework. */
export interface FhirRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path below the FHIR base, without leading slash, e.g. `Patient/123/_history/2`. */
  path: string;
  query: [string, string][];
  headers: Record<string, string | undefined>;
  /** Parsed JSON body (or form fields for `_search`). */
  body?: unknown;
  contentType?: string;
  /** The sending organisation, when the caller's credentials name one: recorded on everything it writes. */
  source?: string;
}

/** A FHIR interaction response: `body` is JSON text, sent as it is. */
export interface FhirResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): FhirResponse {
  return { status, headers, body: JSON.stringify(body) };
}

export function outcomeResponse(status: number, outcome: OperationOutcome): FhirResponse {
  return jsonResponse(status, outcome);
}

/** `W/"3"` → 3; anything else is not a version we issued. */
export function parseETag(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value.trim());
  return m ? Number(m[1]) : Number.NaN;
}

export function etag(versionId: number): string {
  return `W/"${versionId}"`;
}
