import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrganisationKind, Region } from '../model.ts';
import { BOROUGHS, LANDLINE_PATTERN, POSTCODE_PATTERN } from '../people/index.ts';
import { createRng } from '../random.ts';
import { buildRegion, GMC_SYSTEM, HCPC_SYSTEM, LONDON_ICBS, NMC_SYSTEM, organisationCounts } from './index.ts';

const small = buildRegion(createRng('region-test'), { patients: 3_000 });
const large = buildRegion(createRng('region-test'), { patients: 10_000_000 });

const FIXED: readonly [OrganisationKind, number][] = [
  ['acute-trust', 17],
  ['mental-health-trust', 9],
  ['community-trust', 6],
  ['local-authority', 33],
  ['ambulance-service', 1],
  ['nhs-111', 1],
  ['out-of-area-trust', 4],
  ['hospice', 15],
];

for (const [label, region] of [
  ['3,000', small],
  ['10,000,000', large],
] as const) {
  test(`a region of ${label} people has every fixed organisation and exactly 27 EDs`, () => {
    for (const [kind, count] of FIXED) assert.equal(region.byKind.get(kind)?.length, count, kind);
    for (const kind of ['gp-practice', 'care-home', 'pharmacy'] as const) {
      assert.ok((region.byKind.get(kind)?.length ?? 0) >= 3, kind);
    }
    const eds = region.organisations.flatMap((o) => o.sites).filter((s) => s.hasEmergencyDepartment);
    assert.equal(eds.length, 27);
    for (const ed of eds) assert.ok(region.byKind.get('acute-trust')!.some((t) => t.sites.includes(ed)));
  });

  test(`a region of ${label} people has unique ODS codes of the right shapes`, () => {
    const codes = new Set<string>();
    const shapes: Record<OrganisationKind, RegExp> = {
      'gp-practice': /^Y9\d{4}$/,
      'acute-trust': /^R[0-9][A-Z]$/,
      'mental-health-trust': /^R[0-9][A-Z]$/,
      'community-trust': /^R[0-9][A-Z]$/,
      'ambulance-service': /^R[0-9][A-Z]$/,
      'out-of-area-trust': /^R[0-9][A-Z]$/,
      'nhs-111': /^[A-Z][0-9][A-Z]$/,
      'local-authority': /^\d{3}$/,
      'care-home': /^V\d{4}$/,
      pharmacy: /^F[A-Z]\d{3}$/,
      hospice: /^VH\d{3}$/,
    };
    for (const org of region.organisations) {
      assert.match(org.odsCode, shapes[org.kind], `${org.kind} ${org.odsCode}`);
      assert.ok(!codes.has(org.odsCode), org.odsCode);
      codes.add(org.odsCode);
      for (const site of org.sites) {
        assert.match(site.odsCode, /^[A-Z0-9]{5}$/);
        assert.ok(!codes.has(site.odsCode), site.odsCode);
        codes.add(site.odsCode);
      }
    }
    for (const icb of LONDON_ICBS) assert.ok(!codes.has(icb.odsCode));
    assert.equal(region.byOdsCode.size, region.organisations.length);
    for (const org of region.organisations) assert.equal(region.byOdsCode.get(org.odsCode), org);
  });

  test(`a region of ${label} people: addresses, phones, parents, systems and beds`, () => {
    const icbCodes = new Set(LONDON_ICBS.map((icb) => icb.odsCode));
    const boroughNames = new Set(BOROUGHS.map((b) => b.name));
    for (const org of region.organisations) {
      assert.match(org.telephone, LANDLINE_PATTERN);
      assert.match(org.address.postalCode, POSTCODE_PATTERN);
      for (const site of org.sites) assert.match(site.address.postalCode, POSTCODE_PATTERN);
      assert.ok(org.name.length > 0 && org.system.name.length > 0 && org.system.localIdPrefix.length > 0);
      if (org.kind === 'local-authority' || org.kind === 'out-of-area-trust') {
        assert.equal(org.parentOdsCode, undefined);
      } else {
        assert.ok(icbCodes.has(org.parentOdsCode!), `${org.odsCode} ${org.parentOdsCode}`);
      }
      if (org.kind === 'out-of-area-trust') assert.ok(!boroughNames.has(org.address.district));
      else assert.ok(boroughNames.has(org.address.district), org.address.district);
      if (org.kind === 'care-home' || org.kind === 'hospice') assert.ok((org.beds ?? 0) > 0);
      else assert.equal(org.beds, undefined);
    }
    for (const borough of BOROUGHS) {
      assert.equal(
        region.byKind.get('local-authority')!.filter((la) => la.address.district === borough.name).length,
        1,
      );
    }
  });

  test(`a region of ${label} people: staff with unique SDS ids and professional numbers`, () => {
    const ids = new Set<string>();
    const professional = new Set<string>();
    for (const member of region.staff) {
      for (const id of [member.sdsUserId, ...member.roles.map((r) => r.sdsRoleProfileId)]) {
        assert.match(id, /^\d{12}$/);
        assert.ok(!ids.has(id), id);
        ids.add(id);
      }
      assert.ok(member.roles.length >= 1);
      for (const role of member.roles) {
        assert.ok(region.byOdsCode.has(role.odsCode), role.odsCode);
        assert.match(role.jobRole.code, /^R\d{4}$/);
        assert.ok(region.staffByOdsCode.get(role.odsCode)!.includes(member));
      }
      if (member.professionalId) {
        const key = `${member.professionalId.system}|${member.professionalId.value}`;
        assert.ok(!professional.has(key), key);
        professional.add(key);
        const value = member.professionalId.value;
        if (member.professionalId.system === GMC_SYSTEM) assert.match(value, /^\d{7}$/);
        if (member.professionalId.system === NMC_SYSTEM) assert.match(value, /^\d{2}[A-L]\d{4}[A-Z]$/);
        if (member.professionalId.system === HCPC_SYSTEM) assert.match(value, /^PA\d{5}$/);
      }
      if (['gp', 'consultant', 'junior-doctor', 'psychiatrist'].includes(member.profession)) {
        assert.equal(member.professionalId?.system, GMC_SYSTEM);
        assert.equal(member.name.prefix, 'Dr');
      }
    }
  });

  test(`a region of ${label} people: each organisation has the staff it needs`, () => {
    const staffOf = (odsCode: string, profession: string): number =>
      (region.staffByOdsCode.get(odsCode) ?? []).filter(
        (m) => m.profession === profession && m.roles[0]!.odsCode === odsCode,
      ).length;
    for (const gp of region.byKind.get('gp-practice')!) {
      assert.equal(staffOf(gp.odsCode, 'gp'), 4);
      assert.equal(staffOf(gp.odsCode, 'nurse'), 3);
      assert.equal(staffOf(gp.odsCode, 'administrator'), 2);
    }
    for (const trust of region.byKind.get('acute-trust')!) {
      const consultants = region.staffByOdsCode.get(trust.odsCode)!.filter((m) => m.profession === 'consultant');
      assert.equal(consultants.length, 30);
      assert.ok(consultants.every((c) => c.roles[0]!.specialty?.system === 'http://snomed.info/sct'));
      assert.ok(new Set(consultants.map((c) => c.roles[0]!.specialty!.code)).size >= 10);
      assert.equal(staffOf(trust.odsCode, 'nurse'), 20);
      assert.equal(staffOf(trust.odsCode, 'junior-doctor'), 10);
      assert.equal(staffOf(trust.odsCode, 'privacy-officer'), 1);
    }
    for (const trust of region.byKind.get('mental-health-trust')!)
      assert.ok(staffOf(trust.odsCode, 'psychiatrist') > 0);
    for (const la of region.byKind.get('local-authority')!) {
      assert.equal(staffOf(la.odsCode, 'amhp'), 3);
      assert.equal(staffOf(la.odsCode, 'social-worker'), 5);
    }
    assert.equal(staffOf(region.byKind.get('ambulance-service')![0]!.odsCode, 'paramedic'), 60);
    const nhs111 = region.byKind.get('nhs-111')![0]!.odsCode;
    assert.equal(staffOf(nhs111, 'call-handler'), 20);
    assert.equal(staffOf(nhs111, 'nurse') + staffOf(nhs111, 'paramedic'), 5);
    for (const home of region.byKind.get('care-home')!) {
      assert.equal(staffOf(home.odsCode, 'care-worker'), 3);
      assert.equal(staffOf(home.odsCode, 'nurse'), 1);
    }
    for (const pharmacy of region.byKind.get('pharmacy')!) assert.equal(staffOf(pharmacy.odsCode, 'pharmacist'), 1);
    for (const hospice of region.byKind.get('hospice')!) {
      assert.ok(staffOf(hospice.odsCode, 'consultant') > 0 && staffOf(hospice.odsCode, 'nurse') > 0);
    }
  });
}

test('scaled organisations follow the population, within their bounds', () => {
  assert.deepEqual(organisationCounts(3_000), { practices: 5, careHomes: 3, pharmacies: 3 });
  assert.deepEqual(organisationCounts(10_000_000), { practices: 1250, careHomes: 1429, pharmacies: 1818 });
  assert.equal(organisationCounts(100_000_000).practices, 1300);
  assert.equal(large.byKind.get('gp-practice')!.length, 1250);
  assert.equal(large.byKind.get('care-home')!.length, 1429);
  assert.equal(large.byKind.get('pharmacy')!.length, 1818);
  // a large region has practices, care homes and pharmacies in every borough
  for (const kind of ['gp-practice', 'care-home', 'pharmacy'] as const) {
    const boroughs = new Set(large.byKind.get(kind)!.map((o) => o.address.district));
    assert.equal(boroughs.size, 33, kind);
  }
  // staff stay modest
  assert.ok(small.staff.length < 3_000, `small: ${small.staff.length}`);
  assert.ok(large.staff.length < 30_000, `large: ${large.staff.length}`);
});

test('the same seed and size give a deep-equal region; another seed another', () => {
  const strip = (r: Region): unknown => ({ name: r.name, organisations: r.organisations, staff: r.staff });
  assert.deepEqual(strip(buildRegion(createRng('region-test'), { patients: 3_000 })), strip(small));
  const other = buildRegion(createRng('another'), { patients: 3_000 });
  assert.notDeepEqual(strip(other), strip(small));
  // the fixed organisations keep their codes and names whatever the seed
  assert.deepEqual(
    other.byKind.get('acute-trust')!.map((o) => [o.odsCode, o.name]),
    small.byKind.get('acute-trust')!.map((o) => [o.odsCode, o.name]),
  );
});
