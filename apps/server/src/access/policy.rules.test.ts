import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal, ResourceScope } from './principal.ts';
import {
  decideAccess,
  requesterFromPrincipal,
  roleGroupOf,
  type AccessRequest,
  type Relationship,
  type Requester,
} from './policy.rules.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const HOUR = 3600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
const PATIENT = 'pat-1';
const GP_PRACTICE = 'GP001';
const TRUST = 'TRUST1';
const ALL: ResourceScope[] = [{ context: 'user', resourceType: '*', permissions: 'cruds' }];

function staff(
  roleCode: string | undefined,
  overrides: Partial<Extract<Requester, { kind: 'staff' }>> = {},
): Requester {
  return {
    kind: 'staff',
    ...(roleCode !== undefined ? { roleCode } : {}),
    organisation: { odsCode: TRUST, kind: 'acute-trust' },
    scopes: ALL,
    ...overrides,
  };
}
const gp = staff('R0260', { organisation: { odsCode: GP_PRACTICE, kind: 'gp-practice' } });

const encounter: Relationship = { kind: 'open-encounter', patientId: PATIENT, expiresAt: at(4) };
const glass = (overrides: Partial<Extract<Relationship, { kind: 'break-glass' }>> = {}): Relationship => ({
  kind: 'break-glass',
  patientId: PATIENT,
  reasonCode: 'unable-to-consent',
  justification: 'Unconscious on arrival',
  startedAt: at(-1),
  expiresAt: at(7),
  ...overrides,
});
const claim = (reasonCode: string, justification?: string): Relationship => ({
  kind: 'self-claimed',
  patientId: PATIENT,
  reasonCode,
  ...(justification !== undefined ? { justification } : {}),
  startedAt: at(-1),
  expiresAt: at(8),
});

type RequestOverrides = Omit<Partial<AccessRequest>, 'item' | 'patient'> & {
  item?: Partial<AccessRequest['item']>;
  patient?: Partial<AccessRequest['patient']>;
};

function aRequest(overrides: RequestOverrides = {}): AccessRequest {
  const { item, patient, ...rest } = overrides;
  return {
    requester: staff('R8000'),
    patient: { id: PATIENT, objectsToSharing: false, isRestricted: false, ...patient },
    relationship: encounter,
    item: { resourceType: 'Observation', category: 'clinical', sourceOds: GP_PRACTICE, sensitivity: 'none', ...item },
    action: 'read',
    purpose: 'TREAT',
    now: NOW,
    ...rest,
  };
}

const allowedWith = { outcome: 'allow', redact: [], needsConfirmation: false, scopeQueries: [] } as const;

test('a clinician with an open encounter reads the clinical record, for treatment', () => {
  assert.deepEqual(decideAccess(aRequest()), { ...allowedWith, basis: 'relationship', purposeOfUse: 'TREAT' });
});

test('a GP with a registration reads; the same registration claimed at a hospital counts for nothing', () => {
  const registered: Relationship = { kind: 'registered-gp', patientId: PATIENT, expiresAt: at(24 * 365) };
  assert.equal(decideAccess(aRequest({ requester: gp, relationship: registered })).outcome, 'allow');
  assert.deepEqual(decideAccess(aRequest({ relationship: registered })), {
    outcome: 'deny',
    reason: 'no-relationship',
    showWithheldIndicator: false,
  });
  // Likewise a 111 case exists only at NHS 111, and a CAD incident only at the ambulance service.
  const call: Relationship = { kind: 'nhs111-case', patientId: PATIENT, expiresAt: at(2) };
  const handler = staff('R8001', { organisation: { odsCode: 'NHS111', kind: 'nhs-111' } });
  assert.equal(decideAccess(aRequest({ requester: handler, relationship: call })).outcome, 'allow');
  assert.equal(decideAccess(aRequest({ relationship: call })).outcome, 'deny');
});

test('an expired relationship is no relationship; demographics still open to the role, for finding a patient', () => {
  const ended = { ...encounter, expiresAt: NOW };
  assert.equal(decideAccess(aRequest({ relationship: ended })).outcome, 'deny');
  const lookup = aRequest({
    relationship: ended,
    action: 'search',
    item: { resourceType: 'Patient', category: 'demographics' },
  });
  assert.deepEqual(decideAccess(lookup), { ...allowedWith, basis: 'role', purposeOfUse: 'TREAT' });
});

test('a token without a selected role, or with a role the shared record does not give access to, is refused', () => {
  assert.deepEqual(decideAccess(aRequest({ requester: staff(undefined) })), {
    outcome: 'deny',
    reason: 'no-role',
    showWithheldIndicator: false,
  });
  assert.equal(decideAccess(aRequest({ requester: staff('') })).outcome, 'deny');
  for (const code of ['R8007', 'R8015', 'R5100', 'R9999', 'constructor']) {
    const d = decideAccess(aRequest({ requester: staff(code) }));
    assert.deepEqual(d, { outcome: 'deny', reason: 'role-not-entitled', showWithheldIndicator: false }, code);
  }
  assert.equal(roleGroupOf('R0001'), 'privacy-officer');
  assert.equal(roleGroupOf('R8024'), undefined);
});

test('admin roles see demographics and appointments only, and write nothing', () => {
  const clerk = staff('R8010');
  assert.equal(decideAccess(aRequest({ requester: clerk, item: { category: 'appointments' } })).outcome, 'allow');
  assert.equal(decideAccess(aRequest({ requester: clerk, item: { category: 'demographics' } })).outcome, 'allow');
  for (const category of ['clinical', 'safeguarding', 'mental-health-act', 'care-plan', 'social-care'] as const) {
    const d = decideAccess(aRequest({ requester: clerk, item: { category } }));
    assert.deepEqual(d, { outcome: 'deny', reason: 'category-not-permitted', showWithheldIndicator: false }, category);
  }
  const unrelated = aRequest({ requester: clerk, relationship: { kind: 'none' }, item: { category: 'appointments' } });
  assert.deepEqual(decideAccess(unrelated), {
    outcome: 'deny',
    reason: 'no-relationship',
    showWithheldIndicator: false,
  });
  const booking = aRequest({ requester: clerk, action: 'create', item: { category: 'appointments' } });
  assert.equal(decideAccess(booking).outcome, 'deny');
  // The Mental Health Act administrator also sees the section papers, for receipt and scrutiny.
  const mhaAdmin = aRequest({ requester: staff('R6100'), item: { category: 'mental-health-act' } });
  assert.equal(decideAccess(mhaAdmin).outcome, 'allow');
});

test('students see the clinical record but no sensitive pane, and may not claim a relationship', () => {
  const student = staff('R8004');
  assert.equal(decideAccess(aRequest({ requester: student })).outcome, 'allow');
  for (const category of ['safeguarding', 'mental-health-act', 'social-care'] as const) {
    assert.equal(decideAccess(aRequest({ requester: student, item: { category } })).outcome, 'deny', category);
  }
  // Refused for the role before the claim is even read: a malformed claim gets the same answer.
  for (const reason of ['mdt-review', 'no-such-reason']) {
    assert.deepEqual(decideAccess(aRequest({ requester: student, relationship: claim(reason) })), {
      outcome: 'deny',
      reason: 'self-claim-not-entitled',
      showWithheldIndicator: false,
    });
  }
});

test('the privacy officer sees demographics for governance, never the clinical record', () => {
  const officer = staff('R0001');
  const demographics = { resourceType: 'Patient', category: 'demographics' } as const;
  assert.deepEqual(
    decideAccess(
      aRequest({ requester: officer, purpose: 'HOPERAT', relationship: { kind: 'none' }, item: demographics }),
    ),
    { ...allowedWith, basis: 'role', purposeOfUse: 'HOPERAT' },
  );
  assert.equal(decideAccess(aRequest({ requester: officer, purpose: 'TREAT', item: demographics })).outcome, 'deny');
  assert.deepEqual(decideAccess(aRequest({ requester: officer, purpose: 'HOPERAT' })), {
    outcome: 'deny',
    reason: 'category-not-permitted',
    showWithheldIndicator: false,
  });
});

test('safeguarding items open only after the clinician confirms', () => {
  const d = decideAccess(aRequest({ item: { category: 'safeguarding' } }));
  assert.equal(d.outcome === 'allow' && d.needsConfirmation, true);
});

test('clinicians and social workers edit care plans with a relationship; nobody deletes them', () => {
  const plan = { resourceType: 'CarePlan', category: 'care-plan' } as const;
  assert.equal(decideAccess(aRequest({ action: 'update', item: plan })).outcome, 'allow');
  assert.equal(decideAccess(aRequest({ action: 'create', requester: staff('R8014'), item: plan })).outcome, 'allow');
  assert.deepEqual(decideAccess(aRequest({ action: 'delete', item: plan })), {
    outcome: 'deny',
    reason: 'action-not-permitted',
    showWithheldIndicator: false,
  });
  assert.equal(
    decideAccess(aRequest({ action: 'update', relationship: { kind: 'none' }, item: plan })).outcome,
    'deny',
  );
});

test('self-claimed: coded reason, alert; the emergency reason needs free text and is audited as ETREAT', () => {
  assert.deepEqual(decideAccess(aRequest({ relationship: claim('mdt-review') })), {
    ...allowedWith,
    basis: 'self-claimed',
    purposeOfUse: 'TREAT',
    alert: 'self-claimed',
  });
  assert.deepEqual(decideAccess(aRequest({ relationship: claim('because') })), {
    outcome: 'invalid',
    reason: 'reason-code-invalid',
  });
  assert.deepEqual(decideAccess(aRequest({ relationship: claim('emergency-unable-to-consent', ' ') })), {
    outcome: 'invalid',
    reason: 'justification-required',
  });
  const emergency = decideAccess(aRequest({ relationship: claim('emergency-unable-to-consent', 'Found collapsed') }));
  assert.equal(emergency.outcome === 'allow' && emergency.purposeOfUse, 'ETREAT');
});

test('a self-claim lasts at most 24 hours whatever its stated expiry', () => {
  const long = (startedAt: Date): Relationship => ({
    kind: 'self-claimed',
    patientId: PATIENT,
    reasonCode: 'mdt-review',
    startedAt,
    expiresAt: at(48),
  });
  assert.equal(decideAccess(aRequest({ relationship: long(at(-24)) })).outcome, 'deny');
  const almost = long(new Date(NOW.getTime() - 24 * HOUR + 1));
  assert.equal(decideAccess(aRequest({ relationship: almost })).outcome, 'allow');
});

test('break-glass: coded reason and free text, alert, BTG, read only, 8 hours, one patient', () => {
  assert.deepEqual(decideAccess(aRequest({ relationship: glass() })), {
    ...allowedWith,
    basis: 'break-glass',
    purposeOfUse: 'BTG',
    alert: 'break-glass',
  });
  assert.deepEqual(decideAccess(aRequest({ relationship: glass({ justification: '' }) })), {
    outcome: 'invalid',
    reason: 'justification-required',
  });
  assert.deepEqual(decideAccess(aRequest({ relationship: glass({ reasonCode: '' }) })), {
    outcome: 'invalid',
    reason: 'reason-code-invalid',
  });
  const plan = { resourceType: 'CarePlan', category: 'care-plan' } as const;
  assert.deepEqual(decideAccess(aRequest({ relationship: glass(), action: 'update', item: plan })), {
    outcome: 'deny',
    reason: 'action-not-permitted',
    showWithheldIndicator: false,
    alert: 'break-glass',
  });
  const tooLong = glass({ startedAt: at(-8), expiresAt: at(16) });
  assert.equal(decideAccess(aRequest({ relationship: tooLong })).outcome, 'deny');
  assert.equal(decideAccess(aRequest({ relationship: glass({ patientId: 'pat-2' }) })).outcome, 'deny');
});

test('break-glass by a role not entitled to it is refused, and the refusal alerts the privacy officer', () => {
  for (const requester of [
    staff('R8009'),
    staff('R8004'),
    staff('R0001'),
    { kind: 'patient', proofingLevel: 'P9', patientId: PATIENT, scopes: ALL },
    { kind: 'system', sourceOds: TRUST, scopes: [{ context: 'system', resourceType: '*', permissions: 'cruds' }] },
  ] as Requester[]) {
    assert.deepEqual(decideAccess(aRequest({ requester, relationship: glass({ justification: '' }) })), {
      outcome: 'deny',
      reason: 'break-glass-not-entitled',
      showWithheldIndicator: false,
      alert: 'break-glass-refused',
    });
  }
});

test('legally restricted and R/V items are withheld from everyone, break-glass included, behind a neutral flag', () => {
  for (const sensitivity of ['IVF', 'STI', 'TOP', 'GENDER', 'R', 'V'] as const) {
    for (const relationship of [encounter, glass()]) {
      const d = decideAccess(aRequest({ relationship, item: { sensitivity, sourceOds: TRUST } }));
      assert.equal(d.outcome, 'deny');
      assert.equal(d.outcome === 'deny' && d.reason, 'sealed');
      assert.equal(d.outcome === 'deny' && d.showWithheldIndicator, true);
    }
  }
  assert.equal(decideAccess(aRequest({ item: { sensitivity: 'X' as never } })).outcome, 'deny');
});

test("an objecting patient's record stays with its source, except under break-glass", () => {
  const patient = { objectsToSharing: true };
  assert.equal(decideAccess(aRequest({ patient, item: { sourceOds: TRUST } })).outcome, 'allow');
  assert.deepEqual(decideAccess(aRequest({ patient, item: { sourceOds: GP_PRACTICE } })), {
    outcome: 'deny',
    reason: 'objection',
    showWithheldIndicator: true,
  });
  const lookup = aRequest({ patient, action: 'search', item: { resourceType: 'Patient', category: 'demographics' } });
  assert.equal(decideAccess(lookup).outcome, 'deny');
  assert.equal(decideAccess(aRequest({ patient, relationship: glass() })).outcome, 'allow');
});

test('an S-flagged patient: every allowed read loses its location data, break-glass included', () => {
  const patient = { isRestricted: true };
  const location = ['address', 'telecom', 'general-practitioner', 'location'];
  for (const relationship of [encounter, glass()]) {
    const d = decideAccess(
      aRequest({ patient, relationship, item: { resourceType: 'Patient', category: 'demographics' } }),
    );
    assert.deepEqual(d.outcome === 'allow' && d.redact, location);
  }
  const appointment = decideAccess(
    aRequest({ patient, item: { resourceType: 'Appointment', category: 'appointments' } }),
  );
  assert.deepEqual(appointment.outcome === 'allow' && appointment.redact, location);
  const plan = { resourceType: 'CarePlan', category: 'care-plan' } as const;
  const write = decideAccess(aRequest({ patient, action: 'update', item: plan }));
  assert.deepEqual(write.outcome === 'allow' && write.redact, []);
});

test('patients: their own record at P9, without safeguarding, social care, MHA papers or sealed items', () => {
  const me: Requester = { kind: 'patient', proofingLevel: 'P9', patientId: PATIENT, scopes: [] };
  const scopes: ResourceScope[] = [{ context: 'patient', resourceType: '*', permissions: 'rs' }];
  const mine = { ...me, scopes };
  const base = { requester: mine, purpose: 'PATRQT', relationship: { kind: 'none' } as const };
  assert.deepEqual(decideAccess(aRequest(base)), { ...allowedWith, basis: 'own-record', purposeOfUse: 'PATRQT' });
  for (const proofingLevel of ['P5', 'P0', 'p9', '']) {
    assert.deepEqual(decideAccess(aRequest({ ...base, requester: { ...mine, proofingLevel } })), {
      outcome: 'deny',
      reason: 'proofing-level',
      showWithheldIndicator: false,
    });
  }
  assert.equal(decideAccess(aRequest({ ...base, requester: { ...mine, patientId: 'pat-2' } })).outcome, 'deny');
  assert.equal(decideAccess(aRequest({ ...base, requester: me })).outcome, 'deny');
  assert.deepEqual(decideAccess(aRequest({ ...base, item: { category: 'safeguarding' } })), {
    outcome: 'deny',
    reason: 'patient-view-excluded',
    showWithheldIndicator: true,
  });
  assert.equal(decideAccess(aRequest({ ...base, item: { sensitivity: 'STI' } })).outcome, 'deny');
  assert.equal(decideAccess(aRequest({ ...base, patient: { objectsToSharing: true } })).outcome, 'allow');
  const write = { ...mine, scopes: [{ context: 'patient', resourceType: '*', permissions: 'cruds' }] } as Requester;
  assert.equal(decideAccess(aRequest({ ...base, requester: write, action: 'update' })).outcome, 'deny');
});

test('systems act per their scopes; what they read still honours objection and sealing', () => {
  const feed: Requester = {
    kind: 'system',
    sourceOds: TRUST,
    scopes: [{ context: 'system', resourceType: 'Observation', permissions: 'cud' }],
  };
  const base = { requester: feed, relationship: { kind: 'none' } as const };
  assert.deepEqual(decideAccess(aRequest({ ...base, action: 'create', item: { sensitivity: 'STI' } })), {
    ...allowedWith,
    basis: 'scopes',
    purposeOfUse: 'TREAT',
  });
  assert.equal(decideAccess(aRequest({ ...base, action: 'read' })).outcome, 'deny');
  assert.equal(
    decideAccess(aRequest({ ...base, action: 'create', item: { resourceType: 'Patient' } })).outcome,
    'deny',
  );
  assert.equal(decideAccess(aRequest({ ...base, action: 'create', purpose: 'HRESCH' })).outcome, 'deny');
  const exporter: Requester = { ...feed, scopes: [{ context: 'system', resourceType: '*', permissions: 'rs' }] };
  const exporting = { ...base, requester: exporter, action: 'search' as const };
  assert.equal(decideAccess(aRequest(exporting)).outcome, 'allow');
  assert.equal(decideAccess(aRequest({ ...exporting, item: { sensitivity: 'R' } })).outcome, 'deny');
  assert.equal(decideAccess(aRequest({ ...exporting, patient: { objectsToSharing: true } })).outcome, 'deny');
  const own = { ...exporting, patient: { objectsToSharing: true }, item: { sourceOds: TRUST } };
  assert.equal(decideAccess(aRequest(own)).outcome, 'allow');
});

test('scopes bound staff too: patient/ scopes cover only the launch patient; narrowed scopes come back as queries', () => {
  const launched = (launchPatient: string): Requester =>
    staff('R8000', { launchPatient, scopes: [{ context: 'patient', resourceType: 'Observation', permissions: 'rs' }] });
  assert.equal(decideAccess(aRequest({ requester: launched(PATIENT) })).outcome, 'allow');
  assert.deepEqual(decideAccess(aRequest({ requester: launched('pat-2') })), {
    outcome: 'deny',
    reason: 'scope',
    showWithheldIndicator: false,
  });
  const lab = 'category=laboratory';
  const narrowed = staff('R8000', {
    scopes: [{ context: 'user', resourceType: 'Observation', permissions: 'rs', query: lab }],
  });
  const d = decideAccess(aRequest({ requester: narrowed, action: 'search' }));
  assert.deepEqual(d.outcome === 'allow' && d.scopeQueries, [lab]);
});

test('purposes other than direct care are refused on the shared record', () => {
  for (const purpose of ['HRESCH', 'PUBHLTH', 'HMARKT', 'BTG', '']) {
    const d = decideAccess(aRequest({ purpose }));
    assert.deepEqual(d, { outcome: 'deny', reason: 'purpose-not-permitted', showWithheldIndicator: false }, purpose);
  }
  assert.equal(decideAccess(aRequest({ purpose: 'HOPERAT' })).outcome, 'deny');
  const d = decideAccess(aRequest({ purpose: 'ETREAT' }));
  assert.equal(d.outcome === 'allow' && d.purposeOfUse, 'ETREAT');
});

test('requesterFromPrincipal keeps what the policy needs from each kind of principal', () => {
  const base = { clientId: 'c', scopes: ['user/*.rs'], resourceScopes: ALL, tokenId: 't', expiresAt: 0 };
  const principals: [Principal, Requester][] = [
    [
      {
        ...base,
        kind: 'staff',
        userId: 'u',
        name: 'n',
        roleCode: 'R8000',
        organisation: { odsCode: TRUST, name: 'Trust', kind: 'acute-trust' },
        launch: { patient: PATIENT },
      },
      staff('R8000', { launchPatient: PATIENT }),
    ],
    [
      { ...base, kind: 'patient', userId: 'u', nhsNumber: '0000000000', proofingLevel: 'P9', patient: PATIENT },
      { kind: 'patient', proofingLevel: 'P9', patientId: PATIENT, scopes: ALL },
    ],
    [
      { ...base, kind: 'system', source: TRUST },
      { kind: 'system', sourceOds: TRUST, scopes: ALL },
    ],
  ];
  for (const [principal, requester] of principals) assert.deepEqual(requesterFromPrincipal(principal), requester);
  const noRole = { ...principals[0]![0], roleCode: '' } as Principal;
  assert.equal(decideAccess(aRequest({ requester: requesterFromPrincipal(noRole) })).outcome, 'deny');
});
