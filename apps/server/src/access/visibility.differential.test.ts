import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationOutcomeError } from '@joinedup/fhir';
import { handleFhirRequest } from '../fhir/api/router.ts';
import { createTestApp, type TestApp } from '../test-support/test-app.ts';
import { CONFIDENTIALITY_SYSTEM } from './labels.ts';
import { oracleDecision } from './policy.oracle.test-support.ts';
import {
  requesterFromPrincipal,
  type AccessRequest,
  type ItemCategory,
  type Relationship,
  type Sensitivity,
} from './policy.rules.ts';
import type { OrganisationKind, Principal } from './principal.ts';
import { ODS_CODE_SYSTEM } from './audit/audit.events.ts';
import { rowFilterFor } from './visibility.ts';

// The row filter (what the API lets each caller read, ADR 12) against the reference table of ADR 8's decisions
// (policy.oracle.test-support.ts), on stored data: patients with every kind of relationship to one organisation,
// with and without an objection, each with items of every category, sealed or not, from that organisation or
// another; read by every role at two kinds of organisation, by patients and by systems. Every read the table
// allows must be served, every other must be "not found": zero mismatches (reliability row 13, on the real system).

const ORG = 'RDIFF';
const OTHER = 'ROTHR';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const RELATIONSHIPS = [
  'none',
  'registered',
  'encounter',
  'old-encounter',
  'self-claim',
  'break-glass',
  'expired-claim',
] as const;
type Rel = (typeof RELATIONSHIPS)[number];
const ROLES = ['R8000', 'R8014', 'R8006', 'R6100', 'R8004', 'R0001', 'R9999'] as const;
const KINDS: OrganisationKind[] = ['gp-practice', 'acute-trust'];
const SELF_CLAIMERS = ['R8000', 'R8014', 'R8006', 'R6100'];
const BREAK_GLASSERS = ['R8000', 'R8014'];

interface Item {
  ref: string;
  patientId: string;
  category: ItemCategory;
  sensitivity: Sensitivity;
  source: string;
}
interface CasePatient {
  id: string;
  rel: Rel;
  objecting: boolean;
}

let app: TestApp;
const now = new Date();
const patients: CasePatient[] = [];
const items: Item[] = [];

before(async () => {
  app = await createTestApp();
  const entries: object[] = [];
  const put = (r: { resourceType: string; id: string; [k: string]: unknown }) =>
    entries.push({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } });
  put({
    resourceType: 'Organization',
    id: 'org-diff',
    identifier: [{ system: ODS_CODE_SYSTEM, value: ORG }],
    name: 'Org',
  });
  let n = 0;
  for (const rel of RELATIONSHIPS) {
    for (const objecting of [false, true]) {
      n++;
      const id = `dp-${rel}-${objecting ? 'obj' : 'ok'}`;
      patients.push({ id, rel, objecting });
      // Names and birth dates far apart, so that the master patient index links no two of them.
      put({
        resourceType: 'Patient',
        id,
        meta: { source: OTHER },
        name: [{ family: `Zq${'bcdfghjklmnpqrstvwxz'[n % 20]}${'aeiou'[n % 5]}${n * 7919}`, given: [`G${n * 31}`] }],
        birthDate: `${1930 + n * 4}-0${(n % 9) + 1}-1${n % 9}`,
        ...(rel === 'registered' ? { generalPractitioner: [{ reference: 'Organization/org-diff' }] } : {}),
      });
      items.push({ ref: `Patient/${id}`, patientId: id, category: 'demographics', sensitivity: 'none', source: OTHER });
      if (rel === 'encounter' || rel === 'old-encounter') {
        const start = new Date(now.getTime() - (rel === 'encounter' ? 10 : 800) * DAY);
        put({
          resourceType: 'Encounter',
          id: `${id}-enc`,
          meta: { source: ORG },
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject: { reference: `Patient/${id}` },
          serviceProvider: { reference: 'Organization/org-diff' },
          period: { start: start.toISOString(), end: new Date(start.getTime() + HOUR).toISOString() },
        });
      }
      for (const sensitivity of ['none', 'STI', 'R'] as const) {
        for (const source of [ORG, OTHER]) {
          const suffix = `${sensitivity}-${source}`;
          const meta = {
            source,
            ...(sensitivity === 'R' ? { security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }] } : {}),
          };
          const code =
            sensitivity === 'STI'
              ? { coding: [{ system: 'http://snomed.info/sct', code: '310861008' }] }
              : { coding: [{ system: 'http://loinc.org', code: '4548-4' }] };
          put({
            resourceType: 'Observation',
            id: `${id}-obs-${suffix}`,
            meta,
            status: 'final',
            code,
            subject: { reference: `Patient/${id}` },
          });
          put({
            resourceType: 'Appointment',
            id: `${id}-appt-${suffix}`,
            meta,
            status: 'booked',
            ...(sensitivity === 'STI' ? { reasonCode: [code] } : {}),
            participant: [{ actor: { reference: `Patient/${id}` }, status: 'accepted' }],
          });
          put({
            resourceType: 'CarePlan',
            id: `${id}-plan-${suffix}`,
            meta,
            status: 'active',
            intent: 'plan',
            ...(sensitivity === 'STI' ? { category: [code] } : {}),
            subject: { reference: `Patient/${id}` },
          });
          items.push(
            { ref: `Observation/${id}-obs-${suffix}`, patientId: id, category: 'clinical', sensitivity, source },
            { ref: `Appointment/${id}-appt-${suffix}`, patientId: id, category: 'appointments', sensitivity, source },
            { ref: `CarePlan/${id}-plan-${suffix}`, patientId: id, category: 'care-plan', sensitivity, source },
          );
        }
      }
    }
  }
  const res = await app.request('POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: entries });
  assert.equal(res.status, 200, res.text.slice(0, 2000));
  for (const p of patients.filter((x) => x.objecting)) {
    await app.db.query(
      `INSERT INTO access_objection (patient_id, recorded_at, recorded_by) VALUES ($1, now(), 'test')`,
      [p.id],
    );
  }
  // Claims only as the claims API would allow them (ADR 8): who may self-claim, who may break glass.
  for (const p of patients) {
    const kind =
      p.rel === 'break-glass'
        ? 'break-glass'
        : p.rel === 'self-claim' || p.rel === 'expired-claim'
          ? 'self-claimed'
          : undefined;
    if (!kind) continue;
    const start = p.rel === 'expired-claim' ? new Date(now.getTime() - 30 * HOUR) : new Date(now.getTime() - HOUR);
    const end = p.rel === 'expired-claim' ? new Date(now.getTime() - 6 * HOUR) : new Date(now.getTime() + HOUR);
    for (const role of kind === 'break-glass' ? BREAK_GLASSERS : SELF_CLAIMERS) {
      for (const orgKind of KINDS) {
        await app.db.query(
          `INSERT INTO access_claim (id, patient_id, user_id, kind, reason_code, justification, role_code, organisation_ods, started_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, 'needed', $6, $7, $8, $9)`,
          [
            `c-${p.id}-${role}-${orgKind}`,
            p.id,
            userOf(role, orgKind),
            kind,
            kind === 'break-glass' ? 'life-threatening-emergency' : 'direct-care-arranging',
            role,
            ORG,
            start.toISOString(),
            end.toISOString(),
          ],
        );
      }
    }
  }
});
after(() => app.close());

const userOf = (role: string, kind: OrganisationKind) => `u-${role}-${kind}`;

/** What ADR 8's table says of the user's relationship with a patient, from the same facts the store holds. */
function relationshipOf(p: CasePatient, role: string, orgKind: OrganisationKind): Relationship {
  const far = new Date(now.getTime() + 365 * DAY);
  switch (p.rel) {
    case 'none':
    case 'old-encounter':
      return { kind: 'none' };
    case 'registered':
      return { kind: 'registered-gp', patientId: p.id, expiresAt: far };
    case 'encounter':
      return { kind: 'open-encounter', patientId: p.id, expiresAt: far };
    case 'self-claim':
    case 'expired-claim': {
      if (!SELF_CLAIMERS.includes(role)) return { kind: 'none' };
      const expired = p.rel === 'expired-claim';
      return {
        kind: 'self-claimed',
        patientId: p.id,
        reasonCode: 'direct-care-arranging',
        startedAt: new Date(now.getTime() - (expired ? 30 : 1) * HOUR),
        expiresAt: new Date(now.getTime() + (expired ? -6 : 1) * HOUR),
      };
    }
    case 'break-glass':
      if (!BREAK_GLASSERS.includes(role)) return { kind: 'none' };
      return {
        kind: 'break-glass',
        patientId: p.id,
        reasonCode: 'life-threatening-emergency',
        justification: 'needed',
        startedAt: new Date(now.getTime() - HOUR),
        expiresAt: new Date(now.getTime() + HOUR),
      };
  }
  void orgKind;
}

async function served(principal: Principal, ref: string): Promise<boolean> {
  try {
    const res = await handleFhirRequest(app.fhir, {
      method: 'GET',
      path: ref,
      query: [],
      headers: {},
      rowFilter: rowFilterFor(principal, { now: () => now, encounterDays: 365, narrowing: new Map() }),
    });
    return res.status === 200;
  } catch (e) {
    if (e instanceof OperationOutcomeError && e.status === 404) return false;
    throw e;
  }
}

test('every read the reference table allows is served, and no other, for every caller', async () => {
  const mismatches: string[] = [];
  let checked = 0;
  let allowed = 0;
  const check = async (principal: Principal, purpose: string, item: Item, relationship: Relationship) => {
    const p = patients.find((x) => x.id === item.patientId)!;
    const requester = requesterFromPrincipal(principal);
    const request: AccessRequest = {
      requester,
      patient: { id: p.id, objectsToSharing: p.objecting, isRestricted: false },
      relationship,
      item: {
        resourceType: item.ref.split('/')[0]!,
        category: item.category,
        sourceOds: item.source,
        sensitivity: item.sensitivity,
      },
      action: 'read',
      purpose,
      now,
    };
    const expected = oracleDecision(request).outcome === 'allow';
    if (expected) allowed++;
    const actual = await served(principal, item.ref);
    checked++;
    if (expected !== actual) {
      mismatches.push(
        `${JSON.stringify({ who: requester, rel: relationship.kind, item })}: table ${expected}, served ${actual}`,
      );
    }
  };
  const base = { clientId: 'diff', tokenId: 't', expiresAt: Number.POSITIVE_INFINITY };
  const scopesIn = (context: 'user' | 'patient' | 'system') => ({
    scopes: [`${context}/*.rs`],
    resourceScopes: [{ context, resourceType: '*', permissions: 'rs' }],
  });
  for (const role of ROLES) {
    for (const kind of KINDS) {
      const principal: Principal = {
        ...base,
        ...scopesIn('user'),
        kind: 'staff',
        userId: userOf(role, kind),
        name: 'Diff',
        roleCode: role,
        organisation: { odsCode: ORG, name: 'Org', kind },
      };
      const purpose = role === 'R0001' ? 'HOPERAT' : 'TREAT';
      for (const item of items) {
        const p = patients.find((x) => x.id === item.patientId)!;
        await check(principal, purpose, item, relationshipOf(p, role, kind));
      }
    }
  }
  for (const p of patients) {
    const principal: Principal = {
      ...base,
      ...scopesIn('patient'),
      kind: 'patient',
      userId: `nhs-login-${p.id}`,
      nhsNumber: '9990000018',
      proofingLevel: 'P9',
      patient: p.id,
    };
    // Their own items, and a neighbour's.
    const neighbour = patients[(patients.indexOf(p) + 1) % patients.length]!;
    for (const item of items.filter((i) => i.patientId === p.id || i.patientId === neighbour.id)) {
      await check(principal, 'PATRQT', item, { kind: 'none' });
    }
  }
  for (const source of [ORG, OTHER]) {
    const principal: Principal = { ...base, ...scopesIn('system'), kind: 'system', source };
    for (const item of items) await check(principal, 'TREAT', item, { kind: 'none' });
  }
  assert.ok(checked > 4_000, `${checked} reads checked`);
  // Both answers in quantity: a table that allowed nothing (or everything) would prove nothing.
  assert.ok(allowed > checked / 10 && allowed < (checked * 9) / 10, `${allowed} of ${checked} allowed`);
  assert.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} mismatches of ${checked}`);
});
