// Reliability matrix row 13: the access engine against the reference table, over every input dimension, with
// zero mismatches allowed; then properties every decision must have (default deny). POLICY_RUNS sets the number
// of generated requests (default 100,000, the PR tier of row 13; its nightly tier is 10,000,000, about four
// minutes). POLICY_REPORT=1 prints how often each outcome was generated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ORGANISATION_KINDS, type ResourceScope } from './principal.ts';
import { oracleDecision } from './policy.oracle.test-support.ts';
import {
  BREAK_GLASS_REASONS,
  decideAccess,
  DERIVED_RELATIONSHIPS,
  ITEM_CATEGORIES,
  ROLE_GROUPS,
  SELF_CLAIM_REASONS,
  type AccessDecision,
  type AccessRequest,
  type Relationship,
  type Requester,
} from './policy.rules.ts';

const RUNS = Number(process.env.POLICY_RUNS ?? 100_000);
const HOUR = 3600_000;
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const PATIENT = 'pat-1';
const OTHER_PATIENT = 'pat-2';
const ODS = ['ODS01', 'ODS02', 'ODS03'];

const KNOWN_ROLES = Object.values(ROLE_GROUPS).flat();
const roleCode = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom(...KNOWN_ROLES) },
  // Real job roles the shared record gives nothing to, then codes nobody issued, then no role at all.
  { weight: 2, arbitrary: fc.constantFrom('R8005', 'R8007', 'R8012', 'R8013', 'R8015', 'R8024', 'R5100', 'R0260 ') },
  { weight: 1, arbitrary: fc.stringMatching(/^R\d{4}$/) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'r8000', 'toString', '__proto__') },
);

const SCOPE_POOL: ResourceScope[] = [
  { context: 'user', resourceType: '*', permissions: 'cruds' },
  { context: 'user', resourceType: '*', permissions: 'rs' },
  { context: 'patient', resourceType: '*', permissions: 'rs' },
  { context: 'patient', resourceType: '*', permissions: 'cruds' },
  { context: 'system', resourceType: '*', permissions: 'cruds' },
  { context: 'system', resourceType: '*', permissions: 'rs' },
  { context: 'system', resourceType: '*', permissions: 'cud' },
  { context: 'user', resourceType: 'Observation', permissions: 'rs', query: 'category=laboratory' },
  { context: 'user', resourceType: 'Observation', permissions: 'r', query: 'category=vital-signs' },
  { context: 'patient', resourceType: 'Observation', permissions: 'rs', query: 'category=laboratory' },
  { context: 'system', resourceType: 'Observation', permissions: 's', query: 'category=laboratory' },
];
const resourceType = fc.constantFrom('Patient', 'Observation', 'Appointment', 'CarePlan', 'Flag', 'DocumentReference');
const generatedScope: fc.Arbitrary<ResourceScope> = fc.record(
  {
    context: fc.constantFrom('patient', 'user', 'system'),
    resourceType: fc.oneof(resourceType, fc.constant('*')),
    permissions: fc.subarray(['c', 'r', 'u', 'd', 's'], { minLength: 1 }).map((letters) => letters.join('')),
    query: fc.constantFrom('category=laboratory', 'status=final'),
  },
  { requiredKeys: ['context', 'resourceType', 'permissions'] },
);
const scopes = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SCOPE_POOL) }, generatedScope), {
      minLength: 1,
      maxLength: 3,
    }),
  },
  fc.constant([]),
);

const patientId = fc.oneof({ weight: 6, arbitrary: fc.constant(PATIENT) }, fc.constant(OTHER_PATIENT));

const requester: fc.Arbitrary<Requester> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record(
      {
        kind: fc.constant('staff' as const),
        roleCode,
        organisation: fc.record({ odsCode: fc.constantFrom(...ODS), kind: fc.constantFrom(...ORGANISATION_KINDS) }),
        launchPatient: patientId,
        scopes,
      },
      { requiredKeys: ['kind', 'roleCode', 'organisation', 'scopes'] },
    ),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        kind: fc.constant('patient' as const),
        proofingLevel: fc.oneof({ weight: 4, arbitrary: fc.constant('P9') }, fc.constantFrom('P5', 'P0', 'p9', '')),
        patientId,
        scopes,
      },
      { requiredKeys: ['kind', 'proofingLevel', 'scopes'] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      { kind: fc.constant('system' as const), sourceOds: fc.constantFrom(...ODS), scopes },
      { requiredKeys: ['kind', 'scopes'] },
    ),
  },
  // A requester kind that a future token type might produce: the engine must still deny.
  { weight: 1, arbitrary: fc.constant({ kind: 'device', scopes: SCOPE_POOL } as unknown as Requester) },
);

// Offsets from now, with the edges: exactly now, a millisecond either side, and the 8 and 24 hour limits.
const edge = fc.constantFrom(0, -1, 1, -8 * HOUR, -8 * HOUR + 1, -24 * HOUR, -24 * HOUR + 1, 8 * HOUR, 9 * HOUR);
// Mostly started a little while ago and ending later, so that the live paths are well covered too.
const startedAt = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: -7 * HOUR, max: 0 }) },
    edge,
    fc.integer({ min: -30 * HOUR, max: 30 * HOUR }),
  )
  .map((o) => new Date(NOW + o));
const expiresAt = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 30 * HOUR }) },
    edge,
    fc.integer({ min: -30 * HOUR, max: 30 * HOUR }),
  )
  .map((o) => new Date(NOW + o));
const justification = fc.oneof(
  { weight: 4, arbitrary: fc.constant('Unconscious in resus, no one to ask') },
  fc.constantFrom(undefined, '', '   ', '\n'),
);

const relationship: fc.Arbitrary<Relationship> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' } as const) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom(...DERIVED_RELATIONSHIPS),
      patientId,
      expiresAt,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        kind: fc.constant('self-claimed' as const),
        patientId,
        reasonCode: fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...SELF_CLAIM_REASONS) },
          fc.constantFrom('', 'other'),
        ),
        justification,
        startedAt,
        expiresAt,
      },
      { requiredKeys: ['kind', 'patientId', 'reasonCode', 'startedAt', 'expiresAt'] },
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('break-glass' as const),
      patientId,
      reasonCode: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...BREAK_GLASS_REASONS) },
        fc.constantFrom('', 'mdt-review'),
      ),
      justification: justification.map((j) => j ?? ''),
      startedAt,
      expiresAt,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('friend-of-a-friend'),
      patientId,
      expiresAt,
    }) as fc.Arbitrary<unknown> as fc.Arbitrary<Relationship>,
  },
);

const request: fc.Arbitrary<AccessRequest> = fc
  .record({
    requester,
    patient: fc.record({ id: fc.constant(PATIENT), objectsToSharing: fc.boolean(), isRestricted: fc.boolean() }),
    relationship,
    item: fc.record({
      resourceType,
      category: fc.oneof({ weight: 14, arbitrary: fc.constantFrom(...ITEM_CATEGORIES) }, fc.constant('bank-details')),
      sourceOds: fc.constantFrom(...ODS),
      sensitivity: fc.oneof(
        { weight: 8, arbitrary: fc.constant('none') },
        { weight: 4, arbitrary: fc.constantFrom('IVF', 'STI', 'TOP', 'GENDER', 'R', 'V') },
        fc.constantFrom('N', 'unknown'),
      ),
    }) as fc.Arbitrary<AccessRequest['item']>,
    action: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('read', 'search') },
      { weight: 6, arbitrary: fc.constantFrom('create', 'update', 'delete') },
      fc.constantFrom('patch', '$everything'),
    ) as fc.Arbitrary<AccessRequest['action']>,
    now: fc.constant(new Date(NOW)),
  })
  .chain((req) =>
    fc
      .tuple(purposeFor(req.requester), scopesFor(req.requester))
      .map(([purpose, scopes]) => ({ ...req, purpose, requester: { ...req.requester, scopes } })),
  );

// Mostly scopes that include one made for the requester's kind of access, sometimes any scopes at all.
function scopesFor(r: Requester): fc.Arbitrary<readonly ResourceScope[]> {
  const fitting = SCOPE_POOL.filter((s) =>
    r.kind === 'system' ? s.context === 'system' : r.kind === 'patient' ? s.context !== 'system' : s.context === 'user',
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...fitting), scopes).map(([f, rest]) => [f, ...rest]) },
    { weight: 2, arbitrary: scopes },
  );
}

// Mostly a purpose the requester may assert (else nearly every request would stop there), sometimes any other.
function purposeFor(r: Requester): fc.Arbitrary<string> {
  const usual =
    r.kind === 'patient'
      ? ['PATRQT']
      : r.kind === 'system'
        ? ['TREAT', 'HOPERAT']
        : r.kind === 'staff' && r.roleCode === 'R0001'
          ? ['HOPERAT']
          : ['TREAT', 'ETREAT'];
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...usual) },
    fc.constantFrom('TREAT', 'ETREAT', 'HOPERAT', 'PATRQT', 'HRESCH', 'PUBHLTH', 'BTG', 'treat', ''),
  );
}

function label(d: AccessDecision): string {
  if (d.outcome === 'allow') return `allow:${d.basis}`;
  return `${d.outcome}:${d.reason}`;
}

test(`the engine and the reference table agree on ${RUNS} generated requests`, () => {
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(request, (req) => {
      const actual = decideAccess(req);
      const expected = oracleDecision(req);
      seen.set(label(expected), (seen.get(label(expected)) ?? 0) + 1);
      if (!isDeepStrictEqual(actual, expected)) {
        assert.fail(`engine ${JSON.stringify(actual)} but table ${JSON.stringify(expected)}`);
      }
    }),
    { numRuns: RUNS },
  );
  if (process.env.POLICY_REPORT) console.log(Object.fromEntries([...seen].sort((a, b) => a[1] - b[1])));
  // Not vacuous: at the default size every outcome of the policy was reached, and not only by a fluke.
  if (RUNS >= 50_000) {
    const outcomes = [
      ...['role', 'relationship', 'self-claimed', 'break-glass', 'own-record', 'scopes'].map((b) => `allow:${b}`),
      ...[
        'requester-unknown',
        'no-role',
        'role-not-entitled',
        'proofing-level',
        'not-own-record',
        'break-glass-not-entitled',
        'self-claim-not-entitled',
        'purpose-not-permitted',
        'scope',
        'category-not-permitted',
        'action-not-permitted',
        'no-relationship',
        'patient-view-excluded',
        'objection',
        'sealed',
      ].map((r) => `deny:${r}`),
      'invalid:reason-code-invalid',
      'invalid:justification-required',
    ];
    const rare = outcomes.filter((o) => (seen.get(o) ?? 0) < RUNS / 500);
    assert.deepEqual(rare, [], JSON.stringify(Object.fromEntries(seen)));
  }
});

const PROPERTY_RUNS = Math.max(1000, Math.floor(RUNS / 20));

test('default deny: a role the policy does not list, or no role, is never allowed anything', () => {
  fc.assert(
    fc.property(
      request,
      fc.oneof(fc.stringMatching(/^R\d{4}$/), fc.constantFrom('', 'R8005', 'R5100')),
      (req, code) => {
        fc.pre(!KNOWN_ROLES.includes(code as never));
        const staff = {
          kind: 'staff',
          roleCode: code,
          organisation: { odsCode: 'ODS01', kind: 'acute-trust' },
          scopes: SCOPE_POOL,
        };
        const d = decideAccess({ ...req, requester: staff as Requester });
        assert.equal(d.outcome, 'deny');
        assert.equal(d.reason, code === '' ? 'no-role' : 'role-not-entitled');
        const noRole = { ...staff, roleCode: undefined } as unknown as Requester;
        assert.deepEqual(decideAccess({ ...req, requester: noRole }), {
          outcome: 'deny',
          reason: 'no-role',
          showWithheldIndicator: false,
        });
      },
    ),
    { numRuns: PROPERTY_RUNS },
  );
});

test('default deny: without scopes, an unknown requester kind, or an unknown action, nothing is allowed', () => {
  fc.assert(
    fc.property(request, (req) => {
      const unscoped = { ...req, requester: { ...req.requester, scopes: [] } };
      assert.notEqual(decideAccess(unscoped).outcome, 'allow');
      const stranger = { ...req, requester: { ...req.requester, kind: 'robot' } as unknown as Requester };
      assert.deepEqual(decideAccess(stranger), {
        outcome: 'deny',
        reason: 'requester-unknown',
        showWithheldIndicator: false,
      });
      assert.notEqual(decideAccess({ ...req, action: 'purge' as never }).outcome, 'allow');
    }),
    { numRuns: PROPERTY_RUNS },
  );
});

test('a sealed item is never returned, to anyone, under any relationship, break-glass included', () => {
  fc.assert(
    fc.property(request, fc.constantFrom('IVF', 'STI', 'TOP', 'GENDER', 'R', 'V', 'unknown'), (req, sensitivity) => {
      const sealed = { ...req, item: { ...req.item, sensitivity } } as AccessRequest;
      const reading = { ...sealed, action: 'read' } as AccessRequest;
      const searching = { ...sealed, action: 'search' } as AccessRequest;
      assert.notEqual(decideAccess(reading).outcome, 'allow');
      assert.notEqual(decideAccess(searching).outcome, 'allow');
    }),
    { numRuns: PROPERTY_RUNS },
  );
});

test('an expired, not yet started or other-patient relationship decides exactly as no relationship', () => {
  fc.assert(
    fc.property(request, fc.integer({ min: 0, max: 48 * HOUR }), (req, late) => {
      const rel = req.relationship;
      fc.pre(rel.kind !== 'none' && 'expiresAt' in rel);
      const none = decideAccess({ ...req, relationship: { kind: 'none' } });
      const expired = { ...rel, expiresAt: new Date(NOW - late) } as Relationship;
      assert.deepEqual(decideAccess({ ...req, relationship: expired }), none);
      const elsewhere = { ...rel, patientId: OTHER_PATIENT } as Relationship;
      assert.deepEqual(decideAccess({ ...req, relationship: elsewhere }), none);
      if ('startedAt' in rel) {
        const future = { ...rel, startedAt: new Date(NOW + 1 + late), expiresAt: new Date(NOW + 2 * HOUR + late) };
        assert.deepEqual(decideAccess({ ...req, relationship: future }), none);
      }
    }),
    { numRuns: PROPERTY_RUNS },
  );
});

test('break-glass by a role not entitled to it is refused and alerts, 100%; by an entitled one it needs text', () => {
  const unentitled = [
    ...ROLE_GROUPS.admin,
    ...ROLE_GROUPS['mha-administrator'],
    ...ROLE_GROUPS.student,
    ...ROLE_GROUPS['privacy-officer'],
  ];
  fc.assert(
    fc.property(
      request,
      fc.constantFrom(...unentitled),
      fc.constantFrom(...ROLE_GROUPS.clinician, ...ROLE_GROUPS['social-worker']),
      fc.constantFrom('', ' ', '\t\n'),
      (req, weak, entitled, blank) => {
        const glass: Relationship = {
          kind: 'break-glass',
          patientId: PATIENT,
          reasonCode: 'unable-to-consent',
          justification: 'Collapsed in clinic',
          startedAt: new Date(NOW - HOUR),
          expiresAt: new Date(NOW + HOUR),
        };
        const organisation = { odsCode: 'ODS01', kind: 'acute-trust' as const };
        const staff = (code: string): Requester => ({
          kind: 'staff',
          roleCode: code,
          organisation,
          scopes: SCOPE_POOL,
        });
        for (const r of [
          staff(weak),
          { ...req.requester, kind: 'patient', proofingLevel: 'P9', patientId: PATIENT },
          { kind: 'system', scopes: SCOPE_POOL },
        ] as Requester[]) {
          assert.deepEqual(decideAccess({ ...req, requester: r, relationship: glass }), {
            outcome: 'deny',
            reason: 'break-glass-not-entitled',
            showWithheldIndicator: false,
            alert: 'break-glass-refused',
          });
        }
        const empty = { ...glass, justification: blank };
        assert.deepEqual(decideAccess({ ...req, requester: staff(entitled), relationship: empty }), {
          outcome: 'invalid',
          reason: 'justification-required',
        });
        const d = decideAccess({ ...req, requester: staff(entitled), relationship: glass });
        if (d.outcome !== 'invalid') assert.equal(d.alert, 'break-glass');
        if (d.outcome === 'allow') {
          assert.equal(d.purposeOfUse, 'BTG');
          assert.ok(d.basis === 'break-glass' && ['read', 'search'].includes(req.action));
        }
      },
    ),
    { numRuns: PROPERTY_RUNS },
  );
});

test('allowed reads of a restricted patient never carry location; only denials show the withheld indicator', () => {
  fc.assert(
    fc.property(request, (req) => {
      const d = decideAccess({ ...req, patient: { ...req.patient, isRestricted: true } });
      if (d.outcome === 'allow' && (req.action === 'read' || req.action === 'search')) {
        assert.deepEqual([...d.redact].sort(), ['address', 'general-practitioner', 'location', 'telecom']);
      }
      const plain = decideAccess({ ...req, patient: { ...req.patient, isRestricted: false } });
      if (plain.outcome === 'allow') assert.deepEqual(plain.redact, []);
      if (plain.outcome === 'deny' && plain.showWithheldIndicator) {
        assert.ok(['sealed', 'objection', 'patient-view-excluded'].includes(plain.reason), plain.reason);
      }
    }),
    { numRuns: PROPERTY_RUNS },
  );
});
