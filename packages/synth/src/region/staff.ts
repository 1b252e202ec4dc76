import {
  SNOMED,
  type Coding,
  type JobRole,
  type PersonName,
  type StaffMember,
  type StaffProfession,
} from '../model.ts';
import type { Rng } from '../random.ts';
import { feminineFamilyName, pickFamilyName, pickGivenName, pickLondonHeritage } from '../people/index.ts';

// domain.md 1.4: national RBAC access-role codes (CodeSystem-UKCore-SDSJobRoleName) the LCR policy is keyed on.
export const JOB_ROLES = {
  clinicalPractitioner: { code: 'R8000', display: 'Clinical Practitioner Access Role' },
  nurse: { code: 'R8001', display: 'Nurse Access Role' },
  nurseManager: { code: 'R8002', display: 'Nurse Manager Access Role' },
  healthProfessional: { code: 'R8003', display: 'Health Professional Access Role' },
  medicalSecretary: { code: 'R8006', display: 'Medical Secretary Access Role' },
  adminClinicalSupport: { code: 'R8008', display: 'Admin/Clinical Support Access Role' },
  receptionist: { code: 'R8009', display: 'Receptionist Access Role' },
  clerical: { code: 'R8010', display: 'Clerical Access Role' },
  clericalManager: { code: 'R8011', display: 'Clerical Manager Access Role' },
  healthRecordsManager: { code: 'R8013', display: 'Health Records Manager Access Role' },
  socialWorker: { code: 'R8014', display: 'Social Worker Access Role' },
  // domain.md 1.4: privacy officers view audit and alerts only; R5100 is the NRD's audit job role.
  auditManager: { code: 'R5100', display: 'Audit Manager' },
} as const satisfies Record<string, JobRole>;

// Professional registers: UK Core identifier systems (GMC, NMC, HCPC, GPhC); Social Work England has none in
// UK Core, so it gets a system under its own domain.
export const GMC_SYSTEM = 'https://fhir.hl7.org.uk/Id/gmc-number';
export const NMC_SYSTEM = 'https://fhir.hl7.org.uk/Id/nmc-number';
export const HCPC_SYSTEM = 'https://fhir.hl7.org.uk/Id/hcpc-number';
export const GPHC_SYSTEM = 'https://fhir.hl7.org.uk/Id/gphc-number';
export const SWE_SYSTEM = 'https://www.socialworkengland.org.uk/Id/registration-number';

const specialty = (code: string, display: string): Coding => ({ system: SNOMED, code, display });

// SNOMED CT practice-setting specialty codes (the FHIR c80 practice codes value set).
export const SPECIALTIES = {
  emergency: specialty('773568002', 'Emergency medicine'),
  internal: specialty('419192003', 'Internal medicine'),
  geriatric: specialty('394811001', 'Geriatric medicine'),
  cardiology: specialty('394579002', 'Cardiology'),
  respiratory: specialty('418112009', 'Pulmonary medicine'),
  gastroenterology: specialty('394584008', 'Gastroenterology'),
  surgery: specialty('394609007', 'General surgery'),
  orthopaedics: specialty('394801008', 'Trauma and orthopedics'),
  obstetrics: specialty('394585009', 'Obstetrics and gynecology'),
  paediatrics: specialty('394537008', 'Pediatric specialty'),
  anaesthetics: specialty('394577000', 'Anesthetics'),
  radiology: specialty('394914008', 'Radiology'),
  oncology: specialty('394592004', 'Clinical oncology'),
  haematology: specialty('394803006', 'Clinical hematology'),
  neurology: specialty('394591006', 'Neurology'),
  nephrology: specialty('394589003', 'Nephrology'),
  endocrinology: specialty('394583002', 'Endocrinology'),
  psychiatry: specialty('394587001', 'Psychiatry'),
  childPsychiatry: specialty('394588006', 'Child and adolescent psychiatry'),
  generalPractice: specialty('394814009', 'General practice'),
} as const;

/** About 30 consultants per acute trust, spread as a district general hospital's are. */
export const ACUTE_CONSULTANT_SPECIALTIES: readonly (readonly [Coding, number])[] = [
  [SPECIALTIES.emergency, 4],
  [SPECIALTIES.internal, 3],
  [SPECIALTIES.geriatric, 2],
  [SPECIALTIES.cardiology, 2],
  [SPECIALTIES.respiratory, 2],
  [SPECIALTIES.gastroenterology, 2],
  [SPECIALTIES.surgery, 2],
  [SPECIALTIES.orthopaedics, 2],
  [SPECIALTIES.obstetrics, 2],
  [SPECIALTIES.paediatrics, 2],
  [SPECIALTIES.anaesthetics, 2],
  [SPECIALTIES.radiology, 1],
  [SPECIALTIES.oncology, 1],
  [SPECIALTIES.haematology, 1],
  [SPECIALTIES.neurology, 1],
  [SPECIALTIES.nephrology, 1],
];

/** Issues unique 12-digit SDS ids and unique professional register numbers for one region. */
export class StaffFactory {
  private readonly rng: Rng;
  private nextSdsId = 555_000_000_000;
  private readonly professionalIds = new Set<string>();
  readonly staff: StaffMember[] = [];

  constructor(rng: Rng) {
    this.rng = rng;
  }

  /** SDS user and role profile ids: 12 digits, unique, increasing with seeded gaps. */
  private sdsId(): string {
    this.nextSdsId += 1 + Math.floor(this.rng.next() * 997);
    return String(this.nextSdsId);
  }

  private uniqueProfessionalId(make: () => string): string {
    for (;;) {
      const id = make();
      if (!this.professionalIds.has(id)) {
        this.professionalIds.add(id);
        return id;
      }
    }
  }

  private digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(Math.floor(this.rng.next() * 10));
    return s;
  }

  private professionalId(profession: StaffProfession): { system: string; value: string } | undefined {
    const rng = this.rng;
    switch (profession) {
      case 'gp':
      case 'consultant':
      case 'junior-doctor':
      case 'psychiatrist':
        // GMC reference numbers: 7 digits.
        return { system: GMC_SYSTEM, value: this.uniqueProfessionalId(() => `${rng.int(1, 7)}${this.digits(6)}`) };
      case 'nurse':
        // NMC PIN: 2 digits (year), a letter (month), 4 digits, a letter (country of first registration).
        return {
          system: NMC_SYSTEM,
          value: this.uniqueProfessionalId(
            () =>
              `${String(rng.int(80, 99 + 24) % 100).padStart(2, '0')}${'ABCDEFGHIJKL'[rng.int(0, 11)]}${this.digits(4)}${rng.chance(0.8) ? 'E' : rng.pick(['O', 'S', 'W', 'N'])}`,
          ),
        };
      case 'paramedic':
        return { system: HCPC_SYSTEM, value: this.uniqueProfessionalId(() => `PA${this.digits(5)}`) };
      case 'pharmacist':
        return { system: GPHC_SYSTEM, value: this.uniqueProfessionalId(() => `20${this.digits(5)}`) };
      case 'social-worker':
      case 'amhp':
        return { system: SWE_SYSTEM, value: this.uniqueProfessionalId(() => `SW${this.digits(5)}`) };
      case 'call-handler':
      case 'care-worker':
      case 'administrator':
      case 'privacy-officer':
        return undefined;
      default: {
        const unreachable: never = profession;
        throw new Error(`unknown profession ${String(unreachable)}`);
      }
    }
  }

  /** A new staff member with one role at `odsCode`. */
  hire(
    odsCode: string,
    profession: StaffProfession,
    jobRole: JobRole,
    options: { femaleShare?: number; specialty?: Coding } = {},
  ): StaffMember {
    const rng = this.rng;
    const female = rng.chance(options.femaleShare ?? 0.5);
    const heritage = pickLondonHeritage(rng);
    const birthYear = rng.int(1960, 2000);
    const sex = female ? 'female' : 'male';
    let family = pickFamilyName(rng, heritage);
    if (female) family = feminineFamilyName(rng, family, heritage);
    const isDoctor =
      profession === 'gp' ||
      profession === 'consultant' ||
      profession === 'junior-doctor' ||
      profession === 'psychiatrist';
    const given = [pickGivenName(rng, heritage, sex, birthYear)];
    const name: PersonName = isDoctor ? { prefix: 'Dr', given, family } : { given, family };
    const member: StaffMember = {
      sdsUserId: this.sdsId(),
      name,
      gender: sex,
      profession,
      roles: [],
    };
    const professionalId = this.professionalId(profession);
    if (professionalId) member.professionalId = professionalId;
    this.addRole(member, odsCode, jobRole, options.specialty);
    this.staff.push(member);
    return member;
  }

  /** Another role (PractitionerRole) for an existing member, at another organisation. */
  addRole(member: StaffMember, odsCode: string, jobRole: JobRole, specialty?: Coding): void {
    const role: StaffMember['roles'][number] = { odsCode, sdsRoleProfileId: this.sdsId(), jobRole };
    if (specialty) role.specialty = specialty;
    member.roles.push(role);
  }
}
