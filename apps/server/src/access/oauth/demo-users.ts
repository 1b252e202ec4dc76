import { normaliseNhsNumber } from '@joinedup/fhir';
import type { OrganisationKind, PrincipalOrganisation } from '../principal.ts';
import type { PatientUser, RoleProfile, StaffUser, User } from './oauth.config.ts';

// The demo region's users: one member of staff for every role group of the LCR policy matrix (domain.md 1.4) and
// every kind of organisation in the region, so that every access rule can be tried by clicking a name. They exist
// only in demo mode: the authorisation server never looks them up otherwise.

interface DemoStaff {
  slug: string;
  name: string;
  description: string;
  roles: { roleCode: string; kind: OrganisationKind }[];
}

const STAFF: DemoStaff[] = [
  {
    slug: 'consultant',
    name: 'Dr Amara Okafor',
    description: 'Consultant physician (clinical practitioner, R8000)',
    roles: [{ roleCode: 'R8000', kind: 'acute-trust' }],
  },
  {
    slug: 'district-nurse',
    name: 'Siobhan Kelly',
    description: 'District nurse (nurse, R8001)',
    roles: [{ roleCode: 'R8001', kind: 'community-trust' }],
  },
  {
    slug: 'physiotherapist',
    name: 'Rajesh Patel',
    description: 'Physiotherapist (health professional, R8003)',
    roles: [{ roleCode: 'R8003', kind: 'community-trust' }],
  },
  {
    slug: 'midwife',
    name: 'Grace Mensah',
    description: 'Community midwife (midwife, R8016)',
    roles: [{ roleCode: 'R8016', kind: 'acute-trust' }],
  },
  {
    slug: 'gp',
    name: 'Dr Thomas Wright',
    description: 'GP, also on out-of-hours 111 shifts (two role profiles: R0260, R8000)',
    roles: [
      { roleCode: 'R0260', kind: 'gp-practice' },
      { roleCode: 'R8000', kind: 'nhs-111' },
    ],
  },
  {
    slug: 'pharmacist',
    name: 'Fatima Hussain',
    description: 'Community pharmacist (R1290)',
    roles: [{ roleCode: 'R1290', kind: 'pharmacy' }],
  },
  {
    slug: 'cmhn',
    name: 'Daniel Osei',
    description: 'Community mental health nurse (R1975)',
    roles: [{ roleCode: 'R1975', kind: 'mental-health-trust' }],
  },
  {
    slug: 'social-worker',
    name: 'Hannah Lewis',
    description: 'Adult social worker (R8014)',
    roles: [{ roleCode: 'R8014', kind: 'local-authority' }],
  },
  {
    slug: 'admin',
    name: 'Priya Sharma',
    description: 'Ward clerk (admin/clinical support, R8008)',
    roles: [{ roleCode: 'R8008', kind: 'acute-trust' }],
  },
  {
    slug: 'receptionist',
    name: 'Kevin Brown',
    description: 'GP receptionist (R8009)',
    roles: [{ roleCode: 'R8009', kind: 'gp-practice' }],
  },
  {
    slug: 'clerk',
    name: 'Olivia Green',
    description: 'Community services clerk (clerical, R8010)',
    roles: [{ roleCode: 'R8010', kind: 'community-trust' }],
  },
  {
    slug: 'mha-administrator',
    name: 'Joseph Okonkwo',
    description: 'Mental Health Act administrator (R6100)',
    roles: [{ roleCode: 'R6100', kind: 'mental-health-trust' }],
  },
  {
    slug: 'student',
    name: 'Leo Fischer',
    description: 'Medical student (healthcare student, R8004)',
    roles: [{ roleCode: 'R8004', kind: 'acute-trust' }],
  },
  {
    slug: 'paramedic',
    name: 'Chloe Adeyemi',
    description: 'Paramedic, ambulance service (health professional, R8003)',
    roles: [{ roleCode: 'R8003', kind: 'ambulance-service' }],
  },
  {
    slug: '111-clinician',
    name: 'Marcus Reid',
    description: 'NHS 111 clinical adviser (nurse, R8001)',
    roles: [{ roleCode: 'R8001', kind: 'nhs-111' }],
  },
  {
    slug: 'care-home-nurse',
    name: 'Agnieszka Nowak',
    description: 'Care home nurse (nurse, R8001)',
    roles: [{ roleCode: 'R8001', kind: 'care-home' }],
  },
  {
    slug: 'hospice-nurse',
    name: 'Bridget Murphy',
    description: 'Hospice nurse (nurse, R8001)',
    roles: [{ roleCode: 'R8001', kind: 'hospice' }],
  },
  {
    slug: 'out-of-area-doctor',
    name: 'Dr Ewan Campbell',
    description: 'Emergency doctor at an out-of-area trust (clinical practitioner, R8000)',
    roles: [{ roleCode: 'R8000', kind: 'out-of-area-trust' }],
  },
  {
    slug: 'privacy-officer',
    name: 'Nadia Rahman',
    // ADR 8 chose the code system's own Privacy Officer role (R0001) rather than R5100 Audit Manager.
    description: 'Privacy officer: audit and alerts only (R0001)',
    roles: [{ roleCode: 'R0001', kind: 'acute-trust' }],
  },
  {
    slug: 'data-quality',
    name: 'Samuel Taylor',
    description: 'Data quality officer: patient index review (health records manager, R8013)',
    roles: [{ roleCode: 'R8013', kind: 'acute-trust' }],
  },
];

/** The id a demo patient signs in with: one per NHS number. */
export function demoPatientId(nhsNumber: string): string {
  return `nhs-${nhsNumber}`;
}

/** A demo patient for an NHS number (valid by Modulus 11), at proofing level P9; undefined otherwise. */
export function demoPatient(nhsNumber: string, name?: string): PatientUser | undefined {
  const nhs = normaliseNhsNumber(nhsNumber);
  if (!nhs) return undefined;
  return {
    kind: 'patient',
    id: demoPatientId(nhs),
    name: name ?? `Patient with NHS number ${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}`,
    nhsNumber: nhs,
    proofingLevel: 'P9',
  };
}

/**
 * The demo users for a region's organisations: staff at the first organisation of each kind they need (a role
 * at a kind the region lacks is left out) and a patient for each NHS number given. Ids are stable across runs.
 */
export function demoUsers(
  organisations: readonly PrincipalOrganisation[],
  patientNhsNumbers: readonly string[] = [],
): User[] {
  const firstOfKind = new Map<OrganisationKind, PrincipalOrganisation>();
  for (const o of organisations) {
    if (!firstOfKind.has(o.kind)) firstOfKind.set(o.kind, { odsCode: o.odsCode, name: o.name, kind: o.kind });
  }
  const staff: StaffUser[] = [];
  for (const s of STAFF) {
    const id = `demo-${s.slug}`;
    const roleProfiles: RoleProfile[] = [];
    s.roles.forEach((r, i) => {
      const organisation = firstOfKind.get(r.kind);
      if (organisation) roleProfiles.push({ id: `${id}-role-${i + 1}`, roleCode: r.roleCode, organisation });
    });
    if (roleProfiles.length === 0) continue;
    staff.push({
      kind: 'staff',
      id,
      name: s.name,
      description: s.description,
      roleProfiles,
      fhirUser: `Practitioner/${id}`,
    });
  }
  const patients = patientNhsNumbers
    .map((n) => demoPatient(n))
    .filter((p): p is PatientUser => p !== undefined)
    .filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i);
  return [...staff, ...patients];
}
