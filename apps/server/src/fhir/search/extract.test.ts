import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '@joinedup/fhir';
import { loadSearchDefinitions } from '../definitions/search-parameters.ts';
import { allResourceTypes } from '../fhir-model.ts';
import { createIndexer, parseReference, rewriteResolve } from './extract.ts';
import { dateRange, normaliseString, numberRange } from './values.ts';

const index = createIndexer(loadSearchDefinitions(allResourceTypes()));
const rowsOf = <T extends { param: string }>(rows: T[], param: string) =>
  rows.filter((r) => r.param === param).map(({ param, ...rest }) => (void param, rest));

test('strings are normalised; HumanName and Address give one row per part', () => {
  assert.equal(normaliseString('  Zoë   ØRSTED\tNúñez '), 'zoe orsted nunez');
  const rows = index({
    resourceType: 'Patient',
    id: 'p',
    name: [{ family: 'Núñez', given: ['Ana', 'María'], prefix: ['Dr'], text: 'Dr Ana Núñez' }],
    address: [{ line: ['1 High St'], city: 'Leeds', postalCode: 'LS1 1AA', country: 'UK' }],
  });
  assert.deepEqual(rowsOf(rows.string, 'family'), [{ value: 'nunez', exact: 'Núñez' }]);
  assert.deepEqual(
    rowsOf(rows.string, 'name').map((r) => r.value),
    ['nunez', 'ana', 'maria', 'dr', 'dr ana nunez'],
  );
  assert.deepEqual(
    rowsOf(rows.string, 'address').map((r) => r.value),
    ['1 high st', 'leeds', 'ls1 1aa', 'uk'],
  );
  assert.deepEqual(rowsOf(rows.string, 'address-postalcode'), [{ value: 'ls1 1aa', exact: 'LS1 1AA' }]);
});

test('tokens: Coding, CodeableConcept text, Identifier, ContactPoint, boolean', () => {
  const rows = index({
    resourceType: 'Patient',
    id: 'p',
    active: true,
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009', type: { text: 'NHS Number' } }],
    telecom: [{ system: 'email', value: 'a@b.org' }],
    maritalStatus: { coding: [{ system: 'http://x', code: 'M', display: 'Married' }], text: 'Wed' },
  });
  assert.deepEqual(rowsOf(rows.token, 'identifier'), [
    { system: 'https://fhir.nhs.uk/Id/nhs-number', code: '9000000009', text: 'nhs number' },
  ]);
  assert.deepEqual(rowsOf(rows.token, 'email'), [{ system: null, code: 'a@b.org', text: null }]);
  assert.deepEqual(rowsOf(rows.token, 'active'), [{ system: null, code: 'true', text: null }]);
  const c = index({
    resourceType: 'Condition',
    id: 'c',
    subject: { reference: 'Patient/p' },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '1', display: 'One' }], text: 'Uno' },
  });
  assert.deepEqual(rowsOf(c.token, 'code'), [
    { system: 'http://snomed.info/sct', code: '1', text: 'one' },
    { system: null, code: null, text: 'uno' },
  ]);
});

test('dates cover their precision; periods may be open', () => {
  assert.deepEqual(dateRange('2020'), { low: '2020-01-01T00:00:00.000Z', high: '2020-12-31T23:59:59.999Z' });
  assert.deepEqual(dateRange('2021-02'), { low: '2021-02-01T00:00:00.000Z', high: '2021-02-28T23:59:59.999Z' });
  assert.deepEqual(dateRange('2020-01-02T10:00:00+01:00'), {
    low: '2020-01-02T09:00:00.000Z',
    high: '2020-01-02T09:00:00.999Z',
  });
  assert.equal(dateRange('2020-02-30'), undefined);
  const rows = index({
    resourceType: 'Encounter',
    id: 'e',
    status: 'finished',
    class: { code: 'AMB' },
    period: { start: '2024-01-01' },
  });
  assert.deepEqual(rowsOf(rows.date, 'date'), [{ low: '2024-01-01T00:00:00.000Z', high: 'infinity' }]);
});

test('numbers and quantities keep their precision range', () => {
  assert.deepEqual(numberRange('100'), { value: '100', low: '99.5', high: '100.5' });
  assert.deepEqual(numberRange('0.250'), { value: '0.25', low: '0.2495', high: '0.2505' });
  const rows = index({
    resourceType: 'Observation',
    id: 'o',
    status: 'final',
    code: { text: 'x' },
    valueQuantity: { value: 5.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });
  assert.deepEqual(rowsOf(rows.quantity, 'value-quantity'), [
    { value: '5.5', low: '5.45', high: '5.55', system: 'http://unitsofmeasure.org', code: 'kg', unit: 'kg' },
  ]);
  const ra = index({
    resourceType: 'RiskAssessment',
    id: 'r',
    status: 'final',
    subject: { reference: 'Patient/p' },
    prediction: [{ probabilityDecimal: 0.1 }],
  });
  assert.deepEqual(rowsOf(ra.number, 'probability'), [{ value: '0.1', low: '0.05', high: '0.15' }]);
});

test('references: relative, absolute, identifier, contained, and resolve() rewritten', () => {
  assert.deepEqual(parseReference('Patient/1/_history/2'), {
    targetType: 'Patient',
    targetId: '1',
    url: null,
    identifierSystem: null,
    identifierValue: null,
  });
  assert.equal(parseReference('#c1'), undefined);
  assert.equal(parseReference('https://x.org/fhir/Patient/9')?.targetId, '9');
  assert.equal(
    rewriteResolve('Observation.subject.where(resolve() is Patient)'),
    "Observation.subject.where(reference.startsWith('Patient/') or reference.contains('/Patient/'))",
  );
  const rows = index({
    resourceType: 'Observation',
    id: 'o',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Group/g' },
    performer: [{ reference: '#c1' }, { identifier: { system: 's', value: 'v' } }],
  });
  assert.deepEqual(rowsOf(rows.reference, 'patient'), []);
  assert.deepEqual(
    rowsOf(rows.reference, 'subject').map((r) => r.targetType),
    ['Group'],
  );
  assert.deepEqual(rowsOf(rows.reference, 'performer'), [
    { targetType: null, targetId: null, url: null, identifierSystem: 's', identifierValue: 'v' },
  ]);
});

test('composites pair components of the same element', () => {
  const rows = index({
    resourceType: 'Observation',
    id: 'bp',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        valueQuantity: { value: 120, code: 'mm[Hg]', system: 'http://unitsofmeasure.org' },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
        valueQuantity: { value: 80, code: 'mm[Hg]', system: 'http://unitsofmeasure.org' },
      },
    ],
  });
  assert.deepEqual(
    rowsOf(rows.composite, 'component-code-value-quantity').map((r) => [r.c1Code, r.c2Low, r.c2High]),
    [
      ['8480-6', '119.5', '120.5'],
      ['8462-4', '79.5', '80.5'],
    ],
  );
});

test('bad data never throws and duplicates are removed', () => {
  const rows = index({
    resourceType: 'Observation',
    id: 'bad',
    status: 42,
    code: { coding: [{ code: 'a' }, { code: 'a' }, null, 'x'] },
    effectiveDateTime: 'not a date',
    valueQuantity: { value: 'lots' },
    subject: { reference: 7 },
    identifier: 'nope',
  } as unknown as Resource);
  assert.deepEqual(rowsOf(rows.token, 'code'), [{ system: null, code: 'a', text: null }]);
  assert.deepEqual(rows.date, []);
  assert.deepEqual(rows.quantity, []);
});
