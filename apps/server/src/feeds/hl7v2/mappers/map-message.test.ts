import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CTX, adt, evn, message, msh, pid, pv1, segment, upserts } from './hl7-fixtures.test-support.ts';
import { mapHl7Message, supportedMessageTypes } from './map-message.ts';

test('an unknown message type is 200 and an unknown trigger 201, both naming MSH-9', () => {
  const type = mapHl7Message(message(msh('QRY^A19'), pid()), CTX);
  assert.ok(!type.ok);
  assert.deepEqual([type.error.code, type.error.segment, type.error.field, type.error.component], ['200', 'MSH', 9, 1]);
  const trigger = mapHl7Message(message(msh('ADT^A99'), evn('A99'), pid(), pv1()), CTX);
  assert.ok(!trigger.ok);
  assert.deepEqual([trigger.error.code, trigger.error.field, trigger.error.component], ['201', 9, 2]);
  const noTrigger = mapHl7Message(message(msh('ADT'), evn('A01'), pid(), pv1()), CTX);
  assert.ok(!noTrigger.ok);
  assert.deepEqual([noTrigger.error.code, noTrigger.error.field, noTrigger.error.component], ['101', 9, 2]);
  const ack = mapHl7Message(message(msh('ACK^A01'), segment('MSA', { 1: 'AA', 2: 'X' })), CTX);
  assert.ok(!ack.ok);
  assert.equal(ack.error.code, '200');
});

test('the supported types are the ones the issue lists', () => {
  const types = supportedMessageTypes();
  for (const t of ['ADT^A01', 'ADT^A13', 'ADT^A28', 'ADT^A31', 'ADT^A40', 'ORU^R01', 'MDM^T02', 'SIU^S12', 'SIU^S15']) {
    assert.ok(types.includes(t), t);
  }
});

test('event time: EVN-2, else MSH-7, in the sender time zone, as a UTC instant', () => {
  // 2024-07-01 is British Summer Time: 10:30 in London is 09:30 UTC.
  const withEvn = mapHl7Message(
    message(msh('ADT^A01', { 7: '20240701110000' }), evn('A01', '20240701103000'), pid(), pv1()),
    CTX,
  );
  assert.ok(withEvn.ok);
  assert.equal(withEvn.eventTime, '2024-07-01T09:30:00.000Z');
  const withoutEvn = mapHl7Message(message(msh('ADT^A01', { 7: '20240701110000' }), pid(), pv1()), CTX);
  assert.ok(withoutEvn.ok);
  assert.equal(withoutEvn.eventTime, '2024-07-01T10:00:00.000Z');
  const offset = mapHl7Message(message(msh('ADT^A01', { 7: '20240701110000+0200' }), pid(), pv1()), CTX);
  assert.ok(offset.ok);
  assert.equal(offset.eventTime, '2024-07-01T09:00:00.000Z');
  const utc = mapHl7Message(message(msh('ADT^A01', { 7: '20240701110000' }), pid(), pv1()), {
    ...CTX,
    timeZone: 'UTC',
  });
  assert.ok(utc.ok);
  assert.equal(utc.eventTime, '2024-07-01T11:00:00.000Z');
});

test('an event time after our receipt is read as the receipt time', () => {
  const result = mapHl7Message(adt('A01'), { ...CTX, receivedAt: '2024-03-01T09:00:00.000Z' });
  assert.ok(result.ok);
  assert.equal(result.eventTime, '2024-03-01T09:00:00.000Z');
});

test('a bad MSH-7 or EVN-2 is 102 naming the field; no MSH-7 is 101', () => {
  const badEvn = mapHl7Message(message(msh('ADT^A01'), evn('A01', '20241301000000'), pid(), pv1()), CTX);
  assert.ok(!badEvn.ok);
  assert.deepEqual([badEvn.error.code, badEvn.error.segment, badEvn.error.field], ['102', 'EVN', 2]);
  const badMsh = mapHl7Message(message(msh('ORU^R01', { 7: '2024AB' }), pid()), CTX);
  assert.ok(!badMsh.ok);
  assert.deepEqual([badMsh.error.code, badMsh.error.segment, badMsh.error.field], ['102', 'MSH', 7]);
  const noMsh7 = mapHl7Message(message(msh('ADT^A28', { 7: '' }), pid()), CTX);
  assert.ok(!noMsh7.ok);
  assert.deepEqual([noMsh7.error.code, noMsh7.error.field], ['101', 7]);
  const dateOnly = mapHl7Message(message(msh('ADT^A28', { 7: '20240301' }), pid()), CTX);
  assert.ok(!dateOnly.ok);
  assert.deepEqual([dateOnly.error.code, dateOnly.error.field], ['102', 7]);
  // To the hour is enough for an instant; a date-only EVN-2 falls back to MSH-7.
  const hour = mapHl7Message(message(msh('ADT^A28', { 7: '2024030110' }), evn('A28', '20240301'), pid()), CTX);
  assert.ok(hour.ok);
  assert.equal(hour.eventTime, '2024-03-01T10:00:00.000Z');
});

test('a time zone Intl does not know is a configuration error: 207, never a throw', () => {
  const result = mapHl7Message(adt('A01'), { ...CTX, timeZone: 'Mars/Olympus_Mons' });
  assert.ok(!result.ok);
  assert.equal(result.error.code, '207');
});

test('the same message sent again maps to the same resources; a later message about the same visit to the same ids', () => {
  const first = mapHl7Message(adt('A01'), CTX);
  const resent = mapHl7Message(adt('A01'), CTX);
  assert.deepEqual(resent, first);
  const later = mapHl7Message(adt('A03', { pv1: { 45: '20240305120000' } }), CTX);
  assert.deepEqual(
    upserts(later).map((r) => `${r.resourceType}/${r.id}`),
    upserts(first).map((r) => `${r.resourceType}/${r.id}`),
  );
});

test('ids hold the sender code and its identifiers, never a name or a birth date', () => {
  const result = mapHl7Message(adt('A01'), CTX);
  for (const r of upserts(result)) {
    assert.ok(!/Smith|Jane|19800102|1980-01-02/.test(r.id!), r.id);
    assert.match(r.id!, /^RXX-/);
  }
});

test('an MRN with characters an id cannot hold, or too long, still gives a valid id, distinct from its neighbours', () => {
  const idOf = (mrn: string) => {
    const result = mapHl7Message(adt('A28', { pid: { 3: `${mrn}^^^RXX^MR` } }), CTX);
    assert.ok(result.ok);
    return result.patientId;
  };
  const a = idOf('AB/12 34');
  const b = idOf('AB_12_34');
  assert.match(a, /^[A-Za-z0-9\-.]{1,64}$/);
  assert.notEqual(a, b);
  const long = idOf('X'.repeat(200));
  assert.ok(long.length <= 64);
  assert.notEqual(long, idOf(`${'X'.repeat(199)}Y`));
});
