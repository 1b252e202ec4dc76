import type { Organisation, OrganisationKind, Person, Region, Site, StaffMember, StaffProfession } from '../model.ts';
import type { Rng } from '../random.ts';

/** What the history generator needs of a region, built once per region (the region is never changed). */
export interface RegionIndex {
  staffIdsByOrg: Map<string, Map<StaffProfession, string[]>>;
  staffById: Map<string, StaffMember>;
  ofKind: (kind: OrganisationKind) => Organisation[];
  /** Organisations of a kind with a site (or, for a local authority, an address) in a district. */
  inDistrict: (kind: OrganisationKind, district: string) => Organisation[];
}

const indexes = new WeakMap<Region, RegionIndex>();

export function indexRegion(region: Region): RegionIndex {
  const cached = indexes.get(region);
  if (cached) return cached;
  const staffIdsByOrg: RegionIndex['staffIdsByOrg'] = new Map();
  for (const [odsCode, staff] of region.staffByOdsCode) {
    const byProfession = new Map<StaffProfession, string[]>();
    for (const member of staff) {
      let list = byProfession.get(member.profession);
      if (!list) byProfession.set(member.profession, (list = []));
      list.push(member.sdsUserId);
    }
    staffIdsByOrg.set(odsCode, byProfession);
  }
  const staffById = new Map<string, StaffMember>();
  for (const member of region.staff) staffById.set(member.sdsUserId, member);

  const byDistrict = new Map<string, Organisation[]>();
  for (const org of region.organisations) {
    const districts = new Set<string>([org.address.district]);
    for (const site of org.sites) districts.add(site.address.district);
    for (const district of districts) {
      const key = `${org.kind}|${district}`;
      let list = byDistrict.get(key);
      if (!list) byDistrict.set(key, (list = []));
      list.push(org);
    }
  }
  const empty: Organisation[] = [];
  const index: RegionIndex = {
    staffIdsByOrg,
    staffById,
    ofKind: (kind) => region.byKind.get(kind) ?? empty,
    inDistrict: (kind, district) => byDistrict.get(`${kind}|${district}`) ?? empty,
  };
  indexes.set(region, index);
  return index;
}

/** An organisation and the site where the person is seen (the first site in their district, else the first). */
export interface Place {
  org: Organisation;
  site?: Site;
}

/** The organisations that record a person's events. */
export interface PersonOrganisations {
  gp: Place;
  acute?: Place;
  /** An acute site with an emergency department: the local trust's, else the nearest other trust's. */
  emergency?: Place;
  mentalHealth?: Place;
  community?: Place;
  localAuthority?: Place;
  ambulance?: Place;
  nhs111?: Place;
  careHome?: Place;
  hospice?: Place;
  /** Trusts outside the region, for a few tertiary and cancer referrals. */
  outOfArea: Place[];
  /** Two or three hospitals for future appointments: the local trust first. */
  hospitals: Place[];
}

function siteIn(org: Organisation, district: string, needsEd: boolean): Site | undefined {
  let fallback: Site | undefined;
  for (const site of org.sites) {
    if (needsEd && !site.hasEmergencyDepartment) continue;
    if (site.address.district === district) return site;
    fallback ??= site;
  }
  return fallback;
}

function placeOf(org: Organisation | undefined, district: string): Place | undefined {
  if (!org) return undefined;
  const site = siteIn(org, district, false);
  return site ? { org, site } : { org };
}

/** Prefers an organisation of `kind` in the person's district; falls back to any of that kind. */
function localOf(index: RegionIndex, rng: Rng, kind: OrganisationKind, district: string): Organisation | undefined {
  const local = index.inDistrict(kind, district);
  if (local.length > 0) return rng.pick(local);
  const all = index.ofKind(kind);
  return all.length > 0 ? rng.pick(all) : undefined;
}

export function choosePersonOrganisations(
  index: RegionIndex,
  region: Region,
  person: Person,
  rng: Rng,
): PersonOrganisations {
  const district = person.address.district;
  const gpOrg = region.byOdsCode.get(person.gpPracticeOdsCode) ?? index.ofKind('gp-practice')[0];
  if (!gpOrg) throw new Error(`no GP practice ${person.gpPracticeOdsCode} in region ${region.name}`);

  const acuteOrg = localOf(index, rng, 'acute-trust', district);
  let emergency: Place | undefined;
  const localEd = acuteOrg ? siteIn(acuteOrg, district, true) : undefined;
  if (acuteOrg && localEd) emergency = { org: acuteOrg, site: localEd };
  else {
    for (const org of index.ofKind('acute-trust')) {
      const site = siteIn(org, district, true);
      if (site) {
        emergency = { org, site };
        break;
      }
    }
  }

  const careHomeOrg = person.careHomeOdsCode ? region.byOdsCode.get(person.careHomeOdsCode) : undefined;
  const outOfArea: Place[] = [];
  for (const org of index.ofKind('out-of-area-trust')) outOfArea.push(placeOf(org, district)!);

  const acute = placeOf(acuteOrg, district);
  const hospitals: Place[] = acute ? [acute] : [];
  const others: Place[] = [];
  for (const org of index.ofKind('acute-trust')) if (org !== acuteOrg) others.push(placeOf(org, district)!);
  for (const place of outOfArea) others.push(place);
  const wanted = rng.chance(0.5) ? 3 : 2;
  while (hospitals.length < wanted && others.length > 0) {
    const i = Math.floor(rng.next() * others.length);
    hospitals.push(others[i]!);
    others.splice(i, 1);
  }

  return {
    gp: placeOf(gpOrg, district)!,
    acute,
    emergency,
    mentalHealth: placeOf(localOf(index, rng, 'mental-health-trust', district), district),
    community: placeOf(localOf(index, rng, 'community-trust', district), district),
    localAuthority: placeOf(localOf(index, rng, 'local-authority', district), district),
    ambulance: placeOf(localOf(index, rng, 'ambulance-service', district), district),
    nhs111: placeOf(localOf(index, rng, 'nhs-111', district), district),
    careHome: placeOf(careHomeOrg, district),
    hospice: placeOf(localOf(index, rng, 'hospice', district), district),
    outOfArea,
    hospitals,
  };
}

/**
 * A staff member of `odsCode` with the first profession in `professions` that the organisation has; none when it
 * has no one fitting (an event is better without a performer than with an administrator as its clinician).
 */
export function pickStaff(
  index: RegionIndex,
  rng: Rng,
  odsCode: string,
  professions: readonly StaffProfession[],
): string | undefined {
  const staff = index.staffIdsByOrg.get(odsCode);
  if (!staff) return undefined;
  for (const profession of professions) {
    const ids = staff.get(profession);
    if (ids && ids.length > 0) return rng.pick(ids);
  }
  return undefined;
}
