import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

export interface IssueDetail {
  /** A stable code from docs/errors.md, sent as issue.details.coding[0].code. */
  code?: string;
  /** FHIRPath of the offending element, e.g. `Patient.birthDate`. */
  expression?: string;
}

const ERROR_CODE_SYSTEM = 'https://joinedup.example.org/fhir/CodeSystem/error-code';

/** One error class for every failure that a client may see; carries the OperationOutcome and its HTTP status. */
export class OperationOutcomeError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  constructor(status: number, outcome: OperationOutcome) {
    super(outcome.issue?.[0]?.diagnostics ?? 'error');
    this.name = 'OperationOutcomeError';
    this.status = status;
    this.outcome = outcome;
  }
}

export function isOperationOutcomeError(e: unknown): e is OperationOutcomeError {
  return e instanceof OperationOutcomeError;
}

export function issue(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  diagnostics: string,
  detail: IssueDetail = {},
): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  if (detail.code) result.details = { coding: [{ system: ERROR_CODE_SYSTEM, code: detail.code }], text: diagnostics };
  if (detail.expression) result.expression = [detail.expression];
  return result;
}

export function outcome(...issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** An informational OperationOutcome, e.g. the body of a successful delete. */
export function informational(diagnostics: string, code = 'informational'): OperationOutcome {
  return outcome(issue('information', 'informational', diagnostics, { code }));
}

function fail(status: number, issueCode: IssueCode, message: string, detail: IssueDetail): OperationOutcomeError {
  return new OperationOutcomeError(status, outcome(issue('error', issueCode, message, detail)));
}

export const badRequest = (message: string, detail: IssueDetail = {}) =>
  fail(400, 'invalid', message, { code: 'request.invalid', ...detail });
export const invalid = (message: string, detail: IssueDetail = {}) =>
  fail(400, 'invalid', message, { code: 'resource.invalid', ...detail });
/** Several validation issues at once: validators return every issue, then this throws them together. */
export function invalidIssues(issues: OperationOutcomeIssue[], status = 400): OperationOutcomeError {
  return new OperationOutcomeError(status, outcome(...issues));
}
export const notFound = (message: string, detail: IssueDetail = {}) =>
  fail(404, 'not-found', message, { code: 'resource.not-found', ...detail });
export const gone = (message: string, detail: IssueDetail = {}) =>
  fail(410, 'deleted', message, { code: 'resource.deleted', ...detail });
export const conflict = (message: string, detail: IssueDetail = {}) =>
  fail(409, 'conflict', message, { code: 'resource.conflict', ...detail });
export const preconditionFailed = (message: string, detail: IssueDetail = {}) =>
  fail(412, 'conflict', message, { code: 'precondition.failed', ...detail });
/** A request well formed and valid that a business rule refuses (FHIR R4 http.html: 422). */
export const unprocessable = (message: string, detail: IssueDetail = {}) =>
  fail(422, 'processing', message, { code: 'resource.unprocessable', ...detail });
export const unauthorized = (message: string, detail: IssueDetail = {}) =>
  fail(401, 'login', message, { code: 'access.unauthenticated', ...detail });
export const forbidden = (message: string, detail: IssueDetail = {}) =>
  fail(403, 'forbidden', message, { code: 'access.forbidden', ...detail });
export const notSupported = (message: string, detail: IssueDetail = {}) =>
  fail(501, 'not-supported', message, { code: 'interaction.not-supported', ...detail });
export const methodNotAllowed = (message: string, detail: IssueDetail = {}) =>
  fail(405, 'not-supported', message, { code: 'interaction.method-not-allowed', ...detail });
export const tooLarge = (message: string, detail: IssueDetail = {}) =>
  fail(413, 'too-costly', message, { code: 'request.too-large', ...detail });
export const unsupportedMediaType = (message: string, detail: IssueDetail = {}) =>
  fail(415, 'not-supported', message, { code: 'request.media-type', ...detail });
export const notAcceptable = (message: string, detail: IssueDetail = {}) =>
  fail(406, 'not-supported', message, { code: 'request.not-acceptable', ...detail });
export const unavailable = (message: string, detail: IssueDetail = {}) =>
  fail(503, 'transient', message, { code: 'service.unavailable', ...detail });
export const internalError = (message: string, detail: IssueDetail = {}) =>
  fail(500, 'exception', message, { code: 'server.error', ...detail });
