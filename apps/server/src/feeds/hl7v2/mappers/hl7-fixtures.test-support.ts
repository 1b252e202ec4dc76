// Builders of HL7 v2 test messages (STYLE.md 7: build test data with builders). Fields by number, as HL7 counts.

import type { Resource } from '@joinedup/fhir';
import { validateResource } from '../../../fhir/validate/validate.ts';
import { parseHl7, type Hl7Message } from '../hl7-message.ts';
import type { FeedOperation, MapContext, MapResult, UpsertOperation } from './feed-operation.ts';

export const SENDER = 'RXX';
export const CTX: MapContext = { senderOds: SENDER, timeZone: 'Europe/London', receivedAt: '2030-01-01T00:00:00.000Z' };

/** 943 476 5919: the worked example of domain.md 1.1 (valid Modulus 11). */
export const NHS_NUMBER = '9434765919';
export const MRN = 'K123456';

export type Fields = Record<number, string>;

/** One segment: `name|f1|f2...`, absent fields empty. */
export function segment(name: string, fields: Fields): string {
  const numbers = Object.keys(fields).map(Number);
  const last = numbers.length === 0 ? 0 : Math.max(...numbers);
  const parts = [name];
  for (let i = 1; i <= last; i++) parts.push(fields[i] ?? '');
  return parts.join('|');
}

/** MSH with `type` as in MSH-9 (e.g. `ADT^A01`), version 2.4. */
export function msh(type: string, fields: Fields = {}): string {
  // MSH-1 is the field separator itself, so MSH-n is the (n-1)th field after the name.
  const f: Fields = { 1: '^~\\&', 2: 'PAS', 3: SENDER, 4: 'JOINEDUP', 5: 'JOINEDUP', 6: '20240301103000' };
  f[8] = type;
  f[9] = 'CTRL0001';
  f[10] = 'P';
  f[11] = '2.4';
  for (const [k, v] of Object.entries(fields)) f[Number(k) - 1] = v;
  return segment('MSH', f);
}

export const DEFAULT_PID: Fields = {
  1: '1',
  3: `${MRN}^^^${SENDER}^MR~${NHS_NUMBER}^^^NHS^NH`,
  5: 'Smith^Jane^Ann^^Mrs^^L',
  7: '19800102',
  8: 'F',
  11: '1 High Street^Flat 2^London^Camden^NW1 1AA^GBR^H',
  13: '020 7946 0000^PRN^PH~07700 900000^PRN^CP',
  32: '01',
};

export function pid(overrides: Fields = {}): string {
  return segment('PID', { ...DEFAULT_PID, ...overrides });
}

export const DEFAULT_PV1: Fields = {
  1: '1',
  2: 'I',
  3: 'Ward 5^Room 2^Bed 3^RXX01',
  4: 'E',
  7: '555000000001^Jones^Alan^^^Dr',
  10: '394802001',
  19: 'V1001^^^RXX^VN',
  44: '20240301100000',
};

export function pv1(overrides: Fields = {}): string {
  return segment('PV1', { ...DEFAULT_PV1, ...overrides });
}

export function evn(trigger: string, recorded = '20240301103000', occurred?: string): string {
  const fields: Fields = { 1: trigger, 2: recorded };
  if (occurred !== undefined) fields[6] = occurred;
  return segment('EVN', fields);
}

/** Parses segments joined by CR; fails the test when the text is not a valid message. */
export function message(...segments: string[]): Hl7Message {
  const parsed = parseHl7(segments.join('\r'));
  if (!parsed.ok) throw new Error(`test message does not parse: ${JSON.stringify(parsed.error)}`);
  return parsed.message;
}

/** An ADT message with EVN, PID and (unless `visit` is false) PV1. */
export function adt(trigger: string, options: { pid?: Fields; pv1?: Fields; visit?: boolean; extra?: string[] } = {}) {
  return message(
    msh(`ADT^${trigger}`),
    evn(trigger),
    pid(options.pid),
    ...(options.visit === false ? [] : [pv1(options.pv1)]),
    ...(options.extra ?? []),
  );
}

export function upserts(result: MapResult): Resource[] {
  if (!result.ok) throw new Error(`mapping failed: ${JSON.stringify(result.error)}`);
  return result.operations.filter((o): o is UpsertOperation => o.kind === 'upsert').map((o) => o.resource);
}

export function operations(result: MapResult): FeedOperation[] {
  if (!result.ok) throw new Error(`mapping failed: ${JSON.stringify(result.error)}`);
  return result.operations;
}

/** The one upserted resource of a type (fails when there is not exactly one). */
export function resourceOf<T extends Resource['resourceType']>(
  result: MapResult,
  type: T,
): Extract<Resource, { resourceType: T }> {
  const found = upserts(result).filter((r) => r.resourceType === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length}`);
  return found[0] as Extract<Resource, { resourceType: T }>;
}

/** Every upserted resource passes the server's structural validation; returns the issues found, as text. */
export function validationIssues(result: MapResult): string[] {
  if (!result.ok) return [];
  return upserts(result).flatMap((r) =>
    validateResource(r).map(
      (i) => `${r.resourceType}/${r.id ?? ''}: ${i.expression?.join(',') ?? ''} ${i.diagnostics ?? ''}`,
    ),
  );
}
