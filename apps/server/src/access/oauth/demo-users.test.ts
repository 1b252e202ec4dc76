import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ORGANISATION_KINDS } from '../principal.ts';
import { demoUsers } from './demo-users.ts';
import type { StaffUser } from './oauth.config.ts';
import { REGION } from './test-support/region.ts';

// The demo users cover every role group of the LCR policy matrix (domain.md 1.4) and every kind of organisation
// in the region, so that every access rule can be tried by clicking a name.

const users = demoUsers(REGION, ['9990000018', '999 000 0026', '1234567890']);
const staff = users.filter((u): u is StaffUser => u.kind === 'staff');
const profiles = staff.flatMap((u) => u.roleProfiles.map((r) => ({ user: u.id, ...r })));

test('every organisation kind of the region has a demo member of staff', () => {
  const kinds = new Set(profiles.map((p) => p.organisation.kind));
  assert.deepEqual(
    ORGANISATION_KINDS.filter((k) => !kinds.has(k)),
    [],
  );
});

test('every role group is covered', () => {
  const codes = new Set(profiles.map((p) => p.roleCode));
  for (const code of [
    'R8000',
    'R8001',
    'R8003',
    'R8016',
    'R0260',
    'R1290',
    'R1975',
    'R8014',
    'R8008',
    'R8009',
    'R8010',
    'R8004',
    'R0001',
    'R6100',
  ]) {
    assert.ok(codes.has(code), code);
  }
  const at = (roleCode: string, kind: string) =>
    profiles.some((p) => p.roleCode === roleCode && p.organisation.kind === kind);
  assert.ok(at('R0260', 'gp-practice'), 'GP at a practice');
  assert.ok(at('R1290', 'pharmacy'), 'pharmacist at a pharmacy');
  assert.ok(at('R1975', 'mental-health-trust'), 'CMHN at a mental health trust');
  assert.ok(at('R8014', 'local-authority'), 'social worker at a local authority');
  assert.ok(
    profiles.some((p) => p.organisation.kind === 'ambulance-service' && ['R8000', 'R8003'].includes(p.roleCode)),
  );
  assert.ok(
    profiles.some((p) => p.organisation.kind === 'nhs-111' && ['R8000', 'R8001', 'R8003'].includes(p.roleCode)),
  );
  assert.ok(at('R8001', 'care-home'), 'care home nurse');
  assert.ok(at('R8001', 'hospice'), 'hospice nurse');
  assert.ok(staff.some((u) => u.id === 'demo-privacy-officer'));
  assert.ok(staff.some((u) => u.id === 'demo-data-quality'));
  assert.ok(
    staff.some((u) => u.roleProfiles.length > 1),
    'someone chooses between role profiles',
  );
});

test('ids are stable and unique; patients come from valid NHS numbers only', () => {
  assert.deepEqual(demoUsers(REGION, ['9990000018']), demoUsers(REGION, ['9990000018']));
  const ids = users.map((u) => u.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(new Set(profiles.map((p) => p.id)).size, profiles.length);
  const patients = users.filter((u) => u.kind === 'patient');
  assert.deepEqual(
    patients.map((p) => [p.id, p.kind === 'patient' ? p.proofingLevel : '']),
    [
      ['nhs-9990000018', 'P9'],
      ['nhs-9990000026', 'P9'],
    ],
  );
});

test('a region lacking a kind of organisation gets no one there', () => {
  const noHospice = demoUsers(REGION.filter((o) => o.kind !== 'hospice'));
  assert.ok(
    !noHospice.some((u) => u.kind === 'staff' && u.roleProfiles.some((r) => r.organisation.kind === 'hospice')),
  );
  assert.deepEqual(demoUsers([]), []);
});
