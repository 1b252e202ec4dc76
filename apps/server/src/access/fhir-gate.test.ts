import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationOutcomeError } from '@joinedup/fhir';
import type { FhirInteraction } from '../fhir/api/fhir-http.ts';
import type { PatientPrincipal, Principal, StaffPrincipal, SystemPrincipal } from './principal.ts';
import { parseScopes } from './scopes.ts';
import { permitFor } from './fhir-gate.ts';
import { narrowingOf } from './scope-narrowing.ts';
import { loadSearchDefinitions } from '../fhir/definitions/search-parameters.ts';
import { allResourceTypes } from '../fhir/fhir-model.ts';

const definitions = loadSearchDefinitions(allResourceTypes());

// The FHIR API's permission check of each interaction against a principal's SMART scopes (ADR 11).

function withScopes<P extends Principal>(p: Omit<P, 'scopes' | 'resourceScopes'>, scope: string): P {
  const scopes = scope.split(' ');
  return { ...p, scopes, resourceScopes: parseScopes(scopes).resourceScopes } as unknown as P;
}

const base = { clientId: 'viewer', tokenId: 't1', expiresAt: 2_000_000_000 };
const staff = (scope: string, launchPatient?: string) =>
  withScopes<StaffPrincipal>(
    {
      ...base,
      kind: 'staff',
      userId: 'u1',
      name: 'A Clinician',
      roleCode: 'R8000',
      organisation: { odsCode: 'R1H', name: 'A Trust', kind: 'acute-trust' },
      ...(launchPatient ? { launch: { patient: launchPatient } } : {}),
    },
    scope,
  );
const patient = (scope: string, proofingLevel = 'P9') =>
  withScopes<PatientPrincipal>(
    { ...base, kind: 'patient', userId: 'p1', nhsNumber: '9990000018', proofingLevel, patient: 'pat-1' },
    scope,
  );
const system = (scope: string) => withScopes<SystemPrincipal>({ ...base, kind: 'system', source: 'RWK' }, scope);

/** The refusal's code, or 'allowed'. */
function decide(
  principal: Principal,
  interaction: FhirInteraction,
  resourceType?: string,
  id?: string,
  query?: [string, string][],
): string {
  try {
    permitFor(
      principal,
      narrowingOf(principal, definitions),
    )({ interaction, ...(resourceType ? { resourceType } : {}), ...(id ? { id } : {}), query });
    return 'allowed';
  } catch (e) {
    assert.ok(e instanceof OperationOutcomeError);
    assert.equal(e.status, 403);
    return (e.outcome.issue[0]?.details?.coding?.[0]?.code as string) ?? '?';
  }
}

test('a read-only staff token reads and searches every type, and writes nothing', () => {
  const p = staff('openid fhirUser user/*.rs');
  assert.equal(decide(p, 'read', 'Observation', 'o1'), 'allowed');
  assert.equal(decide(p, 'search-type', 'Condition'), 'allowed');
  assert.equal(decide(p, 'search-system'), 'allowed');
  assert.equal(decide(p, 'everything', 'Patient', 'pat-1'), 'allowed');
  for (const w of ['create', 'update', 'patch', 'delete'] as const)
    assert.equal(decide(p, w, 'Observation', 'o1'), 'access.scope', w);
  // A conditional delete searches first: delete alone is not enough, nor search alone.
  assert.equal(decide(staff('user/Observation.d'), 'conditional-delete', 'Observation'), 'access.scope');
  assert.equal(decide(staff('user/Observation.ds'), 'conditional-delete', 'Observation'), 'allowed');
});

test('a token for one type reaches no other: _include, _revinclude, _type, _has and chains need every type', () => {
  const p = staff('user/Observation.rs');
  assert.equal(decide(p, 'search-type', 'Observation'), 'allowed');
  assert.equal(decide(p, 'read', 'Patient', 'pat-1'), 'access.scope');
  assert.equal(decide(p, 'search-system'), 'access.scope');
  assert.equal(decide(p, 'history-system'), 'access.scope');
  for (const param of [
    '_include',
    '_revinclude',
    '_include:iterate',
    '_has:Condition:subject:code',
    'subject.name',
    '_type',
  ])
    assert.equal(decide(p, 'search-type', 'Observation', undefined, [[param, 'x']]), 'access.scope', param);
  assert.equal(decide(p, 'search-type', 'Observation', undefined, [['code', 'http://loinc.org|4548-4']]), 'allowed');
});

test('patient/ scopes act only inside the launch patient’s record; user/ scopes elsewhere', () => {
  const p = staff('launch patient/*.rs', 'pat-1');
  assert.equal(decide(p, 'read', 'Patient', 'pat-1'), 'allowed');
  assert.equal(decide(p, 'search-compartment', 'Observation', 'pat-1'), 'allowed');
  assert.equal(decide(p, 'everything', 'Patient', 'pat-1'), 'allowed');
  assert.equal(decide(p, 'read', 'Patient', 'pat-2'), 'access.scope');
  assert.equal(decide(p, 'search-compartment', 'Observation', 'pat-2'), 'access.scope');
  assert.equal(decide(p, 'search-type', 'Observation'), 'access.scope');
  // Without a launch patient, patient/ scopes give nothing.
  assert.equal(decide(staff('patient/*.rs'), 'read', 'Patient', 'pat-1'), 'access.scope');
});

test('a patient reads their own record at P9 only, and nobody else’s', () => {
  assert.equal(decide(patient('patient/*.rs'), 'everything', 'Patient', 'pat-1'), 'allowed');
  assert.equal(decide(patient('patient/*.rs'), 'search-compartment', 'Condition', 'pat-1'), 'allowed');
  assert.equal(decide(patient('patient/*.rs'), 'read', 'Patient', 'pat-2'), 'access.scope');
  assert.equal(decide(patient('patient/*.rs'), 'search-type', 'Patient'), 'access.scope');
  assert.equal(decide(patient('patient/*.rs', 'P5'), 'everything', 'Patient', 'pat-1'), 'access.scope');
});

test('systems act by system/ scopes', () => {
  const lab = system('system/Observation.cruds system/Patient.rs');
  assert.equal(decide(lab, 'create', 'Observation'), 'allowed');
  assert.equal(decide(lab, 'update', 'Patient', 'pat-1'), 'access.scope');
  assert.equal(decide(system('user/*.cruds'), 'read', 'Patient', 'pat-1'), 'access.scope');
});

test('a search-narrowed scope lets reads and searches in (the row filter narrows them) and never a write', () => {
  const lab = staff('user/Observation.rs?category=laboratory user/Observation.cud?category=laboratory');
  assert.equal(decide(lab, 'search-type', 'Observation'), 'allowed');
  assert.equal(decide(lab, 'read', 'Observation', 'o1'), 'allowed');
  assert.equal(decide(lab, 'create', 'Observation'), 'access.scope');
  assert.equal(decide(lab, 'update', 'Observation', 'o1'), 'access.scope');
  assert.equal(decide(lab, 'search-type', 'Condition'), 'access.scope', 'another type is not in the scope');
  // Cross-type reads need a * scope, which a narrowed one never is.
  assert.equal(
    decide(lab, 'search-type', 'Observation', undefined, [['_include', 'Observation:subject']]),
    'access.scope',
  );
  // A narrowing that cannot be enforced permits nothing: a parameter that is not a token, or no type.
  assert.equal(decide(staff('user/Observation.rs?date=2026'), 'search-type', 'Observation'), 'access.scope');
  assert.equal(decide(staff('user/Observation.rs?code:text=sugar'), 'search-type', 'Observation'), 'access.scope');
  assert.equal(decide(staff('user/*.rs?category=laboratory'), 'search-type', 'Observation'), 'access.scope');
});
