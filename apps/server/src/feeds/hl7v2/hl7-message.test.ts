import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HL7_DEFAULT_ENCODING,
  HL7_ERROR_CODES,
  decodeHl7Text,
  encodeHl7Text,
  parseHl7,
  readHl7Header,
  serialiseHl7,
} from './hl7-message.ts';
import type { Hl7Encoding, Hl7Message, Hl7ParseError, Hl7ParseOptions, Hl7ParseResult } from './hl7-message.ts';

const ADT = [
  'MSH|^~\\&|PAS|RRK|JOINEDUP|LONDON|20250615093000||ADT^A01^ADT_A01|MSG00001|P|2.5.1|||AL|NE|GBR|UNICODE UTF-8',
  'EVN|A01|20250615093000',
  'PID|1||111^^^RRK^MR~9434765919^^^NHS^NH||Smith^John^Paul^^Mr||19800101|M|||1 High St^^London^^SW1A 1AA^GBR',
  'PV1|1|I|WARD1^BED2^^RRK',
  'NK1|1|Smith^Jane|SPO',
  'NK1|2|Smith^Anne|CHD',
].join('\r');

function parseOk(text: string): Hl7Message {
  const result = parseHl7(text);
  if (!result.ok) assert.fail(`expected a message, got ${JSON.stringify(result.error)}`);
  return result.message;
}

function parseError(text: string, options?: Hl7ParseOptions): Extract<Hl7ParseResult, { ok: false }> {
  const result = parseHl7(text, options);
  if (result.ok) assert.fail('expected an error');
  assert.ok(result.error.code in HL7_ERROR_CODES);
  return result;
}

test('reads the header values the feed routes and acknowledges by', () => {
  const m = parseOk(ADT);
  assert.equal(m.messageType, 'ADT');
  assert.equal(m.triggerEvent, 'A01');
  assert.equal(m.structure, 'ADT_A01');
  assert.equal(m.controlId, 'MSG00001');
  assert.equal(m.sendingApplication, 'PAS');
  assert.equal(m.sendingFacility, 'RRK');
  assert.equal(m.receivingApplication, 'JOINEDUP');
  assert.equal(m.receivingFacility, 'LONDON');
  assert.equal(m.sentAt, '20250615093000');
  assert.equal(m.processingId, 'P');
  assert.equal(m.version, '2.5.1');
  assert.equal(m.acceptAckType, 'AL');
  assert.equal(m.applicationAckType, 'NE');
  assert.equal(m.characterSet, 'UNICODE UTF-8');
  assert.deepEqual(m.encoding, HL7_DEFAULT_ENCODING);
});

test('MSH numbering: MSH-1 is the field separator and MSH-2 the encoding characters, taken as they are', () => {
  const msh = parseOk(ADT).segments[0]!;
  assert.equal(msh.name, 'MSH');
  assert.equal(msh.get(1), '|');
  assert.equal(msh.get(2), '^~\\&');
  assert.equal(msh.raw(2), '^~\\&');
  assert.equal(msh.get(2, 2), '');
  assert.equal(msh.get(3), 'PAS');
  assert.equal(msh.get(9, 2), 'A01');
  assert.equal(msh.fieldCount, 18);
  const [rep] = msh.repetitions(2);
  assert.equal(rep?.get(), '^~\\&');
  assert.equal(rep?.componentCount, 1);
  assert.equal(rep?.subcomponentCount(1), 1);
  assert.equal(rep?.subcomponentCount(2), 0);
  assert.equal(msh.repetitions(1)[0]?.get(), '|');
});

test('fields, components, subcomponents and repetitions are numbered from 1', () => {
  const m = parseOk(ADT);
  const pid = m.segment('PID')!;
  assert.equal(pid.index, 2);
  assert.equal(pid.sequence, 1);
  assert.equal(pid.get(5), 'Smith');
  assert.equal(pid.get(5, 2), 'John');
  assert.equal(pid.get(5, 5), 'Mr');
  assert.equal(pid.get(5, 9), '');
  assert.equal(pid.get(3), '111', 'first repetition');
  assert.equal(pid.get(99), '');
  assert.equal(pid.raw(99), '');
  assert.equal(pid.fieldCount, 11);
  const ids = pid.repetitions(3);
  assert.deepEqual(
    ids.map((f) => [f.get(1), f.get(4), f.get(5)]),
    [
      ['111', 'RRK', 'MR'],
      ['9434765919', 'NHS', 'NH'],
    ],
  );
  assert.equal(ids[1]!.raw, '9434765919^^^NHS^NH');
  assert.equal(ids[1]!.componentCount, 5);
  assert.deepEqual(pid.repetitions(2), [], 'an empty field has no repetitions');
  assert.deepEqual(pid.repetitions(40), []);
  const nk1 = m.segmentsNamed('NK1');
  assert.deepEqual(
    nk1.map((s) => [s.sequence, s.index, s.get(2, 2)]),
    [
      [1, 4, 'Jane'],
      [2, 5, 'Anne'],
    ],
  );
  assert.equal(m.segment('ZZZ'), undefined);
  assert.deepEqual(m.segmentsNamed('ZZZ'), []);
  assert.equal(m.segments.length, 6);
  assert.ok(m.segments.every((s, i) => s.index === i));
});

test('subcomponents', () => {
  const m = parseOk('MSH|^~\\&|A|B|C|D|2025||ORU^R01|1|P|2.4\rOBX|1|CE|a&b&c^x&y~r2&s||');
  const obx = m.segment('OBX')!;
  assert.equal(obx.get(3), 'a');
  assert.equal(obx.get(3, 1, 2), 'b');
  assert.equal(obx.get(3, 1, 3), 'c');
  assert.equal(obx.get(3, 1, 4), '');
  assert.equal(obx.get(3, 2, 2), 'y');
  const reps = obx.repetitions(3);
  assert.equal(reps[0]!.subcomponentCount(1), 3);
  assert.equal(reps[0]!.subcomponentCount(2), 2);
  assert.equal(reps[0]!.subcomponentCount(3), 0);
  assert.equal(reps[1]!.get(1, 2), 's');
  assert.equal(obx.fieldCount, 5);
});

test('numbers below 1 are a programming error', () => {
  const pid = parseOk(ADT).segment('PID')!;
  assert.throws(() => pid.get(0), RangeError);
  assert.throws(() => pid.get(1, 0), RangeError);
  assert.throws(() => pid.get(1, 1, 1.5), RangeError);
  assert.throws(() => pid.raw(-1), RangeError);
  assert.throws(() => pid.repetitions(3)[0]!.get(0), RangeError);
});

test('the HL7 null "" reads as empty, and isNull tells it from an absent value', () => {
  const m = parseOk('MSH|^~\\&|A|B|C|D|2025||ADT^A08|1|P|2.4\rPID|1||1||""|x^""|');
  const pid = m.segment('PID')!;
  assert.equal(pid.get(5), '');
  assert.equal(pid.isNull(5), true);
  assert.equal(pid.isNull(4), false);
  assert.equal(pid.get(6, 2), '');
  assert.equal(pid.isNull(6, 2), true);
  assert.equal(pid.isNull(6, 1), false);
  assert.equal(pid.raw(5), '""');
  assert.equal(pid.repetitions(6)[0]!.isNull(2), true);
  assert.equal(pid.repetitions(6)[0]!.get(2), '');
});

test('segments end with CR, LF or CRLF; blank lines and a leading BOM are skipped', () => {
  const cr = parseOk(ADT);
  for (const text of [
    ADT.replaceAll('\r', '\n'),
    ADT.replaceAll('\r', '\r\n'),
    ADT + '\r',
    '\ufeff' + ADT + '\r\n\r\n',
    '\r\n' + ADT.replaceAll('\r', '\r\r'),
  ]) {
    const m = parseOk(text);
    assert.equal(m.raw, text);
    assert.deepEqual(
      m.segments.map((s) => s.text),
      cr.segments.map((s) => s.text),
    );
  }
});

test('serialiseHl7 writes CR after every segment and parses back identical', () => {
  const m = parseOk(ADT.replaceAll('\r', '\n'));
  const text = serialiseHl7(m);
  assert.equal(text, ADT + '\r');
  const again = parseOk(text);
  assert.deepEqual(
    again.segments.map((s) => s.text),
    m.segments.map((s) => s.text),
  );
});

test('any legal choice of encoding characters, including the v2.7 truncation character', () => {
  const ok = parseOk('MSH#*!$%@#A#B#C#D#2025##ORU*R01*ORU_R01#1#P#2.7\rOBX#1#TX#a%b!x$T$y$F$$P$@#|\\no escape\\');
  assert.deepEqual(ok.encoding, {
    fieldSeparator: '#',
    componentSeparator: '*',
    repetitionSeparator: '!',
    escapeCharacter: '$',
    subcomponentSeparator: '%',
    truncationCharacter: '@',
  });
  assert.equal(ok.messageType, 'ORU');
  assert.equal(ok.structure, 'ORU_R01');
  const obx = ok.segment('OBX')!;
  assert.equal(obx.get(3, 1, 1), 'a');
  assert.equal(obx.get(3, 1, 2), 'b');
  assert.equal(obx.repetitions(3)[1]!.get(), 'x%y#@@', '$T$ $F$ $P$ decode to the declared characters');
  assert.equal(obx.get(4), '|\\no escape\\', 'the recommended characters are data here');
  assert.equal(ok.segments[0]!.get(2), '*!$%@');
  assert.equal(
    parseOk('MSH|^~\\&|A|B|C|D|2025||ORU^R01|1|P|2.4\rOBX|1|TX|\\P\\#').segment('OBX')!.get(3),
    '\\P\\#',
    'without a truncation character, \\P\\ is not an escape and # is data',
  );
});

const enc: Hl7Encoding = HL7_DEFAULT_ENCODING;

test('escape sequences for the delimiters', () => {
  assert.equal(decodeHl7Text('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f', enc), 'a|b^c&d~e\\f');
  assert.equal(decodeHl7Text('no escapes', enc), 'no escapes');
  const m = parseOk('MSH|^~\\&|A|B|C|D|2025||ORU^R01|1|P|2.4\rNTE|1||Na\\S\\K\\F\\ratio \\T\\ 5\\E\\');
  assert.equal(m.segment('NTE')!.get(3), 'Na^K|ratio & 5\\');
  assert.equal(m.segment('NTE')!.raw(3), 'Na\\S\\K\\F\\ratio \\T\\ 5\\E\\');
});

test('hexadecimal escapes: UTF-8 when valid, else windows-1252; adjacent runs join', () => {
  assert.equal(decodeHl7Text('caf\\XC3A9\\', enc), 'café');
  assert.equal(decodeHl7Text('caf\\XC3\\\\XA9\\', enc), 'café', 'one character split over two escapes');
  assert.equal(decodeHl7Text('caf\\XE9\\', enc), 'café', 'not UTF-8: windows-1252');
  assert.equal(decodeHl7Text('\\X80\\', enc), '€');
  assert.equal(decodeHl7Text('line\\X0D0A\\next', enc), 'line\r\nnext');
  assert.equal(decodeHl7Text('\\X41\\x\\X42\\', enc), 'AxB');
  assert.equal(decodeHl7Text('\\x41\\', enc), '\\x41\\', 'lower-case x is not an escape');
});

test('highlighting is dropped and formatted-text commands become plain-text layout', () => {
  assert.equal(decodeHl7Text('\\H\\urgent\\N\\ call', enc), 'urgent call');
  assert.equal(decodeHl7Text('one\\.br\\two', enc), 'one\ntwo');
  assert.equal(decodeHl7Text('a\\.sp\\b', enc), 'a\nb');
  assert.equal(decodeHl7Text('a\\.sp 3\\b', enc), 'a\n\n\nb');
  assert.equal(decodeHl7Text('a\\.sp 999999999\\b', enc), `a${'\n'.repeat(100)}b`, 'counts are capped');
  assert.equal(decodeHl7Text('a\\.sk 2\\b', enc), 'a  b');
  assert.equal(decodeHl7Text('\\.ce\\Title', enc), '\nTitle');
  assert.equal(decodeHl7Text('\\.fi\\a\\.nf\\b\\.in +4\\c\\.ti -2\\d', enc), 'abcd');
  assert.equal(decodeHl7Text('\\.br 2\\', enc), '\\.br 2\\', 'a count on .br is not a command');
  assert.equal(decodeHl7Text('\\.xx\\', enc), '\\.xx\\');
});

test('unknown, local and unterminated escapes are kept as received', () => {
  assert.equal(decodeHl7Text('\\Zlocal\\', enc), '\\Zlocal\\');
  assert.equal(decodeHl7Text('\\Zab\\F\\', enc), '\\Zab\\F\\', 'a \\Z escape is one unit');
  assert.equal(decodeHl7Text('\\C2842\\x', enc), '\\C2842\\x');
  assert.equal(decodeHl7Text('\\M2442\\x', enc), '\\M2442\\x');
  assert.equal(decodeHl7Text('\\X', enc), '\\X');
  assert.equal(decodeHl7Text('\\X4\\', enc), '\\X4\\', 'odd number of hex digits');
  assert.equal(decodeHl7Text('\\XZZ\\', enc), '\\XZZ\\');
  assert.equal(decodeHl7Text('\\\\', enc), '\\\\');
  assert.equal(decodeHl7Text('C:\\temp \\F\\', enc), 'C:\\temp |', 'a stray backslash, then a real escape');
  assert.equal(decodeHl7Text('trailing\\', enc), 'trailing\\');
  assert.equal(decodeHl7Text('\\Q\\', enc), '\\Q\\');
});

test('encodeHl7Text escapes delimiters and line breaks, and decodes back', () => {
  const value = 'a|b^c&d~e\\f\rg\nh\u0001i\u0085j€';
  const encoded = encodeHl7Text(value, enc);
  assert.equal(encoded, 'a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X0D\\g\\X0A\\h\\X01\\i\\XC285\\j€');
  assert.equal(decodeHl7Text(encoded, enc), value);
  assert.equal(encodeHl7Text('plain', enc), 'plain');
  assert.equal(encodeHl7Text('\ud800x', enc), '\ufffdx', 'a lone surrogate cannot be sent');
  const trunc = { ...enc, truncationCharacter: '#' };
  assert.equal(encodeHl7Text('#1', trunc), '\\P\\1');
  assert.equal(decodeHl7Text('\\P\\1', trunc), '#1');
});

function assertError(result: Extract<Hl7ParseResult, { ok: false }>, expected: Partial<Hl7ParseError>): void {
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(result.error[key as keyof Hl7ParseError], value, `${key} of ${JSON.stringify(result.error)}`);
  }
}

test('structural errors name where, with a table 0357 code', () => {
  assertError(parseError(''), { code: '100' });
  assertError(parseError('PID|1'), { code: '100' });
  assertError(parseError('msh|^~\\&|'), { code: '100' });
  assertError(parseError('MSH'), { code: '101', segment: 'MSH', field: 1 });
  assertError(parseError('MSH|'), { code: '101', segment: 'MSH', field: 2 });
  assertError(parseError('MSH||A'), { code: '101', field: 2 });
  assertError(parseError('MSHA^~\\&|'), { code: '102', field: 1 });
  assertError(parseError('MSH ^~\\&|'), { code: '102', field: 1 });
  assertError(parseError('MSH|^~\\|A'), { code: '102', field: 2 });
  assertError(parseError('MSH|^~\\&#$|A'), { code: '102', field: 2 });
  assertError(parseError('MSH|^^\\&|A'), { code: '102', field: 2 });
  assertError(parseError('MSH|^~|&|A'), { code: '102', field: 2 });
  assertError(parseError('MSH|^~\\a|A'), { code: '102', field: 2 });
  assertError(parseError('MSH|^~\\&|A|B|C|D|2025'), { code: '101', field: 9 });
  assertError(parseError('MSH|^~\\&|A|B|C|D|2025||^A01|1|P|2.4'), { code: '101', field: 9, component: 1 });
  assertError(parseError('MSH|^~\\&|A|B|C|D|2025||ADT^A01||P|2.4'), { code: '101', field: 10 });
  assertError(parseError('MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P'), { code: '101', field: 12 });
  assertError(parseError('MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|3.0'), { code: '203', field: 12 });
  assertError(parseError('MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.x'), { code: '203', field: 12 });
  assertError(parseError(`MSH|^~\\&|A|B|C|D|2025||ADT^A01|${'1'.repeat(1001)}|P|2.4`), { code: '102', field: 10 });
});

test('a segment name must be three upper-case letters or digits followed by the field separator', () => {
  const head = 'MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.4\rEVN|A01\r';
  for (const bad of ['pid|1', 'PI|1', 'PIDX|1', 'PID^1', 'P-D|1', ' PID|1', 'Smith^John']) {
    const result = parseError(head + bad);
    assertError(result, { code: '100', segmentIndex: 2, segment: undefined });
    assert.ok(!result.error.text.includes(bad.trim()), 'the text never echoes the line');
  }
  const ok = parseOk(head + 'ZPI|1\rIN1\rPV1|');
  assert.deepEqual(
    ok.segments.map((s) => [s.name, s.fieldCount]),
    [
      ['MSH', 12],
      ['EVN', 1],
      ['ZPI', 1],
      ['IN1', 0],
      ['PV1', 1],
    ],
  );
});

test('a second MSH is a segment sequence error (two messages in one text)', () => {
  assertError(parseError(ADT + '\r' + ADT), { code: '100', segment: 'MSH', segmentIndex: 6, segmentSequence: 2 });
});

test('control characters and lone surrogates are not text: located by segment, field and component', () => {
  const head = 'MSH|^~\\&|A|B|C|D|2025||ADT^A01|1|P|2.4\r';
  assertError(parseError(head + 'PID|1||a^b\u0000c'), {
    code: '102',
    segment: 'PID',
    segmentSequence: 1,
    segmentIndex: 1,
    field: 3,
    component: 2,
  });
  assertError(parseError(head + 'PID|1|\u001c'), { code: '102', field: 2, component: 1 });
  assertError(parseError(head + 'PID|\ud800'), { code: '102', field: 1 });
  assertError(parseError(head + 'PID|\udc00x'), { code: '102', field: 1 });
  assertError(parseError(head + 'PID|\u0085'), { code: '102', field: 1 });
  assertError(parseError(head + 'PID|\u007f'), { code: '102', field: 1 });
  assertError(parseError('MSH|^~\\&|A\u0007|B|C|D|2025||ADT^A01|1|P|2.4'), { code: '102', field: 3, segment: 'MSH' });
  assertError(parseError(head + 'P\u0000D|1'), { code: '102', segment: undefined, segmentIndex: 1 });
  const ok = parseOk(head + 'NTE|1||tab\there 😀 é');
  assert.equal(ok.segment('NTE')!.get(3), 'tab\there 😀 é');
});

test('a message over the size limit is refused before it is read, with what MSH says kept', () => {
  const result = parseError(ADT, { maxLength: 100 });
  assertError(result, { code: '102' });
  assert.equal(result.partial?.controlId, 'MSG00001');
  assert.equal(parseHl7(ADT, { maxLength: ADT.length }).ok, true);
});

test('limits on segments and on separators in a segment bound the memory a message takes', () => {
  const head = 'MSH|^~\\&|A|B|C|D|2025||ADT^A01|ID1|P|2.4\r';
  const many = parseError(head + 'NTE|1\r'.repeat(10), { maxSegments: 10 });
  assertError(many, { code: '102', segment: undefined });
  assert.match(many.error.text, /more than 10 segments/);
  assert.equal(many.partial?.controlId, 'ID1');
  assert.equal(parseHl7(head + 'NTE|1\r'.repeat(9), { maxSegments: 10 }).ok, true);
  for (const separator of ['|', '^', '~', '&']) {
    const wide = parseError(head + 'NTE|1\rOBX|' + separator.repeat(20), { maxDelimitersPerSegment: 20 });
    assertError(wide, { code: '102', segment: 'OBX', segmentIndex: 2, segmentSequence: 1 });
    assert.equal(parseHl7(head + 'NTE|1\rOBX|' + separator.repeat(19), { maxDelimitersPerSegment: 20 }).ok, true);
  }
});

test('a failed parse keeps what MSH says, for the ACK', () => {
  const result = parseError('MSH|^~\\&|PAS|RRK|JU|LDN|2025||ADT^A01^ADT_A01|C\\T\\1|P|2.3\rPID|\u0000');
  assert.deepEqual(result.partial, {
    encoding: HL7_DEFAULT_ENCODING,
    sendingApplication: 'PAS',
    sendingFacility: 'RRK',
    receivingApplication: 'JU',
    receivingFacility: 'LDN',
    messageType: 'ADT',
    triggerEvent: 'A01',
    controlId: 'C&1',
    processingId: 'P',
    version: '2.3',
  });
  assert.equal(parseError('garbage').partial, undefined);
});

test('readHl7Header is lenient about what the parser refuses', () => {
  assert.deepEqual(readHl7Header('MSH|^~\\|A|B|C|D|2025||ADT^A01|ID9|P|2.4'), {
    sendingApplication: 'A',
    sendingFacility: 'B',
    receivingApplication: 'C',
    receivingFacility: 'D',
    messageType: 'ADT',
    triggerEvent: 'A01',
    controlId: 'ID9',
    processingId: 'P',
    version: '2.4',
  });
  assert.equal(readHl7Header('\ufeff\r\nMSH|^~\\&|||||||ADT|X\nbroken').controlId, 'X');
  assert.equal(readHl7Header('MSH|^~\\&|||||||ADT|X\u0001Y|P|2.4').controlId, undefined, 'not text: left out');
  assert.equal(readHl7Header(`MSH|^~\\&|||||||ADT|${'9'.repeat(1001)}|P`).controlId, undefined, 'too long');
  assert.equal(readHl7Header('MSH|^~\\&|||||||ADT|""|P').controlId, undefined, 'null');
  assert.deepEqual(readHl7Header('MSHA'), {});
  assert.deepEqual(readHl7Header('MSH'), {});
  assert.deepEqual(readHl7Header('xMSH|^~\\&|'), {});
  assert.equal(readHl7Header('MSH|^~\\&|' + 'x'.repeat(70_000) + '|||||ADT|late|P').controlId, undefined);
});
