import type { Identifier, Location, Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import {
  ODS_SYSTEM,
  SDS_ROLE_PROFILE_SYSTEM,
  SDS_USER_SYSTEM,
  type Organisation,
  type Region,
  type Site,
  type StaffMember,
} from '../model.ts';
import {
  ICB_TYPE,
  META,
  ODS_SITE_SYSTEM,
  ORGANIZATION_TYPE_BY_KIND,
  PHYSICAL_TYPE_BUILDING,
  SDS_JOB_ROLE_SYSTEM,
  SITE_TYPE_BY_KIND,
  SITE_TYPE_EMERGENCY,
} from './codes.ts';
import { fhirAddress, fhirName, phone } from './datatypes.ts';
import { locationId, organizationId, practitionerId, practitionerRoleId } from './ids.ts';
import { hasPremisesLocation, icbName, indexRegion, organizationRefOf, type RegionIndex } from './region-index.ts';

function icbOrganization(odsCode: string): Organization {
  return {
    resourceType: 'Organization',
    id: organizationId(odsCode),
    meta: META.Organization,
    identifier: [{ system: ODS_SYSTEM, value: odsCode }],
    active: true,
    type: ICB_TYPE,
    name: icbName(odsCode),
  };
}

function organization(org: Organisation, index: RegionIndex): Organization {
  const out: Organization = {
    resourceType: 'Organization',
    id: organizationId(org.odsCode),
    meta: META.Organization,
    identifier: [{ system: ODS_SYSTEM, value: org.odsCode }],
    active: true,
    type: ORGANIZATION_TYPE_BY_KIND[org.kind],
    name: org.name,
    address: [fhirAddress(org.address, 'work')],
  };
  if (org.telephone) out.telecom = [phone(org.telephone, 'work')];
  if (org.parentOdsCode) out.partOf = organizationRefOf(index, org.parentOdsCode);
  return out;
}

function siteLocation(site: Site, org: Organisation, index: RegionIndex): Location {
  const type = [];
  const kindType = SITE_TYPE_BY_KIND[org.kind];
  if (kindType) type.push(kindType);
  if (site.hasEmergencyDepartment) type.push(SITE_TYPE_EMERGENCY);
  const out: Location = {
    resourceType: 'Location',
    id: locationId(site.odsCode),
    meta: META.Location,
    identifier: [{ system: ODS_SITE_SYSTEM, value: site.odsCode }],
    status: 'active',
    name: site.name,
    mode: 'instance',
    address: fhirAddress(site.address, 'work'),
    physicalType: PHYSICAL_TYPE_BUILDING,
    managingOrganization: organizationRefOf(index, org.odsCode),
  };
  if (type.length > 0) out.type = type;
  return out;
}

/** The premises of an organisation without sites, so that its encounters and appointments have a Location. */
function premisesLocation(org: Organisation, index: RegionIndex): Location {
  return {
    resourceType: 'Location',
    id: locationId(org.odsCode),
    meta: META.Location,
    identifier: [{ system: ODS_SITE_SYSTEM, value: org.odsCode }],
    status: 'active',
    name: org.name,
    mode: 'instance',
    address: fhirAddress(org.address, 'work'),
    physicalType: PHYSICAL_TYPE_BUILDING,
    managingOrganization: organizationRefOf(index, org.odsCode),
  };
}

function practitioner(member: StaffMember): Practitioner {
  const identifier: Identifier[] = [{ system: SDS_USER_SYSTEM, value: member.sdsUserId }];
  if (member.professionalId)
    identifier.push({ system: member.professionalId.system, value: member.professionalId.value });
  return {
    resourceType: 'Practitioner',
    id: practitionerId(member.sdsUserId),
    meta: META.Practitioner,
    identifier,
    active: true,
    name: [fhirName(member.name)],
    gender: member.gender,
  };
}

function practitionerRoles(member: StaffMember, index: RegionIndex): PractitionerRole[] {
  const practitionerRef = index.practitionerRefs.get(member.sdsUserId);
  return member.roles.map((role) => {
    const out: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: practitionerRoleId(role.sdsRoleProfileId),
      meta: META.PractitionerRole,
      identifier: [{ system: SDS_ROLE_PROFILE_SYSTEM, value: role.sdsRoleProfileId }],
      active: true,
      practitioner: practitionerRef,
      organization: organizationRefOf(index, role.odsCode),
      code: [{ coding: [{ system: SDS_JOB_ROLE_SYSTEM, code: role.jobRole.code, display: role.jobRole.display }] }],
    };
    if (role.specialty) out.specialty = [{ coding: [role.specialty] }];
    return out;
  });
}

/**
 * The region as FHIR: ICB Organizations (from the organisations' parent codes), the region's Organizations,
 * a Location per site (and per organisation without sites), Practitioners and PractitionerRoles.
 */
export function regionResources(region: Region): Resource[] {
  const index = indexRegion(region);
  const out: Resource[] = [];
  for (const code of index.icbCodes) out.push(icbOrganization(code));
  for (const org of region.organisations) out.push(organization(org, index));
  const locationIds = new Set<string>();
  for (const org of region.organisations) {
    for (const site of org.sites) {
      const location = siteLocation(site, org, index);
      if (!locationIds.has(location.id!)) {
        locationIds.add(location.id!);
        out.push(location);
      }
    }
    if (hasPremisesLocation(org)) {
      const location = premisesLocation(org, index);
      if (!locationIds.has(location.id!)) {
        locationIds.add(location.id!);
        out.push(location);
      }
    }
  }
  for (const member of region.staff) out.push(practitioner(member));
  for (const member of region.staff) for (const role of practitionerRoles(member, index)) out.push(role);
  return out;
}
