import { createHash } from 'node:crypto';

// The hash chain of the audit store (ADR 9). Each row's hash covers the previous row's hash and everything the row
// holds, so a row altered, removed, inserted or moved breaks the chain at that point. Pure functions: the store
// computes hashes with them when it appends, and verification recomputes them over the rows as read back.

/** The previous hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * How a row's hash is made; each row carries its version (`chain_version`) and verifies under it.
 * - 1: SHA-256 of the previous hash, a newline, and the canonical JSON of the row's content with its sequence
 *   number and the AuditEvent's id. Hashed in the application, so appending took the head's lock in one
 *   statement and the insert in another.
 * - 2 (from migration `access-audit-002`): the row's content digest (SHA-256 of the canonical JSON of its content
 *   without its sequence number, the AuditEvent stored without its id) is computed in the application; the link,
 *   SHA-256 of the previous hash, the sequence number and that digest, is computed by the database as it numbers
 *   the row (`audit_append`), so that an append is one statement. The id of a version 2 AuditEvent is its
 *   sequence number, added as it is read.
 */
export type ChainVersion = 1 | 2;

export type AuditEventType = 'rest' | 'security-alert' | 'audit-log-used';

/** What one row of `audit_event` holds, apart from its hashes: the input of its hash. */
export interface AuditRowContent {
  seq: number;
  chainVersion: ChainVersion;
  /** The recorded time as stored, in UTC to the microsecond: `2026-11-30T09:15:02.123000Z` (see `recordedText`). */
  recorded: string;
  eventType: AuditEventType;
  patientId: string | null;
  userId: string | null;
  organisationOds: string | null;
  organisationKind: string | null;
  roleCode: string | null;
  clientId: string | null;
  action: string;
  outcome: string;
  purposeOfUse: string | null;
  breakGlass: boolean;
  selfClaimed: boolean;
  requestId: string | null;
  /** The AuditEvent as canonical JSON text, byte for byte as stored. */
  event: string;
}

export interface ChainedRow extends AuditRowContent {
  prevHash: string;
  hash: string;
}

/** The head of the chain: the last sequence number and its hash (0 and GENESIS_HASH when empty). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Why verification stopped:
 * - `altered`: the row's hash is not the hash of its content (a column or a byte of its JSON changed, or it was
 *   moved to another sequence number);
 * - `missing`: sequence numbers jump (rows removed, or a row renumbered away);
 * - `broken-link`: the row does not name the previous row's hash (a row removed or inserted before it);
 * - `head-mismatch`: the last row is not the head (rows removed from the end, or the head changed);
 * - `beyond-head`: rows past the head (appended outside the chain, e.g. with the triggers disabled).
 */
export type ChainBreakReason = 'altered' | 'missing' | 'broken-link' | 'head-mismatch' | 'beyond-head';

export interface ChainBreak {
  /** The sequence number at which the chain is first found broken. */
  seq: number;
  reason: ChainBreakReason;
  /** The same in words, for the command line and the privacy officer. */
  detail: string;
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every level and no spaces: the same value always gives
 * the same text. With ECMAScript's number and string serialisation this is the JSON Canonicalization Scheme
 * (RFC 8785) for the values FHIR resources hold.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** A recorded time as the store keeps it and hashes it: UTC, to the microsecond (PostgreSQL's precision). */
export function recordedText(at: Date): string {
  return `${at.toISOString().slice(0, 23)}000Z`;
}

/** What a row holds but its number, chain version and hashes. */
export type Content = Omit<AuditRowContent, 'seq' | 'chainVersion'>;

function canonicalContent(version: ChainVersion, content: Content, seq?: number): string {
  return canonicalJson({
    v: version,
    seq,
    recorded: content.recorded,
    eventType: content.eventType,
    patientId: content.patientId,
    userId: content.userId,
    organisationOds: content.organisationOds,
    organisationKind: content.organisationKind,
    roleCode: content.roleCode,
    clientId: content.clientId,
    action: content.action,
    outcome: content.outcome,
    purposeOfUse: content.purposeOfUse,
    breakGlass: content.breakGlass,
    selfClaimed: content.selfClaimed,
    requestId: content.requestId,
    event: content.event,
  });
}

const sha256 = (...parts: string[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

/** The digest of a version 2 row's content: everything it holds but its sequence number and hashes. */
export function contentDigest(content: Content): string {
  return sha256(canonicalContent(2, content));
}

/** The hash of a version 2 row: what `audit_append` computes in SQL, the two kept the same by a test. */
function linkHash(prevHash: string, seq: number, digest: string): string {
  return sha256(prevHash, '\n', String(seq), '\n', digest);
}

/** The hash a row should carry, under its own chain version. */
export function hashRow(prevHash: string, content: AuditRowContent): string {
  return content.chainVersion === 1
    ? sha256(prevHash, '\n', canonicalContent(1, content, content.seq))
    : linkHash(prevHash, content.seq, contentDigest(content));
}

/**
 * Checks rows fed in sequence order, one at a time, so that millions of rows are checked in constant memory:
 * `push` each row, then `finish` with the head as read in the same snapshot as the last row. Each returns the
 * first break found (and keeps returning it), or undefined.
 */
export class ChainVerifier {
  #expectedSeq = 1;
  #prevHash = GENESIS_HASH;
  #rows = 0;
  #broken: ChainBreak | undefined;

  /** Rows checked so far. */
  get rows(): number {
    return this.#rows;
  }

  get firstBroken(): ChainBreak | undefined {
    return this.#broken;
  }

  push(row: ChainedRow): ChainBreak | undefined {
    if (this.#broken) return this.#broken;
    this.#rows++;
    if (row.seq !== this.#expectedSeq) {
      const missing = row.seq > this.#expectedSeq;
      return this.#break(
        this.#expectedSeq,
        missing ? 'missing' : 'broken-link',
        missing
          ? `sequence numbers ${this.#expectedSeq}..${row.seq - 1} are missing`
          : `sequence number ${row.seq} appears where ${this.#expectedSeq} was expected`,
      );
    }
    if (hashRow(row.prevHash, row) !== row.hash) {
      return this.#break(row.seq, 'altered', `row ${row.seq} does not match its hash: its content was changed`);
    }
    if (row.prevHash !== this.#prevHash) {
      return this.#break(
        row.seq,
        'broken-link',
        `row ${row.seq} does not follow row ${row.seq - 1}: a row before it was removed, inserted or rewritten`,
      );
    }
    this.#expectedSeq = row.seq + 1;
    this.#prevHash = row.hash;
    return undefined;
  }

  /** `beyond` is the lowest sequence number stored past the head, if any. */
  finish(head: ChainHead, beyond?: number): ChainBreak | undefined {
    if (this.#broken) return this.#broken;
    const lastSeq = this.#expectedSeq - 1;
    if (lastSeq < head.seq) {
      return this.#break(
        lastSeq + 1,
        'head-mismatch',
        `the head is at ${head.seq} but the rows end at ${lastSeq}: rows were removed from the end`,
      );
    }
    if (lastSeq > head.seq) {
      return this.#break(head.seq + 1, 'beyond-head', `rows run to ${lastSeq}, past the head (${head.seq})`);
    }
    if (this.#prevHash !== head.hash) {
      return this.#break(
        head.seq,
        'head-mismatch',
        `the last row (${lastSeq}) does not match the head's hash: the last row or the head was changed`,
      );
    }
    if (beyond !== undefined) {
      return this.#break(
        beyond,
        'beyond-head',
        `row ${beyond} lies past the head (${head.seq}): added outside the chain`,
      );
    }
    return undefined;
  }

  #break(seq: number, reason: ChainBreakReason, detail: string): ChainBreak {
    this.#broken = { seq, reason, detail };
    return this.#broken;
  }
}

/** Verifies rows held in memory (tests, small exports): the first break, or undefined when intact. */
export function verifyRows(rows: Iterable<ChainedRow>, head: ChainHead, beyond?: number): ChainBreak | undefined {
  const verifier = new ChainVerifier();
  for (const row of rows) if (verifier.push(row)) break;
  return verifier.finish(head, beyond);
}
