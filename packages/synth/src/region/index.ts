import type { Organisation, OrganisationKind, Region, Site, StaffMember } from '../model.ts';
import type { Rng } from '../random.ts';
import {
  BOROUGHS,
  generateLandline,
  generateOrganisationAddress,
  OUTSIDE_LONDON,
  pickFamilyName,
  pickLondonHeritage,
  PLACE_STEMS,
  type Area,
  type Borough,
} from '../people/index.ts';
import {
  ACUTE_TRUSTS,
  AMBULANCE_SERVICE,
  COMMUNITY_TRUSTS,
  HOSPICES,
  LONDON_ICBS,
  localAuthorityName,
  MENTAL_HEALTH_TRUSTS,
  NHS_111_PROVIDER,
  OUT_OF_AREA_TRUSTS,
  type TrustSpec,
} from './organisations.ts';
import { ACUTE_CONSULTANT_SPECIALTIES, JOB_ROLES, SPECIALTIES, StaffFactory } from './staff.ts';

export { LONDON_ICBS } from './organisations.ts';
export { GMC_SYSTEM, GPHC_SYSTEM, HCPC_SYSTEM, JOB_ROLES, NMC_SYSTEM, SPECIALTIES, SWE_SYSTEM } from './staff.ts';

const ORGANISATION_KINDS: readonly OrganisationKind[] = [
  'gp-practice',
  'acute-trust',
  'mental-health-trust',
  'community-trust',
  'local-authority',
  'ambulance-service',
  'nhs-111',
  'care-home',
  'pharmacy',
  'hospice',
  'out-of-area-trust',
];

// London: about 10 million registered patients, 1,200 GP practices, 1,400 care homes and 1,800 community
// pharmacies (NHS Digital patients registered at a GP practice; CQC care directory; NHSBSA pharmacy list).
const PATIENTS_PER_PRACTICE = 8000;
const MIN_PRACTICES = 5;
const MAX_PRACTICES = 1300;
const PATIENTS_PER_CARE_HOME = 7000;
const PATIENTS_PER_PHARMACY = 5500;
// The code shapes below cap these: V + 4 digits, F + letter + 3 digits.
const MAX_CARE_HOMES = 9999;
const CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const MAX_PHARMACIES = CODE_LETTERS.length * 999;

/** How many of each scaled organisation a region of `patients` people has. */
export function organisationCounts(patients: number): { practices: number; careHomes: number; pharmacies: number } {
  return {
    practices: Math.min(MAX_PRACTICES, Math.max(MIN_PRACTICES, Math.round(patients / PATIENTS_PER_PRACTICE))),
    careHomes: Math.min(MAX_CARE_HOMES, Math.max(3, Math.round(patients / PATIENTS_PER_CARE_HOME))),
    pharmacies: Math.min(MAX_PHARMACIES, Math.max(3, Math.round(patients / PATIENTS_PER_PHARMACY))),
  };
}

/** Largest-remainder apportionment of `count` organisations to boroughs by weight: deterministic. */
function apportion(count: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const quotas = weights.map((w) => (w / total) * count);
  const shares = quotas.map(Math.floor);
  let left = count - shares.reduce((s, n) => s + n, 0);
  const byRemainder = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    shares[i]!++;
  }
  return shares;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function boroughNamed(name: string): Borough {
  const borough = BOROUGHS.find((b) => b.name === name);
  if (!borough) throw new Error(`unknown borough ${name}`);
  return borough;
}

function areaNamed(name: string): Area {
  const area = OUTSIDE_LONDON.find((a) => a.name === name);
  if (!area) throw new Error(`unknown area ${name}`);
  return area;
}

/**
 * A London-like region: 5 ICBs (codes only, see LONDON_ICBS), 17 acute trusts with 27 EDs, 9 mental health and
 * 6 community trusts, 33 local authorities, the ambulance service, NHS 111, 4 out-of-area trusts, 15 hospices,
 * and GP practices, care homes and pharmacies scaled to `patients`; with their staff.
 */
export function buildRegion(rng: Rng, options: { patients: number }): Region {
  const organisations: Organisation[] = [];
  const factory = new StaffFactory(rng);
  const icbOf = (borough: Borough): string => LONDON_ICBS.find((icb) => icb.key === borough.icb)!.odsCode;
  let trustCount = 0;
  const nextTrustCode = (): string => {
    const n = trustCount++;
    return `R${9 - Math.floor(n / CODE_LETTERS.length)}${CODE_LETTERS[n % CODE_LETTERS.length]}`;
  };

  const add = (org: Organisation): Organisation => {
    organisations.push(org);
    return org;
  };

  const trust = (spec: TrustSpec, kind: OrganisationKind): Organisation => {
    const odsCode = nextTrustCode();
    const sites: Site[] = spec.sites.map((s, i) => ({
      odsCode: `${odsCode}${pad(i + 1, 2)}`,
      name: s.name,
      address: generateOrganisationAddress(rng, boroughNamed(s.borough)),
      hasEmergencyDepartment: s.ed,
    }));
    const home = boroughNamed(spec.borough);
    return add({
      odsCode,
      name: spec.name,
      kind,
      address: sites[0]
        ? { ...sites[0].address, line: [...sites[0].address.line] }
        : generateOrganisationAddress(rng, home),
      telephone: generateLandline(rng),
      parentOdsCode: icbOf(home),
      sites,
      system: { name: spec.system, localIdPrefix: spec.localIdPrefix },
    });
  };

  const simple = (
    odsCode: string,
    name: string,
    kind: OrganisationKind,
    borough: Borough,
    system: Organisation['system'],
  ): Organisation =>
    add({
      odsCode,
      name,
      kind,
      address: generateOrganisationAddress(rng, borough),
      telephone: generateLandline(rng),
      parentOdsCode: icbOf(borough),
      sites: [],
      system,
    });

  // Fixed organisations.
  for (const spec of ACUTE_TRUSTS) {
    const org = trust(spec, 'acute-trust');
    for (const [specialty, count] of ACUTE_CONSULTANT_SPECIALTIES) {
      for (let i = 0; i < count; i++)
        factory.hire(org.odsCode, 'consultant', JOB_ROLES.clinicalPractitioner, { specialty });
    }
    for (let i = 0; i < 10; i++) {
      const [specialty] = rng.pick(ACUTE_CONSULTANT_SPECIALTIES);
      factory.hire(org.odsCode, 'junior-doctor', JOB_ROLES.clinicalPractitioner, { specialty });
    }
    for (let i = 0; i < 20; i++) {
      factory.hire(org.odsCode, 'nurse', i < 2 ? JOB_ROLES.nurseManager : JOB_ROLES.nurse, { femaleShare: 0.88 });
    }
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.medicalSecretary, { femaleShare: 0.8 });
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.medicalSecretary, { femaleShare: 0.8 });
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.receptionist);
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.receptionist);
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.healthRecordsManager);
    factory.hire(org.odsCode, 'privacy-officer', JOB_ROLES.auditManager);
  }
  for (const spec of MENTAL_HEALTH_TRUSTS) {
    const org = trust(spec, 'mental-health-trust');
    for (let i = 0; i < 12; i++) {
      const specialty = i < 2 ? SPECIALTIES.childPsychiatry : SPECIALTIES.psychiatry;
      factory.hire(org.odsCode, 'psychiatrist', JOB_ROLES.clinicalPractitioner, { specialty });
    }
    for (let i = 0; i < 15; i++) factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.75 });
    for (let i = 0; i < 3; i++) factory.hire(org.odsCode, 'administrator', JOB_ROLES.clerical);
    factory.hire(org.odsCode, 'privacy-officer', JOB_ROLES.auditManager);
  }
  for (const spec of COMMUNITY_TRUSTS) {
    const org = trust(spec, 'community-trust');
    for (let i = 0; i < 20; i++) factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.9 });
    for (let i = 0; i < 3; i++) factory.hire(org.odsCode, 'administrator', JOB_ROLES.clerical);
    factory.hire(org.odsCode, 'privacy-officer', JOB_ROLES.auditManager);
  }
  {
    const borough = boroughNamed(AMBULANCE_SERVICE.borough);
    const org = simple(nextTrustCode(), AMBULANCE_SERVICE.name, 'ambulance-service', borough, {
      name: 'Beacon CAD',
      localIdPrefix: 'INC',
    });
    for (let i = 0; i < 60; i++)
      factory.hire(org.odsCode, 'paramedic', JOB_ROLES.healthProfessional, { femaleShare: 0.45 });
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.clerical);
    factory.hire(org.odsCode, 'privacy-officer', JOB_ROLES.auditManager);
  }
  {
    // An independent-sector provider: a 3-character code in the N.. shape rather than a trust's R...
    const borough = boroughNamed(NHS_111_PROVIDER.borough);
    const org = simple('N9A', NHS_111_PROVIDER.name, 'nhs-111', borough, {
      name: 'Waypoint 111',
      localIdPrefix: 'CAS',
    });
    for (let i = 0; i < 20; i++) factory.hire(org.odsCode, 'call-handler', JOB_ROLES.adminClinicalSupport);
    for (let i = 0; i < 3; i++) factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.85 });
    for (let i = 0; i < 2; i++) factory.hire(org.odsCode, 'paramedic', JOB_ROLES.healthProfessional);
  }
  for (const spec of OUT_OF_AREA_TRUSTS) {
    const area = areaNamed(spec.area);
    const odsCode = nextTrustCode();
    const address = generateOrganisationAddress(rng, area);
    const org = add({
      odsCode,
      name: spec.name,
      kind: 'out-of-area-trust',
      address,
      telephone: generateLandline(rng),
      // Only the region's own 27 EDs are modelled: out-of-area sites take referrals, not the region's 999 calls.
      sites: [
        {
          odsCode: `${odsCode}01`,
          name: spec.siteName,
          address: { ...address, line: [...address.line] },
          hasEmergencyDepartment: false,
        },
      ],
      system: { name: 'Cerulean PAS', localIdPrefix: spec.localIdPrefix },
    });
    for (let i = 0; i < 10; i++) {
      const [specialty] = rng.pick(ACUTE_CONSULTANT_SPECIALTIES);
      factory.hire(org.odsCode, 'consultant', JOB_ROLES.clinicalPractitioner, { specialty });
    }
    for (let i = 0; i < 5; i++) factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.88 });
    for (let i = 0; i < 2; i++) factory.hire(org.odsCode, 'administrator', JOB_ROLES.medicalSecretary);
  }
  BOROUGHS.forEach((borough, i) => {
    // A 3-digit local-authority-style code; councils are not commissioned by an ICB.
    const org = add({
      odsCode: `7${pad(i + 1, 2)}`,
      name: localAuthorityName(borough.name),
      kind: 'local-authority',
      address: generateOrganisationAddress(rng, borough),
      telephone: generateLandline(rng),
      sites: [],
      system: { name: 'Keystone Social Care', localIdPrefix: borough.code },
    });
    // Mental Health Act 1983 s.114: AMHPs are approved by local social services authorities.
    for (let k = 0; k < 3; k++) factory.hire(org.odsCode, 'amhp', JOB_ROLES.socialWorker, { femaleShare: 0.7 });
    for (let k = 0; k < 5; k++)
      factory.hire(org.odsCode, 'social-worker', JOB_ROLES.socialWorker, { femaleShare: 0.8 });
    factory.hire(org.odsCode, 'administrator', JOB_ROLES.clerical);
  });
  HOSPICES.forEach((spec, i) => {
    const borough = boroughNamed(spec.borough);
    // Hospice and its inpatient unit: V-style 5-character codes (organisation ...0, unit ...1).
    const odsCode = `VH${pad(i + 1, 2)}0`;
    const address = generateOrganisationAddress(rng, borough);
    const org = add({
      odsCode,
      name: spec.name,
      kind: 'hospice',
      address,
      telephone: generateLandline(rng),
      parentOdsCode: icbOf(borough),
      sites: [
        {
          odsCode: `VH${pad(i + 1, 2)}1`,
          name: `${spec.name} Inpatient Unit`,
          address: { ...address, line: [...address.line] },
          hasEmergencyDepartment: false,
        },
      ],
      system: { name: 'Lantern Hospice Records', localIdPrefix: 'HS' },
      beds: rng.int(10, 30),
    });
    for (let k = 0; k < 2; k++) factory.hire(org.odsCode, 'consultant', JOB_ROLES.clinicalPractitioner);
    for (let k = 0; k < 6; k++) factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.9 });
  });

  // Organisations scaled with the population, apportioned to boroughs by population.
  const counts = organisationCounts(options.patients);
  const populations = BOROUGHS.map((b) => b.population);
  const practicesByBorough = apportion(counts.practices, populations);
  const gps: StaffMember[] = [];
  let practiceNumber = 0;
  BOROUGHS.forEach((borough, bi) => {
    for (let k = 0; k < practicesByBorough[bi]!; k++) {
      const stem = rng.pick(PLACE_STEMS);
      const name = rng.weighted([
        [`${stem} Medical Centre`, 3],
        [`The ${stem} Surgery`, 2],
        [`${stem} Health Centre`, 2],
        [`${stem} Group Practice`, 1],
        [`Dr ${pickFamilyName(rng, pickLondonHeritage(rng))} and Partners`, 1],
      ] as const);
      // About 55% of London practices use one GP system supplier and most of the rest the other.
      const system = rng.chance(0.55)
        ? { name: 'Meridian GP', localIdPrefix: 'MG' }
        : { name: 'Vantage Clinical', localIdPrefix: 'VC' };
      const org = simple(`Y9${pad(++practiceNumber, 4)}`, name, 'gp-practice', borough, system);
      for (let i = 0; i < 4; i++)
        gps.push(
          factory.hire(org.odsCode, 'gp', JOB_ROLES.clinicalPractitioner, {
            specialty: SPECIALTIES.generalPractice,
            femaleShare: 0.55,
          }),
        );
      for (let i = 0; i < 3; i++) factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.9 });
      factory.hire(org.odsCode, 'administrator', JOB_ROLES.receptionist, { femaleShare: 0.8 });
      factory.hire(org.odsCode, 'administrator', JOB_ROLES.clericalManager, { femaleShare: 0.7 });
    }
  });
  // Some GPs also work sessions at a second practice (a second PractitionerRole).
  const practices = organisations.filter((o) => o.kind === 'gp-practice');
  for (const gp of gps) {
    if (practices.length > 1 && rng.chance(0.05)) {
      const other = rng.pick(practices);
      if (other.odsCode !== gp.roles[0]!.odsCode) {
        factory.addRole(gp, other.odsCode, JOB_ROLES.clinicalPractitioner, SPECIALTIES.generalPractice);
      }
    }
  }

  // Outer London has more care home places per head than inner London (CQC care directory).
  const careHomesByBorough = apportion(
    counts.careHomes,
    BOROUGHS.map((b) => b.population * (b.inner ? 0.6 : 1.2)),
  );
  let careHomeNumber = 0;
  BOROUGHS.forEach((borough, bi) => {
    for (let k = 0; k < careHomesByBorough[bi]!; k++) {
      const stem = rng.pick(PLACE_STEMS);
      const name = rng.pick([
        `${stem} House`,
        `${stem} Lodge Care Home`,
        `${stem} Court Nursing Home`,
        `${stem} Grange`,
      ]);
      const org = simple(`V${pad(++careHomeNumber, 4)}`, name, 'care-home', borough, {
        name: 'CareLedger',
        localIdPrefix: 'CL',
      });
      // CQC: London care homes average about 40 beds; a few large nursing homes have over 100.
      org.beds = Math.round(Math.min(150, Math.max(8, rng.normal(42, 20))));
      for (let i = 0; i < 3; i++)
        factory.hire(org.odsCode, 'care-worker', JOB_ROLES.adminClinicalSupport, { femaleShare: 0.8 });
      factory.hire(org.odsCode, 'nurse', JOB_ROLES.nurse, { femaleShare: 0.85 });
    }
  });

  const pharmaciesByBorough = apportion(counts.pharmacies, populations);
  let pharmacyNumber = 0;
  BOROUGHS.forEach((borough, bi) => {
    for (let k = 0; k < pharmaciesByBorough[bi]!; k++) {
      const n = pharmacyNumber++;
      const stem = rng.pick(PLACE_STEMS);
      const name = rng.weighted([
        [`${stem} Pharmacy`, 3],
        [`${pickFamilyName(rng, pickLondonHeritage(rng))} Chemist`, 2],
        [`${stem} Late Night Pharmacy`, 1],
      ] as const);
      const odsCode = `F${CODE_LETTERS[Math.floor(n / 999)]}${pad((n % 999) + 1, 3)}`;
      const org = simple(odsCode, name, 'pharmacy', borough, { name: 'DispenseWell PMR', localIdPrefix: 'PMR' });
      factory.hire(org.odsCode, 'pharmacist', JOB_ROLES.healthProfessional);
    }
  });

  const byOdsCode = new Map<string, Organisation>();
  const byKind = new Map<OrganisationKind, Organisation[]>(ORGANISATION_KINDS.map((k) => [k, []]));
  for (const org of organisations) {
    if (byOdsCode.has(org.odsCode)) throw new Error(`duplicate ODS code ${org.odsCode}`);
    byOdsCode.set(org.odsCode, org);
    byKind.get(org.kind)!.push(org);
  }
  const staffByOdsCode = new Map<string, StaffMember[]>();
  for (const member of factory.staff) {
    for (const role of member.roles) {
      const list = staffByOdsCode.get(role.odsCode);
      if (list) list.push(member);
      else staffByOdsCode.set(role.odsCode, [member]);
    }
  }
  return { name: 'Synthetic London', organisations, staff: factory.staff, byOdsCode, byKind, staffByOdsCode };
}
