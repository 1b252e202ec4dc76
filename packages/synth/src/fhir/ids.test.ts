import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventResourceId, isValidFhirId, patientId, practitionerId, practitionerRoleId, toFhirId } from './ids.ts';

test('a valid id is used as it is', () => {
  assert.equal(toFhirId('R9Z-T00456789'), 'R9Z-T00456789');
  assert.equal(practitionerId('900000000001'), 'sds-900000000001');
  assert.equal(practitionerRoleId('910000000001'), 'role-910000000001');
  assert.equal(patientId('F99001', 'E00012345'), 'F99001-E00012345');
});

test('invalid characters are replaced and a hash of the original keeps ids apart', () => {
  const a = toFhirId('VC901-RES/0007 A');
  const b = toFhirId('VC901-RES_0007_A');
  assert.ok(isValidFhirId(a), a);
  assert.ok(isValidFhirId(b), b);
  assert.match(a, /^VC901-RES-0007-A-[0-9a-f]{8}$/);
  assert.notEqual(a, b);
  assert.equal(toFhirId('VC901-RES/0007 A'), a);
});

test('long ids are cut to 64 characters and stay distinct', () => {
  const long = 'X'.repeat(80);
  const a = toFhirId(`${long}1`);
  const b = toFhirId(`${long}2`);
  assert.equal(a.length, 64);
  assert.ok(isValidFhirId(a));
  assert.notEqual(a, b);
  assert.ok(isValidFhirId(toFhirId('')));
});

test('isValidFhirId follows R4 datatypes.html#id', () => {
  assert.ok(isValidFhirId('a.B-9'));
  assert.ok(!isValidFhirId(''));
  assert.ok(!isValidFhirId('a_b'));
  assert.ok(!isValidFhirId('a b'));
  assert.ok(!isValidFhirId('x'.repeat(65)));
});

test('event ids carry the local id instead of the true person id', () => {
  const id = eventResourceId('R9Z', 'T00456789', 'P0000001-26');
  assert.equal(id, 'R9Z-T00456789-26');
  assert.ok(!id.includes('P0000001'));
  assert.equal(eventResourceId('R9Z', 'T1', 'noDash'), 'R9Z-T1-noDash');
});
