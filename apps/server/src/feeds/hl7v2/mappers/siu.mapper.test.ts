import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CTX,
  SENDER,
  message,
  msh,
  operations,
  pid,
  resourceOf,
  segment,
  validationIssues,
} from './hl7-fixtures.test-support.ts';
import type { MapResult } from './feed-operation.ts';
import { mapHl7Message } from './map-message.ts';

function sch(fields: Record<number, string> = {}): string {
  return segment('SCH', {
    1: 'APT-1^RXX',
    2: 'APT-1^RXX',
    6: 'BOOK^Appointment booked^L',
    7: '394594003^Ophthalmology^SCT',
    9: '30',
    10: 'MIN',
    11: '^^^20240701091500^20240701094500',
    25: 'Booked',
    ...fields,
  });
}

const RESOURCES = [
  segment('RGS', { 1: '1', 2: 'A' }),
  segment('AIL', { 1: '1', 2: 'A', 3: 'Eye clinic^^^RXX01', 6: '20240701091500' }),
  segment('AIP', { 1: '1', 2: 'A', 3: '555000000003^Brown^Jason^^^Dr', 6: '20240701091500' }),
];

function siu(trigger: string, ...body: string[]): MapResult {
  return mapHl7Message(message(msh(`SIU^${trigger}`), ...body), CTX);
}

test('S12: a booked UK Core Appointment with start, end, patient, location and clinician', () => {
  const result = siu('S12', sch(), pid(), ...RESOURCES);
  assert.deepEqual(validationIssues(result), []);
  const appointment = resourceOf(result, 'Appointment');
  assert.equal(appointment.id, `${SENDER}-APT-1`);
  assert.equal(appointment.status, 'booked');
  // 2024-07-01 is British Summer Time.
  assert.equal(appointment.start, '2024-07-01T09:15:00+01:00');
  assert.equal(appointment.end, '2024-07-01T09:45:00+01:00');
  assert.equal(appointment.minutesDuration, 30);
  assert.equal(appointment.serviceType?.[0]?.coding?.[0]?.code, '394594003');
  assert.equal(appointment.specialty?.[0]?.coding?.[0]?.system, 'http://snomed.info/sct');
  assert.deepEqual(
    appointment.participant.map((p) => [
      p.actor?.type,
      p.actor?.reference ?? p.actor?.display ?? p.actor?.identifier?.value,
    ]),
    [
      ['Patient', `Patient/${SENDER}-K123456`],
      ['Location', 'Eye clinic'],
      ['Practitioner', '555000000003'],
    ],
  );
});

test('S15 cancelled with its reason, S26 no-show, S17 deleted (a cancel of the appointment)', () => {
  const cancelled = resourceOf(
    siu('S15', sch({ 6: 'PATCAN^Patient cancelled^L', 25: 'Cancelled' }), pid()),
    'Appointment',
  );
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.cancelationReason?.text, 'Patient cancelled');
  assert.equal(resourceOf(siu('S26', sch({ 25: 'Noshow' }), pid()), 'Appointment').status, 'noshow');
  assert.deepEqual(operations(siu('S17', sch(), pid()))[1], {
    kind: 'cancel',
    resourceType: 'Appointment',
    id: `${SENDER}-APT-1`,
    to: 'entered-in-error',
  });
});

test('start and duration from AIS/AIL when SCH-11 is empty; the end is the start plus the duration', () => {
  const ais = segment('AIS', { 1: '1', 2: 'A', 3: 'CONS^Consultation^L', 4: '20240301140000', 7: '1', 8: 'HR' });
  const appointment = resourceOf(siu('S12', sch({ 9: '', 10: '', 11: '' }), pid(), ais), 'Appointment');
  assert.equal(appointment.start, '2024-03-01T14:00:00+00:00');
  assert.equal(appointment.end, '2024-03-01T15:00:00.000Z');
  assert.equal(appointment.minutesDuration, 60);
  assert.equal(appointment.serviceType?.[0]?.coding?.[0]?.code, 'CONS');
});

test('SIU errors: no SCH-1/SCH-2 (101), a booked appointment with no time (101), no PID (100), an end before the start (102)', () => {
  const errorOf = (...body: string[]) => {
    const result = siu('S12', ...body);
    assert.ok(!result.ok);
    return [result.error.code, result.error.segment, result.error.field];
  };
  assert.deepEqual(errorOf(sch({ 1: '', 2: '' }), pid()), ['101', 'SCH', 2]);
  assert.deepEqual(errorOf(sch({ 11: '' }), pid()), ['101', 'SCH', 11]);
  assert.deepEqual(errorOf(sch()), ['100', 'PID', 3]);
  assert.deepEqual(errorOf(sch({ 11: '^^^20240701091500^20240701081500' }), pid()), ['102', 'SCH', 11]);
  // A cancellation may have no time (FHIR R4 app-3).
  assert.ok(siu('S15', sch({ 11: '', 9: '' }), pid()).ok);
});
