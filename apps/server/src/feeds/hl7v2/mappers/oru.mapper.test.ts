import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiagnosticReport, DocumentReference, Observation } from '@joinedup/fhir';
import {
  CTX,
  SENDER,
  message,
  msh,
  pid,
  pv1,
  segment,
  upserts,
  validationIssues,
} from './hl7-fixtures.test-support.ts';
import { mapHl7Message } from './map-message.ts';
import type { MapResult } from './feed-operation.ts';

const ORC = segment('ORC', { 1: 'RE', 2: 'PL100', 3: 'FL200' });

function obr(fields: Record<number, string> = {}): string {
  return segment('OBR', {
    1: '1',
    2: 'PL100',
    3: 'FL200',
    4: '24362-6^Renal function panel^LN',
    7: '20240301090000',
    22: '20240301120000',
    25: 'F',
    ...fields,
  });
}

function obx(setId: string, type: string, code: string, value: string, more: Record<number, string> = {}): string {
  return segment('OBX', { 1: setId, 2: type, 3: code, 5: value, 11: 'F', ...more });
}

function oru(...body: string[]): MapResult {
  return mapHl7Message(message(msh('ORU^R01'), pid(), ...body), CTX);
}

function reports(result: MapResult): DiagnosticReport[] {
  return upserts(result).filter((r): r is DiagnosticReport => r.resourceType === 'DiagnosticReport');
}

function observations(result: MapResult): Observation[] {
  return upserts(result).filter((r): r is Observation => r.resourceType === 'Observation');
}

test('one DiagnosticReport-Lab per OBR and one Observation-Lab per OBX, referenced from the report', () => {
  const result = oru(
    ORC,
    obr(),
    obx('1', 'NM', '2951-2^Sodium^LN', '135', { 6: 'mmol/L^mmol/L^UCUM', 7: '133-146', 8: 'N' }),
    obx('2', 'NM', '14682-9^Creatinine^LN', '108', { 6: 'umol/L^umol/L^UCUM', 7: '45-84', 8: 'H' }),
  );
  assert.deepEqual(validationIssues(result), []);
  const [report] = reports(result);
  assert.ok(report);
  assert.equal(report.id, `${SENDER}-FL200`);
  assert.deepEqual(report.meta?.profile, ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-DiagnosticReport-Lab']);
  assert.equal(report.status, 'final');
  assert.deepEqual(report.code.coding?.[0], {
    system: 'http://loinc.org',
    code: '24362-6',
    display: 'Renal function panel',
  });
  assert.equal(report.category?.[0]?.coding?.[0]?.code, 'LAB');
  assert.equal(report.effectiveDateTime, '2024-03-01T09:00:00+00:00');
  assert.equal(report.issued, '2024-03-01T12:00:00+00:00');
  assert.deepEqual(
    report.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value]),
    [
      ['PLAC', 'PL100'],
      ['FILL', 'FL200'],
    ],
  );
  assert.deepEqual(report.result, [
    { reference: `Observation/${SENDER}-FL200-1` },
    { reference: `Observation/${SENDER}-FL200-2` },
  ]);
  const [sodium, creatinine] = observations(result);
  assert.equal(sodium?.id, `${SENDER}-FL200-1`);
  assert.deepEqual(sodium?.valueQuantity, {
    value: 135,
    unit: 'mmol/L',
    system: 'http://unitsofmeasure.org',
    code: 'mmol/L',
  });
  assert.equal(sodium?.category?.[0]?.coding?.[0]?.code, 'laboratory');
  assert.equal(sodium?.effectiveDateTime, '2024-03-01T09:00:00+00:00');
  assert.deepEqual(creatinine?.interpretation?.[0]?.coding?.[0], {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
    code: 'H',
    display: 'High',
  });
  assert.deepEqual(creatinine?.referenceRange?.[0]?.low?.value, 45);
  assert.deepEqual(creatinine?.referenceRange?.[0]?.high, {
    value: 84,
    unit: 'umol/L',
    system: 'http://unitsofmeasure.org',
    code: 'umol/L',
  });
});

test('report status from OBR-25; observation status from OBX-11, else the report', () => {
  const status = (obr25: string) => reports(oru(obr({ 25: obr25 }), obx('1', 'NM', 'X1^A^L', '1')))[0]?.status;
  assert.deepEqual(['F', 'P', 'C', 'X', 'A', 'I', ''].map(status), [
    'final',
    'preliminary',
    'corrected',
    'cancelled',
    'partial',
    'registered',
    'unknown',
  ]);
  const obs = (obx11: string, obr25 = 'F') =>
    observations(oru(obr({ 25: obr25 }), obx('1', 'NM', 'X1^A^L', '1', { 11: obx11 })))[0]?.status;
  assert.deepEqual(
    ['F', 'P', 'C', 'D', 'W', 'X', 'I'].map((s) => obs(s)),
    ['final', 'preliminary', 'corrected', 'entered-in-error', 'entered-in-error', 'cancelled', 'registered'],
  );
  assert.equal(obs('', 'P'), 'preliminary');
});

test('values by OBX-2: NM, SN, CE, ST, TX, FT, DT, TS, TM', () => {
  const result = oru(
    obr(),
    obx('1', 'NM', 'A^a^L', '<15', { 6: 'MLMIN' }),
    obx('2', 'SN', 'B^b^L', '^1^-^5', { 6: 'mmol/L' }),
    obx('3', 'SN', 'C^c^L', '^1^:^128'),
    obx('4', 'SN', 'D^d^L', '>=^2.5'),
    obx('5', 'CE', 'E^e^L', '260385009^Negative^SCT'),
    obx('6', 'ST', 'F^f^L', 'Clear'),
    obx('7', 'TX', 'G^g^L', 'line one~line two'),
    obx('8', 'FT', 'H^h^L', 'first\\.br\\second'),
    obx('9', 'DT', 'I^i^L', '20240229'),
    obx('10', 'TS', 'J^j^L', '202407011015'),
    obx('11', 'TM', 'K^k^L', '1015'),
    obx('12', 'NM', 'M^m^L', 'see comment'),
    obx('13', 'ST', 'N^n^L', 'a^b'),
  );
  assert.deepEqual(validationIssues(result), []);
  const v = observations(result);
  assert.deepEqual(v[0]?.valueQuantity, {
    value: 15,
    comparator: '<',
    unit: 'mL/min',
    system: 'http://unitsofmeasure.org',
    code: 'mL/min',
  });
  assert.deepEqual(v[1]?.valueRange?.low?.value, 1);
  assert.deepEqual(v[1]?.valueRange?.high?.code, 'mmol/L');
  assert.deepEqual(v[2]?.valueRatio, { numerator: { value: 1 }, denominator: { value: 128 } });
  assert.deepEqual(v[3]?.valueQuantity, { value: 2.5, comparator: '>=' });
  assert.deepEqual(v[4]?.valueCodeableConcept, {
    coding: [{ system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' }],
    text: 'Negative',
  });
  assert.equal(v[5]?.valueString, 'Clear');
  assert.equal(v[6]?.valueString, 'line one\nline two');
  assert.equal(v[7]?.valueString, 'first\nsecond');
  assert.equal(v[8]?.valueDateTime, '2024-02-29');
  assert.equal(v[9]?.valueDateTime, '2024-07-01T10:15:00+01:00');
  assert.equal(v[10]?.valueTime, '10:15:00');
  // An NM that is not a number is kept as text rather than dropped.
  assert.equal(v[11]?.valueString, 'see comment');
  assert.equal(v[12]?.valueString, 'a^b');
});

test('an empty OBX-2 reads as NM when the value is a number, else as ST', () => {
  const v = observations(
    oru(obr(), obx('1', '', 'A^a^L', '28', { 6: 'MDC_DIM_PERCENT' }), obx('2', '', 'B^b^L', 'Alert')),
  );
  assert.deepEqual(v[0]?.valueQuantity, { value: 28, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
  assert.equal(v[1]?.valueString, 'Alert');
});

test('units: UCUM when OBX-6.3 says so or the unit is a known UCUM code or spelling; otherwise text only', () => {
  const unitOf = (units: string) =>
    observations(oru(obr(), obx('1', 'NM', 'A^a^L', '1', { 6: units })))[0]?.valueQuantity;
  assert.deepEqual(unitOf('UMOLL'), { value: 1, unit: 'umol/L', system: 'http://unitsofmeasure.org', code: 'umol/L' });
  assert.deepEqual(unitOf('x10*9/L'), {
    value: 1,
    unit: '10*9/L',
    system: 'http://unitsofmeasure.org',
    code: '10*9/L',
  });
  assert.deepEqual(unitOf('mg/dL^milligrams per decilitre^UCUM'), {
    value: 1,
    unit: 'milligrams per decilitre',
    system: 'http://unitsofmeasure.org',
    code: 'mg/dL',
  });
  assert.deepEqual(unitOf('/10'), { value: 1, unit: '/10' });
  assert.deepEqual(unitOf('""'), { value: 1 });
});

test('reference ranges: low-high, <x, >x, in brackets, or kept as text', () => {
  const rangeOf = (range: string) =>
    observations(oru(obr(), obx('1', 'NM', 'A^a^L', '1', { 7: range })))[0]?.referenceRange?.[0];
  assert.deepEqual(rangeOf('49 - 92'), { low: { value: 49 }, high: { value: 92 } });
  assert.deepEqual(rangeOf('[ < 0.21 ]'), { high: { value: 0.21 }, text: '< 0.21' });
  assert.deepEqual(rangeOf('[ > 1.5]'), { low: { value: 1.5 }, text: '> 1.5' });
  assert.deepEqual(rangeOf('<=5'), { high: { value: 5 } });
  assert.deepEqual(rangeOf('-2.0--0.5'), { low: { value: -2 }, high: { value: -0.5 } });
  assert.deepEqual(rangeOf('negative'), { text: 'negative' });
  assert.equal(rangeOf('[ ]'), undefined);
});

test('abnormal flags of HL7 table 0078; an unknown flag is kept as text', () => {
  const flags = observations(oru(obr(), obx('1', 'NM', 'A^a^L', '1', { 8: 'HH~A~ZZ' })))[0]?.interpretation;
  assert.deepEqual(flags?.[0]?.coding?.[0]?.code, 'HH');
  assert.deepEqual(flags?.[1]?.coding?.[0]?.display, 'Abnormal');
  assert.deepEqual(flags?.[2], { text: 'ZZ' });
});

test('NTE after OBR is the report conclusion; after an OBX, a note on that result', () => {
  const result = oru(
    obr(),
    segment('NTE', { 1: '1', 2: 'L', 3: 'Haemolysed sample' }),
    segment('NTE', { 1: '2', 2: 'L', 3: 'Repeat advised' }),
    obx('1', 'NM', 'A^a^L', '1'),
    segment('NTE', { 1: '1', 2: 'L', 3: 'Corrected result' }),
    obx('2', 'NM', 'B^b^L', '2'),
  );
  assert.equal(reports(result)[0]?.conclusion, 'Haemolysed sample\nRepeat advised');
  const [first, second] = observations(result);
  assert.deepEqual(first?.note, [{ text: 'Corrected result' }]);
  assert.equal(second?.note, undefined);
});

test('a result without a value: dataAbsentReason, as text from its NTE when there is one', () => {
  const result = oru(
    obr(),
    obx('1', 'NM', 'A^a^L', '', { 11: 'X' }),
    segment('NTE', { 1: '1', 3: 'Sample clotted' }),
    obx('2', 'NM', 'B^b^L', '', { 11: 'X' }),
  );
  assert.deepEqual(validationIssues(result), []);
  const [withNote, without] = observations(result);
  assert.equal(withNote?.status, 'cancelled');
  assert.equal(withNote?.dataAbsentReason?.coding?.[0]?.code, 'as-text');
  assert.equal(withNote?.dataAbsentReason?.text, 'Sample clotted');
  assert.equal(without?.dataAbsentReason?.coding?.[0]?.code, 'unknown');
});

test('observation ids use OBX-1, or positions when set ids repeat or are missing', () => {
  const ids = (a: string, b: string) =>
    observations(oru(obr(), obx(a, 'NM', 'A^a^L', '1'), obx(b, 'NM', 'B^b^L', '2'))).map((o) => o.id);
  assert.deepEqual(ids('3', '7'), [`${SENDER}-FL200-3`, `${SENDER}-FL200-7`]);
  assert.deepEqual(ids('1', '1'), [`${SENDER}-FL200-1`, `${SENDER}-FL200-2`]);
  assert.deepEqual(ids('', '5'), [`${SENDER}-FL200-1`, `${SENDER}-FL200-2`]);
});

test('report id: filler (OBR-3, else ORC-3), else placer; two OBRs with one number stay apart', () => {
  const idOf = (...body: string[]) => reports(oru(...body)).map((r) => r.id);
  assert.deepEqual(idOf(obr({ 3: '' }), obx('1', 'NM', 'A^a^L', '1')), [`${SENDER}-placer-PL100`]);
  assert.deepEqual(idOf(segment('ORC', { 1: 'RE', 3: 'F9' }), obr({ 2: '', 3: '' })), [`${SENDER}-F9`]);
  assert.deepEqual(idOf(obr(), obr({ 1: '2', 4: 'X^y^L' })), [`${SENDER}-FL200`, `${SENDER}-FL200-2`]);
  const none = oru(obr({ 2: '', 3: '' }));
  assert.ok(!none.ok);
  assert.deepEqual([none.error.code, none.error.segment, none.error.field], ['101', 'OBR', 3]);
});

test('the visit of PV1-19 becomes the encounter of the report and its results', () => {
  const result = mapHl7Message(message(msh('ORU^R01'), pid(), pv1(), obr(), obx('1', 'NM', 'A^a^L', '1')), CTX);
  assert.equal(reports(result)[0]?.encounter?.reference, `Encounter/${SENDER}-V1001`);
  assert.equal(observations(result)[0]?.encounter?.reference, `Encounter/${SENDER}-V1001`);
});

test('OBX of type ED: a DocumentReference related to the report, not an Observation', () => {
  const pdf = Buffer.from('%PDF-1.4 test').toString('base64');
  const result = oru(
    obr(),
    obx('1', 'ED', 'PDF^Report PDF^L', `^AP^PDF^Base64^${pdf}`),
    obx('2', 'ED', 'TXT^Text^L', '^TEXT^^Hex^48656C6C6F'),
  );
  assert.deepEqual(validationIssues(result), []);
  assert.equal(observations(result).length, 0);
  assert.equal(reports(result)[0]?.result, undefined);
  const docs = upserts(result).filter((r): r is DocumentReference => r.resourceType === 'DocumentReference');
  assert.equal(docs.length, 2);
  const [first, second] = docs;
  assert.equal(first?.content[0]?.attachment.contentType, 'application/pdf');
  assert.equal(first?.content[0]?.attachment.data, pdf);
  assert.equal(first?.content[0]?.attachment.size, 13);
  assert.deepEqual(first?.context?.related, [{ reference: `DiagnosticReport/${SENDER}-FL200` }]);
  assert.equal(Buffer.from(second?.content[0]?.attachment.data ?? '', 'base64').toString(), 'Hello');
  assert.equal(second?.content[0]?.attachment.contentType, 'text/plain');
});

test('ED errors: bad Base64 (102), bad hex (102), no data (101), unknown encoding (103)', () => {
  const codeOf = (value: string) => {
    const result = oru(obr(), obx('1', 'ED', 'P^p^L', value));
    assert.ok(!result.ok, value);
    assert.equal(result.error.segment, 'OBX');
    assert.equal(result.error.field, 5);
    return result.error.code;
  };
  assert.equal(codeOf('^AP^PDF^Base64^abc'), '102');
  assert.equal(codeOf('^AP^PDF^Hex^XYZ1'), '102');
  assert.equal(codeOf('^AP^PDF^Base64^'), '101');
  assert.equal(codeOf('^AP^PDF^UUENCODE^abcd'), '103');
});

test('ORU errors: no OBR (100), OBX before OBR (100), no OBR-4 (101), no OBX-3 (101), two patients (207)', () => {
  const errorOf = (...body: string[]) => {
    const result = oru(...body);
    assert.ok(!result.ok);
    return [result.error.code, result.error.segment, result.error.field];
  };
  assert.deepEqual(errorOf(), ['100', 'OBR', 4]);
  assert.deepEqual(errorOf(obx('1', 'NM', 'A^a^L', '1'), obr()), ['100', 'OBX', 1]);
  assert.deepEqual(errorOf(obr({ 4: '' })), ['101', 'OBR', 4]);
  assert.deepEqual(errorOf(obr(), obx('1', 'NM', '', '1')), ['101', 'OBX', 3]);
  assert.deepEqual(errorOf(obr(), pid()), ['207', 'PID', 3]);
  assert.deepEqual(errorOf(obr({ 22: '20241399' })), ['102', 'OBR', 22]);
});

test("a code is put in a standard system only when it has that system's form", () => {
  const codeOf = (code: string) => observations(oru(obr(), obx('1', 'NM', code, '1')))[0]?.code.coding?.[0]?.system;
  assert.equal(codeOf('2951-2^Sodium^LN'), 'http://loinc.org');
  assert.equal(codeOf('tt-0005-01^AVPU^LOINC'), 'https://fhir.joinedup.example/CodeSystem/RXX/LOINC');
  assert.equal(codeOf('1107451000000100^Glucose^SCT'), 'http://snomed.info/sct');
  assert.equal(codeOf('1107451000000101^Glucose^SCT'), 'https://fhir.joinedup.example/CodeSystem/RXX/SCT');
  assert.equal(codeOf('GLU^Glucose'), 'https://fhir.joinedup.example/CodeSystem/RXX/local');
});
