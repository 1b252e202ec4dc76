// How an upsert or a cancel changes what is stored: pure, for the feed service to call inside its transaction
// with the resource it has read. Merges move whole records and are the service's (ADR 6).

import type { Resource } from '@joinedup/fhir';
import { SOURCE_EVENT_TIME_URL } from './code-systems.ts';
import type { CancelOperation, UpsertOperation } from './feed-operation.ts';

export type ApplyOutcome =
  | { outcome: 'write'; resource: Resource }
  | {
      outcome: 'skip';
      /** older: the stored resource was set by a later event; not-found: nothing to cancel; unchanged: no change. */
      reason: 'older' | 'not-found' | 'unchanged';
    };

type Json = Record<string, unknown>;

/** The event time (ms) of the message that last set a resource, from its source-event-time extension. */
export function sourceEventTimeOf(resource: Resource | undefined): number | undefined {
  const extensions = (resource as { extension?: unknown } | undefined)?.extension;
  if (!Array.isArray(extensions)) return undefined;
  for (const e of extensions as unknown[]) {
    if (isObject(e) && e.url === SOURCE_EVENT_TIME_URL && typeof e.valueInstant === 'string') {
      const ms = Date.parse(e.valueInstant);
      return Number.isFinite(ms) ? ms : undefined;
    }
  }
  return undefined;
}

/**
 * The resource to write for `op` given what is stored (`current`, undefined when there is none), or why nothing
 * is written. `eventTime` is the message's (MapResult.eventTime).
 * - A message older than the one that set `current` changes nothing (reliability matrix row 11).
 * - Patient and Encounter: an element the message did not send keeps its stored value (HL7 v2.5.1 2.5.3: an
 *   empty field means no change; `""` in `op.clear` deletes), and `op.defaults` never overwrite a stored value.
 *   Encounter locations are kept as history: a new location ends the current one (README).
 * - DocumentReference: a notification without the document (no data, no url) keeps the stored content.
 * - Everything else is replaced whole (results and documents are sent whole: HL7 v2.5.1 7.3.1, 9.3).
 */
export function applyFeedOperation(
  current: Resource | undefined,
  op: UpsertOperation | CancelOperation,
  eventTime: string,
): ApplyOutcome {
  const stored = sourceEventTimeOf(current);
  const incoming = Date.parse(eventTime);
  if (current !== undefined && stored !== undefined && Number.isFinite(incoming) && incoming < stored) {
    return { outcome: 'skip', reason: 'older' };
  }
  const next = op.kind === 'upsert' ? upsert(current, op) : cancel(current, op, eventTime);
  if (next === undefined) return { outcome: 'skip', reason: current === undefined ? 'not-found' : 'unchanged' };
  if (current !== undefined && isSameResource(withoutVersion(current), withoutVersion(next))) {
    return { outcome: 'skip', reason: 'unchanged' };
  }
  return { outcome: 'write', resource: next };
}

function upsert(current: Resource | undefined, op: UpsertOperation): Resource {
  const next = structuredClone(op.resource);
  if (current === undefined) return next;
  const old = current as unknown as Json;
  const merged = next as unknown as Json;
  if (next.resourceType === 'Patient' || next.resourceType === 'Encounter') {
    keepAbsent(old, merged, op);
    if (next.resourceType === 'Encounter') mergeEncounter(old, merged, op);
  } else if (next.resourceType === 'DocumentReference') {
    if (!hasDocumentContent(merged.content) && Array.isArray(old.content))
      merged.content = structuredClone(old.content);
  }
  return next;
}

/** Top-level choice elements: a stored `deceasedDateTime` must not stay beside a sent `deceasedBoolean`. */
const CHOICES: readonly string[] = ['deceased', 'multipleBirth'];
/** Set by the service or the store, or by this message whole. */
const NEVER_KEPT = new Set(['resourceType', 'id', 'meta', 'text', 'extension']);

function keepAbsent(old: Json, next: Json, op: UpsertOperation): void {
  const clear = new Set(op.clear ?? []);
  for (const key of Object.keys(old)) {
    if (NEVER_KEPT.has(key) || key in next || clear.has(key)) continue;
    const choice = CHOICES.find((c) => key.startsWith(c));
    if (choice !== undefined && Object.keys(next).some((k) => k.startsWith(choice))) continue;
    next[key] = structuredClone(old[key]);
  }
  for (const key of op.defaults ?? []) {
    if (old[key] !== undefined) next[key] = structuredClone(old[key]);
  }
}

interface LocationEntry {
  location?: { display?: string; reference?: string };
  status?: string;
  period?: { start?: string; end?: string };
  [key: string]: unknown;
}

function locationKey(entry: LocationEntry): string {
  return `${entry.location?.reference ?? ''}|${entry.location?.display ?? ''}`;
}

/**
 * Encounter: period start and end are kept unless the message sends them; the message's location (the current
 * one) continues the stored history: the same place as the last entry updates it (status, end), another place
 * ends the last entry when the new one starts and is added after it.
 */
function mergeEncounter(old: Json, next: Json, op: UpsertOperation): void {
  const clear = new Set(op.clear ?? []);
  const oldPeriod = (old.period ?? {}) as { start?: string; end?: string };
  const nextPeriod = (next.period ?? {}) as { start?: string; end?: string };
  if (!clear.has('period') && (oldPeriod.start !== undefined || oldPeriod.end !== undefined)) {
    const start = nextPeriod.start ?? oldPeriod.start;
    const end = nextPeriod.end ?? (next.status === 'finished' ? oldPeriod.end : undefined);
    next.period = { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
    if (Object.keys(next.period as Json).length === 0) delete next.period;
  }
  const history = Array.isArray(old.location) ? (structuredClone(old.location) as LocationEntry[]) : [];
  const incoming = Array.isArray(next.location) ? (next.location as LocationEntry[]) : [];
  if (incoming.length === 0) {
    if (history.length > 0) next.location = history;
    return;
  }
  for (const entry of incoming) {
    const last = history[history.length - 1];
    if (last !== undefined && locationKey(last) === locationKey(entry)) {
      const start = last.period?.start ?? entry.period?.start;
      const end = entry.period?.end;
      history[history.length - 1] = {
        ...last,
        ...entry,
        ...(start === undefined && end === undefined
          ? {}
          : { period: { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) } }),
      };
      continue;
    }
    if (last !== undefined && last.status === 'active') {
      last.status = 'completed';
      const end = entry.period?.start;
      if (end !== undefined) last.period = { ...(last.period ?? {}), end };
    }
    history.push(entry);
  }
  next.location = history;
}

function hasDocumentContent(content: unknown): boolean {
  if (!Array.isArray(content)) return false;
  return content.some(
    (c) => isObject(c) && isObject(c.attachment) && (c.attachment.data !== undefined || c.attachment.url !== undefined),
  );
}

function cancel(current: Resource | undefined, op: CancelOperation, eventTime: string): Resource | undefined {
  if (current === undefined || current.resourceType !== op.resourceType) return undefined;
  const next = structuredClone(current) as Resource & Json;
  switch (op.to) {
    case 'entered-in-error':
      next.status = 'entered-in-error';
      if (next.resourceType === 'DocumentReference') next.docStatus = 'entered-in-error';
      break;
    case 'cancelled':
      next.status = 'cancelled';
      break;
    case 'superseded':
      next.status = 'superseded';
      break;
    case 'reopen': {
      next.status = 'in-progress';
      if (isObject(next.period)) delete next.period.end;
      if (isObject(next.hospitalization)) {
        delete next.hospitalization.dischargeDisposition;
        if (Object.keys(next.hospitalization).length === 0) delete next.hospitalization;
      }
      const locations = Array.isArray(next.location) ? (next.location as LocationEntry[]) : [];
      const last = locations[locations.length - 1];
      if (last) reactivate(last);
      break;
    }
    case 'previous-location': {
      const locations = Array.isArray(next.location) ? (next.location as LocationEntry[]) : [];
      // With one location or none, the place before the transfer is not known here: nothing to undo.
      if (locations.length < 2) return undefined;
      locations.pop();
      reactivate(locations[locations.length - 1]!);
      break;
    }
  }
  setSourceEventTime(next, eventTime);
  return next;
}

function reactivate(entry: LocationEntry): void {
  entry.status = 'active';
  if (entry.period) {
    delete entry.period.end;
    if (Object.keys(entry.period).length === 0) delete entry.period;
  }
}

function setSourceEventTime(resource: Json, eventTime: string): void {
  const others = Array.isArray(resource.extension)
    ? (resource.extension as unknown[]).filter((e) => !(isObject(e) && e.url === SOURCE_EVENT_TIME_URL))
    : [];
  resource.extension = [...others, { url: SOURCE_EVENT_TIME_URL, valueInstant: eventTime }];
}

function withoutVersion(resource: Resource): Json {
  const copy: Json = { ...(resource as unknown as Json) };
  if (isObject(copy.meta)) {
    const meta: Json = { ...copy.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    copy.meta = meta;
  }
  return copy;
}

/** Deep equality of JSON values, whatever the order of object keys (a stored resource may come back reordered). */
function isSameResource(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => isSameResource(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
  return keys.length === otherKeys.length && keys.every((k) => isSameResource(a[k], b[k]));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
