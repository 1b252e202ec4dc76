import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DMD, LOINC, SNOMED, type Coding } from '../model.ts';
import * as codes from './index.ts';

const groups: Record<string, Record<string, Coding>> = {
  allergens: codes.allergens,
  conditions: codes.conditions,
  consciousness: codes.consciousness,
  documentTypes: codes.documentTypes,
  immunisationStatusReasons: codes.immunisationStatusReasons,
  news2: codes.news2,
  procedures: codes.procedures,
  reactions: codes.reactions,
  reasons: codes.reasons,
  referrals: codes.referrals,
  specialties: codes.specialties,
  labPanels: codes.labPanels,
  labs: codes.labs,
  vitals: codes.vitals,
  medicines: codes.medicines,
  vaccines: codes.vaccines,
};

function allCodings(): [string, Coding][] {
  const out: [string, Coding][] = [];
  for (const [group, entries] of Object.entries(groups)) {
    for (const [name, coding] of Object.entries(entries)) out.push([`${group}.${name}`, coding]);
  }
  return out;
}

test('check digits: known-good and known-bad ids', () => {
  assert.equal(codes.isValidSctId('195967001'), true);
  assert.equal(codes.isValidSctId('195967002'), false);
  assert.equal(codes.isValidSctId('1104051000000101'), true);
  assert.equal(codes.isValidLoincCode('4548-4'), true);
  assert.equal(codes.isValidLoincCode('4548-5'), false);
  assert.equal(codes.isValidLoincCode('85354-9'), true);
});

test('every SNOMED CT and dm+d code has a valid Verhoeff check digit; every LOINC code a valid mod-10 digit', () => {
  for (const [name, coding] of allCodings()) {
    if (coding.system === LOINC) assert.ok(codes.isValidLoincCode(coding.code), `${name} ${coding.code}`);
    else {
      assert.ok(coding.system === SNOMED || coding.system === DMD, `${name} has system ${coding.system}`);
      assert.ok(codes.isValidSctId(coding.code), `${name} ${coding.code}`);
    }
    assert.ok(coding.display.length > 0, `${name} has a display`);
  }
});

test('illustrative dm+d ids are in the dm+d namespace and above the sequences issued so far', () => {
  for (const [name, coding] of Object.entries(codes.medicines)) {
    assert.equal(coding.system, DMD);
    assert.match(coding.code, /^9\d{7}100000110\d$/, name);
  }
});

test('one code has one display within a system', () => {
  const seen = new Map<string, string>();
  for (const [name, coding] of allCodings()) {
    const key = `${coding.system}|${coding.code}`;
    const display = seen.get(key);
    if (display !== undefined) assert.equal(coding.display, display, `${name} reuses ${key} with another display`);
    seen.set(key, coding.display);
  }
});

test('codings are frozen so events can share them', () => {
  assert.ok(Object.isFrozen(codes.conditions.hypertension));
  assert.throws(() => {
    (codes.labs.hba1c as { code: string }).code = 'x';
  });
});
