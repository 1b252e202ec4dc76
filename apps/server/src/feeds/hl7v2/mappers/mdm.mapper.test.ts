import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CTX,
  SENDER,
  evn,
  message,
  msh,
  operations,
  pid,
  pv1,
  resourceOf,
  segment,
  validationIssues,
} from './hl7-fixtures.test-support.ts';
import type { MapResult } from './feed-operation.ts';
import { mapHl7Message } from './map-message.ts';

function txa(fields: Record<number, string> = {}): string {
  return segment('TXA', {
    1: '1',
    2: '373942005',
    3: 'TX',
    4: '20240301100000',
    5: '555000000001^Jones^Alan^^^Dr',
    6: '20240301103000',
    9: '555000000002^Patel^Ravi^^^Dr',
    12: 'DOC-1^RXX',
    16: 'Discharge summary 2024-03-01',
    17: 'AU',
    19: 'AV',
    ...fields,
  });
}

function line(n: number, text: string): string {
  return segment('OBX', { 1: String(n), 2: 'TX', 3: '373942005^Discharge summary^SCT', 5: text, 11: 'F' });
}

function mdm(trigger: string, ...body: string[]): MapResult {
  return mapHl7Message(message(msh(`MDM^${trigger}`), evn(trigger), pid(), pv1(), ...body), CTX);
}

test('T02: a UK Core DocumentReference; the OBX text lines joined by LF as a UTF-8 text/plain attachment', () => {
  const result = mdm('T02', txa(), line(1, 'DISCHARGE SUMMARY'), line(2, ''), line(3, 'Caf\\XC3A9\\ visit \\T\\ plan'));
  assert.deepEqual(validationIssues(result), []);
  const doc = resourceOf(result, 'DocumentReference');
  assert.equal(doc.id, `${SENDER}-DOC-1`);
  assert.deepEqual(doc.meta?.profile, ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-DocumentReference']);
  assert.deepEqual(doc.masterIdentifier, {
    system: 'https://fhir.joinedup.example/Id/RXX/document-number',
    value: 'DOC-1',
  });
  assert.equal(doc.status, 'current');
  assert.equal(doc.docStatus, 'final');
  assert.deepEqual(doc.type?.coding?.[0], {
    system: 'http://snomed.info/sct',
    code: '373942005',
    display: 'Discharge summary',
  });
  assert.equal(doc.date, '2024-03-01T10:30:00+00:00');
  assert.deepEqual(doc.author?.[0]?.identifier?.value, '555000000002');
  assert.equal(doc.description, 'Discharge summary 2024-03-01');
  assert.deepEqual(doc.context?.encounter, [{ reference: `Encounter/${SENDER}-V1001` }]);
  assert.deepEqual(doc.context?.period, { start: '2024-03-01T10:00:00+00:00' });
  const attachment = doc.content[0]?.attachment;
  assert.equal(attachment?.contentType, 'text/plain;charset=utf-8');
  assert.equal(
    Buffer.from(attachment?.data ?? '', 'base64').toString('utf8'),
    'DISCHARGE SUMMARY\n\nCafé visit & plan',
  );
  assert.equal(attachment?.size, Buffer.byteLength('DISCHARGE SUMMARY\n\nCafé visit & plan'));
});

test('TXA-2 from HL7 table 0270 takes its system and display', () => {
  const doc = resourceOf(mdm('T02', txa({ 2: 'DS' }), line(1, 'x')), 'DocumentReference');
  assert.deepEqual(doc.type?.coding?.[0], {
    system: 'http://terminology.hl7.org/CodeSystem/v2-0270',
    code: 'DS',
    display: 'Discharge summary',
  });
});

test('TXA-17 and TXA-19: preliminary, obsolete', () => {
  const doc = resourceOf(mdm('T02', txa({ 17: 'IP', 19: 'OB' }), line(1, 'x')), 'DocumentReference');
  assert.equal(doc.docStatus, 'preliminary');
  assert.equal(doc.status, 'superseded');
});

test('T08 edit with the same number updates the same id; with a new number it replaces the parent', () => {
  const same = operations(mdm('T08', txa({ 13: 'DOC-1' }), line(1, 'edited')));
  assert.deepEqual(
    same.map((o) => o.kind),
    ['upsert', 'upsert'],
  );
  const replaced = mdm('T08', txa({ 12: 'DOC-2', 13: 'DOC-1' }), line(1, 'edited'));
  const doc = resourceOf(replaced, 'DocumentReference');
  assert.equal(doc.id, `${SENDER}-DOC-2`);
  assert.deepEqual(doc.relatesTo, [{ code: 'replaces', target: { reference: `DocumentReference/${SENDER}-DOC-1` } }]);
  assert.deepEqual(operations(replaced)[2], {
    kind: 'cancel',
    resourceType: 'DocumentReference',
    id: `${SENDER}-DOC-1`,
    to: 'superseded',
  });
});

test('T06 addendum appends to its parent', () => {
  const doc = resourceOf(mdm('T06', txa({ 12: 'DOC-3', 13: 'DOC-1' }), line(1, 'addendum')), 'DocumentReference');
  assert.deepEqual(doc.relatesTo, [{ code: 'appends', target: { reference: `DocumentReference/${SENDER}-DOC-1` } }]);
});

test('T11 cancels the document: entered-in-error', () => {
  const ops = operations(mdm('T11', txa()));
  assert.deepEqual(ops[1], {
    kind: 'cancel',
    resourceType: 'DocumentReference',
    id: `${SENDER}-DOC-1`,
    to: 'entered-in-error',
  });
});

test('T01 (notification without the document) gives an attachment without data', () => {
  const result = mdm('T01', txa());
  assert.deepEqual(validationIssues(result), []);
  const doc = resourceOf(result, 'DocumentReference');
  assert.deepEqual(doc.content, [
    { attachment: { contentType: 'text/plain;charset=utf-8', title: 'Discharge summary 2024-03-01' } },
  ]);
});

test('an ED line becomes its own attachment', () => {
  const pdf = Buffer.from('%PDF').toString('base64');
  const ed = segment('OBX', { 1: '2', 2: 'ED', 3: 'PDF^Letter^L', 5: `^AP^PDF^Base64^${pdf}`, 11: 'F' });
  const doc = resourceOf(mdm('T02', txa(), line(1, 'cover note'), ed), 'DocumentReference');
  assert.deepEqual(
    doc.content.map((c) => c.attachment.contentType),
    ['text/plain;charset=utf-8', 'application/pdf'],
  );
});

test('MDM errors: no TXA-12 (101), no TXA (100), T02 without text (101)', () => {
  const noNumber = mdm('T02', txa({ 12: '' }), line(1, 'x'));
  assert.ok(!noNumber.ok);
  assert.deepEqual([noNumber.error.code, noNumber.error.segment, noNumber.error.field], ['101', 'TXA', 12]);
  const noTxa = mdm('T02', line(1, 'x'));
  assert.ok(!noTxa.ok);
  assert.deepEqual([noTxa.error.code, noTxa.error.segment], ['100', 'TXA']);
  const empty = mdm('T02', txa());
  assert.ok(!empty.ok);
  assert.deepEqual([empty.error.code, empty.error.segment, empty.error.field], ['101', 'OBX', 5]);
});
