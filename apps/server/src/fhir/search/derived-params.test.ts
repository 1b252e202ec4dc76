import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { publicDataSet } from '../../platform/public-data.ts';
import type { Resource } from '@joinedup/fhir';
import { loadSearchDefinitions, rowSelectors, type SearchParamDef } from '../definitions/search-parameters.ts';
import { allResourceTypes } from '../fhir-model.ts';
import type { IndexRows } from '../store/index-rows.ts';
import { createIndexer } from './extract.ts';

const SYNTHEA = publicDataSet('synthea-r4-100');
const defs = loadSearchDefinitions(allResourceTypes());
const stored = createIndexer(defs);
const everything = createIndexer(defs, { derived: true });

type AnyRow = { param: string; targetType?: string | null } & Record<string, unknown>;

/** The rows a derived parameter reads (its base rows, narrowed), relabelled with its code, as sorted JSON. */
function derivedRows(rows: IndexRows, def: SearchParamDef): string[] {
  const table = rows[def.type] as unknown as AnyRow[];
  const picked = table.filter((r) =>
    rowSelectors([def]).some(
      (sel) => sel.codes.includes(r.param) && (sel.targetType === undefined || r.targetType === sel.targetType),
    ),
  );
  return [...new Set(picked.map((r) => JSON.stringify({ ...r, param: def.code })))].sort();
}

function ownRows(rows: IndexRows, def: SearchParamDef): string[] {
  const table = rows[def.type] as unknown as AnyRow[];
  return table
    .filter((r) => r.param === def.code)
    .map((r) => JSON.stringify(r))
    .sort();
}

/** Asserts every derived parameter of the resource's type reads exactly the rows it would have stored. */
function assertDerivedMatch(resource: Resource): number {
  const all = everything(resource);
  const kept = stored(resource);
  let checked = 0;
  for (const def of defs.byType.get(resource.resourceType)?.values() ?? []) {
    if (!def.storedAs) continue;
    assert.deepEqual(derivedRows(kept, def), ownRows(all, def), `${resource.resourceType}/${resource.id} ${def.code}`);
    assert.equal(ownRows(kept, def).length, 0, `${def.code} is derived, so the store keeps no rows of its own`);
    checked++;
  }
  return checked;
}

test('derived parameters are read off the definitions: unions of other parameters and narrowed references', () => {
  const obs = defs.byType.get('Observation')!;
  assert.deepEqual(obs.get('patient')!.storedAs, { codes: ['subject'], targetType: 'Patient' });
  assert.deepEqual([...obs.get('combo-code')!.storedAs!.codes].sort(), ['code', 'component-code']);
  assert.deepEqual([...obs.get('combo-code-value-quantity')!.storedAs!.codes].sort(), [
    'code-value-quantity',
    'component-code-value-quantity',
  ]);
  assert.equal(obs.get('subject')!.storedAs, undefined);
  assert.equal(obs.get('code')!.storedAs, undefined);
  // AllergyIntolerance.patient is its own element, not a narrowed one: stored.
  assert.equal(defs.byType.get('AllergyIntolerance')!.get('patient')!.storedAs, undefined);
  // The compartment is read from the base rows.
  assert.deepEqual(defs.patientCompartment.get('Condition'), ['patient', 'asserter']);
  assert.deepEqual(defs.patientCompartmentRows.get('Condition'), ['subject', 'asserter']);
  // No derived parameter is read from another derived one.
  for (const params of defs.byType.values()) {
    for (const def of params.values()) {
      for (const code of def.storedAs?.codes ?? []) assert.equal(params.get(code)?.storedAs, undefined, code);
    }
  }
});

test('a derived parameter reads the same rows it would have stored, on edge cases', () => {
  const checked = [
    {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }], text: 'Blood pressure' },
      subject: { reference: 'Patient/p1', identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9' } },
      valueQuantity: { value: 1, unit: 'x' },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        },
        { code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, dataAbsentReason: { text: 'n/a' } },
      ],
    },
    { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Group/g1' } },
    {
      resourceType: 'Observation',
      id: 'o3',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'https://example.org/fhir/Patient/p9/_history/2' },
    },
    { resourceType: 'Condition', id: 'c1', subject: { identifier: { value: 'only-an-identifier' } } },
    {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { code: 'AMB' },
      participant: [
        { individual: { reference: 'Practitioner/d1' } },
        { individual: { reference: 'RelatedPerson/r1' } },
      ],
    },
  ].reduce((n, r) => n + assertDerivedMatch(r as Resource), 0);
  assert.ok(checked >= 20, `checked ${checked}`);
});

test('every derived parameter reads the rows it would have stored, on all of Synthea', () => {
  let checked = 0;
  const files = fs.readdirSync(SYNTHEA).filter((f) => f.endsWith('.json.gz'));
  for (const file of process.env.JOINEDUP_FAST_PATH_ALL ? files : files.slice(0, 25)) {
    const bundle = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(SYNTHEA, file))).toString('utf8')) as {
      entry: { resource: Resource }[];
    };
    for (const { resource } of bundle.entry) checked += assertDerivedMatch(resource);
  }
  assert.ok(checked > 10_000, `checked ${checked}`);
});
