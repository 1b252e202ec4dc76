import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isOperationOutcomeError } from '@joinedup/fhir';
import { compileSearch, parseSearchRequest } from '../search/index.ts';
import { aPatient, anObservation, createTestApp, type TestApp } from '../../test-support/test-app.ts';

// Reliability matrix row 20: injection, parser abuse and bypass through search and bodies. No 5xx, no database
// error text, oversized input refused quickly.
let app: TestApp;
before(async () => {
  app = await createTestApp({ env: { JOINEDUP_MAX_BODY_BYTES: String(1024 * 1024) } });
  const p = await app.request('POST', '/fhir/Patient', aPatient());
  await app.request('POST', '/fhir/Observation', anObservation(p.json.id));
});
after(() => app.close());

const DB_TEXT = /syntax error|relation "|column "|SQLSTATE|pg_|sp_(token|string|date)|SELECT |node_modules|\.ts:\d/;

const types = ['Patient', 'Observation', 'Encounter', 'Condition', 'MedicationRequest', 'Organization', 'CarePlan'];
const modifiers = [
  '',
  ':exact',
  ':contains',
  ':missing',
  ':not',
  ':text',
  ':identifier',
  ':above',
  ':below',
  ':in',
  ':Patient',
  ':iterate',
  ':bogus',
];
const prefixes = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'zz'];
const hostile = fc.oneof(
  fc.constantFrom(
    "' OR 1=1 --",
    "'; DROP TABLE resource_key; --",
    '$1',
    '\\',
    '%',
    '_',
    '*',
    'a|b|c',
    '|',
    'x$y$z',
    '2020-13-45',
    '1e400',
    '-0',
    'NaN',
    'Patient/../../etc',
    'ＡＢＣ',
    'e\u0301',
    '\uD800',
    '\u0000',
    'x'.repeat(5000),
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

function searchParamArbitrary() {
  const defs = app.fhir.model.definitions;
  return fc.constantFrom(...types).chain((type) => {
    const codes = [
      ...(defs.byType.get(type)?.keys() ?? []),
      '_id',
      '_lastUpdated',
      '_sort',
      '_count',
      '_include',
      '_revinclude',
      '_has:Observation:patient:code',
      'subject.name',
      'patient.identifier',
      '_total',
      '_summary',
      '_elements',
      'unknown-param',
    ];
    const param = fc.tuple(
      fc.constantFrom(...codes),
      fc.constantFrom(...modifiers),
      fc.constantFrom(...prefixes),
      hostile,
    );
    return fc.tuple(fc.constant(type), fc.array(param, { minLength: 1, maxLength: 4 }), fc.boolean());
  });
}

// URLSearchParams encodes a lone surrogate as U+FFFD, as a client would have to.
const query = (params: [string, string, string, string][]) =>
  new URLSearchParams(params.map(([n, m, p, v]) => [n + m, p + v] as [string, string])).toString();

const COMPILE_RUNS = Number(process.env.JOINEDUP_FUZZ_COMPILE_RUNS ?? 100_000);
const HTTP_RUNS = Number(process.env.JOINEDUP_FUZZ_HTTP_RUNS ?? 2_000);

test(`${COMPILE_RUNS} random searches compile to SQL or fail with an OperationOutcome`, () => {
  const defs = app.fhir.model.definitions;
  fc.assert(
    fc.property(searchParamArbitrary(), ([type, params, strict]) => {
      try {
        const request = parseSearchRequest(
          type,
          params.map(([n, m, p, v]) => [n + m, p + v] as [string, string]),
          { strict, defaultCount: 20, maxCount: 1000 },
        );
        const compiled = compileSearch(defs, app.fhir.model.scopeOf, request);
        // Values travel as bound parameters: none of the hostile text may appear in the SQL itself.
        for (const [, , , v] of params) {
          if (v.length > 3 && /['$;\\]/.test(v)) assert.ok(!(compiled.sql ?? '').includes(v), v);
        }
      } catch (e) {
        assert.ok(isOperationOutcomeError(e), `${type}?${query(params)} threw ${String(e)}`);
        assert.ok([400, 501].includes(e.status));
      }
    }),
    { numRuns: COMPILE_RUNS },
  );
});

test(`${HTTP_RUNS} random searches over HTTP: never a 5xx, never database text`, async () => {
  await fc.assert(
    fc.asyncProperty(searchParamArbitrary(), async ([type, params, strict]) => {
      const url = `/fhir/${type}?${query(params)}`;
      const res = await app.request('GET', url, undefined, strict ? { prefer: 'handling=strict' } : {});
      assert.ok([200, 400, 501].includes(res.status), `${url}: ${res.status} ${res.text.slice(0, 300)}`);
      assert.ok(['Bundle', 'OperationOutcome'].includes(res.json?.resourceType), url);
      assert.doesNotMatch(res.text, DB_TEXT, url);
    }),
    { numRuns: HTTP_RUNS },
  );
});

test('deeply nested JSON, huge bodies and prototype keys are refused quickly', async () => {
  const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
  for (const [body, status] of [
    [`{"resourceType":"Patient","extension":[${deep}]}`, 400],
    [`{"resourceType":"Patient","text":{"status":"generated","div":"${'x'.repeat(50 * 1024 * 1024)}"}}`, 413],
    ['{"resourceType":"Patient","__proto__":{"admin":true}}', 400],
    ['{"resourceType":"Patient","constructor":{"prototype":{"admin":true}}}', 400],
  ] as const) {
    const started = performance.now();
    const res = await app.request('POST', '/fhir/Patient', body);
    const ms = performance.now() - started;
    assert.equal(res.status, status, res.text.slice(0, 200));
    assert.equal(res.json?.resourceType, 'OperationOutcome');
    assert.doesNotMatch(res.text, DB_TEXT);
    assert.ok(ms < 5_000, `took ${Math.round(ms)} ms`);
  }
  assert.equal(({} as Record<string, unknown>).admin, undefined);
});
