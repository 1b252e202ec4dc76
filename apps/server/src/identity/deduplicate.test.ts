import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deduplicate } from './deduplicate.ts';
import { aRecord, NHS_A, NHS_B } from './records.test-support.ts';

test('deduplicate joins the same person and keeps different people apart', () => {
  const records = [
    aRecord(),
    aRecord({ family: 'Smtih' }),
    aRecord({ given: ['Priya'], family: 'Patel', birthDate: '1990-01-01', phones: ['07700 900555'] }),
  ];
  const d = deduplicate(records);
  assert.equal(d.person[0], d.person[1]);
  assert.notEqual(d.person[0], d.person[2]);
  assert.equal(d.links.filter((l) => l.outcome === 'MATCH').length, 1);
});

test('joining by automatic links never puts two verified NHS numbers in one person', () => {
  // A record without an NHS number matches two people who hold different verified numbers: the chain A-B-C must
  // not make them one person. The stronger link is followed, the other left for review.
  const a = aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true });
  const b = aRecord();
  const c = aRecord({ nhsNumber: NHS_B, nhsNumberVerified: true, phones: [] });
  const d = deduplicate([a, b, c]);
  assert.notEqual(d.person[0], d.person[2]);
  assert.equal(d.refusedMerges, 1);
  assert.equal(d.person[1], d.person[0], 'B joins A, its stronger match (same mobile)');
  const ac = d.links.find((l) => l.a === 0 && l.b === 2);
  assert.notEqual(ac?.outcome, 'MATCH', 'A and C hold two verified numbers');
  const bc = d.links.find((l) => l.a === 1 && l.b === 2);
  assert.equal(bc?.outcome, 'POSSIBLE_MATCH', 'the refused link goes to review');
});

test('deduplicate: equal verified NHS numbers join first, whatever the scores', () => {
  const records = [
    aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true, family: 'Okafor', birthDate: '1950-01-01' }),
    aRecord({ nhsNumber: NHS_A, nhsNumberVerified: true }),
  ];
  const d = deduplicate(records);
  assert.equal(d.person[0], d.person[1]);
  assert.equal(d.links[0]?.deterministic, true);
});

test('deduplicate: a skipped pair is never scored', () => {
  const d = deduplicate([aRecord(), aRecord()], { skipPair: () => true });
  assert.equal(d.links.length, 0);
  assert.notEqual(d.person[0], d.person[1]);
});
