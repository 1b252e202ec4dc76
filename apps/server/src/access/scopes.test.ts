import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ResourceScope } from './principal.ts';
import {
  checkScopes,
  formatScope,
  grantScopes,
  isResourceScope,
  parseResourceScope,
  parseScopes,
  type Interaction,
  type ScopeContext,
} from './scopes.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

function parsed(text: string): ResourceScope {
  const p = parseResourceScope(text);
  assert.ok(p.ok, `${text}: ${p.ok ? '' : p.message}`);
  return p.scope;
}

test('v2 scopes parse into context, type, permissions and query', () => {
  assert.deepEqual(parsed('patient/Observation.rs'), {
    context: 'patient',
    resourceType: 'Observation',
    permissions: 'rs',
  });
  assert.deepEqual(parsed('user/*.cruds'), { context: 'user', resourceType: '*', permissions: 'cruds' });
  assert.deepEqual(parsed('system/Encounter.cud'), {
    context: 'system',
    resourceType: 'Encounter',
    permissions: 'cud',
  });
  assert.deepEqual(parsed(`patient/Observation.rs?${LAB}`), {
    context: 'patient',
    resourceType: 'Observation',
    permissions: 'rs',
    query: LAB,
  });
  assert.deepEqual(
    parsed('user/Condition.s?clinical-status=active&category=problem-list-item').query,
    'clinical-status=active&category=problem-list-item',
  );
  assert.equal(
    parsed('patient/Observation.r?code:in=http://example.org/ValueSet/x').query,
    'code:in=http://example.org/ValueSet/x',
  );
});

test('every non-empty in-order subset of cruds is valid, and nothing else made of those letters is', () => {
  const letters = ['c', 'r', 'u', 'd', 's'];
  const valid = new Set<string>();
  for (let mask = 1; mask < 32; mask++) valid.add(letters.filter((_, i) => mask & (1 << i)).join(''));
  assert.equal(valid.size, 31);
  for (const p of valid) assert.equal(parsed(`user/Patient.${p}`).permissions, p);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...letters), { minLength: 1, maxLength: 7 }), (arr) => {
      const p = arr.join('');
      const result = parseResourceScope(`user/Patient.${p}`);
      assert.equal(result.ok, valid.has(p), p);
      if (!result.ok) assert.equal(result.code, 'scope.permissions-order');
    }),
    { numRuns: RUNS },
  );
});

test('v1 permissions map to v2: read is rs, write is cud, * is cruds', () => {
  for (const [v1, v2] of [
    ['read', 'rs'],
    ['write', 'cud'],
    ['*', 'cruds'],
  ] as const) {
    const p = parseResourceScope(`patient/Observation.${v1}`);
    assert.ok(p.ok);
    assert.equal(p.scope.permissions, v2);
    assert.equal(p.version, 1);
  }
  const wildcard = parseResourceScope('user/*.*');
  assert.ok(wildcard.ok);
  assert.deepEqual(wildcard.scope, { context: 'user', resourceType: '*', permissions: 'cruds' });
  const v2 = parseResourceScope('user/*.rs');
  assert.ok(v2.ok);
  assert.equal(v2.version, 2);
});

test('malformed scopes are refused with a reason that says what is wrong', () => {
  const cases: [string, string][] = [
    ['patient/Observation.dus', 'scope.permissions-order'],
    ['patient/Observation.sr', 'scope.permissions-order'],
    ['patient/Observation.rrs', 'scope.permissions-order'],
    ['patient/Observation.rx', 'scope.permissions'],
    ['patient/Observation.', 'scope.permissions'],
    ['patient/Observation.Read', 'scope.permissions'],
    ['patient/Observation.read.rs', 'scope.permissions'],
    ['patient/Observation', 'scope.syntax'],
    ['Patient/Observation.rs', 'scope.context'],
    ['practitioner/Observation.rs', 'scope.context'],
    ['patient/observation.rs', 'scope.resource-type'],
    ['patient/Obs1.rs', 'scope.resource-type'],
    ['patient/.rs', 'scope.resource-type'],
    ['patient/**.rs', 'scope.resource-type'],
    ['patient/Observation.read?category=laboratory', 'scope.query'],
    ['patient/Observation.rs?', 'scope.query'],
    ['patient/Observation.rs?category', 'scope.query'],
    ['patient/Observation.rs?category=', 'scope.query'],
    ['patient/Observation.rs?=laboratory', 'scope.query'],
    ['patient/Observation.rs?category=a&&status=b', 'scope.query'],
    ['patient/Observation.rs?category=a?status=b', 'scope.query'],
    ['patient/Observation.rs?1st=a', 'scope.query'],
    ['patient/Observation.rs x', 'scope.syntax'],
    ['patient/Observation.rs?code="x"', 'scope.syntax'],
    ['', 'scope.syntax'],
    [`patient/Observation.rs?code=${'x'.repeat(3000)}`, 'scope.syntax'],
  ];
  for (const [text, code] of cases) {
    const p = parseResourceScope(text);
    assert.equal(p.ok, false, text);
    if (!p.ok) {
      assert.equal(p.code, code, text);
      assert.ok(p.message.length > 10, text);
    }
  }
});

test('a scope is a resource scope when it starts with a context, in any case; the others are kept as they are', () => {
  assert.equal(isResourceScope('patient/*.rs'), true);
  assert.equal(isResourceScope('Patient/*.rs'), true);
  assert.equal(isResourceScope('launch/patient'), false);
  assert.equal(isResourceScope('openid'), false);
  const out = parseScopes(
    'openid fhirUser  launch/patient patient/*.rs Patient/*.rs offline_access user/Observation.dus',
  );
  assert.deepEqual(out.otherScopes, ['openid', 'fhirUser', 'launch/patient', 'offline_access']);
  assert.deepEqual(out.resourceScopes, [{ context: 'patient', resourceType: '*', permissions: 'rs' }]);
  assert.deepEqual(
    out.errors.map((e) => [e.scope, e.code]),
    [
      ['Patient/*.rs', 'scope.context'],
      ['user/Observation.dus', 'scope.permissions-order'],
    ],
  );
});

const context = fc.constantFrom<ScopeContext>('patient', 'user', 'system');
const resourceType = fc.constantFrom('Observation', 'Patient', 'Condition');
const permissions = fc.subarray(['c', 'r', 'u', 'd', 's'], { minLength: 1 }).map((l) => l.join(''));
const query = fc.constantFrom(LAB, 'status=final', 'code:in=http://example.org/vs');
const scope: fc.Arbitrary<ResourceScope> = fc.record(
  { context, resourceType: fc.oneof(resourceType, fc.constant('*')), permissions, query },
  { requiredKeys: ['context', 'resourceType', 'permissions'], noNullPrototype: true },
);
const interaction = fc.constantFrom<Interaction>('create', 'read', 'update', 'delete', 'search');

test('format then parse gives the same scope, in v2 and (where one exists) v1 form', () => {
  fc.assert(
    fc.property(scope, fc.constantFrom<1 | 2>(1, 2), (s, version) => {
      const text = formatScope(s, version);
      assert.deepEqual(parsed(text), s);
    }),
    { numRuns: RUNS },
  );
  assert.equal(
    formatScope({ context: 'patient', resourceType: 'Observation', permissions: 'rs' }, 1),
    'patient/Observation.read',
  );
  assert.equal(
    formatScope({ context: 'patient', resourceType: 'Observation', permissions: 'r' }, 1),
    'patient/Observation.r',
  );
  assert.equal(
    formatScope({ context: 'user', resourceType: '*', permissions: 'cruds', query: 'a=b' }, 1),
    'user/*.cruds?a=b',
  );
});

test('checkScopes: the letter, the type or *, and the context all have to match', () => {
  const scopes = [parsed('patient/Observation.rs'), parsed('user/Patient.r'), parsed('system/*.c')];
  const check = (interaction: Interaction, resourceType: string, ctx: ScopeContext) =>
    checkScopes(scopes, { interaction, resourceType, context: ctx });
  assert.deepEqual(check('read', 'Observation', 'patient'), { permitted: true, queries: [] });
  assert.deepEqual(check('search', 'Observation', 'patient'), { permitted: true, queries: [] });
  assert.deepEqual(check('update', 'Observation', 'patient'), { permitted: false });
  assert.deepEqual(check('read', 'Observation', 'user'), { permitted: false });
  assert.deepEqual(check('read', 'Condition', 'patient'), { permitted: false });
  // A user/ scope covers the patient in context too; a patient/ scope covers nothing outside it.
  assert.deepEqual(check('read', 'Patient', 'patient'), { permitted: true, queries: [] });
  assert.deepEqual(check('read', 'Patient', 'user'), { permitted: true, queries: [] });
  assert.deepEqual(check('search', 'Patient', 'user'), { permitted: false });
  assert.deepEqual(check('create', 'Encounter', 'system'), { permitted: true, queries: [] });
  assert.deepEqual(check('create', 'Encounter', 'user'), { permitted: false });
  assert.deepEqual(
    checkScopes(scopes, { interaction: 'patch' as Interaction, resourceType: 'Observation', context: 'patient' }),
    {
      permitted: false,
    },
  );
  assert.deepEqual(checkScopes([], { interaction: 'read', resourceType: 'Observation', context: 'user' }), {
    permitted: false,
  });
});

test('checkScopes: narrowed scopes give their queries as the constraint; an unnarrowed one lifts it', () => {
  const lab = parsed(`patient/Observation.rs?${LAB}`);
  const vitals = parsed('user/Observation.s?category=vital-signs');
  const req = { interaction: 'search' as const, resourceType: 'Observation', context: 'patient' as const };
  assert.deepEqual(checkScopes([lab], req), { permitted: true, queries: [LAB] });
  assert.deepEqual(checkScopes([vitals, lab, lab], req), {
    permitted: true,
    queries: ['category=vital-signs', LAB].sort(),
  });
  assert.deepEqual(checkScopes([lab, parsed('patient/*.s')], req), { permitted: true, queries: [] });
  assert.deepEqual(checkScopes([lab], { ...req, interaction: 'read', context: 'user' }), { permitted: false });
});

test('grantScopes: exactly what is requested when it is allowed, in the form requested', () => {
  const g = grantScopes(
    ['openid', 'fhirUser', 'launch/patient', 'patient/Observation.read', 'patient/Condition.rs'],
    ['openid', 'fhirUser', 'launch/patient', 'patient/*.read'],
  );
  assert.deepEqual(g.granted, [
    'openid',
    'fhirUser',
    'launch/patient',
    'patient/Observation.read',
    'patient/Condition.rs',
  ]);
  assert.deepEqual(g.narrowed, []);
  assert.deepEqual(g.refused, []);
  assert.deepEqual(g.resourceScopes, [parsed('patient/Observation.rs'), parsed('patient/Condition.rs')]);
});

test('grantScopes: more than is allowed is narrowed, never widened; nothing allowed is refused', () => {
  const allowed = ['user/Observation.rs', 'user/Patient.r', `user/DiagnosticReport.rs?${LAB}`, 'system/*.cruds'];
  const g = grantScopes(
    [
      'user/Observation.cruds',
      'user/*.rs',
      'patient/Observation.read',
      'user/DiagnosticReport.rs',
      'user/Condition.rs',
      'offline_access',
      'user/Observation.sr',
    ],
    allowed,
  );
  assert.deepEqual(g.granted, [
    'user/Observation.rs',
    'user/Patient.r',
    `user/DiagnosticReport.rs?${LAB}`,
    'patient/Observation.read',
  ]);
  assert.deepEqual(g.narrowed, ['user/Observation.cruds', 'user/*.rs', 'user/DiagnosticReport.rs']);
  assert.deepEqual(
    g.refused.map((r) => [r.scope, r.code]),
    [
      ['user/Condition.rs', 'scope.not-allowed'],
      ['offline_access', 'scope.not-allowed'],
      ['user/Observation.sr', 'scope.permissions-order'],
    ],
  );
});

test('grantScopes: a patient/ request fits under user/; user/ or system/ never fit under patient/', () => {
  assert.deepEqual(grantScopes(['patient/*.rs'], ['user/*.rs']).granted, ['patient/*.rs']);
  assert.deepEqual(grantScopes(['user/*.rs'], ['patient/*.cruds']).granted, []);
  assert.deepEqual(grantScopes(['system/*.rs'], ['user/*.cruds']).granted, []);
  assert.deepEqual(grantScopes(['user/*.rs'], ['system/*.cruds']).granted, []);
});

test('grantScopes: two different queries are joined with & (both must match); v1 stays v1 where it can', () => {
  const g = grantScopes([`patient/Observation.rs?${LAB}`], ['patient/Observation.rs?status=final']);
  assert.deepEqual(g.granted, [`patient/Observation.rs?${LAB}&status=final`]);
  assert.deepEqual(grantScopes(['patient/Observation.*'], ['patient/Observation.rs']).granted, [
    'patient/Observation.read',
  ]);
  assert.deepEqual(grantScopes(['patient/Observation.*'], ['patient/Observation.r']).granted, [
    'patient/Observation.r',
  ]);
  assert.deepEqual(grantScopes(['patient/*.write'], ['patient/Observation.cu', 'patient/*.d']).granted, [
    'patient/Observation.cu',
    'patient/*.d',
  ]);
});

test('grantScopes: a malformed allowed scope is a configuration error', () => {
  assert.throws(() => grantScopes(['patient/*.rs'], ['patient/*.sr']), /malformed/);
});

test('no escalation: whatever is granted, both the request and the allowance permit (and as freely)', () => {
  const asText = (s: ResourceScope) => formatScope(s);
  fc.assert(
    fc.property(
      fc.array(scope, { maxLength: 4 }),
      fc.array(scope, { maxLength: 4 }),
      interaction,
      resourceType,
      context,
      (requested, allowed, i, type, ctx) => {
        const g = grantScopes(requested.map(asText), allowed.map(asText));
        assert.deepEqual(g.resourceScopes.map(asText), g.granted);
        const check = { interaction: i, resourceType: type, context: ctx };
        const granted = checkScopes(g.resourceScopes, check);
        if (!granted.permitted) return;
        const byRequest = checkScopes(requested, check);
        const byAllowance = checkScopes(allowed, check);
        assert.ok(byRequest.permitted && byAllowance.permitted);
        if (granted.queries.length === 0) {
          assert.deepEqual([byRequest.queries, byAllowance.queries], [[], []]);
        }
        // Each granted constraint is at least as narrow as a constraint of each side: it has all its parameters.
        for (const q of granted.queries) {
          const params = new Set(q.split('&'));
          for (const side of [byRequest, byAllowance]) {
            const narrower = side.queries.some((sq) => sq.split('&').every((p) => params.has(p)));
            assert.ok(side.queries.length === 0 || narrower, `${q} is wider than ${side.queries.join(', ')}`);
          }
        }
      },
    ),
    { numRuns: RUNS * 5 },
  );
});

test('grantScopes: nothing allowed is lost when the request is the allowance itself', () => {
  fc.assert(
    fc.property(
      fc.array(scope, { minLength: 1, maxLength: 4 }),
      interaction,
      resourceType,
      context,
      (allowed, i, type, ctx) => {
        const text = allowed.map((s) => formatScope(s));
        const g = grantScopes(text, text);
        assert.deepEqual(g.refused, []);
        const check = { interaction: i, resourceType: type, context: ctx };
        assert.equal(checkScopes(g.resourceScopes, check).permitted, checkScopes(allowed, check).permitted);
      },
    ),
    { numRuns: RUNS },
  );
});
