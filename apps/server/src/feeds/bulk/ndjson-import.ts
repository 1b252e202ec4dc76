import { randomUUID } from 'node:crypto';
import { isOperationOutcomeError, isValidId, type Resource } from '@joinedup/fhir';
import type { FhirStore } from '../../fhir/store/store.ts';
import { writeBulk } from '../../fhir/store/bulk-write.ts';
import { validateResource } from '../../fhir/validate/validate.ts';

/** One line that was not stored, and why. Reasons never quote the line (it is patient data). */
export interface RejectedLine {
  /** The file (or request) the line came from, when known. */
  file?: string;
  /** 1-based line number within it. */
  line: number;
  resourceType?: string;
  id?: string;
  reason: string;
}

export interface ImportReport {
  /** Non-empty lines read. */
  read: number;
  stored: number;
  /** Stored resources by type. */
  byType: Record<string, number>;
  rejected: RejectedLine[];
}

export interface ImportOptions {
  /** The sending organisation (ODS code), recorded as `meta.source` on what it sent. */
  source?: string;
  /** Resources per store transaction. */
  batchSize?: number;
  /** Called after each batch with the lines read so far. */
  onProgress?: (read: number) => void;
}

export const DEFAULT_BATCH = 1_000;

export function emptyReport(): ImportReport {
  return { read: 0, stored: 0, byType: {}, rejected: [] };
}

/**
 * Imports FHIR Bulk Data NDJSON (one resource per line) by update-as-create on each resource's id, so that
 * importing the same file again changes nothing but versions. Each line is checked as every API write is; a
 * bad line is rejected with its reason and the rest go on. Resources are written in transactions of
 * `batchSize` through the store's bulk path (`upsertMany`); should a batch fail as a whole, its lines are
 * written one by one so that only the failing ones are rejected; an error that is not the data's (the database
 * unreachable) stops the import and is thrown. Lines without an id get a new one.
 */
export async function importNdjson(
  store: FhirStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
  file?: string,
  report: ImportReport = emptyReport(),
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let batch: { resource: Resource; line: number }[] = [];
  let inBatch = new Set<string>();
  let lineNo = 0;
  const reject = (line: number, reason: string, resource?: { resourceType?: unknown; id?: unknown }) => {
    const r: RejectedLine = { line, reason };
    if (file !== undefined) r.file = file;
    if (typeof resource?.resourceType === 'string') r.resourceType = resource.resourceType.slice(0, 64);
    if (typeof resource?.id === 'string' && isValidId(resource.id)) r.id = resource.id;
    report.rejected.push(r);
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    inBatch = new Set();
    await storeBatch(store, current, options.source, report, reject);
    options.onProgress?.(report.read);
  };

  for await (const raw of lines) {
    lineNo++;
    const text = raw.trim();
    if (text === '') continue;
    report.read++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      reject(lineNo, 'The line is not JSON');
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      reject(lineNo, 'The line is not a JSON object');
      continue;
    }
    const candidate = parsed as { resourceType?: unknown; id?: unknown };
    const issues = validateResource(parsed);
    if (issues.length > 0) {
      const first = issues[0]!;
      const where = first.expression?.[0] ? ` at ${first.expression[0]}` : '';
      reject(lineNo, `${first.diagnostics ?? 'Invalid resource'}${where}`, candidate);
      continue;
    }
    const resource = parsed as Resource;
    if (resource.id === undefined) resource.id = randomUUID();
    const key = `${resource.resourceType}/${resource.id}`;
    // The same resource twice in one transaction is not allowed: the later line goes in the next one.
    if (inBatch.has(key)) await flush();
    batch.push({ resource, line: lineNo });
    inBatch.add(key);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}

async function storeBatch(
  store: FhirStore,
  batch: { resource: Resource; line: number }[],
  source: string | undefined,
  report: ImportReport,
  reject: (line: number, reason: string, resource?: Resource) => void,
) {
  const count = (r: Resource) => {
    report.stored++;
    report.byType[r.resourceType] = (report.byType[r.resourceType] ?? 0) + 1;
  };
  try {
    await store.transaction(async (tx) => {
      await writeBulk(
        tx,
        batch.map((b) => b.resource),
        { source },
      );
    });
    for (const b of batch) count(b.resource);
    return;
  } catch {
    // Find the failing lines: each on its own.
  }
  for (const b of batch) {
    try {
      await store.transaction(async (tx) => {
        await writeBulk(tx, [b.resource], { source });
      });
      count(b.resource);
    } catch (e) {
      // A resource the store refuses is that line's fault; anything else (the database gone) stops the import,
      // so that good lines are never reported as rejected.
      if (!isOperationOutcomeError(e) || e.status >= 500) throw e;
      reject(b.line, e.message, b.resource);
    }
  }
}
