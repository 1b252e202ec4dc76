import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vaccines } from '../codes/index.ts';
import type { ClinicalEvent, ImmunisationEvent, ObservationEvent, Person } from '../model.ts';
import { AS_OF, makeLondonPeople, makePerson, makeRegion } from './fixtures.test-support.ts';
import { conditionProbability, dueDay, generateHistory, news2Score, scheduleFor } from './index.ts';
import { parseDay } from './dates.ts';

const region = makeRegion();
const people = makeLondonPeople(5000, 'history-test', 0.02);
const histories = new Map<Person, ClinicalEvent[]>();
for (const person of people) histories.set(person, generateHistory(person, region, 'seed', AS_OF));

function endOf(e: ClinicalEvent): string | undefined {
  return e.kind === 'encounter' ? e.end : undefined;
}

test('events are sorted by time, with unique ids of the form personId-n', () => {
  for (const [person, events] of histories) {
    const ids = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      assert.ok(e.id.startsWith(`${person.personId}-`), e.id);
      assert.ok(!ids.has(e.id), `duplicate ${e.id}`);
      ids.add(e.id);
      if (i > 0) assert.ok(events[i - 1]!.at <= e.at, `${person.personId} not sorted at ${i}`);
      assert.match(e.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
  }
});

test('every organisation, site and performer exists in the region, and the performer works there', () => {
  const sites = new Map<string, string>();
  for (const o of region.organisations) for (const s of o.sites) sites.set(s.odsCode, o.odsCode);
  for (const events of histories.values()) {
    for (const e of events) {
      assert.ok(region.byOdsCode.has(e.odsCode), e.odsCode);
      if (e.siteOdsCode !== undefined) assert.equal(sites.get(e.siteOdsCode), e.odsCode, e.siteOdsCode);
      if (e.performer !== undefined) {
        const staff = region.staffByOdsCode.get(e.odsCode) ?? [];
        const member = staff.find((s) => s.sdsUserId === e.performer);
        assert.ok(member, `${e.performer} does not work at ${e.odsCode}`);
        assert.notEqual(member.profession, 'administrator');
        assert.notEqual(member.profession, 'privacy-officer');
      }
      if (e.kind === 'referral') assert.ok(region.byOdsCode.has(e.toOdsCode));
      if (e.kind === 'encounter' && e.setting === 'emergency') {
        const site = region.organisations.flatMap((o) => o.sites).find((s) => s.odsCode === e.siteOdsCode);
        assert.equal(site?.hasEmergencyDepartment, true);
      }
    }
  }
});

test('nothing happens after asOf or after death, and no medication is issued after death', () => {
  let dead = 0;
  for (const [person, events] of histories) {
    const limit = person.deathDate ?? AS_OF;
    if (person.deathDate) dead++;
    for (const e of events) {
      assert.ok(e.at.slice(0, 10) <= limit, `${person.personId} ${e.kind} at ${e.at} after ${limit}`);
      const end = endOf(e);
      if (end !== undefined) {
        assert.ok(end.slice(0, 10) <= limit, `${e.id} ends ${end}`);
        assert.ok(end >= e.at, `${e.id} ends before it starts`);
      }
      if (e.kind === 'medication') for (const issue of e.issues) assert.ok(issue <= limit, `${e.id} issued ${issue}`);
      if (e.kind === 'lab-report') assert.ok(e.issued.slice(0, 10) <= limit);
      if (e.kind === 'appointment') {
        assert.equal(person.deathDate, undefined, 'no appointments for the dead');
        assert.ok(e.start.slice(0, 10) > AS_OF);
        assert.equal(e.status, 'booked');
      }
      if (e.kind === 'medication') assert.equal(e.issues[0], e.at.slice(0, 10));
    }
  }
  assert.ok(dead > 50, `fixture has ${dead} dead people`);
});

test('values are plausible and flagged from their reference range', () => {
  for (const events of histories.values()) {
    for (const e of events) {
      if (e.kind !== 'observation') continue;
      if (e.code.code === '85354-9') {
        const [sys, dia] = e.components!.map((c) => c.value.value) as [number, number];
        assert.ok(sys >= 70 && sys <= 250, `systolic ${sys}`);
        assert.ok(dia >= 40 && dia <= 140, `diastolic ${dia}`);
        assert.ok(sys > dia);
      }
      const value = e.value;
      if (value === undefined || typeof value === 'string' || !('value' in value)) continue;
      if (e.code.code === '62238-1') assert.ok(value.value >= 5 && value.value <= 120, `eGFR ${value.value}`);
      if (e.code.code === '59261-8') assert.ok(value.value >= 20 && value.value <= 150, `HbA1c ${value.value}`);
      if (e.referenceRange) {
        const { low, high } = e.referenceRange;
        const expected =
          low !== undefined && value.value < low ? 'L' : high !== undefined && value.value > high ? 'H' : 'N';
        assert.equal(e.interpretation, expected);
      }
    }
  }
});

test('results agree with conditions: diabetics have higher HbA1c, CKD lower eGFR', () => {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const hba1c = { diabetic: [] as number[], other: [] as number[] };
  const egfr = { ckd: [] as number[], other: [] as number[] };
  for (const events of histories.values()) {
    const codes = new Set(
      events.filter((e) => e.kind === 'condition').map((e) => (e.kind === 'condition' ? e.code.code : '')),
    );
    const diabetic = codes.has('44054006') || codes.has('46635009');
    const ckd = ['700378005', '700379002', '431857002', '433146000'].some((c) => codes.has(c));
    for (const e of events) {
      if (e.kind !== 'observation' || e.category !== 'laboratory') continue;
      const v = (e.value as { value: number }).value;
      if (e.code.code === '59261-8') (diabetic ? hba1c.diabetic : hba1c.other).push(v);
      if (e.code.code === '62238-1') (ckd ? egfr.ckd : egfr.other).push(v);
    }
  }
  assert.ok(mean(hba1c.diabetic) > mean(hba1c.other) + 10);
  assert.ok(mean(egfr.ckd) < 60 && mean(egfr.other) > 75);
});

test("lab reports' results point back at their report", () => {
  let reports = 0;
  for (const events of histories.values()) {
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const e of events) {
      if (e.kind !== 'lab-report') continue;
      reports++;
      assert.ok(e.resultIds.length > 0);
      assert.ok(e.placerOrderNumber.length > 0 && e.fillerOrderNumber.length > 0);
      for (const id of e.resultIds) {
        const result = byId.get(id) as ObservationEvent | undefined;
        assert.equal(result?.kind, 'observation');
        assert.equal(result.reportId, e.id);
        assert.equal(result.category, 'laboratory');
      }
    }
    for (const e of events)
      if (e.kind === 'observation' && e.reportId) assert.equal(byId.get(e.reportId)?.kind, 'lab-report');
  }
  assert.ok(reports > 1000);
});

test('encounter references point at encounters of the same person', () => {
  for (const events of histories.values()) {
    const encounters = new Set(events.filter((e) => e.kind === 'encounter').map((e) => e.id));
    for (const e of events) if (e.encounterId !== undefined) assert.ok(encounters.has(e.encounterId), e.id);
  }
});

test('the final events match the place of death', () => {
  const seen = new Set<string>();
  for (const [person, events] of histories) {
    if (!person.deathDate || !person.placeOfDeath) continue;
    const deathDay = person.deathDate;
    const lastEncounter = events.filter((e) => e.kind === 'encounter').at(-1);
    const dying = events.filter((e) => e.kind === 'encounter' && e.end?.slice(0, 10) === deathDay);
    switch (person.placeOfDeath) {
      case 'hospital':
      case 'hospice': {
        const stay = events.find((e) => e.kind === 'encounter' && e.dischargeDestination === 'died');
        assert.ok(stay && stay.kind === 'encounter', `${person.personId} has no stay ending in death`);
        assert.equal(stay.end?.slice(0, 10), deathDay);
        assert.equal(stay.setting, 'inpatient');
        const kind = region.byOdsCode.get(stay.odsCode)?.kind;
        assert.equal(kind, person.placeOfDeath === 'hospital' ? 'acute-trust' : 'hospice');
        assert.equal(lastEncounter?.id, stay.id, `${person.personId}: an encounter starts after the final stay`);
        break;
      }
      case 'care-home':
        assert.ok(
          dying.some((e) => e.kind === 'encounter' && e.setting === 'care-home'),
          person.personId,
        );
        break;
      case 'home':
        assert.ok(
          dying.some((e) => e.kind === 'encounter' && e.setting === 'community'),
          person.personId,
        );
        break;
      case 'other':
        assert.ok(
          dying.some((e) => e.kind === 'encounter' && e.setting === 'ambulance'),
          person.personId,
        );
        break;
    }
    if (person.placeOfDeath !== 'hospital' && person.placeOfDeath !== 'hospice') {
      assert.equal(lastEncounter?.at.slice(0, 10), deathDay);
    }
    seen.add(person.placeOfDeath);
  }
  assert.deepEqual([...seen].sort(), ['care-home', 'home', 'hospice', 'hospital', 'other']);
});

test('discharge summaries and clinic letters are readable text', () => {
  let summaries = 0;
  for (const events of histories.values()) {
    for (const e of events) {
      if (e.kind !== 'document') continue;
      assert.ok(e.text.includes('NHS number'));
      if (e.type.code === '373942005') {
        summaries++;
        for (const heading of ['Diagnoses', 'Medications', 'Follow-up']) assert.ok(e.text.includes(heading), heading);
      }
    }
  }
  assert.ok(summaries > 100);
});

test('the same inputs give the same history', () => {
  for (const person of people.slice(0, 200)) {
    assert.deepEqual(generateHistory(person, region, 'seed', AS_OF), histories.get(person));
  }
  const other = generateHistory(people[10]!, region, 'another seed', AS_OF);
  assert.notDeepEqual(other, histories.get(people[10]!));
});

test('register prevalence among the living is near the London targets for the age mix', () => {
  const living = people.filter((p) => !p.deathDate);
  const asOfYear = Date.parse(AS_OF);
  for (const [key, codes, target] of [
    ['hypertension', ['38341003'], 0.11],
    ['diabetes', ['44054006', '46635009'], 0.056],
    ['asthma', ['195967001'], 0.05],
  ] as const) {
    let observed = 0;
    let expected = 0;
    for (const person of living) {
      const age = Math.floor((asOfYear - Date.parse(person.birthDate)) / 31_557_600_000);
      expected += conditionProbability(key, age, person.sex, person.ethnicCategory);
      if (
        histories.get(person)!.some((e) => e.kind === 'condition' && (codes as readonly string[]).includes(e.code.code))
      )
        observed++;
    }
    const rate = observed / living.length;
    assert.ok(
      Math.abs(rate - expected / living.length) < 0.012,
      `${key}: ${rate} vs expected ${expected / living.length}`,
    );
    assert.ok(Math.abs(rate - target) < 0.02, `${key}: ${rate} vs target ${target}`);
  }
});

test('asthma: SABA over-use and a share without preventer; some undiagnosed raised blood pressure', () => {
  let asthmatics = 0;
  let overuse = 0;
  let noPreventer = 0;
  let undiagnosedHigh = 0;
  const cutoff = new Date(parseDay(AS_OF) * 86_400_000 - 365 * 86_400_000).toISOString().slice(0, 10);
  for (const [person, events] of histories) {
    if (person.deathDate) continue;
    const conditionCodes = new Set(events.flatMap((e) => (e.kind === 'condition' ? [e.code.code] : [])));
    if (conditionCodes.has('195967001')) {
      asthmatics++;
      const meds = events.filter((e) => e.kind === 'medication');
      const saba = meds
        .filter((m) => m.code.display.startsWith('Salbutamol'))
        .flatMap((m) => m.issues.filter((d) => d > cutoff));
      if (saba.length >= 3) overuse++;
      if (!meds.some((m) => /Beclometasone|Budesonide/.test(m.code.display))) noPreventer++;
    }
    if (!conditionCodes.has('38341003')) {
      const high = events.some(
        (e) => e.kind === 'observation' && e.code.code === '85354-9' && e.components![0]!.value.value >= 160,
      );
      if (high) undiagnosedHigh++;
    }
  }
  assert.ok(overuse / asthmatics > 0.2 && overuse / asthmatics < 0.7, `${overuse}/${asthmatics}`);
  assert.ok(noPreventer / asthmatics > 0.1 && noPreventer / asthmatics < 0.45, `${noPreventer}/${asthmatics}`);
  assert.ok(undiagnosedHigh > 10, `${undiagnosedHigh} undiagnosed with readings of 160 or more`);
});

test('NEWS2 scores the RCP chart', () => {
  const well = {
    respirationRate: 16,
    spo2: 98,
    onOxygen: false,
    systolic: 125,
    pulse: 70,
    consciousness: 'A' as const,
    temperature: 37,
  };
  assert.equal(news2Score(well), 0);
  assert.equal(news2Score({ ...well, respirationRate: 25, spo2: 91, onOxygen: true }), 8);
  assert.equal(news2Score({ ...well, systolic: 90, pulse: 131, consciousness: 'V', temperature: 39.1 }), 11);
  assert.equal(news2Score({ ...well, temperature: 35, pulse: 41 }), 4);
});

test('ambulance and ED encounters with NEWS2 carry the total of their observation set', () => {
  let checked = 0;
  for (const events of histories.values()) {
    for (const e of events) {
      if (e.kind !== 'encounter' || e.setting !== 'ambulance' || e.news2 === undefined) continue;
      const total = events.find(
        (o) => o.kind === 'observation' && o.encounterId === e.id && o.code.code === '1104051000000101',
      );
      assert.equal(
        (total as ObservationEvent).value && ((total as ObservationEvent).value as { value: number }).value,
        e.news2,
      );
      checked++;
    }
  }
  assert.ok(checked > 50);
});

function immunisations(person: Person, punctual: boolean): ImmunisationEvent[] {
  return generateHistory(person, region, 'imm', AS_OF, { punctualImmunisations: punctual }).filter(
    (e): e is ImmunisationEvent => e.kind === 'immunisation',
  );
}

for (const [birthDate, label] of [
  ['2023-03-01', 'born before 1 Jul 2024'],
  ['2024-09-01', 'born 1 Jul - 31 Dec 2024'],
  ['2025-03-01', 'born on or after 1 Jan 2025'],
] as const) {
  test(`immunisations follow the schedule of the cohort ${label}`, () => {
    const birthDay = parseDay(birthDate);
    const asOfDay = parseDay(AS_OF);
    const expected = scheduleFor(birthDay)
      .filter((d) => dueDay(birthDay, d) <= asOfDay)
      .map(
        (d) =>
          `${d.vaccine.code}#${d.doseNumber}@${new Date(dueDay(birthDay, d) * 86_400_000).toISOString().slice(0, 10)}`,
      )
      .sort();
    const child = makePerson({ index: 900, birthDate });
    const given = immunisations(child, true);
    assert.deepEqual(given.map((e) => `${e.vaccineCode.code}#${e.doseNumber}@${e.at.slice(0, 10)}`).sort(), expected);
    assert.ok(given.every((e) => e.status === 'completed' && e.dueDate === e.at.slice(0, 10)));
  });
}

test('the cohorts differ as domain.md 6.6.1 says', () => {
  const names = (birthDate: string): string[] =>
    scheduleFor(parseDay(birthDate)).map(
      (d) =>
        `${d.vaccine === vaccines.mmrv ? 'MMRV' : d.vaccine === vaccines.mmr ? 'MMR' : d.vaccine === vaccines.hibMenC ? 'HibMenC' : d.vaccine === vaccines.pcv13 ? 'PCV' : d.vaccine === vaccines.menB ? 'MenB' : d.vaccine === vaccines.sixInOne ? '6in1' : d.vaccine === vaccines.fourInOne ? '4in1' : 'Rota'}@${d.weeks ?? ''}w${d.months ?? ''}m`,
    );
  const old = names('2023-03-01');
  const middle = names('2024-09-01');
  const young = names('2025-03-01');
  assert.ok(
    old.includes('PCV@12wm') && old.includes('MenB@16wm') && old.includes('HibMenC@w12m') && old.includes('MMRV@w40m'),
  );
  assert.ok(names('2022-06-01').includes('MMR@w40m'));
  assert.ok(middle.includes('MenB@12wm') && middle.includes('PCV@16wm') && !middle.includes('HibMenC@w12m'));
  assert.ok(
    middle.includes('MMR@w12m') &&
      middle.includes('MMRV@w18m') &&
      middle.includes('6in1@w18m') &&
      middle.includes('MMRV@w40m'),
  );
  assert.ok(
    young.includes('MMRV@w12m') &&
      young.includes('MMRV@w18m') &&
      !young.includes('MMR@w12m') &&
      !young.includes('MMRV@w40m'),
  );
});

test('with lateness, immunisations are never early, rotavirus never after 24 weeks, 1-year vaccines after the first birthday', () => {
  let children = 0;
  let late = 0;
  let missing = 0;
  for (let i = 0; i < 600; i++) {
    const birthDate = new Date(Date.UTC(2021, 0, 1) + i * 3 * 86_400_000).toISOString().slice(0, 10);
    const child = makePerson({ index: 2000 + i, birthDate });
    const birthDay = parseDay(birthDate);
    const schedule = scheduleFor(birthDay).filter((d) => dueDay(birthDay, d) <= parseDay(AS_OF) - 120);
    const given = immunisations(child, false);
    children++;
    const completed = given.filter((e) => e.status === 'completed');
    if (completed.length + given.filter((e) => e.status === 'not-done').length < schedule.length) missing++;
    for (const e of completed) {
      const day = parseDay(e.at);
      assert.ok(e.dueDate && day >= parseDay(e.dueDate), `${e.id} given before due`);
      if (day - parseDay(e.dueDate) > 14) late++;
      const dose = scheduleFor(birthDay).find(
        (d) => d.vaccine.code === e.vaccineCode.code && d.doseNumber === e.doseNumber,
      );
      assert.ok(dose, `${e.vaccineCode.display} #${e.doseNumber} is not in the cohort's schedule`);
      if (e.vaccineCode === vaccines.rotavirus) assert.ok(day < birthDay + 24 * 7, 'rotavirus after 24 weeks');
      if (dose.months !== undefined && dose.months >= 12) {
        const firstBirthday = parseDay(`${Number(birthDate.slice(0, 4)) + 1}${birthDate.slice(4)}`);
        assert.ok(day >= firstBirthday, '1-year vaccine before the first birthday');
      }
    }
    for (const e of given.filter((x) => x.status === 'not-done')) assert.equal(e.statusReason?.code, '310376006');
  }
  assert.ok(missing / children > 0.04 && missing / children < 0.2, `missing ${missing}/${children}`);
  assert.ok(late > 0);
});
