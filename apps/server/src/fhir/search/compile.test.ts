import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { isOperationOutcomeError } from '@joinedup/fhir';
import { createFhirModel } from '../fhir-model.ts';
import { compileSearch } from './compile.ts';
import { createIndexer } from './extract.ts';
import { parseSearchRequest } from './request.ts';

// The SQL of representative searches, kept in compile.snapshots.json so that a change shows up as a diff
// in review. Regenerate with UPDATE_SNAPSHOTS=1.
const SNAPSHOTS = new URL('./compile.snapshots.json', import.meta.url);
const model = createFhirModel(createIndexer);
const now = new Date('2026-01-15T12:00:00Z');

const SEARCHES: [string | undefined, string, { compartment?: string }?][] = [
  ['Observation', 'patient=p1&code=http://loinc.org|29463-7&date=ge2024-01-01&_sort=-date'],
  ['Patient', 'identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009'],
  ['Patient', 'family=smi&birthdate=1970-05-20'],
  ['Condition', 'patient=p1&clinical-status=active'],
  ['Encounter', 'patient=p1&_revinclude=Observation:encounter&_total=accurate'],
  ['Observation', 'subject:Patient.organization.name=leeds&value-quantity=gt70||kg'],
  ['Patient', '_has:Observation:patient:component-code-value-quantity=http://loinc.org|8480-6$gt140'],
  [
    'Patient',
    'gender:not=male&name:contains=an&_sort=family,-birthdate&_cursor=' +
      Buffer.from(
        JSON.stringify({ d: 'n', k: ['smith', null], i: 'p1', t: 'Patient', s: 'family,-birthdate' }),
      ).toString('base64url'),
  ],
  [undefined, '_type=Patient,Organization,Observation&_lastUpdated=ap2025-12&_count=10'],
  ['Observation', 'code=8302-2&_count=5', { compartment: 'p1' }],
  ['Observation', 'encounter:missing=true&_id=o1,o2&status=final,amended'],
];

test('compiled SQL matches the snapshots', () => {
  const actual: Record<string, { sql: string | undefined; params: unknown[]; countSql?: string }> = {};
  for (const [type, qs, opts] of SEARCHES) {
    const request = parseSearchRequest(type, [...new URLSearchParams(qs)], {
      strict: true,
      defaultCount: 20,
      maxCount: 1000,
      ...(opts?.compartment ? { compartment: { type: 'Patient' as const, id: opts.compartment } } : {}),
    });
    const c = compileSearch(model.definitions, (t: string) => model.scopeOf(t), request, { now });
    actual[`${type ?? ''}?${qs}${opts?.compartment ? ` (compartment Patient/${opts.compartment})` : ''}`] = {
      sql: c.sql,
      params: c.params,
      ...(c.countSql ? { countSql: c.countSql } : {}),
    };
  }
  if (process.env.UPDATE_SNAPSHOTS || !fs.existsSync(SNAPSHOTS)) {
    fs.writeFileSync(SNAPSHOTS, JSON.stringify(actual, null, 2) + '\n');
  }
  const expected = JSON.parse(fs.readFileSync(SNAPSHOTS, 'utf8')) as typeof actual;
  assert.deepEqual(actual, expected);
});

test('values never reach the SQL text', () => {
  const hostile = "x' OR 1=1 --";
  const request = parseSearchRequest(
    'Patient',
    [
      ['family', hostile],
      ['identifier', `a|${hostile}`],
      ['_id', hostile],
    ],
    {
      strict: true,
      defaultCount: 20,
      maxCount: 100,
    },
  );
  try {
    const c = compileSearch(model.definitions, (t: string) => model.scopeOf(t), request, { now });
    assert.ok(!c.sql!.includes('OR 1=1'));
    assert.ok(c.params.includes(hostile));
  } catch (e) {
    assert.ok(isOperationOutcomeError(e));
  }
});
