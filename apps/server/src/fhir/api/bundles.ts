import type { HistoryPage } from '../store/history.ts';
import type { StoredVersion } from '../store/store.ts';
import type { SearchResult } from '../search/index.ts';
import type { FhirRequest } from './fhir-http.ts';

// Bundles are assembled as text around each stored resource's JSON, so a resource is never parsed and
// re-serialised on the way out.
function link(relation: string, url: string): string {
  return JSON.stringify({ relation, url });
}

function pathOf(type: string | undefined, compartment?: { type: string; id: string }): string {
  if (compartment) return `${compartment.type}/${compartment.id}/${type ?? ''}`.replace(/\/$/, '');
  return type ?? '';
}

function url(base: string, path: string, params: [string, string][]): string {
  const qs = new URLSearchParams(params).toString();
  return `${base}${path ? `/${path}` : ''}${qs ? `?${qs}` : ''}`;
}

export function searchsetBundle(
  base: string,
  type: string | undefined,
  compartment: { type: string; id: string } | undefined,
  result: SearchResult,
): string {
  const path = pathOf(type, compartment);
  const links = [link('self', url(base, path, result.selfParams))];
  const withCursor = (cursor: string) => [
    ...result.selfParams.filter(([k]) => k !== '_cursor'),
    ['_cursor', cursor] as [string, string],
  ];
  if (result.next) links.push(link('next', url(base, path, withCursor(result.next))));
  if (result.previous) links.push(link('previous', url(base, path, withCursor(result.previous))));
  const entries = [
    ...result.matches.map((v) => entry(base, v, 'match')),
    ...result.includes.map((v) => entry(base, v, 'include')),
  ];
  if (result.warnings.length) {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: result.warnings.map((w) => ({ severity: 'warning', code: 'not-supported', diagnostics: w })),
    };
    entries.push(`{"resource":${JSON.stringify(outcome)},"search":{"mode":"outcome"}}`);
  }
  const total = result.total === undefined ? '' : `,"total":${result.total}`;
  return `{"resourceType":"Bundle","type":"searchset"${total},"link":[${links.join(',')}],"entry":[${entries.join(',')}]}`;
}

function entry(base: string, v: StoredVersion, mode: 'match' | 'include'): string {
  return `{"fullUrl":${JSON.stringify(`${base}/${v.resourceType}/${v.id}`)},"resource":${v.content},"search":{"mode":"${mode}"}}`;
}

export function historyBundle(
  base: string,
  req: FhirRequest,
  page: HistoryPage,
  type: string | undefined,
  id: string | undefined,
): string {
  const path = [type, id, '_history'].filter(Boolean).join('/');
  const links = [link('self', url(base, path, page.params))];
  if (page.next) links.push(link('next', url(base, path, [...page.params, ['_cursor', page.next]])));
  void req;
  const entries = page.entries.map((v) => {
    const fullUrl = JSON.stringify(`${base}/${v.resourceType}/${v.id}`);
    const method = v.deleted ? 'DELETE' : v.versionId === 1 && v.method !== 'PUT' ? 'POST' : 'PUT';
    const requestUrl = method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}`;
    const status = v.deleted ? '204' : v.versionId === 1 ? '201' : '200';
    const resource = v.content ? `"resource":${v.content},` : '';
    return `{"fullUrl":${fullUrl},${resource}"request":{"method":"${method}","url":"${requestUrl}"},"response":{"status":"${status}","etag":"W/\\"${v.versionId}\\"","lastModified":"${v.lastUpdated}"}}`;
  });
  return `{"resourceType":"Bundle","type":"history","link":[${links.join(',')}],"entry":[${entries.join(',')}]}`;
}
