import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isOperationOutcomeError, type Resource } from '@joinedup/fhir';
import { findIdsForCondition } from './search.ts';
import { ids, openTestEnv, type TestEnv } from './search.test-support.ts';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

function aPatient(
  id: string,
  p: {
    family: string;
    given?: string[];
    birthDate?: string;
    gender?: string;
    nhs?: string;
    org?: string;
    active?: boolean;
  },
): Resource {
  return {
    resourceType: 'Patient',
    id,
    name: [{ family: p.family, given: p.given ?? [] }],
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(p.gender ? { gender: p.gender } : {}),
    ...(p.active !== undefined ? { active: p.active } : {}),
    ...(p.nhs ? { identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: p.nhs }] } : {}),
    ...(p.org ? { managingOrganization: { reference: `Organization/${p.org}` } } : {}),
    telecom: [{ system: 'phone', value: `0161 ${id}` }],
  } as Resource;
}

function anObservation(
  id: string,
  o: {
    patient: string;
    code: string;
    date?: string;
    value?: number;
    unit?: string;
    status?: string;
    encounter?: string;
    period?: { start?: string; end?: string };
    text?: string;
  },
): Resource {
  return {
    resourceType: 'Observation',
    id,
    status: o.status ?? 'final',
    code: { coding: [{ system: LOINC, code: o.code, display: `Code ${o.code}` }], ...(o.text ? { text: o.text } : {}) },
    subject: { reference: `Patient/${o.patient}` },
    ...(o.encounter ? { encounter: { reference: `Encounter/${o.encounter}` } } : {}),
    ...(o.date ? { effectiveDateTime: o.date } : {}),
    ...(o.period ? { effectivePeriod: o.period } : {}),
    ...(o.value !== undefined
      ? { valueQuantity: { value: o.value, unit: o.unit ?? 'kg', system: UCUM, code: o.unit ?? 'kg' } }
      : {}),
  } as Resource;
}

let env: TestEnv;

before(async () => {
  env = await openTestEnv();
  await env.create(
    {
      resourceType: 'Organization',
      id: 'org1',
      name: 'Leeds Teaching Hospitals',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RR8' }],
    },
    {
      resourceType: 'Organization',
      id: 'org2',
      name: 'Manchester University',
      partOf: { reference: 'Organization/org1' },
    },
    aPatient('p1', {
      family: 'Smith',
      given: ['John', 'Jacob'],
      birthDate: '1970-05-20',
      gender: 'male',
      nhs: '9000000009',
      org: 'org1',
      active: true,
    }),
    aPatient('p2', {
      family: 'Smythe',
      given: ['Jane'],
      birthDate: '1985',
      gender: 'female',
      nhs: '9000000017',
      org: 'org2',
      active: false,
    }),
    aPatient('p3', { family: 'Ørsted-Núñez', given: ['Zoë'], birthDate: '2001-12-31', gender: 'other', org: 'org2' }),
    aPatient('p4', { family: "O'Brien", given: ['Seán'], gender: 'unknown' }),
    {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: 'Patient/p1' },
      serviceProvider: { reference: 'Organization/org1' },
      period: { start: '2024-03-01T09:00:00Z', end: '2024-03-01T10:00:00Z' },
    },
    {
      resourceType: 'Encounter',
      id: 'e2',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: 'Patient/p2' },
      period: { start: '2025-06-01T09:00:00Z' },
    },
    anObservation('o1', {
      patient: 'p1',
      code: '29463-7',
      date: '2024-03-01T09:30:00Z',
      value: 70.5,
      encounter: 'e1',
      text: 'Body weight',
    }),
    anObservation('o2', { patient: 'p1', code: '29463-7', date: '2024-06-15', value: 72, encounter: 'e1' }),
    anObservation('o3', { patient: 'p1', code: '8302-2', date: '2023', value: 180, unit: 'cm' }),
    anObservation('o4', {
      patient: 'p2',
      code: '29463-7',
      date: '2025-01-10T08:00:00+01:00',
      value: 100,
      encounter: 'e2',
      status: 'amended',
    }),
    anObservation('o5', { patient: 'p2', code: '8302-2', period: { start: '2025-01-01' } }),
    anObservation('o6', { patient: 'p3', code: '29463-7', value: 99.6 }),
    {
      resourceType: 'Observation',
      id: 'bp1',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '85354-9' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2024-03-01T09:40:00Z',
      component: [
        {
          code: { coding: [{ system: LOINC, code: '8480-6' }] },
          valueQuantity: { value: 135, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: LOINC, code: '8462-4' }] },
          valueQuantity: { value: 85, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
        },
      ],
    },
    {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
      onsetDateTime: '2010',
    },
    {
      resourceType: 'Condition',
      id: 'c2',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
      },
      code: { text: 'Sprained ankle' },
    },
    {
      resourceType: 'Provenance',
      id: 'prov1',
      target: [{ reference: 'Observation/o1' }],
      recorded: '2024-03-01T10:00:00Z',
      agent: [{ who: { reference: 'Organization/org1' } }],
    },
    {
      resourceType: 'ValueSet',
      id: 'vs1',
      url: 'http://example.org/fhir/ValueSet/colours',
      version: '1.0',
      status: 'active',
    },
    { resourceType: 'Questionnaire', id: 'q1', status: 'active', url: 'http://example.org/fhir/Questionnaire/phq9' },
    {
      resourceType: 'QuestionnaireResponse',
      id: 'qr1',
      status: 'completed',
      questionnaire: 'http://example.org/fhir/Questionnaire/phq9|2.0',
      subject: { reference: 'Patient/p1' },
    },
    {
      resourceType: 'RiskAssessment',
      id: 'ra1',
      status: 'final',
      subject: { reference: 'Patient/p1' },
      prediction: [{ probabilityDecimal: 0.25 }],
    },
    {
      resourceType: 'RiskAssessment',
      id: 'ra2',
      status: 'final',
      subject: { reference: 'Patient/p2' },
      prediction: [{ probabilityDecimal: 0.8 }],
    },
    {
      resourceType: 'DiagnosticReport',
      id: 'dr1',
      status: 'final',
      code: { text: 'Panel' },
      subject: { reference: 'Patient/p1' },
      result: [{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }],
    },
    {
      resourceType: 'Observation',
      id: 'ext1',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '1-1' }] },
      subject: { reference: 'https://other.example.org/fhir/Patient/remote1' },
      performer: [{ identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'U123' } }],
    },
  );
});

after(() => env.close());

async function expectIds(query: string, expected: string[]) {
  const r = await env.search(query);
  assert.deepEqual(ids(r), [...expected].sort(), query);
  return r;
}

async function expectError(query: string, status: number, pattern?: RegExp, strict = false) {
  await assert.rejects(env.search(query, { strict }), (e: unknown) => {
    assert.ok(isOperationOutcomeError(e), `${query}: ${String(e)}`);
    assert.equal(e.status, status, `${query}: ${e.message}`);
    assert.equal(e.outcome.resourceType, 'OperationOutcome');
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('string', () => {
  test('starts with, case and accent insensitive', async () => {
    await expectIds('Patient?family=sm', ['p1', 'p2']);
    await expectIds('Patient?family=SMITH', ['p1']);
    await expectIds('Patient?family=orsted-nun', ['p3']);
    await expectIds('Patient?given=zoe', ['p3']);
    await expectIds('Patient?name=jacob', ['p1']);
  });
  test(':exact and :contains', async () => {
    await expectIds('Patient?family:exact=Smith', ['p1']);
    await expectIds('Patient?family:exact=smith', []);
    await expectIds('Patient?family:contains=MYT', ['p2']);
    await expectIds('Patient?family:contains=%25', []);
  });
  test('comma is OR, repetition is AND', async () => {
    await expectIds('Patient?family=smith,obrien,o%27b', ['p1', 'p4']);
    await expectIds('Patient?family=sm&given=jane', ['p2']);
  });
  test(':missing', async () => {
    await expectIds('Patient?birthdate:missing=true', ['p4']);
    await expectIds('Patient?birthdate:missing=false', ['p1', 'p2', 'p3']);
  });
});

describe('token', () => {
  test('code, system|code, |code, system|', async () => {
    await expectIds('Observation?code=29463-7', ['o1', 'o2', 'o4', 'o6']);
    await expectIds(`Observation?code=${LOINC}|8302-2`, ['o3', 'o5']);
    await expectIds('Observation?code=http://snomed.info/sct|8302-2', []);
    await expectIds('Observation?status=|final', ['o1', 'o2', 'o3', 'o5', 'o6', 'bp1', 'ext1']);
    await expectIds('Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|', ['p1', 'p2']);
    await expectIds('Patient?identifier=9000000017', ['p2']);
    await expectIds('Patient?gender=male,female', ['p1', 'p2']);
    await expectIds('Patient?active=true', ['p1']);
    await expectIds('Patient?phone=0161%20p3', ['p3']);
  });
  test(':not, :text, :missing', async () => {
    await expectIds('Patient?gender:not=male', ['p2', 'p3', 'p4']);
    await expectIds('Condition?code:text=sprain', ['c2']);
    await expectIds('Condition?code:text=DIABETES', ['c1']);
    await expectIds('Patient?active:missing=true', ['p3', 'p4']);
  });
  test('terminology modifiers are 501', async () => {
    await expectError('Observation?code:in=http://example.org/vs', 501);
    await expectError('Observation?code:below=http://loinc.org|1', 501);
  });
});

describe('date', () => {
  test('precision ranges and prefixes', async () => {
    await expectIds('Observation?date=2024', ['o1', 'o2', 'bp1']);
    await expectIds('Observation?date=2024-03-01', ['o1', 'bp1']);
    await expectIds('Observation?date=eq2024-03-01T09:30:00Z', ['o1']);
    await expectIds('Observation?date=2025-01-10T07:00:00Z', ['o4']);
    await expectIds('Observation?date=gt2024-06-15', ['o4', 'o5']);
    await expectIds('Observation?date=ge2024-06-15', ['o2', 'o4', 'o5']);
    await expectIds('Observation?date=lt2024', ['o3']);
    await expectIds('Observation?date=le2023-12-31', ['o3']);
    await expectIds('Observation?date=sa2024-12-31', ['o4', 'o5']);
    await expectIds('Observation?date=eb2024-03-01', ['o3']);
    await expectIds('Observation?date=ne2024', ['o3', 'o4', 'o5']);
    await expectIds('Observation?date=ge2024-01-01&date=lt2024-04-01', ['o1', 'bp1']);
  });
  test('open-ended period', async () => {
    await expectIds('Observation?date=ge2030-01-01', ['o5']);
    await expectIds('Encounter?date=gt2030', ['e2']);
    await expectIds('Encounter?date=2024-03-01T09:30:00Z', []);
    await expectIds('Encounter?date=le2024-03-01', ['e1']);
  });
  test('ap is within 10% of the distance from now', async () => {
    // now is 2026-01-15: 2025-01-01 is about a year away, so +/- 36 days.
    await expectIds('Observation?date=ap2024-12-15', ['o4', 'o5']);
    await expectIds('Observation?date=ap2020-01-01', []);
  });
  test('invalid dates are 400', async () => {
    await expectError('Observation?date=2024-13-01', 400, /date/);
    await expectError('Observation?date=xx2024', 400);
    await expectError('Observation?date=yesterday', 400);
  });
  test('_lastUpdated', async () => {
    await expectIds('Organization?_lastUpdated=2026-01-15', ['org1', 'org2']);
    await expectIds('Organization?_lastUpdated=gt2026-01-15', []);
  });
});

describe('number and quantity', () => {
  test('number with implicit precision and prefixes', async () => {
    await expectIds('RiskAssessment?probability=0.25', ['ra1']);
    await expectIds('RiskAssessment?probability=0.3', ['ra1']);
    await expectIds('RiskAssessment?probability=0.30', []);
    await expectIds('RiskAssessment?probability=gt0.5', ['ra2']);
    await expectIds('RiskAssessment?probability=le0.25', ['ra1']);
    await expectIds('RiskAssessment?probability=ap0.75', ['ra2']);
    await expectIds('RiskAssessment?probability=ne0.25', ['ra2']);
    await expectError('RiskAssessment?probability=lots', 400);
  });
  test('quantity with units', async () => {
    await expectIds('Observation?value-quantity=100', ['o4', 'o6']);
    await expectIds('Observation?value-quantity=100.0', ['o4']);
    await expectIds(`Observation?value-quantity=gt71|${UCUM}|kg`, ['o2', 'o4', 'o6']);
    await expectIds('Observation?value-quantity=gt71||cm', ['o3']);
    await expectIds('Observation?value-quantity=lt100|http://other|kg', []);
    await expectIds('Observation?value-quantity=ge70.5&value-quantity=le72', ['o1', 'o2']);
    await expectIds('Observation?value-quantity=ap180', ['o3']);
    await expectError('Observation?value-quantity=gt|kg', 400);
  });
});

describe('reference', () => {
  test('id, Type/id, :Type, absolute URL, :identifier, :missing', async () => {
    await expectIds('Observation?subject=Patient/p2', ['o4', 'o5']);
    await expectIds('Observation?patient=p2', ['o4', 'o5']);
    await expectIds('Observation?subject:Patient=p3', ['o6']);
    await expectIds('Observation?subject=p3', ['o6']);
    await expectIds('Observation?subject=https://other.example.org/fhir/Patient/remote1', ['ext1']);
    await expectIds('Observation?performer:identifier=https://fhir.nhs.uk/Id/sds-user-id|U123', ['ext1']);
    await expectIds('Observation?encounter:missing=true&patient=p1', ['o3', 'bp1']);
    await expectIds('Patient?organization=org1,Organization/org2', ['p1', 'p2', 'p3']);
    await expectError('Observation?subject=Nonsense/1', 400);
    await expectError('Observation?subject=not%20an%20id', 400);
  });
  test('canonical references match with and without a version', async () => {
    await expectIds('QuestionnaireResponse?questionnaire=http://example.org/fhir/Questionnaire/phq9', ['qr1']);
    await expectIds('QuestionnaireResponse?questionnaire=http://example.org/fhir/Questionnaire/phq9|2.0', ['qr1']);
    await expectIds('QuestionnaireResponse?questionnaire=http://example.org/fhir/Questionnaire/phq9|1.0', []);
  });
});

describe('uri', () => {
  test('exact, :below, :above', async () => {
    await expectIds('ValueSet?url=http://example.org/fhir/ValueSet/colours', ['vs1']);
    await expectIds('ValueSet?url=http://example.org/fhir/ValueSet', []);
    await expectIds('ValueSet?url:below=http://example.org/fhir', ['vs1']);
    await expectIds('ValueSet?url:above=http://example.org/fhir/ValueSet/colours/extra', ['vs1']);
  });
});

describe('composite', () => {
  test('code$value from the same component', async () => {
    await expectIds(`Observation?component-code-value-quantity=${LOINC}|8480-6$gt130`, ['bp1']);
    await expectIds('Observation?component-code-value-quantity=8480-6$lt100', []);
    await expectIds('Observation?component-code-value-quantity=8462-4$85', ['bp1']);
    // 135 belongs to the systolic component, not the diastolic one.
    await expectIds('Observation?component-code-value-quantity=8462-4$135', []);
    await expectIds(`Observation?code-value-quantity=29463-7$ge100|${UCUM}|kg`, ['o4']);
    await expectError('Observation?code-value-quantity=29463-7', 400);
  });
});

describe('chains and _has', () => {
  test('forward chains, several levels', async () => {
    await expectIds('Observation?subject:Patient.family=smythe', ['o4', 'o5']);
    await expectIds('Observation?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009', [
      'o1',
      'o2',
      'o3',
      'bp1',
    ]);
    await expectIds('Observation?patient.organization.name=manchester', ['o4', 'o5', 'o6']);
    await expectIds('Observation?patient.organization.partof.identifier=RR8', ['o4', 'o5', 'o6']);
    await expectIds('Encounter?subject.birthdate=lt1980', ['e1']);
  });
  test('chain errors', async () => {
    await expectError('Observation?code.name=x', 400, /not a reference/);
    await expectError('Observation?subject:Nonsense.name=x', 400);
    await expectError('Observation?subject.nonsense=x', 400, /nonsense/, true);
  });
  test('reverse chains, nested', async () => {
    await expectIds('Patient?_has:Observation:patient:code=8302-2', ['p1', 'p2']);
    await expectIds('Patient?_has:Observation:patient:value-quantity=gt99', ['p1', 'p2', 'p3']);
    await expectIds('Patient?_has:Observation:subject:_has:Provenance:target:agent=Organization/org1', ['p1']);
    await expectIds('Encounter?_has:Observation:encounter:date=2024-06', ['e1']);
    await expectError('Patient?_has:Observation:code:code=1', 400, /not a reference/);
  });
});

describe('_id, _type and system search', () => {
  test('_id with OR and :not', async () => {
    await expectIds('Patient?_id=p1,p3', ['p1', 'p3']);
    await expectIds('Patient?_id:not=p1&_id:not=p2', ['p3', 'p4']);
  });
  test('system search over common parameters', async () => {
    await expectIds('?_type=Patient,Organization&_id=p1,org2', ['org2', 'p1']);
    await expectIds('?_id=o1,e1,vs1', ['e1', 'o1', 'vs1']);
    const r = await env.search('?_type=Patient,Organization&_count=2&_sort=_id');
    assert.deepEqual(
      r.matches.map((m) => m.id),
      ['org1', 'org2'],
    );
  });
});

describe('sorting and keyset paging', () => {
  test('several keys, descending, missing values last', async () => {
    const r = await env.search('Observation?code=29463-7,8302-2&_sort=code,-date');
    assert.deepEqual(
      r.matches.map((m) => m.id),
      ['o4', 'o2', 'o1', 'o6', 'o5', 'o3'],
    );
    const r2 = await env.search('Patient?_sort=-birthdate,family');
    assert.deepEqual(
      r2.matches.map((m) => m.id),
      ['p3', 'p2', 'p1', 'p4'],
    );
    const r3 = await env.search('Observation?_sort=value-quantity&value-quantity:missing=false');
    assert.deepEqual(
      r3.matches.map((m) => m.id),
      ['o1', 'o2', 'o6', 'o4', 'o3'],
    );
  });
  test('pages forward and back with cursors', async () => {
    const all = (await env.search('Observation?_sort=-date&_count=100')).matches.map((m) => m.id);
    const seen: string[] = [];
    let page = await env.search('Observation?_sort=-date&_count=3');
    const pages = [page];
    seen.push(...page.matches.map((m) => m.id));
    while (page.next) {
      page = await env.search(`Observation?_sort=-date&_count=3&_cursor=${page.next}`);
      pages.push(page);
      seen.push(...page.matches.map((m) => m.id));
    }
    assert.deepEqual(seen, all);
    const back = await env.search(`Observation?_sort=-date&_count=3&_cursor=${pages[pages.length - 1]!.previous}`);
    assert.deepEqual(
      back.matches.map((m) => m.id),
      pages[pages.length - 2]!.matches.map((m) => m.id),
    );
    await expectError('Observation?_sort=-date&_cursor=bm9wZQ', 400, /cursor/);
    await expectError(`Observation?_sort=date&_cursor=${pages[0]!.next}`, 400, /cursor/);
  });
  test('no resource is skipped or repeated while resources are inserted and updated between pages', async () => {
    const local = await openTestEnv();
    try {
      const make = (i: number) =>
        aPatient(`k${String(i).padStart(3, '0')}`, {
          family: `F${i % 7}`,
          birthDate: `19${String(50 + (i % 40)).padStart(2, '0')}`,
        });
      await local.create(...Array.from({ length: 60 }, (_, i) => make(i * 2)));
      for (const sort of ['_id', '-birthdate', 'family,-_id', '']) {
        const qs = sort ? `&_sort=${sort}` : '';
        const seen: string[] = [];
        let page = await local.search(`Patient?_count=7${qs}`);
        seen.push(...page.matches.map((m) => m.id));
        let round = 0;
        while (page.next) {
          round++;
          // An update that keeps the sort key and an insert between page requests.
          await local.store.transaction(async (tx) => {
            const current = await tx.read('Patient', seen[0]!);
            await tx.update({ ...(JSON.parse(current.content!) as Resource), active: round % 2 === 0 } as Resource);
          });
          await local.create(make(1000 + round * 2 + (sort === '' ? 1 : 0) + sort.length * 100));
          page = await local.search(`Patient?_count=7${qs}&_cursor=${page.next}`);
          seen.push(...page.matches.map((m) => m.id));
        }
        assert.equal(new Set(seen).size, seen.length, `no repeats with _sort=${sort}`);
        for (let i = 0; i < 60; i++) assert.ok(seen.includes(make(i * 2).id!), `k${i * 2} seen with _sort=${sort}`);
      }
    } finally {
      await local.close();
    }
  });
});

describe('_count, _total, _summary, _elements', () => {
  test('_total and _count=0', async () => {
    const r = await env.search('Observation?code=29463-7&_count=1&_total=accurate');
    assert.equal(r.total, 4);
    assert.equal(r.matches.length, 1);
    const c = await env.search('Observation?code=29463-7&_count=0');
    assert.equal(c.total, 4);
    assert.equal(c.matches.length, 0);
    const n = await env.search('Observation?code=29463-7&_total=none');
    assert.equal(n.total, undefined);
    const s = await env.search('Observation?code=29463-7&_summary=count');
    assert.equal(s.total, 4);
  });
  test('_summary and _elements mark the result SUBSETTED', async () => {
    const r = await env.search('Patient?_id=p1&_elements=name,gender');
    const p = JSON.parse(r.matches[0]!.content!) as Record<string, unknown> & { meta: { tag: { code: string }[] } };
    assert.deepEqual(Object.keys(p).sort(), ['gender', 'id', 'meta', 'name', 'resourceType']);
    assert.ok(p.meta.tag.some((t) => t.code === 'SUBSETTED'));
    const s = await env.search('Observation?_id=o1&_summary=true');
    const o = JSON.parse(s.matches[0]!.content!) as Record<string, unknown>;
    assert.ok('valueQuantity' in o && 'code' in o);
    const d = await env.search('Patient?_id=p1&_summary=data');
    assert.ok(!('text' in JSON.parse(d.matches[0]!.content!)));
  });
});

describe('_include and _revinclude', () => {
  test('include, revinclude, wildcard and iterate', async () => {
    const r = await env.search('Observation?_id=o1&_include=Observation:patient&_revinclude=Provenance:target');
    assert.deepEqual(r.includes.map((m) => m.id).sort(), ['p1', 'prov1']);
    const t = await env.search('Observation?_id=o1&_include=Observation:subject:Patient');
    assert.deepEqual(
      t.includes.map((m) => m.id),
      ['p1'],
    );
    const w = await env.search('Observation?_id=o1&_include=*');
    assert.deepEqual(w.includes.map((m) => m.id).sort(), ['e1', 'p1']);
    const i = await env.search(
      'Observation?_id=o4&_include=Observation:patient&_include:iterate=Patient:organization&_include:iterate=Organization:partof',
    );
    assert.deepEqual(i.includes.map((m) => m.id).sort(), ['org1', 'org2', 'p2']);
    const e = await env.search(
      'Encounter?patient=p1&_revinclude=Observation:encounter&_revinclude:iterate=Provenance:target',
    );
    assert.deepEqual(e.includes.map((m) => m.id).sort(), ['o1', 'o2', 'prov1']);
    const rev = await env.search('DiagnosticReport?_id=dr1&_include=DiagnosticReport:result');
    assert.deepEqual(rev.includes.map((m) => m.id).sort(), ['o1', 'o2']);
    await expectError('Observation?_include=Observation:code', 400, /not a reference/);
  });
});

describe('compartment', () => {
  test('Patient/p1/Observation', async () => {
    const r = await env.search('Observation?code=29463-7', { compartment: { type: 'Patient', id: 'p1' } });
    assert.deepEqual(ids(r), ['o1', 'o2']);
    const c = await env.search('Condition', { compartment: { type: 'Patient', id: 'p1' } });
    assert.deepEqual(ids(c), ['c1', 'c2']);
    await assert.rejects(env.search('Organization', { compartment: { type: 'Patient', id: 'p1' } }), /compartment/);
  });
  test('Condition?patient=X&clinical-status=active', async () => {
    await expectIds('Condition?patient=p1&clinical-status=active', ['c1']);
  });
});

describe('errors and hostile input', () => {
  test('unknown parameters: ignored with a warning, or 400 under strict handling', async () => {
    const r = await env.search('Patient?nonsense=1&family=smith');
    assert.deepEqual(ids(r), ['p1']);
    assert.match(r.warnings.join(), /nonsense/);
    await expectError('Patient?nonsense=1', 400, /nonsense/, true);
    await expectError('Patient?_sort=nonsense', 400, /nonsense/, true);
  });
  test('bad modifiers, bad values and over-long input are 400', async () => {
    await expectError('Patient?family:fuzzy=x', 400, /modifier/);
    await expectError('Observation?date:exact=2020', 400, /modifier/);
    await expectError('Patient?birthdate:missing=maybe', 400);
    await expectError(`Patient?family=${'a'.repeat(5000)}`, 400, /longer/);
    await expectError('Patient?_count=-1', 400);
  });
  test('values that look like SQL are plain values', async () => {
    for (const v of [
      "' OR 1=1 --",
      '$1',
      "'; DROP TABLE patient_resource; --",
      '%',
      '_',
      '\\',
      'Ω≈ç√∫ 😀',
      '\u0000x',
    ]) {
      const q = `Patient?family=${encodeURIComponent(v)}`;
      try {
        const r = await env.search(q);
        assert.deepEqual(r.matches, [], q);
      } catch (e) {
        assert.ok(isOperationOutcomeError(e), `${q}: ${String(e)}`);
      }
      await env
        .search(`Patient?identifier=${encodeURIComponent(v)}`)
        .catch((e: unknown) => assert.ok(isOperationOutcomeError(e)));
    }
    assert.equal((await env.search('Patient?_count=100')).matches.length, 4);
  });
  test('property: any parameter either works or fails with an OperationOutcome', async () => {
    const names = [
      'family',
      'given',
      'birthdate',
      'identifier',
      'gender',
      'organization',
      '_id',
      '_lastUpdated',
      'general-practitioner',
      'telecom',
      'nonsense',
      '_has:Observation:patient:code',
      'organization.name',
      'link',
      'death-date',
      '_sort',
      '_count',
      '_include',
      '_total',
      '_summary',
      '_elements',
      '_cursor',
    ];
    const modifiers = [
      '',
      ':missing',
      ':exact',
      ':contains',
      ':not',
      ':text',
      ':Patient',
      ':identifier',
      ':below',
      ':above',
      ':in',
      ':x',
      ':',
    ];
    const prefixes = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'zz'];
    const values = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        '2020',
        '2020-02-30',
        '1970-05-20T10:00:00Z',
        '1.5e3',
        'true',
        'p1',
        'Patient/p1',
        'a|b',
        '|x',
        'x|',
        'a$b',
        'a,b',
        '\\,',
        "' OR 1=1 --",
        '$1',
        'Organization:partof',
      ),
      fc.string({ unit: 'binary', maxLength: 10 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom(...names), fc.constantFrom(...modifiers), fc.constantFrom(...prefixes), values),
          { minLength: 1, maxLength: 4 },
        ),
        fc.boolean(),
        async (params, strict) => {
          const qs = params
            .map(([n, m, p, v]) => `${encodeURIComponent(n + m)}=${encodeURIComponent(p + v)}`)
            .join('&');
          try {
            await env.search(`Patient?${qs}`, { strict });
          } catch (e) {
            assert.ok(isOperationOutcomeError(e), `Patient?${qs} threw ${String(e)}`);
            assert.ok([400, 501].includes(e.status), `Patient?${qs}: status ${e.status}`);
            assert.equal(e.outcome.resourceType, 'OperationOutcome');
            assert.ok(!/relation|syntax|SQL|column/i.test(e.message), e.message);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('conditional operations', () => {
  test('findIdsForCondition', async () => {
    assert.deepEqual(
      await findIdsForCondition(env.db, env.ctx, 'Patient', 'identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009'),
      [{ id: 'p1', versionId: 1 }],
    );
    assert.equal((await findIdsForCondition(env.db, env.ctx, 'Patient', 'family=sm')).length, 2);
    assert.deepEqual(await findIdsForCondition(env.db, env.ctx, 'Patient', '?family=nobody'), []);
    await assert.rejects(findIdsForCondition(env.db, env.ctx, 'Patient', 'nonsense=1'), /nonsense/);
    await assert.rejects(findIdsForCondition(env.db, env.ctx, 'Patient', ''), /at least one/);
  });
});
