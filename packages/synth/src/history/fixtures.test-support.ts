import type {
  Address,
  AdministrativeSex,
  EthnicCategory,
  Organisation,
  OrganisationKind,
  Person,
  Region,
  Site,
  StaffMember,
  StaffProfession,
} from '../model.ts';
import { createRng } from '../random.ts';

/**
 * Hand-made test fixtures: a small region with one or two organisations of each kind, and people built to
 * order or drawn with a London age, sex and ethnic mix. Names and codes are fictional.
 */

const DISTRICTS = ['Southwark', 'Lambeth', 'Camden'] as const;

function address(district: string, n: number): Address {
  return { line: [`${n} Example Road`], city: 'London', district, postalCode: `SE1${n % 10} 9ZZ` };
}

function site(odsCode: string, name: string, district: string, hasEmergencyDepartment: boolean): Site {
  return { odsCode, name, address: address(district, odsCode.length), hasEmergencyDepartment };
}

function org(
  odsCode: string,
  name: string,
  kind: OrganisationKind,
  district: string,
  sites: Site[] = [],
  beds?: number,
): Organisation {
  const o: Organisation = {
    odsCode,
    name,
    kind,
    address: address(district, 1),
    telephone: '020 7946 0000',
    sites,
    system: { name: `${kind}-system`, localIdPrefix: odsCode.slice(0, 3) },
  };
  if (kind !== 'local-authority') o.parentOdsCode = 'QKK';
  if (beds !== undefined) o.beds = beds;
  return o;
}

const STAFF_PLAN: Record<OrganisationKind, StaffProfession[]> = {
  'gp-practice': ['gp', 'gp', 'nurse', 'administrator'],
  'acute-trust': ['consultant', 'consultant', 'consultant', 'junior-doctor', 'nurse', 'nurse', 'privacy-officer'],
  'mental-health-trust': ['psychiatrist', 'nurse', 'amhp', 'social-worker'],
  'community-trust': ['nurse', 'nurse'],
  'local-authority': ['social-worker', 'social-worker', 'amhp'],
  'ambulance-service': ['paramedic', 'paramedic'],
  'nhs-111': ['call-handler', 'nurse'],
  'care-home': ['care-worker', 'nurse'],
  pharmacy: ['pharmacist'],
  hospice: ['consultant', 'nurse'],
  'out-of-area-trust': ['consultant', 'nurse'],
};

/** A region with every kind of organisation, two acute trusts (one site without an ED) and a few staff each. */
export function makeRegion(): Region {
  const organisations: Organisation[] = [
    org('Y90001', 'Bankside Medical Centre', 'gp-practice', 'Southwark'),
    org('Y90002', 'Kentish Road Surgery', 'gp-practice', 'Camden'),
    org('R9A', 'South Thames Hospitals NHS Foundation Trust', 'acute-trust', 'Southwark', [
      site('R9A01', 'Bankside Hospital', 'Southwark', true),
      site('R9A02', 'Stockwell Community Hospital', 'Lambeth', false),
    ]),
    org('R9B', 'North Fleet Hospitals NHS Trust', 'acute-trust', 'Camden', [
      site('R9B01', 'Fleet Valley Hospital', 'Camden', true),
    ]),
    org('R9C', 'Riverside Mental Health NHS Trust', 'mental-health-trust', 'Lambeth', [
      site('R9C01', 'Riverside House', 'Lambeth', false),
    ]),
    org('R9D', 'Thames Community Health NHS Trust', 'community-trust', 'Southwark', [
      site('R9D01', 'Thames Health Centre', 'Southwark', false),
    ]),
    org('L9001', 'London Borough of Southwark (fixture)', 'local-authority', 'Southwark'),
    org('L9002', 'London Borough of Lambeth (fixture)', 'local-authority', 'Lambeth'),
    org('L9003', 'London Borough of Camden (fixture)', 'local-authority', 'Camden'),
    org('R9E', 'Metropolitan Ambulance Service NHS Trust', 'ambulance-service', 'Lambeth'),
    org('R9F', 'London 111 Service', 'nhs-111', 'Camden'),
    org('V9001', 'Elm Lodge Care Home', 'care-home', 'Southwark', [], 40),
    org('F9001', 'High Street Pharmacy', 'pharmacy', 'Lambeth'),
    org(
      'H9001',
      'St Brigid Hospice',
      'hospice',
      'Lambeth',
      [site('H900101', 'St Brigid Hospice', 'Lambeth', false)],
      20,
    ),
    org('R9G', 'Home Counties University Hospitals NHS Trust', 'out-of-area-trust', 'Surrey', [
      site('R9G01', 'Downs Hospital', 'Surrey', false),
    ]),
  ];
  const staff: StaffMember[] = [];
  let n = 0;
  for (const o of organisations) {
    for (const profession of STAFF_PLAN[o.kind]) {
      n++;
      staff.push({
        sdsUserId: String(555000000000 + n),
        name: { prefix: 'Dr', given: [`Given${n}`], family: `Family${n}` },
        gender: n % 2 === 0 ? 'female' : 'male',
        profession,
        roles: [
          {
            odsCode: o.odsCode,
            sdsRoleProfileId: String(777000000000 + n),
            jobRole: { code: 'R8000', display: 'Clinical Practitioner Access Role' },
          },
        ],
      });
    }
  }
  const byOdsCode = new Map<string, Organisation>();
  const byKind = new Map<OrganisationKind, Organisation[]>();
  for (const o of organisations) {
    byOdsCode.set(o.odsCode, o);
    let list = byKind.get(o.kind);
    if (!list) byKind.set(o.kind, (list = []));
    list.push(o);
  }
  const staffByOdsCode = new Map<string, StaffMember[]>();
  for (const member of staff) {
    for (const role of member.roles) {
      let list = staffByOdsCode.get(role.odsCode);
      if (!list) staffByOdsCode.set(role.odsCode, (list = []));
      list.push(member);
    }
  }
  return { name: 'Fixture London', organisations, staff, byOdsCode, byKind, staffByOdsCode };
}

export const AS_OF = '2026-11-01';

/** A person built to order; unspecified fields get plain defaults. */
export function makePerson(overrides: Partial<Person> & { index: number }): Person {
  const index = overrides.index;
  const person: Person = {
    personId: `P${String(index + 1).padStart(7, '0')}`,
    nhsNumber: '9990000018',
    name: { given: ['Alex'], family: 'Example' },
    previousNames: [],
    sex: 'female',
    birthDate: '1970-01-01',
    ethnicCategory: 'A',
    address: address('Southwark', index),
    previousAddresses: [],
    householdId: `H${index}`,
    gpPracticeOdsCode: 'Y90001',
    registeredSince: '2000-01-01',
    language: 'en',
    interpreterRequired: false,
    ...overrides,
  };
  return person;
}

// ONS mid-2022 population estimates, London, by five-year age band (per cent).
const LONDON_AGE_BANDS: readonly (readonly [number, number])[] = [
  [0, 6.0],
  [5, 5.9],
  [10, 6.0],
  [15, 5.6],
  [20, 6.3],
  [25, 8.3],
  [30, 9.4],
  [35, 8.8],
  [40, 7.6],
  [45, 6.6],
  [50, 6.3],
  [55, 5.7],
  [60, 4.7],
  [65, 3.6],
  [70, 3.0],
  [75, 2.2],
  [80, 1.6],
  [85, 0.9],
  [90, 0.5],
];

// ONS Census 2021, London ethnic groups, spread over the NHS Data Dictionary categories.
const LONDON_ETHNICITY: readonly (readonly [EthnicCategory, number])[] = [
  ['A', 36.8],
  ['B', 1.8],
  ['C', 15.2],
  ['D', 1.5],
  ['E', 0.9],
  ['F', 1.3],
  ['G', 2.0],
  ['H', 7.5],
  ['J', 3.3],
  ['K', 3.7],
  ['L', 4.6],
  ['M', 3.9],
  ['N', 7.9],
  ['P', 1.7],
  ['R', 1.7],
  ['S', 6.3],
  ['Z', 0.1],
];

/**
 * `count` people with London's age, sex and ethnic mix, all alive on AS_OF unless `deadShare` is given (the dead
 * died in the two years before AS_OF, at a place drawn from the ONS place-of-death shares).
 */
export function makeLondonPeople(count: number, seed = 'fixture', deadShare = 0): Person[] {
  const rng = createRng(`${seed}/fixture-people`);
  const asOf = Date.parse(AS_OF);
  const people: Person[] = [];
  for (let index = 0; index < count; index++) {
    const from = rng.weighted(LONDON_AGE_BANDS.map(([age, w]) => [age, w] as const));
    const age = from + rng.next() * (from === 90 ? 10 : 5);
    const birth = new Date(asOf - age * 365.25 * 86_400_000).toISOString().slice(0, 10);
    const sex: AdministrativeSex = rng.chance(0.5) ? 'female' : 'male';
    const district = rng.pick(DISTRICTS);
    const person = makePerson({
      index,
      sex,
      birthDate: birth,
      ethnicCategory: rng.weighted(LONDON_ETHNICITY),
      address: address(district, index),
      gpPracticeOdsCode: district === 'Camden' ? 'Y90002' : 'Y90001',
    });
    if (deadShare > 0 && age > 1 && rng.chance(deadShare)) {
      const deathMs = asOf - rng.int(1, 700) * 86_400_000;
      if (deathMs > Date.parse(birth)) {
        person.deathDate = new Date(deathMs).toISOString().slice(0, 10);
        person.placeOfDeath = rng.weighted([
          ['hospital', 44],
          ['home', 28],
          ['care-home', 20],
          ['hospice', 5],
          ['other', 3],
        ]);
      }
    }
    if (age >= 80 && rng.chance(0.08)) person.careHomeOdsCode = 'V9001';
    people.push(person);
  }
  return people;
}
