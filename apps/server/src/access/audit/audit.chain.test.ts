import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  ChainVerifier,
  contentDigest,
  GENESIS_HASH,
  hashRow,
  recordedText,
  verifyRows,
  type AuditRowContent,
  type ChainedRow,
  type ChainHead,
  type Content,
} from './audit.chain.ts';

// The hash chain on rows held in memory: what each kind of tampering looks like to verification.

/** Numbers and hashes rows to follow `head`, as `audit_append` does in the database (version 2). */
function chainRows(head: ChainHead, contents: readonly Content[]): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let prev = head;
  for (const c of contents) {
    const row: AuditRowContent = { ...c, seq: prev.seq + 1, chainVersion: 2 };
    const hash = hashRow(prev.hash, row);
    rows.push({ ...row, prevHash: prev.hash, hash });
    prev = { seq: row.seq, hash };
  }
  return rows;
}

function content(i: number): Content {
  return {
    recorded: recordedText(new Date(Date.UTC(2026, 10, 30, 9, 0, i))),
    eventType: 'rest',
    patientId: `pat-${i % 3}`,
    userId: `5550000000${i % 2}`,
    organisationOds: 'R1H',
    organisationKind: 'acute-trust',
    roleCode: 'R8000',
    clientId: 'barts-epr',
    action: 'R',
    outcome: '0',
    purposeOfUse: 'TREAT',
    breakGlass: false,
    selfClaimed: false,
    requestId: `req-${i}`,
    event: canonicalJson({ resourceType: 'AuditEvent', recorded: `2026-11-30T09:00:${i}Z` }),
  };
}

function aChain(n: number): { rows: ChainedRow[]; head: ChainHead } {
  const rows = chainRows(
    { seq: 0, hash: GENESIS_HASH },
    Array.from({ length: n }, (_, i) => content(i)),
  );
  const last = rows[rows.length - 1]!;
  return { rows, head: { seq: last.seq, hash: last.hash } };
}

test('canonical JSON sorts keys at every level, drops undefined members and has no spaces', () => {
  const a = canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined });
  const b = canonicalJson({ a: { c: 'x', d: [3, { y: null, z: true }] }, b: 1 });
  assert.equal(a, '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  assert.equal(a, b);
  assert.equal(canonicalJson({ é: 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}');
  assert.equal(canonicalJson('line\n"quoted"'), '"line\\n\\"quoted\\""');
  assert.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
  assert.throws(() => canonicalJson({ n: 1n }), TypeError);
});

test('the recorded time is kept to the microsecond in UTC', () => {
  assert.equal(recordedText(new Date('2026-06-01T23:15:02.123+01:00')), '2026-06-01T22:15:02.123000Z');
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('a version 2 row hash links the previous hash, the sequence number and the content digest', () => {
  const rest = content(1);
  const row: AuditRowContent = { ...rest, seq: 7, chainVersion: 2 };
  const hash = hashRow(GENESIS_HASH, row);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(hashRow(GENESIS_HASH, { ...row }), hash, 'deterministic');
  const digest = sha256(canonicalJson({ v: 2, ...rest }));
  assert.equal(contentDigest(rest), digest);
  assert.equal(hash, sha256(`${GENESIS_HASH}\n7\n${digest}`));
});

test('a version 1 row hash, as appended before version 2, still verifies under its own version', () => {
  const row: AuditRowContent = { ...content(1), seq: 1, chainVersion: 1 };
  const hash = hashRow(GENESIS_HASH, row);
  assert.equal(hash, sha256(`${GENESIS_HASH}\n${canonicalJson({ v: 1, ...content(1), seq: 1 })}`));
  assert.notEqual(hashRow(GENESIS_HASH, { ...row, chainVersion: 2 }), hash, 'the version is part of the hash');
  const v1 = { ...row, prevHash: GENESIS_HASH, hash };
  assert.equal(verifyRows([v1], { seq: 1, hash }), undefined);
  const [v2] = chainRows({ seq: 1, hash }, [content(2)]);
  assert.equal(verifyRows([v1, v2!], { seq: 2, hash: v2!.hash }), undefined, 'a chain may change version midway');
});

for (const chainVersion of [1, 2] as const) {
  test(`a version ${chainVersion} row hash covers the previous hash and every column`, () => {
    const row: AuditRowContent = { ...content(1), seq: 1, chainVersion };
    const hash = hashRow(GENESIS_HASH, row);
    assert.notEqual(hashRow('1'.repeat(64), row), hash, 'the previous hash is covered');
    const changes: Partial<AuditRowContent>[] = [
      { seq: 2 },
      { recorded: '2026-11-30T09:00:01.000001Z' },
      { eventType: 'security-alert' },
      { patientId: 'pat-9' },
      { patientId: null },
      { userId: 'someone-else' },
      { organisationOds: 'RAL' },
      { organisationKind: 'gp-practice' },
      { roleCode: 'R8001' },
      { clientId: 'other' },
      { action: 'E' },
      { outcome: '4' },
      { purposeOfUse: 'ETREAT' },
      { breakGlass: true },
      { selfClaimed: true },
      { requestId: 'req-x' },
      { event: row.event.replace('AuditEvent', 'AuditEvenT') },
    ];
    for (const change of changes) {
      assert.notEqual(hashRow(GENESIS_HASH, { ...row, ...change }), hash, JSON.stringify(change));
    }
  });
}

test('an untouched chain verifies, also fed one row at a time', () => {
  const { rows, head } = aChain(20);
  assert.equal(verifyRows(rows, head), undefined);
  const verifier = new ChainVerifier();
  for (const row of rows) assert.equal(verifier.push(row), undefined);
  assert.equal(verifier.finish(head), undefined);
  assert.equal(verifier.rows, 20);
  assert.equal(verifyRows([], { seq: 0, hash: GENESIS_HASH }), undefined, 'an empty chain is intact');
});

test('an altered row is found at its sequence number', () => {
  const { rows, head } = aChain(10);
  rows[4] = { ...rows[4]!, userId: 'intruder' };
  assert.deepEqual(pick(verifyRows(rows, head)), { seq: 5, reason: 'altered' });
});

test('an altered row whose hash was recomputed breaks the link of the next row, or the head for the last', () => {
  const { rows, head } = aChain(10);
  const forged = { ...rows[4]!, patientId: 'pat-other' };
  rows[4] = { ...forged, hash: hashRow(forged.prevHash, forged) };
  assert.deepEqual(pick(verifyRows(rows, head)), { seq: 6, reason: 'broken-link' });
  const tail = aChain(10);
  const last = { ...tail.rows[9]!, outcome: '4' };
  tail.rows[9] = { ...last, hash: hashRow(last.prevHash, last) };
  assert.deepEqual(pick(verifyRows(tail.rows, tail.head)), { seq: 10, reason: 'head-mismatch' });
});

test('a deleted row leaves a gap; deleted rows at the end fall short of the head', () => {
  const { rows, head } = aChain(10);
  assert.deepEqual(pick(verifyRows([...rows.slice(0, 3), ...rows.slice(4)], head)), { seq: 4, reason: 'missing' });
  assert.deepEqual(pick(verifyRows(rows.slice(1), head)), { seq: 1, reason: 'missing' });
  assert.deepEqual(pick(verifyRows(rows.slice(0, 8), head)), { seq: 9, reason: 'head-mismatch' });
});

test('a deleted row with the rows after it renumbered is found at the first renumbered row', () => {
  const { rows, head } = aChain(6);
  const renumbered = [...rows.slice(0, 2), ...rows.slice(3).map((r) => ({ ...r, seq: r.seq - 1 }))];
  assert.deepEqual(pick(verifyRows(renumbered, { seq: 5, hash: head.hash })), { seq: 3, reason: 'altered' });
});

test('an inserted row is found, whether it takes a new number or links itself in', () => {
  const { rows, head } = aChain(6);
  const intruder = chainRows({ seq: 3, hash: rows[2]!.hash }, [content(99)])[0]!;
  // Linked to row 3 and numbered 4, pushing the old 4.. up by one: the old row 4 no longer follows.
  const shifted = [...rows.slice(0, 3), intruder, ...rows.slice(3).map((r) => ({ ...r, seq: r.seq + 1 }))];
  assert.deepEqual(pick(verifyRows(shifted, { seq: 7, hash: head.hash })), { seq: 5, reason: 'altered' });
  // Appended after the last row without moving the head.
  const appended = chainRows(head, [content(100)])[0]!;
  assert.deepEqual(pick(verifyRows([...rows, appended], head)), { seq: 7, reason: 'beyond-head' });
  assert.deepEqual(pick(verifyRows(rows, head, 7)), { seq: 7, reason: 'beyond-head' });
});

test('reordered rows are found', () => {
  const { rows, head } = aChain(6);
  const swapped = [rows[0]!, rows[2]!, rows[1]!, ...rows.slice(3)];
  assert.deepEqual(pick(verifyRows(swapped, head)), { seq: 2, reason: 'missing' });
  // Swapped contents but each keeping its own sequence number.
  const contentsSwapped = [rows[0]!, { ...rows[2]!, seq: 2 }, { ...rows[1]!, seq: 3 }, ...rows.slice(3)];
  assert.deepEqual(pick(verifyRows(contentsSwapped, head)), { seq: 2, reason: 'altered' });
});

test('the verifier keeps reporting the first break and checks no further', () => {
  const { rows, head } = aChain(5);
  rows[1] = { ...rows[1]!, action: 'D' };
  const verifier = new ChainVerifier();
  const results = rows.map((r) => verifier.push(r));
  assert.equal(results[0], undefined);
  assert.deepEqual(pick(results[1]), { seq: 2, reason: 'altered' });
  assert.deepEqual(pick(results[4]), { seq: 2, reason: 'altered' });
  assert.equal(verifier.rows, 2);
  assert.deepEqual(pick(verifier.finish(head)), { seq: 2, reason: 'altered' });
  assert.match(verifier.firstBroken!.detail, /row 2/);
});

function pick(b: { seq: number; reason: string } | undefined) {
  return b && { seq: b.seq, reason: b.reason };
}
