import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Location, Organization, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { ODS_SYSTEM, SDS_ROLE_PROFILE_SYSTEM, SDS_USER_SYSTEM } from '../model.ts';
import { keyOf, referencesIn } from './fhir-test-helpers.test-support.ts';
import { STAFF, fixtureRegion } from './fixtures.test-support.ts';
import { isValidFhirId, ODS_SITE_SYSTEM, regionBundle, regionResources, SDS_JOB_ROLE_SYSTEM } from './index.ts';

const region = fixtureRegion();
const resources = regionResources(region);
const byKey = new Map(resources.map((r) => [keyOf(r), r]));

function get<T>(key: string): T {
  const r = byKey.get(key);
  assert.ok(r, `${key} is in the region's resources`);
  return r as T;
}

test('ids are valid FHIR ids and unique', () => {
  for (const r of resources) assert.ok(isValidFhirId(r.id!), keyOf(r));
  assert.equal(byKey.size, resources.length);
});

test('every organisation, site and staff role becomes a resource', () => {
  const count = (type: string) => resources.filter((r) => r.resourceType === type).length;
  // 11 organisations and the 2 ICBs named as parents.
  assert.equal(count('Organization'), 13);
  // 6 sites, and the premises of the 6 organisations without sites.
  assert.equal(count('Location'), 12);
  assert.equal(count('Practitioner'), region.staff.length);
  assert.equal(
    count('PractitionerRole'),
    region.staff.reduce((n, s) => n + s.roles.length, 0),
  );
});

test('every literal reference points at a resource of the region, and organisations carry ODS and display', () => {
  for (const r of resources) {
    for (const ref of referencesIn(r)) {
      assert.ok(byKey.has(ref.reference!), `${keyOf(r)} -> ${ref.reference}`);
      if (ref.reference!.startsWith('Organization/')) {
        assert.equal(ref.identifier?.system, ODS_SYSTEM);
        assert.equal(`Organization/${ref.identifier?.value}`, ref.reference);
        assert.ok(ref.display);
      }
    }
  }
});

test('organisations carry ODS code, type and their ICB; ICBs are made from parent codes', () => {
  const trust = get<Organization>('Organization/R9Z');
  assert.deepEqual(trust.identifier, [{ system: ODS_SYSTEM, value: 'R9Z' }]);
  assert.equal(trust.partOf?.reference, 'Organization/QZZ');
  assert.ok(trust.type?.some((t) => t.coding?.[0]?.code === 'RO197'));
  assert.equal(trust.telecom?.[0]?.value, '020 7946 0001');
  assert.equal(get<Organization>('Organization/R8Z').partOf?.reference, 'Organization/QKZ');
  assert.equal(get<Organization>('Organization/LA901').partOf, undefined);
  const icb = get<Organization>('Organization/QZZ');
  assert.ok(icb.type?.some((t) => t.coding?.[0]?.code === 'RO318'));
  assert.equal(get<Organization>('Organization/F99001').type?.[0]?.coding?.[0]?.code, 'RO76');
});

test('sites are Locations of their trust; organisations without sites get their premises', () => {
  const site = get<Location>('Location/R9Z01');
  assert.deepEqual(site.identifier, [{ system: ODS_SITE_SYSTEM, value: 'R9Z01' }]);
  assert.equal(site.managingOrganization?.reference, 'Organization/R9Z');
  assert.ok(site.type?.some((t) => t.coding?.[0]?.code === 'ER'));
  assert.ok(!get<Location>('Location/R9Z02').type?.some((t) => t.coding?.[0]?.code === 'ER'));
  assert.equal(get<Location>('Location/F99001').managingOrganization?.reference, 'Organization/F99001');
  assert.ok(!byKey.has('Location/R9Z'), 'a trust with sites has no premises Location');
});

test('practitioners carry SDS and register ids; roles carry the role profile, job role and specialty', () => {
  const consultant = get<Practitioner>(`Practitioner/sds-${STAFF.consultant}`);
  assert.deepEqual(consultant.identifier, [
    { system: SDS_USER_SYSTEM, value: STAFF.consultant },
    { system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: '7000002' },
  ]);
  assert.deepEqual(consultant.name, [{ use: 'official', prefix: ['Dr'], given: ['Tomasz', 'Jan'], family: 'Nowicki' }]);
  assert.equal(consultant.gender, 'male');
  assert.equal(get<Practitioner>(`Practitioner/sds-${STAFF.callHandler}`).identifier?.length, 1);

  const role = get<PractitionerRole>('PractitionerRole/role-910000000002');
  assert.deepEqual(role.identifier, [{ system: SDS_ROLE_PROFILE_SYSTEM, value: '910000000002' }]);
  assert.equal(role.practitioner?.reference, `Practitioner/sds-${STAFF.consultant}`);
  assert.equal(role.organization?.reference, 'Organization/R9Z');
  assert.deepEqual(role.code?.[0]?.coding, [
    { system: SDS_JOB_ROLE_SYSTEM, code: 'R8000', display: 'Clinical Practitioner Access Role' },
  ]);
  assert.equal(role.specialty?.[0]?.coding?.[0]?.code, '394579002');
  assert.equal(get<PractitionerRole>('PractitionerRole/role-910000000012').specialty, undefined);
});

test('every resource names its UK Core profile', () => {
  for (const r of resources) {
    assert.equal(r.meta?.profile?.[0], `https://fhir.hl7.org.uk/StructureDefinition/UKCore-${r.resourceType}`);
  }
});

test('the region bundle is a transaction of PUTs to Type/id', () => {
  const bundle = regionBundle(region);
  assert.equal(bundle.type, 'transaction');
  assert.equal(bundle.entry?.length, resources.length);
  for (const entry of bundle.entry ?? []) {
    assert.equal(entry.request?.method, 'PUT');
    assert.equal(entry.request?.url, keyOf(entry.resource!));
  }
});

test('the same region gives the same resources', () => {
  assert.equal(JSON.stringify(regionResources(fixtureRegion())), JSON.stringify(resources));
});
