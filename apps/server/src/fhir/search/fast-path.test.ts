import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { publicDataSet } from '../../platform/public-data.ts';
import type { Resource } from '@joinedup/fhir';
import { loadSearchDefinitions } from '../definitions/search-parameters.ts';
import { allResourceTypes } from '../fhir-model.ts';
import { createIndexer } from './extract.ts';
import { compileFastPath, compileRelativePath } from './fast-path.ts';

const SYNTHEA = publicDataSet('synthea-r4-100');

test('plain paths, unions, casts, resolve() and equality filters take the fast path; other expressions do not', () => {
  assert.ok(compileFastPath('Observation.code'));
  assert.ok(compileFastPath('Observation.subject.where(resolve() is Patient)'));
  assert.ok(compileFastPath('(Observation.value as Quantity) | (Observation.value as SampledData)'));
  assert.ok(compileFastPath('Observation.value.ofType(Quantity)'));
  assert.ok(compileFastPath("Patient.telecom.where(system='phone')"));
  assert.ok(compileFastPath('(Observation.value.ofType(string)) | (Observation.value.ofType(CodeableConcept)).text'));
  assert.equal(compileFastPath('Patient.deceased.exists() and Patient.deceased != false'), undefined);
  assert.equal(compileFastPath("Patient.telecom.where(system='phone' or system='sms')"), undefined);
  assert.equal(compileFastPath('Bundle.entry[0].resource'), undefined);
  const walk = compileFastPath('Observation.subject.where(resolve() is Patient) | Observation.effective')!;
  const values = walk({
    resourceType: 'Observation',
    subject: { reference: 'Group/1' },
    effectivePeriod: { start: '2020-01-01' },
  });
  assert.deepEqual(
    values.map(({ type, data, path }) => ({ type, data, path })),
    [{ type: 'Period', data: { start: '2020-01-01' }, path: 'Observation.effective' }],
  );
});

test('equality filters and a path after a parenthesised cast read the right elements', () => {
  const phone = compileFastPath("Patient.telecom.where(system='phone')")!;
  const values = phone({
    resourceType: 'Patient',
    telecom: [
      { system: 'email', value: 'a@example.org' },
      { system: 'phone', value: '020 7946 0000' },
      { value: 'no system' },
    ],
  });
  assert.deepEqual(
    values.map((v) => v.data),
    [{ system: 'phone', value: '020 7946 0000' }],
  );
  const text = compileFastPath('(Observation.value.ofType(CodeableConcept)).text')!;
  assert.deepEqual(
    text({ resourceType: 'Observation', valueCodeableConcept: { text: 'Positive' } }).map((v) => v.data),
    ['Positive'],
  );
  assert.deepEqual(text({ resourceType: 'Observation', valueString: 'Positive' }), []);
});

test("a composite's component may be a union of casts", () => {
  const component = compileRelativePath('value.ofType(dateTime) | value.ofType(Period)')!;
  const at = (data: Record<string, unknown>) =>
    component({ type: 'Observation', data, path: 'Observation' }).map((v) => [v.type, v.data]);
  assert.deepEqual(at({ valueDateTime: '2024-01-02' }), [['dateTime', '2024-01-02']]);
  assert.deepEqual(at({ valuePeriod: { start: '2024' } }), [['Period', { start: '2024' }]]);
  assert.deepEqual(at({ valueString: '2024' }), []);
});

test('the fast path indexes every Synthea resource exactly as the FHIRPath engine does', () => {
  const defs = loadSearchDefinitions(allResourceTypes());
  const fast = createIndexer(defs);
  const engine = createIndexer(defs, { fastPaths: false });
  const sort = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
  let compared = 0;
  // A quarter of the set keeps the suite quick; run with JOINEDUP_FAST_PATH_ALL=1 to compare all of it.
  const files = fs.readdirSync(SYNTHEA).filter((f) => f.endsWith('.json.gz'));
  for (const file of process.env.JOINEDUP_FAST_PATH_ALL ? files : files.slice(0, 25)) {
    const bundle = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(SYNTHEA, file))).toString('utf8')) as {
      entry: { resource: Resource }[];
    };
    for (const { resource } of bundle.entry) {
      const a = fast(resource);
      const b = engine(resource);
      for (const table of Object.keys(a) as (keyof typeof a)[]) {
        assert.deepEqual(sort(a[table]), sort(b[table]), `${resource.resourceType} ${table}`);
      }
      compared++;
    }
  }
  assert.ok(compared > 5000, `compared ${compared}`);
});
