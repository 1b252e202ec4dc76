import type { RowFilter } from '../store/row-filter.ts';
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
  /**
   * What the caller may do, decided outside the FHIR engine from its credentials (the engine knows no users):
   * called before every interaction, bundle entries included; throws (401, 403) to refuse. Absent: everything.
   */
  permit?: FhirPermit;
  /**
   * Which stored rows the caller may see and change, decided outside the engine (ADR 11): added to every
   * statement the request runs, so that the rest is not found, counted or hinted at. Absent: every row.
   */
  rowFilter?: RowFilter;
  /**
   * Told of every stored resource the response carries or the request wrote (where it is stored: its patient's
   * key), so that the caller can audit each patient's record touched (ADR 12). Bundle entries tell the bundle's.
   */
  touched?: (rows: readonly TouchedRow[]) => void;
}

/**
 * One request as its caller's audit sees it, after the engine answered and before anything is sent: the caller
 * records it, or throws (503) and nothing of the answer leaves.
 */
export interface FhirExchange {
  method: string;
  /** The request line as received: path and query, unparsed (an audit keeps it as it came). */
  raw: string;
  /** Path below the FHIR base. */
  path: string;
  status: number;
  /** A refusal's or failure's code (the OperationOutcome's details) and message. */
  error?: { code: string | undefined; message: string };
  /** The type of Bundle a POST to the base carried (batch, transaction). */
  bundleType?: string;
  touched: readonly TouchedRow[];
  requestId: string;
  networkAddress: string;
}

/** A resource a response carried or a request wrote. */
export interface TouchedRow {
  patientKey: string;
  resourceType: string;
  id: string;
}

/** The FHIR REST interactions as the router dispatches them (R4 http.html), for a permission check. */
export type FhirInteraction =
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'search-type'
  | 'search-system'
  | 'search-compartment'
  | 'everything'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'conditional-update'
  | 'conditional-patch'
  | 'conditional-delete';

/**
 * One check: the interaction, the resource type it acts on (undefined for the whole server or every type), and
 * for a read or write of one resource its id, for a compartment search or `$everything` the Patient's id.
 */
export type FhirPermit = (check: {
  interaction: FhirInteraction;
  resourceType?: string;
  id?: string;
  /** The search parameters, for a search (`_include`, `_revinclude`, `_type`, chains reach other types). */
  query?: readonly [string, string][];
}) => void;

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
