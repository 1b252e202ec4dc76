import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hl7Date, hl7Timestamp, isoInstant } from './hl7-datetime.ts';
import { escapeHl7 } from './hl7-escape.ts';
import { unescapeHl7 } from './hl7-unescape.test-support.ts';

test('each delimiter becomes its HL7 escape sequence', () => {
  assert.equal(escapeHl7('a|b^c~d\\e&f'), 'a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
  assert.equal(escapeHl7('one\r\ntwo'), 'one\\X0D\\\\X0A\\two');
});

test('text without delimiters is returned as it is', () => {
  assert.equal(escapeHl7("O'Brien-Smith, Zoë"), "O'Brien-Smith, Zoë");
  assert.equal(escapeHl7(''), '');
});

test('escaped text holds no delimiter and unescapes to the original', () => {
  const samples = ['\\E\\', '\\\\S\\', '|^~\\&|', 'end\\', '\\start', 'x&&y^^z', 'line\rbreak\nand more'];
  for (const s of samples) {
    const escaped = escapeHl7(s);
    assert.doesNotMatch(escaped, /[|^~&\r\n]/);
    assert.equal(unescapeHl7(escaped), s);
  }
});

test('times are written as HL7 TS and DT in UTC', () => {
  const ms = Date.parse('2024-03-01T22:10:05Z');
  assert.equal(hl7Timestamp(ms), '20240301221005');
  assert.equal(isoInstant(ms), '2024-03-01T22:10:05Z');
  assert.equal(hl7Date('1948-07-14'), '19480714');
});
