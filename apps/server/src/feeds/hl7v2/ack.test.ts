import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { ackCodeFor, ackErrorFrom, buildAck } from './ack.ts';
import { parseHl7 } from './hl7-message.ts';
import type { Hl7Message } from './hl7-message.ts';

const NOW = '20250615093000+0100';

function message(text: string): Hl7Message {
  const result = parseHl7(text);
  if (!result.ok) assert.fail(JSON.stringify(result.error));
  return result.message;
}

function parseAck(text: string): Hl7Message {
  assert.ok(text.endsWith('\r'));
  return message(text);
}

const V251 = 'MSH|^~\\&|PAS|RRK^1.2.3^ISO|JU|LDN|20250615092959||ADT^A01^ADT_A01|MSG\\T\\1|P|2.5.1\rPID|1||111';
const V24 = 'MSH|^~\\&|PAS|RRK|JU|LDN|20250615092959||ORU^R01|77|T|2.4\rPID|1||111';
const V23 = 'MSH|^~\\&|SIMHOSP|SFAC|RAPP|RFAC|20200501140643||ORU^R01|1|T|2.3\rPID|1||111';

test('AA in v2.5.1: sending and receiving swapped, ACK^event^ACK, MSA-2 is MSH-10 as received', () => {
  const text = buildAck({ message: message(V251) }, 'AA', { controlId: 'A1', now: NOW });
  assert.equal(
    text,
    'MSH|^~\\&|JU|LDN|PAS|RRK^1.2.3^ISO|20250615093000+0100||ACK^A01^ACK|A1|P|2.5.1\rMSA|AA|MSG\\T\\1\r',
  );
  const ack = parseAck(text);
  assert.equal(ack.segment('MSA')!.get(2), 'MSG&1');
  assert.equal(ack.segment('ERR'), undefined);
});

test('our own application and facility replace the incoming MSH-5 and MSH-6', () => {
  const ack = parseAck(
    buildAck({ message: message(V251) }, 'AA', {
      controlId: 'A1',
      now: NOW,
      receivingApplication: 'JOINEDUP',
      receivingFacility: 'ONE|LONDON',
    }),
  );
  assert.equal(ack.sendingApplication, 'JOINEDUP');
  assert.equal(ack.sendingFacility, 'ONE|LONDON');
  assert.equal(ack.segments[0]!.raw(4), 'ONE\\F\\LONDON');
});

test('AE in v2.5.1: one ERR per error with ERL location, 0357 code, severity and our text', () => {
  const text = buildAck({ message: message(V251) }, 'AE', {
    controlId: 'A2',
    now: NOW,
    errors: [
      { code: '101', severity: 'E', text: 'PID-3 is missing', segment: 'PID', segmentSequence: 1, field: 3 },
      {
        code: '102',
        severity: 'W',
        text: 'OBX-5 is not a number',
        segment: 'OBX',
        segmentSequence: 2,
        field: 5,
        repetition: 1,
        component: 1,
      },
      { code: '207', severity: 'E', text: 'Could not store the message' },
    ],
  });
  const lines = text.split('\r');
  assert.equal(lines[1], 'MSA|AE|MSG\\T\\1');
  assert.equal(lines[2], 'ERR||PID^1^3|101^Required field missing^HL70357|E||||PID-3 is missing');
  assert.equal(lines[3], 'ERR||OBX^2^5^1^1|102^Data type error^HL70357|W||||OBX-5 is not a number');
  assert.equal(lines[4], 'ERR|||207^Application internal error^HL70357|E||||Could not store the message');
  const ack = parseAck(text);
  assert.equal(ack.segmentsNamed('ERR').length, 3);
  // The same ACK through an independent parser.
  const theirs = MedplumMessage.parse(text);
  assert.equal(theirs.getSegment('MSA')!.getField(2).toString(), 'MSG\\T\\1');
  assert.equal(theirs.getAllSegments('ERR')[1]!.getComponent(2, 1), 'OBX');
});

test('v2.4: one ERR whose ERR-1 (ELD) repeats per error, with the v2.5 fields for the first, and MSA-3', () => {
  const text = buildAck({ message: message(V24) }, 'AE', {
    controlId: 'A3',
    now: NOW,
    errors: [
      { code: '101', severity: 'E', text: 'PID-3 is missing', segment: 'PID', segmentSequence: 1, field: 3 },
      { code: '103', severity: 'E', text: 'PV1-2 is not in table 0004', segment: 'PV1', field: 2 },
    ],
  });
  assert.equal(
    text,
    'MSH|^~\\&|JU|LDN|PAS|RRK|20250615093000+0100||ACK^R01^ACK|A3|T|2.4\r' +
      'MSA|AE|77|PID-3 is missing\r' +
      'ERR|PID^1^3^101&Required field missing&HL70357~PV1^1^2^103&Table value not found&HL70357|PID^1^3|101^Required field missing^HL70357|E||||PID-3 is missing\r',
  );
  const err = parseAck(text).segment('ERR')!;
  assert.equal(err.repetitions(1).length, 2);
  assert.equal(err.repetitions(1)[1]!.get(4, 2), 'Table value not found');
});

test('v2.3 (Simulated Hospital): MSH-9 has no message structure component', () => {
  const ack = parseAck(buildAck({ message: message(V23) }, 'AA', { controlId: 'A4', now: NOW }));
  assert.equal(ack.segments[0]!.raw(9), 'ACK^R01');
  assert.equal(ack.version, '2.3');
  assert.equal(ack.processingId, 'T', "the sender's processing id");
  assert.equal(ack.segment('MSA')!.get(2), '1');
});

test("the sender's encoding characters and version are used", () => {
  const m = message('MSH#*!$%@#PAS#RRK#JU#LDN#2025##ADT*A08*ADT_A01#C$T$9#P#2.7\rPID#1');
  const text = buildAck({ message: m }, 'AE', {
    controlId: 'A|5',
    now: NOW,
    errors: [{ code: '102', severity: 'E', text: 'A & B ^ C', segment: 'PID', segmentSequence: 1, field: 1 }],
  });
  assert.ok(text.startsWith('MSH#*!$%@#JU#LDN#PAS#RRK#'));
  const ack = parseAck(text);
  assert.deepEqual(ack.encoding, m.encoding);
  assert.equal(ack.controlId, 'A|5');
  assert.equal(ack.structure, 'ACK');
  assert.equal(ack.segment('MSA')!.get(2), 'C%9');
  assert.equal(ack.segment('ERR')!.get(8), 'A & B ^ C');
  assert.equal(ack.segment('ERR')!.get(2, 1), 'PID');
});

test('a message that failed to parse: MSA-2 still echoes its MSH-10, in its own encoding when readable', () => {
  const raw = 'MSH|^~\\&|PAS|RRK|JU|LDN|2025||ADT^A01|X\\S\\7|P|2.5\rPID|\u0000bad';
  const result = parseHl7(raw);
  assert.ok(!result.ok);
  for (const input of [{ partial: result.partial }, { raw }, { partial: result.partial, raw }]) {
    const ack = parseAck(buildAck(input, 'AE', { controlId: 'A6', now: NOW, errors: [ackErrorFrom(result.error)] }));
    assert.equal(ack.segment('MSA')!.get(2), 'X^7');
    assert.equal(ack.segment('MSA')!.raw(2), 'X\\S\\7');
    assert.equal(ack.segment('MSA')!.get(1), 'AE');
    assert.equal(ack.version, '2.5');
    assert.equal(ack.triggerEvent, 'A01');
    assert.equal(ack.receivingApplication, 'PAS');
    assert.equal(ack.sendingApplication, 'JU');
    assert.equal(ack.segment('ERR')!.raw(2), 'PID^1^1^^1');
    assert.equal(ack.segment('ERR')!.get(3), '102');
  }
});

test('unreadable encoding characters: the ACK falls back to |^~\\& and v2.4, still echoing MSH-10', () => {
  const raw = 'MSH|^~\\|PAS|RRK|JU|LDN|2025||ADT^A01|ID&9|P|2.5';
  const result = parseHl7(raw);
  assert.ok(!result.ok && result.error.code === '102' && result.error.field === 2);
  const text = buildAck({ partial: result.partial }, 'AE', {
    controlId: 'A7',
    now: NOW,
    errors: [ackErrorFrom(result.error)],
  });
  const ack = parseAck(text);
  assert.equal(ack.segments[0]!.raw(2), '^~\\&');
  assert.equal(ack.version, '2.5', 'MSH-12 could still be read');
  assert.equal(ack.segment('MSA')!.get(2), 'ID&9');
  assert.equal(ack.segment('MSA')!.raw(2), 'ID\\T\\9');
});

test('nothing readable: empty MSA-2, version 2.4 (so MSH-9 is ACK^^ACK), processing id P', () => {
  for (const input of [{ raw: '\u0000\u0001garbage' }, {}, { raw: '' }, { partial: {} }]) {
    const text = buildAck(input, 'AR', {
      controlId: 'A8',
      now: NOW,
      errors: [{ code: '100', severity: 'E', text: 'The message does not start with an MSH segment' }],
    });
    assert.equal(
      text,
      'MSH|^~\\&|||||20250615093000+0100||ACK^^ACK|A8|P|2.4\rMSA|AR||The message does not start with an MSH segment\r' +
        'ERR|^^^100&Segment sequence error&HL70357||100^Segment sequence error^HL70357|E||||The message does not start with an MSH segment\r',
    );
    const ack = parseAck(text);
    assert.equal(ack.segment('MSA')!.get(2), '');
  }
});

test('locations that are not a segment name and positive numbers do not reach the ACK', () => {
  const ack = parseAck(
    buildAck({ message: message(V251) }, 'AE', {
      controlId: 'A9',
      now: NOW,
      errors: [
        { code: '100', severity: 'E', text: 'x', segment: 'Smith^John' },
        { code: '102', severity: 'E', text: 'y', segment: 'PID', segmentSequence: 0, field: -1, component: 1.5 },
      ],
    }),
  );
  const [first, second] = ack.segmentsNamed('ERR');
  assert.equal(first!.raw(2), '');
  assert.equal(second!.raw(2), 'PID^1');
});

test('texts with line breaks or delimiters cannot break the ACK', () => {
  const ack = parseAck(
    buildAck({ message: message(V251) }, 'AE', {
      controlId: 'A\r10',
      now: NOW,
      errors: [{ code: '207', severity: 'E', text: 'line\rbreak|pipe~tilde\u0000' }],
    }),
  );
  assert.equal(ack.controlId, 'A\r10');
  assert.equal(ack.segment('ERR')!.get(8), 'line\rbreak|pipe~tilde\u0000');
  assert.equal(ack.segments.length, 3);
});

test('an ACK needs its own control id', () => {
  assert.throws(() => buildAck({}, 'AA', { controlId: '', now: NOW }), RangeError);
});

test('ackCodeFor: AR for what cannot be taken at all, AE for errors in the content', () => {
  assert.equal(ackCodeFor({ code: '100' }), 'AE');
  assert.equal(ackCodeFor({ code: '101' }), 'AE');
  assert.equal(ackCodeFor({ code: '102' }), 'AE');
  assert.equal(ackCodeFor({ code: '103' }), 'AE');
  assert.equal(ackCodeFor({ code: '200' }), 'AR');
  assert.equal(ackCodeFor({ code: '201' }), 'AR');
  assert.equal(ackCodeFor({ code: '202' }), 'AR');
  assert.equal(ackCodeFor({ code: '203' }), 'AR');
  assert.equal(ackCodeFor({ code: '207' }), 'AR');
});
