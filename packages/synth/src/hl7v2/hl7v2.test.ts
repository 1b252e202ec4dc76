import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Hl7Field, Hl7Message, type Hl7Segment } from '@medplum/core';
import type { LabReportEvent, ObservationEvent, Quantity, SourceRecord } from '../model.ts';
import {
  ACUTE,
  DEATH_DATE,
  DIED_AT,
  DISCHARGE_TEXT,
  DUPLICATE_CREATED,
  DUPLICATE_MERGED,
  diedAtHomeRecord,
  diedInHospitalRecord,
  duplicateRecord,
  gpRecord,
  hospitalRecords,
  inpatientRecord,
  manyRecords,
  mentalHealthRecord,
  noNhsNumberRecord,
  region,
} from './fixtures.test-support.ts';
import { unescapeHl7 } from './hl7-unescape.test-support.ts';
import { frameMllp, hl7v2Messages, type Hl7Feed } from './index.ts';

const SEED = 'hl7-test';

interface Parsed {
  feed: Hl7Feed;
  msg: Hl7Message;
}

function parsed(record: SourceRecord, seed = SEED): Parsed[] {
  return hl7v2Messages(record, region, seed).map((feed) => ({ feed, msg: Hl7Message.parse(feed.message) }));
}

/** The messages without the deliberate resends (same MSH-10). */
function unique(messages: Parsed[]): Parsed[] {
  const seen = new Set<string>();
  return messages.filter((m) => !seen.has(m.feed.controlId) && seen.add(m.feed.controlId));
}

function segmentOf(m: Parsed, name: string): Hl7Segment {
  const s = m.msg.getSegment(name);
  assert.ok(s, `${m.feed.type} has ${name}`);
  return s;
}

/** Component `c` (1-based) of repetition `rep` (0-based) of field `n`. */
function comp(s: Hl7Segment | undefined, n: number, c = 1, rep = 0): string {
  // Hl7Segment.getField gives undefined past the last field sent, whatever its type says.
  const field: Hl7Field | undefined = s?.getField(n);
  return field?.components[rep]?.[c - 1] ?? '';
}

function trigger(m: Parsed): string {
  return comp(m.msg.getSegment('MSH'), 9, 2);
}

function visitNumber(m: Parsed): string {
  return comp(m.msg.getSegment('PV1'), 19);
}

function mrn(m: Parsed): string {
  return comp(m.msg.getSegment('PID'), 3);
}

/** PID-3 repetitions as [id, type]. */
function identifiers(m: Parsed): string[][] {
  return segmentOf(m, 'PID')
    .getField(3)
    .components.map((r) => [r[0] ?? '', r[4] ?? '']);
}

function adtOfVisit(messages: Parsed[], visit: string): string[] {
  return unique(messages)
    .filter((m) => m.feed.type.startsWith('ADT^') && visitNumber(m) === visit)
    .map(trigger);
}

/**
 * A visit's ADT triggers with the PAS's corrections undone (A01 A11 A01 is one admission, A03 A13 A03 one
 * discharge) and updates (A08) and pre-admissions (A05) left out, checking each cancel sits where it must.
 */
function settled(triggers: string[]): string[] {
  const t = triggers.filter((x) => x !== 'A08' && x !== 'A05');
  const out: string[] = [];
  for (let i = 0; i < t.length; i++) {
    const x = t[i]!;
    if (x === 'A11' || x === 'A13') {
      const undone = x === 'A11' ? 'A01' : 'A03';
      assert.equal(out.at(-1), undone, `${x} cancels the ${undone} before it (${triggers.join(' ')})`);
      assert.equal(t[i + 1], undone, `${x} is followed by a new ${undone} (${triggers.join(' ')})`);
      out.pop();
      continue;
    }
    out.push(x);
  }
  return out;
}

const many = manyRecords(1000);
const manyParsed = many.map((r) => parsed(r));

test('every message parses with an independent parser and carries the MSH of a UK v2.4 feed', () => {
  for (const messages of [...hospitalRecords.map((r) => parsed(r)), ...manyParsed]) {
    assert.ok(messages.length > 0);
    const firstSent = new Map<string, string>();
    for (const { feed, msg } of messages) {
      if (!firstSent.has(feed.controlId)) firstSent.set(feed.controlId, feed.sentAt);
      const msh = msg.getSegment('MSH')!;
      const org = region.byOdsCode.get(comp(msh, 4))!;
      assert.ok(org, 'MSH-4 is the ODS code of an organisation');
      assert.equal(unescapeHl7(msh.getField(3).toString()), org.system.name);
      assert.equal(msh.getField(5).toString(), 'JOINEDUP');
      assert.equal(msh.getField(6).toString(), 'JOINEDUP');
      // A resend is the same bytes: its MSH-7 is when the message was first sent.
      assert.equal(msh.getField(7).toString(), firstSent.get(feed.controlId)!.replace(/[-:TZ]/g, ''));
      assert.equal(`${comp(msh, 9, 1)}^${comp(msh, 9, 2)}`, feed.type);
      assert.match(comp(msh, 9, 3), /^(ADT_A0[1235]|ADT_A09|ADT_A39|ORU_R01|MDM_T02|SIU_S12)$/);
      assert.equal(msh.getField(10).toString(), feed.controlId);
      assert.ok(feed.controlId.length <= 20);
      assert.equal(msh.getField(11).toString(), 'P');
      assert.equal(msh.getField(12).toString(), '2.4');
      assert.equal(msh.getField(17).toString(), 'GBR');
      assert.equal(msh.getField(18).toString(), 'UNICODE UTF-8');
      assert.ok(msg.getSegment('PID'), 'every message names its patient');
      assert.doesNotMatch(feed.message, /\n|\r$/, 'segments are separated by CR only');
    }
  }
});

test("no message names the true person: event numbers are the trust's own (local id and serial)", () => {
  for (const messages of [...hospitalRecords.map((r) => parsed(r)), ...manyParsed]) {
    for (const { feed } of messages) assert.doesNotMatch(feed.message, /P0{3,}\d/);
  }
});

test('MSH-10 is unique, except resends, which are byte-identical and sent later', () => {
  const byId = new Map<string, Hl7Feed>();
  let resends = 0;
  let total = 0;
  for (const messages of manyParsed) {
    for (const { feed } of messages) {
      total++;
      const first = byId.get(feed.controlId);
      if (!first) {
        byId.set(feed.controlId, feed);
        continue;
      }
      resends++;
      assert.equal(feed.message, first.message);
      assert.ok(feed.sentAt > first.sentAt);
    }
  }
  assert.ok(resends > 0 && resends < total * 0.03, `${resends} resends of ${total}`);
});

test('messages are in the order sent, and each visit runs admission, transfers, discharge', () => {
  const cancels = { A11: 0, A13: 0, A05: 0, A08: 0 };
  for (const messages of manyParsed) {
    for (let i = 1; i < messages.length; i++) assert.ok(messages[i - 1]!.feed.sentAt <= messages[i]!.feed.sentAt);
    const visits = new Set(messages.map(visitNumber).filter((v) => v !== ''));
    for (const visit of visits) {
      const triggers = adtOfVisit(messages, visit);
      for (const t of triggers) if (t in cancels) cancels[t as keyof typeof cancels]++;
      const s = settled(triggers);
      if (s[0] === 'A01') assert.match(s.join(' '), /^A01( A02)*( A03)?$/, triggers.join(' '));
      else if (s.length > 0) assert.match(s.join(' '), /^A04( A02)*( A03)?$/, triggers.join(' '));
    }
  }
  for (const [t, n] of Object.entries(cancels)) assert.ok(n > 0, `some visits carry ${t}`);
});

test("the fixture's visits, results, letter and appointments give the messages a trust sends", () => {
  const messages = unique(parsed(inpatientRecord));
  assert.equal(messages[0]!.feed.type, 'ADT^A28', 'registered on the PAS before anything else');
  assert.equal(comp(messages[0]!.msg.getSegment('PV1'), 2), 'N');
  assert.deepEqual(settled(adtOfVisit(messages, 'RX1000001-3')), ['A04']);
  assert.deepEqual(settled(adtOfVisit(messages, 'RX1000001-5')), ['A04', 'A03']);
  assert.deepEqual(settled(adtOfVisit(messages, 'RX1000001-11')), ['A01', 'A02', 'A02', 'A03']);

  const inpatient = messages.filter((m) => visitNumber(m) === 'RX1000001-11' && m.feed.type.startsWith('ADT^A0'));
  const [firstTransfer] = inpatient.filter((m) => trigger(m) === 'A02');
  const pv1 = segmentOf(firstTransfer!, 'PV1');
  assert.equal(comp(pv1, 2), 'I');
  assert.equal(comp(pv1, 3, 1), 'Cedar Ward');
  assert.equal(comp(pv1, 3, 4), 'XR1A1');
  assert.equal(comp(pv1, 6, 1), 'AMU');
  assert.equal(comp(pv1, 4), 'E', 'admitted from ED: an emergency admission');
  assert.deepEqual(pv1.getField(7).components[0]!.slice(0, 3), ['100000000001', 'Okafor', 'Amara']);
  assert.equal(comp(pv1, 10), '300');
  assert.equal(comp(pv1, 44), '20240302035000');
  const discharge = inpatient.filter((m) => trigger(m) === 'A03').at(-1)!;
  assert.equal(comp(segmentOf(discharge, 'PV1'), 45), '20240306143000');
  assert.equal(comp(segmentOf(discharge, 'PV1'), 36), '19');
  assert.ok(discharge.feed.sentAt >= '2024-03-06T14:30:00Z');
  const ed = messages.find((m) => visitNumber(m) === 'RX1000001-5')!;
  assert.equal(comp(segmentOf(ed, 'PV1'), 3), 'A&E Majors'.replace('&', '\\T\\'));

  const types = (prefix: string) => messages.filter((m) => m.feed.type === prefix);
  assert.equal(types('MDM^T02').length, 1);
  assert.deepEqual(
    types('SIU^S12').map((m) => comp(segmentOf(m, 'SCH'), 1)),
    ['RX1000001-2', 'RX1000001-4', 'RX1000001-19', 'RX1000001-20'],
  );
  assert.deepEqual(
    types('SIU^S15').map((m) => comp(segmentOf(m, 'SCH'), 1)),
    ['RX1000001-4'],
  );
  assert.deepEqual(
    types('SIU^S26').map((m) => comp(segmentOf(m, 'SCH'), 1)),
    ['RX1000001-20'],
  );
  const booked = types('SIU^S12')[0]!;
  assert.equal(comp(segmentOf(booked, 'SCH'), 11, 4), '20240201093000');
  assert.equal(comp(segmentOf(booked, 'SCH'), 11, 5), '20240201095000');
  assert.equal(comp(segmentOf(booked, 'SCH'), 7, 2), 'Cardiology');
  assert.equal(comp(segmentOf(booked, 'AIL'), 3, 4), 'XR1B2');
  assert.equal(comp(segmentOf(booked, 'AIP'), 3), '100000000003');
  assert.ok(
    booked.feed.sentAt > '2024-01-10T10:00:00Z' && booked.feed.sentAt < '2024-01-10T10:02:00Z',
    'sent when booked',
  );
  const cancelled = types('SIU^S15')[0]!;
  assert.ok(cancelled.feed.sentAt > '2024-02-01T10:00:00Z' && cancelled.feed.sentAt < '2024-04-01T09:30:00Z');

  const reports = new Set(types('ORU^R01').map((m) => comp(segmentOf(m, 'OBR'), 2)));
  assert.deepEqual([...reports].sort(), ['PL24-0001', 'PL24-0002']);
  for (const m of types('ORU^R01')) {
    const ordered = comp(segmentOf(m, 'OBR'), 7);
    assert.ok(m.feed.sentAt.replace(/[-:TZ]/g, '') > ordered, 'results come after the sample');
  }
});

test('PID-3 carries the MRN and the NHS number, and no NHS number when none is held', () => {
  for (const m of parsed(inpatientRecord)) {
    const ids = identifiers(m);
    assert.deepEqual(ids[0], ['RX1000001', 'MR']);
    assert.equal(comp(m.msg.getSegment('PID'), 3, 4), ACUTE);
    if (ids.length > 1) assert.deepEqual(ids[1], ['9990000018', 'NH']);
  }
  const last = parsed(inpatientRecord).at(-1)!;
  assert.deepEqual(identifiers(last), [
    ['RX1000001', 'MR'],
    ['9990000018', 'NH'],
  ]);
  const pid = segmentOf(last, 'PID');
  assert.deepEqual(pid.getField(5).components[0], ["O'Brien-Smith", 'Ada', 'Mary', '', 'Mrs']);
  assert.equal(comp(pid, 7), '19480714');
  assert.equal(comp(pid, 8), 'F');
  assert.deepEqual(pid.getField(11).components[0]!.slice(0, 5), [
    'Flat 2',
    '14 Canal Row',
    'London',
    'Southwark',
    'SE15 9ZX',
  ]);
  assert.equal(comp(pid, 13, 1, 0), '020 7946 0123');
  assert.equal(comp(pid, 13, 1, 1), '07700 900123');
  assert.equal(comp(pid, 32), '01');

  const missing = parsed(noNhsNumberRecord);
  assert.ok(missing.length > 0);
  for (const m of missing) assert.deepEqual(identifiers(m), [['RX1000005', 'MR']]);
  assert.equal(comp(segmentOf(missing[0]!, 'PID'), 8), 'U');
});

test('an NHS number missing at registration is added by a later A31 or A08, never lost again', () => {
  let traced = 0;
  many.forEach((record, i) => {
    if (!record.demographics.nhsNumber || record.duplicate) return;
    const has = manyParsed[i]!.map((m) => identifiers(m).some(([, type]) => type === 'NH'));
    const firstWith = has.indexOf(true);
    assert.ok(firstWith >= 0);
    assert.ok(has.slice(firstWith).every(Boolean), 'once added it stays');
    if (firstWith > 0) {
      traced++;
      assert.match(manyParsed[i]![firstWith]!.feed.type, /^ADT\^A(31|08)$/);
    }
  });
  assert.ok(traced > 0);
});

test("a document's text comes back when its OBX lines are unescaped and joined", () => {
  const [mdm] = parsed(inpatientRecord).filter((m) => m.feed.type === 'MDM^T02');
  const txa = segmentOf(mdm!, 'TXA');
  assert.equal(comp(txa, 2), '373942005');
  assert.equal(comp(txa, 12), 'RX1000001-18');
  assert.equal(comp(txa, 4), '20240306151000');
  assert.equal(comp(txa, 5), '100000000001');
  assert.equal(unescapeHl7(txa.getField(16).toString()), 'Discharge summary: Cedar & Willow wards');
  const lines = mdm!.msg.getAllSegments('OBX').map((obx) => {
    assert.equal(comp(obx, 2), 'TX');
    return unescapeHl7(obx.getField(5).toString());
  });
  assert.equal(lines.join('\n'), DISCHARGE_TEXT);
  assert.ok(mdm!.feed.sentAt > '2024-03-06T14:30:00Z', 'sent after the discharge');
});

test("A40 merges the duplicate: MRG-1 is its MRN, and its visit's messages go under its identity until then", () => {
  const messages = parsed(duplicateRecord);
  const merges = messages.filter((m) => m.feed.type === 'ADT^A40');
  assert.equal(unique(merges).length, 1);
  const merge = merges[0]!;
  assert.equal(merge.feed.sentAt, DUPLICATE_MERGED);
  assert.equal(comp(segmentOf(merge, 'MSH'), 9, 3), 'ADT_A39');
  assert.equal(mrn(merge), 'RX1000002');
  assert.equal(comp(segmentOf(merge, 'MRG'), 1, 1), 'RX1000902');
  assert.equal(comp(segmentOf(merge, 'MRG'), 1, 5), 'MR');
  assert.equal(comp(segmentOf(merge, 'MRG'), 7, 2), 'Jon');

  const duplicateRegistration = messages.find((m) => m.feed.type === 'ADT^A28' && mrn(m) === 'RX1000902')!;
  assert.equal(duplicateRegistration.feed.sentAt, DUPLICATE_CREATED);
  for (const m of messages) {
    const underDuplicate = mrn(m) === 'RX1000902';
    if (underDuplicate) {
      assert.ok(m.feed.sentAt >= DUPLICATE_CREATED && m.feed.sentAt < DUPLICATE_MERGED, m.feed.sentAt);
      assert.deepEqual(identifiers(m), [['RX1000902', 'MR']], "the duplicate's own identity, no NHS number");
      assert.equal(comp(segmentOf(m, 'PID'), 7), '19790302');
    } else {
      assert.equal(mrn(m), 'RX1000002');
    }
    const v = visitNumber(m);
    if (v === 'RX1000902-2' && m.feed.sentAt < DUPLICATE_MERGED)
      assert.ok(underDuplicate, 'the ED visit is on the duplicate');
    if (v === 'RX1000002-1' || v === 'RX1000002-5') assert.ok(!underDuplicate);
  }
  const edResult = messages.find((m) => m.feed.type === 'ORU^R01')!;
  assert.equal(mrn(edResult), 'RX1000902');
});

function finalResults(messages: Parsed[], report: LabReportEvent): Parsed {
  const versions = unique(messages).filter(
    (m) => m.feed.type === 'ORU^R01' && comp(m.msg.getSegment('OBR'), 2) === report.placerOrderNumber,
  );
  assert.ok(versions.length > 0);
  return versions.at(-1)!;
}

function checkResults(m: Parsed, report: LabReportEvent, observations: Map<string, ObservationEvent>): void {
  const obr = segmentOf(m, 'OBR');
  assert.match(comp(obr, 25), /^[FC]$/);
  assert.equal(comp(obr, 4), report.code.code);
  assert.equal(unescapeHl7(comp(obr, 3)), report.fillerOrderNumber);
  const obx = m.msg.getAllSegments('OBX');
  assert.equal(obx.length, report.resultIds.length);
  report.resultIds.forEach((id, i) => {
    const o = observations.get(id)!;
    const s = obx[i]!;
    assert.equal(comp(s, 3), o.code.code);
    const value = o.value;
    if (value === undefined) {
      assert.equal(comp(s, 11), 'X');
      return;
    }
    if (typeof value === 'string') {
      assert.equal(comp(s, 2), 'ST');
      assert.equal(unescapeHl7(s.getField(5).toString()), value);
    } else if ('value' in value) {
      const q: Quantity = value;
      assert.equal(comp(s, 2), 'NM');
      assert.equal(Number(comp(s, 5)), q.value);
      assert.deepEqual(s.getField(6).components[0], [q.code, q.unit, 'UCUM']);
      const r = o.referenceRange!;
      const range =
        r.low !== undefined && r.high !== undefined
          ? `${r.low}-${r.high}`
          : r.low !== undefined
            ? `>${r.low}`
            : `<${r.high}`;
      assert.equal(comp(s, 7), range);
    } else {
      assert.equal(comp(s, 2), 'CE');
      assert.deepEqual(s.getField(5).components[0], [value.code, value.display, 'SCT']);
    }
    assert.equal(comp(s, 8), o.interpretation ?? '');
    assert.match(comp(s, 11), /^[FC]$/);
  });
}

test('OBX values, units, ranges and flags are those of the observation events; notes follow as NTE', () => {
  const observations = new Map<string, ObservationEvent>();
  const reports: LabReportEvent[] = [];
  for (const e of inpatientRecord.events) {
    if (e.kind === 'observation') observations.set(e.id, e);
    if (e.kind === 'lab-report') reports.push(e);
  }
  const messages = parsed(inpatientRecord);
  for (const report of reports) checkResults(finalResults(messages, report), report, observations);

  const ue = finalResults(messages, reports[0]!);
  const segments = ue.feed.message.split('\r');
  const potassium = segments.findIndex((s) => s.startsWith('OBX|2|NM|2823-3^'));
  assert.ok(potassium > 0);
  assert.match(segments[potassium + 1]!, /^NTE\|1\|L\|Sample slightly haemolysed/, 'the note follows its result');
  const notes = ue.msg.getAllSegments('NTE').map((n) => unescapeHl7(n.getField(3).toString()));
  assert.ok(notes.includes('Sample slightly haemolysed | repeat advised'));
  assert.ok(notes.includes('Hyperkalaemia: repeat sample.') && notes.includes('Discussed with registrar.'));
  assert.deepEqual(
    ue.msg.getAllSegments('OBX').map((s) => comp(s, 8)),
    ['L', 'H', 'N', 'N'],
  );
});

test('some reports go first as preliminary, a few are corrected; the last version is always the truth', () => {
  let preliminary = 0;
  let corrected = 0;
  many.forEach((record, i) => {
    const observations = new Map<string, ObservationEvent>();
    for (const e of record.events) if (e.kind === 'observation') observations.set(e.id, e);
    const messages = unique(manyParsed[i]!);
    for (const report of record.events) {
      if (report.kind !== 'lab-report') continue;
      const versions = messages.filter(
        (m) => m.feed.type === 'ORU^R01' && comp(m.msg.getSegment('OBR'), 2) === report.placerOrderNumber,
      );
      const statuses = versions.map((m) => comp(segmentOf(m, 'OBR'), 25)).join('');
      assert.match(statuses, /^P?FC?$/);
      if (statuses.startsWith('P')) {
        preliminary++;
        assert.ok(versions[0]!.msg.getAllSegments('OBX').length < report.resultIds.length);
      }
      if (statuses.endsWith('C')) {
        corrected++;
        const [final, correction] = versions.slice(-2).map((m) => m.msg.getAllSegments('OBX').map((s) => comp(s, 5)));
        assert.notDeepEqual(final, correction, 'the correction changes a value');
        const c = versions
          .at(-1)!
          .msg.getAllSegments('OBX')
          .filter((s) => comp(s, 11) === 'C');
        assert.equal(c.length, 1);
      }
      checkResults(versions.at(-1)!, report, observations);
    }
  });
  assert.ok(preliminary > 0 && corrected > 0, `${preliminary} preliminary, ${corrected} corrected`);
});

test('a death on a ward shows from the discharge on; a death at home comes as an A31', () => {
  const ward = unique(parsed(diedInHospitalRecord));
  const discharge = ward.findIndex((m) => trigger(m) === 'A03');
  assert.ok(discharge > 0);
  ward.forEach((m, i) => {
    const pid = segmentOf(m, 'PID');
    if (i < discharge) assert.equal(comp(pid, 30), '');
    else {
      assert.equal(comp(pid, 29), DIED_AT.replace(/[-:TZ]/g, ''));
      assert.equal(comp(pid, 30), 'Y');
    }
  });
  assert.equal(comp(segmentOf(ward[discharge]!, 'PV1'), 36), '79');

  const home = unique(parsed(diedAtHomeRecord));
  const notice = home.find((m) => trigger(m) === 'A31' && comp(m.msg.getSegment('PID'), 30) === 'Y')!;
  assert.ok(notice, 'an A31 tells of the death');
  assert.equal(comp(segmentOf(notice, 'PID'), 29), DEATH_DATE.replace(/-/g, ''));
  assert.ok(notice.feed.sentAt > DEATH_DATE);
  for (const m of home) if (m.feed.sentAt < DEATH_DATE) assert.equal(comp(segmentOf(m, 'PID'), 30), '');
});

test('a mental health trust sends a detention as an admission and a community contact as an attendance', () => {
  const messages = unique(parsed(mentalHealthRecord));
  assert.deepEqual(settled(adtOfVisit(messages, 'XM1000001-1')), ['A01', 'A02', 'A03']);
  assert.deepEqual(settled(adtOfVisit(messages, 'XM1000001-2')), ['A04']);
  const admission = messages.find((m) => visitNumber(m) === 'XM1000001-1')!;
  assert.equal(comp(segmentOf(admission, 'PV1'), 2), 'I');
  assert.equal(comp(segmentOf(admission, 'PV1'), 4), 'E');
  assert.equal(comp(segmentOf(admission, 'PID'), 8), 'O');
  assert.equal(unescapeHl7(segmentOf(admission, 'MSH').getField(3).toString()), 'Rio & Co');
});

test('only hospital-type organisations send HL7 v2', () => {
  assert.deepEqual(hl7v2Messages(gpRecord, region, SEED), []);
  assert.deepEqual(hl7v2Messages({ ...inpatientRecord, odsCode: 'NOPE' }, region, SEED), []);
});

test('the same inputs give the same messages; another seed gives other control ids', () => {
  for (const record of hospitalRecords) {
    assert.deepEqual(hl7v2Messages(record, region, SEED), hl7v2Messages(record, region, SEED));
  }
  const a = hl7v2Messages(inpatientRecord, region, SEED).map((m) => m.controlId);
  const b = new Set(hl7v2Messages(inpatientRecord, region, 'other-seed').map((m) => m.controlId));
  assert.ok(a.every((id) => !b.has(id)));
});

test('with an as-of date, what would be sent later is left out and the rest is unchanged', () => {
  const all = hl7v2Messages(inpatientRecord, region, SEED);
  const cut = hl7v2Messages(inpatientRecord, region, SEED, '2024-03-02');
  assert.ok(cut.length > 0 && cut.length < all.length);
  assert.deepEqual(
    cut,
    all.filter((m) => m.sentAt <= '2024-03-02T23:59:59Z'),
  );
});

test('frameMllp wraps a message in 0x0B ... 0x1C 0x0D', () => {
  const framed = frameMllp('MSH|^~\\&|Zoë');
  assert.equal(framed[0], 0x0b);
  assert.deepEqual([...framed.subarray(-2)], [0x1c, 0x0d]);
  assert.equal(framed.subarray(1, -2).toString('utf8'), 'MSH|^~\\&|Zoë');
});

test('throughput over 1,000 fixture records (reported, not asserted)', (t) => {
  const records = manyRecords(1000);
  let messages = 0;
  const start = process.hrtime.bigint();
  for (let round = 0; round < 5; round++) {
    for (const r of records) messages += hl7v2Messages(r, region, `${SEED}-${round}`).length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  t.diagnostic(
    `${Math.round(messages / seconds)} messages/s, ${Math.round((5 * records.length) / seconds)} records/s (${messages} messages)`,
  );
  assert.ok(messages > 0);
});
