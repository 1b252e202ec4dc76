import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hl7Timestamp } from './hl7-datetime.ts';

test('HL7 TS agrees with the ISO instant, across leap days, century years and day ends', () => {
  const instants = [
    Date.UTC(1900, 0, 1),
    Date.UTC(1900, 1, 28, 23, 59, 59),
    Date.UTC(1900, 2, 1),
    Date.UTC(1970, 0, 1),
    Date.UTC(2000, 1, 29, 12, 30, 5),
    Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(2025, 0, 1),
    Date.UTC(2100, 1, 28, 1, 2, 3),
  ];
  for (let day = 0; day < 3 * 365; day += 7) instants.push(Date.UTC(2023, 0, 1) + day * 86_400_000 + day * 1_013);
  for (const ms of instants) {
    const iso = new Date(ms).toISOString();
    assert.equal(hl7Timestamp(ms), iso.slice(0, 19).replace(/[-T:]/g, ''), iso);
  }
});
