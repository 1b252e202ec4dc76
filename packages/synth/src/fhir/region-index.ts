import type { Location, Organization, Practitioner, Reference } from '@medplum/fhirtypes';
import { ODS_SYSTEM, type Organisation, type Region } from '../model.ts';
import { frozen } from './codes.ts';
import { nameDisplay } from './datatypes.ts';
import { locationId, organizationId, practitionerId } from './ids.ts';

/**
 * What every resource of a region points at, built once per region and shared: Organization references carry
 * the ODS identifier and display as well as the literal reference (domain.md 1.1 identifier systems).
 */
export interface RegionIndex {
  region: Region;
  /** Organisations of the region and the ICBs named as their parents. */
  organizationRefs: Map<string, Reference<Organization>>;
  /** ICB ODS codes that are parents of region organisations but not organisations of the region, in order. */
  icbCodes: string[];
  /** Sites by site ODS code, and the premises of organisations without sites by the organisation's code. */
  locationRefs: Map<string, Reference<Location>>;
  practitionerRefs: Map<string, Reference<Practitioner>>;
}

const cache = new WeakMap<Region, RegionIndex>();

function organizationRef(odsCode: string, name: string): Reference<Organization> {
  return frozen({
    reference: `Organization/${organizationId(odsCode)}`,
    identifier: { system: ODS_SYSTEM, value: odsCode },
    display: name,
  });
}

export function icbName(odsCode: string): string {
  return `Integrated Care Board ${odsCode}`;
}

/** The organisation's own premises stand in as its Location when it has no sites (a GP surgery, a pharmacy). */
export function hasPremisesLocation(org: Organisation): boolean {
  return org.sites.length === 0;
}

/** The region's index; built on first use and kept while the region lives. */
export function indexRegion(region: Region): RegionIndex {
  const cached = cache.get(region);
  if (cached) return cached;
  const organizationRefs = new Map<string, Reference<Organization>>();
  const locationRefs = new Map<string, Reference<Location>>();
  const practitionerRefs = new Map<string, Reference<Practitioner>>();
  const icbCodes: string[] = [];
  for (const org of region.organisations) {
    organizationRefs.set(org.odsCode, organizationRef(org.odsCode, org.name));
    for (const site of org.sites) {
      if (!locationRefs.has(site.odsCode)) {
        locationRefs.set(
          site.odsCode,
          frozen({ reference: `Location/${locationId(site.odsCode)}`, display: site.name }),
        );
      }
    }
    if (hasPremisesLocation(org) && !locationRefs.has(org.odsCode)) {
      locationRefs.set(org.odsCode, frozen({ reference: `Location/${locationId(org.odsCode)}`, display: org.name }));
    }
  }
  for (const org of region.organisations) {
    const parent = org.parentOdsCode;
    if (parent && !organizationRefs.has(parent)) {
      organizationRefs.set(parent, organizationRef(parent, icbName(parent)));
      icbCodes.push(parent);
    }
  }
  for (const member of region.staff) {
    practitionerRefs.set(
      member.sdsUserId,
      frozen({ reference: `Practitioner/${practitionerId(member.sdsUserId)}`, display: nameDisplay(member.name) }),
    );
  }
  const index: RegionIndex = { region, organizationRefs, icbCodes, locationRefs, practitionerRefs };
  cache.set(region, index);
  return index;
}

/**
 * A reference to an organisation: literal when the organisation is in the region's resources; otherwise a
 * logical reference by ODS code alone, so that no reference points at a resource nobody sends.
 */
export function organizationRefOf(index: RegionIndex, odsCode: string): Reference<Organization> {
  const ref = index.organizationRefs.get(odsCode);
  if (ref) return ref;
  return { identifier: { system: ODS_SYSTEM, value: odsCode } };
}

/** Where an event happened: its site, else the premises of an organisation without sites. */
export function locationRefOf(
  index: RegionIndex,
  odsCode: string,
  siteOdsCode: string | undefined,
): Reference<Location> | undefined {
  if (siteOdsCode) return index.locationRefs.get(siteOdsCode);
  const org = index.region.byOdsCode.get(odsCode);
  return org && hasPremisesLocation(org) ? index.locationRefs.get(odsCode) : undefined;
}
