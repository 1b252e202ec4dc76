// Every message of the public Simulated Hospital set (../shared/data/hl7v2-simhospital, Apache-2.0) maps, and what
// it maps to agrees with the message as @medplum/core's parser (an independent implementation) reads it.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { DocumentReference, Encounter, Observation, Patient, Resource } from '@joinedup/fhir';
import { Hl7Message as MedplumMessage, type Hl7Segment as MedplumSegment } from '@medplum/core';
import { validateResource } from '../../../fhir/validate/validate.ts';
import { publicDataSet } from '../../../platform/public-data.ts';
import { decodeHl7Bytes } from '../decode.ts';
import { parseHl7 } from '../hl7-message.ts';
import type { MapContext, MapResult } from './feed-operation.ts';
import { mapHl7Message } from './map-message.ts';
import { patientResourceId } from './resource-ids.ts';

const dir = publicDataSet('hl7v2-simhospital');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.hl7'))
  .sort();
// Simulated Hospital writes local times without an offset; it simulates a London hospital.
const CTX: Omit<MapContext, 'senderOds'> = { timeZone: 'Europe/London', receivedAt: '2030-01-01T00:00:00.000Z' };

interface Mapped {
  text: string;
  result: MapResult;
}

function mapFile(file: string): Mapped {
  const decoded = decodeHl7Bytes(fs.readFileSync(path.join(dir, file)));
  if ('error' in decoded) assert.fail(`${file}: ${decoded.error}`);
  const parsed = parseHl7(decoded.text);
  if (!parsed.ok) assert.fail(`${file}: ${JSON.stringify(parsed.error)}`);
  return {
    text: decoded.text,
    result: mapHl7Message(parsed.message, { ...CTX, senderOds: parsed.message.sendingFacility }),
  };
}

function resources(result: MapResult): Resource[] {
  assert.ok(result.ok);
  return result.operations.flatMap((o) => (o.kind === 'upsert' ? [o.resource] : []));
}

function one<T extends Resource>(result: MapResult, type: T['resourceType'], id?: string): T {
  const found = resources(result).filter((r) => r.resourceType === type && (id === undefined || r.id === id));
  assert.equal(found.length, 1, `${type} ${id ?? ''}`);
  return found[0] as T;
}

function field(segment: MedplumSegment | undefined, n: number, component = 1): string {
  // @medplum/core's getField gives undefined past the last field sent, whatever its type says.
  const f: ReturnType<MedplumSegment['getField']> | undefined = segment?.getField(n);
  return f?.getComponent(component) ?? '';
}

test('all 1,013 messages map, and every resource passes structural validation', () => {
  assert.equal(files.length, 1013);
  const kinds = new Map<string, number>();
  for (const file of files) {
    const { result } = mapFile(file);
    assert.ok(result.ok, `${file}: ${JSON.stringify(result.ok ? '' : result.error)}`);
    for (const r of resources(result)) {
      assert.deepEqual(validateResource(r), [], `${file} ${r.resourceType}/${r.id}`);
      assert.match(r.id!, /^[A-Za-z0-9\-.]{1,64}$/);
      kinds.set(r.resourceType, (kinds.get(r.resourceType) ?? 0) + 1);
    }
  }
  assert.deepEqual([...kinds.keys()].sort(), [
    'DiagnosticReport',
    'DocumentReference',
    'Encounter',
    'Observation',
    'Patient',
  ]);
  assert.equal(kinds.get('Patient'), 1013);
  assert.equal(kinds.get('DiagnosticReport'), 610);
  // 3,413 OBX in all, 90 of them the text lines of the two MDM documents.
  assert.equal(kinds.get('Observation'), 3323);
  assert.equal(kinds.get('DocumentReference'), 2);
  assert.equal(kinds.get('Encounter'), 400);
});

test('every Observation agrees with its OBX: number, comparator, flag and reference range', () => {
  let numeric = 0;
  let flagged = 0;
  for (const file of files.filter((f) => f.includes('ORU_R01'))) {
    const { text, result } = mapFile(file);
    const independent = MedplumMessage.parse(text);
    const observations = resources(result).filter((r): r is Observation => r.resourceType === 'Observation');
    const obxs = independent.getAllSegments('OBX');
    assert.equal(observations.length, obxs.length, file);
    obxs.forEach((obx, i) => {
      const o = observations[i]!;
      const value = field(obx, 5).trim();
      const m = /^(<|>)?([0-9.]+)$/.exec(value);
      if (m && field(obx, 2) !== 'TX' && field(obx, 2) !== 'FT') {
        numeric++;
        assert.equal(o.valueQuantity?.value, Number(m[2]), `${file} OBX ${i + 1}`);
        assert.equal(o.valueQuantity?.comparator, m[1], `${file} OBX ${i + 1}`);
      } else if (value !== '') {
        assert.equal(o.valueString, value, `${file} OBX ${i + 1}`);
      } else {
        assert.ok(o.dataAbsentReason, `${file} OBX ${i + 1}`);
      }
      const flag = field(obx, 8);
      if (flag !== '') {
        flagged++;
        assert.equal(o.interpretation?.[0]?.coding?.[0]?.code, flag, `${file} OBX ${i + 1}`);
      } else assert.equal(o.interpretation, undefined);
      const range = /^\[?\s*([0-9.]+)\s*-\s*([0-9.]+)\s*\]?$/.exec(field(obx, 7));
      if (range) {
        assert.equal(o.referenceRange?.[0]?.low?.value, Number(range[1]), `${file} OBX ${i + 1}`);
        assert.equal(o.referenceRange?.[0]?.high?.value, Number(range[2]), `${file} OBX ${i + 1}`);
      }
    });
  }
  assert.ok(numeric > 2000, `${numeric} numeric results`);
  assert.ok(flagged > 100, `${flagged} flagged results`);
});

test('spot check 0001: patient, NHS number, creatinine with units, range, flag and notes', () => {
  const { result } = mapFile('0001_ORU_R01.hl7');
  const patient = one<Patient>(result, 'Patient');
  assert.deepEqual(patient.name, [{ family: 'Esterkin', given: ['AKI Scenario 6'], prefix: ['Miss'] }]);
  assert.equal(patient.gender, 'female');
  assert.equal(patient.birthDate, '1989-01-18');
  assert.deepEqual(patient.identifier?.[1], { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '2478684691' });
  assert.equal(patient.identifier?.[0]?.value, '2590157853');
  assert.equal(patient.address?.[0]?.postalCode, 'RW21 6KC');
  const creatinine = one<Observation>(result, 'Observation');
  assert.equal(creatinine.code.text, 'Creatinine');
  assert.deepEqual(creatinine.valueQuantity, {
    value: 98,
    unit: 'umol/L',
    system: 'http://unitsofmeasure.org',
    code: 'umol/L',
  });
  assert.equal(creatinine.referenceRange?.[0]?.low?.value, 49);
  assert.equal(creatinine.referenceRange?.[0]?.high?.value, 92);
  assert.equal(creatinine.interpretation?.[0]?.coding?.[0]?.code, 'H');
  assert.deepEqual(creatinine.note, [{ text: 'Task cow administration' }, { text: 'Grapefruit garlic resale camera' }]);
  // 2020-05-01 14:06:43 in London is 13:06:43 UTC (British Summer Time).
  assert.ok(result.ok);
  assert.equal(result.eventTime, '2020-05-01T13:06:43.000Z');
});

test('spot check: an eGFR sent as "<15", a bracketed "< 0.21" range, vital signs in MDC units', () => {
  const egfr = resources(mapFile('0007_ORU_R01.hl7').result).find(
    (r): r is Observation => r.resourceType === 'Observation' && r.code.text === 'eGFR (MDRD)',
  );
  assert.deepEqual(egfr?.valueQuantity, {
    value: 15,
    comparator: '<',
    unit: 'mL/min',
    system: 'http://unitsofmeasure.org',
    code: 'mL/min',
  });
  const withBracket = resources(mapFile('0013_ORU_R01.hl7').result).filter(
    (r): r is Observation => r.resourceType === 'Observation' && r.referenceRange?.[0]?.text === '< 0.21',
  );
  assert.equal(withBracket.length, 1);
  assert.equal(withBracket[0]?.referenceRange?.[0]?.high?.value, 0.21);
  const vitals = resources(mapFile('0009_ORU_R01.hl7').result).filter(
    (r): r is Observation => r.resourceType === 'Observation',
  );
  const temperature = vitals.find((o) => o.code.text === 'MDC_TEMP');
  assert.deepEqual(temperature?.valueQuantity, {
    value: 36.37,
    unit: 'Cel',
    system: 'http://unitsofmeasure.org',
    code: 'Cel',
  });
  const inspired = vitals.find((o) => o.code.text === 'InsOxy');
  assert.deepEqual(inspired?.valueQuantity?.code, '%');
  assert.equal(vitals.find((o) => o.code.text === 'AVPU')?.valueString, 'Alert');
});

test('spot check: an admission, a document and a merge', () => {
  const admission = one<Encounter>(mapFile('0005_ADT_A01.hl7').result, 'Encounter');
  assert.equal(admission.id, 'SFAC-6145914547062969032');
  assert.equal(admission.status, 'in-progress');
  assert.equal(admission.class.code, 'IMP');
  assert.equal(admission.location?.[0]?.location.display, 'RenalWard, MainRoom, Bed 1');
  assert.deepEqual(admission.participant?.[0]?.individual?.identifier, {
    system: 'https://fhir.joinedup.example/Id/SFAC/staff/DRNBR',
    value: 'C006',
  });
  const { text, result } = mapFile('0144_MDM_T02.hl7');
  const doc = one<DocumentReference>(result, 'DocumentReference');
  assert.equal(doc.id, 'SFAC-8CZ5WWM0QGQMA');
  const lines = Buffer.from(doc.content[0]?.attachment.data ?? '', 'base64')
    .toString('utf8')
    .split('\n');
  const obxs = MedplumMessage.parse(text).getAllSegments('OBX');
  assert.deepEqual(
    lines,
    obxs.map((o) => field(o, 5)),
  );
  const merge = mapFile('0271_ADT_A34.hl7').result;
  assert.ok(merge.ok);
  assert.equal(merge.patientId, patientResourceId('SFAC', '2777246431', 'SIMULATOR MRN'));
  assert.deepEqual(merge.operations[1], {
    kind: 'merge',
    survivingPatientId: merge.patientId,
    priorPatientId: patientResourceId('SFAC', '618454581', 'SIMULATOR MRN'),
  });
});
