import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hl7Message } from '@medplum/core';
import { runSynth } from './cli.ts';
import { buildSyntheticRegion, generateSyntheticPerson, type SynthOptions } from './generate.ts';
import { dueDay, scheduleFor } from './history/index.ts';
import { parseDay } from './history/dates.ts';
import type { AnswerLine } from './model.ts';
import { isValidNhsNumber } from './people/index.ts';

const PEOPLE = 400;
const options: SynthOptions = { patients: PEOPLE, seed: 'synth-test', asOf: '2026-06-30' };
const region = buildSyntheticRegion(options);
const people = Array.from({ length: PEOPLE }, (_, i) => generateSyntheticPerson(region, i, options));

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

async function synth(args: string[]): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'joinedup-synth-'));
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true; // the progress bar and summary are not this test's business
  try {
    assert.equal(await runSynth([...args, '--out', out]), 0);
  } finally {
    process.stderr.write = write;
  }
  return out;
}

test('the same seed gives byte-identical output, on one thread or several; another seed does not', async () => {
  const args = ['--patients', '300', '--seed', 's1', '--as-of', '2026-06-30'];
  const a = await synth([...args, '--workers', '1']);
  const b = await synth([...args, '--workers', '2']);
  const c = await synth(['--patients', '300', '--seed', 's2', '--as-of', '2026-06-30', '--workers', '1']);
  try {
    const files = listFiles(a);
    assert.deepEqual(listFiles(b), files);
    assert.ok(files.includes('region.json') && files.includes('answers.ndjson') && files.includes('manifest.json'));
    assert.ok(files.some((f) => f.startsWith('fhir/')) && files.some((f) => f.startsWith('bulk/')));
    assert.ok(files.some((f) => f.startsWith('hl7v2/')));
    for (const f of files) assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f);
    assert.notDeepEqual(
      fs.readFileSync(path.join(c, 'answers.ndjson')),
      fs.readFileSync(path.join(a, 'answers.ndjson')),
    );
  } finally {
    for (const d of [a, b, c]) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('the answer file never leaks into a feed, and HL7 v2 output parses', async () => {
  const dir = await synth(['--patients', '200', '--seed', 'leak', '--workers', '1']);
  try {
    const answers = fs
      .readFileSync(path.join(dir, 'answers.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AnswerLine);
    const personIds = new Set(answers.map((a) => a.personId));
    assert.equal(personIds.size, 200);
    const feeds = listFiles(dir).filter((f) => f !== 'answers.ndjson' && f !== 'manifest.json');
    let messages = 0;
    for (const f of feeds) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      // A person id is `P` + 7 digits; none may appear anywhere in what a source sends.
      for (const m of text.matchAll(/P\d{7}/g)) assert.ok(!personIds.has(m[0]), `${m[0]} appears in ${f}`);
      assert.ok(!text.includes('personId'), f);
      if (f.startsWith('hl7v2/')) {
        const frames = text.split('\x1c\r').filter((s) => s.length > 0);
        let previous = '';
        for (const frame of frames) {
          assert.equal(frame[0], '\x0b');
          const msg = Hl7Message.parse(frame.slice(1));
          assert.equal(msg.getSegment('MSH')?.getField(12)?.toString(), '2.4');
          assert.ok(msg.getSegment('PID'), `every message names its patient: ${msg.getSegment('MSH')?.toString()}`);
          // A hospital's feed is in the order it is sent, across all its patients.
          const sent = msg.getSegment('MSH')!.getField(7).toString();
          assert.ok(sent >= previous, `${f}: ${sent} sent after ${previous}`);
          previous = sent;
          messages++;
        }
      }
    }
    assert.ok(messages > 500, `only ${messages} HL7 v2 messages`);
    // Every source record of the answer file has its Patient in that source's feed.
    const bundles = fs.readFileSync(path.join(dir, 'fhir', `${answers[0]!.odsCode}.ndjson`), 'utf8');
    assert.ok(bundles.includes(`"value":"${answers[0]!.localId}"`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every NHS number is valid Modulus 11, from the 999 range, and unique', () => {
  const seen = new Set<string>();
  for (const { life } of people) {
    const n = life.person.nhsNumber;
    if (n === undefined) continue;
    assert.ok(isValidNhsNumber(n) && n.startsWith('999'), n);
    assert.ok(!seen.has(n), `${n} given twice`);
    seen.add(n);
  }
  assert.ok(seen.size >= PEOPLE * 0.98);
  // A source's copy may lose its NHS number or carry a mistyped one, but never invents another valid one.
  for (const { life, records } of people)
    for (const r of records)
      if (r.demographics.nhsNumber && r.demographics.nhsNumber !== life.person.nhsNumber)
        assert.ok(r.noise.includes('nhs-number-wrong'));
});

test('values are plausible and nothing happens after death or after the as-of date', () => {
  const asOfEnd = Date.parse(`${options.asOf}T23:59:59Z`);
  for (const { life, records } of people) {
    const death = life.person.deathDate ? Date.parse(`${life.person.deathDate}T23:59:59Z`) : undefined;
    const birth = Date.parse(life.person.birthDate);
    for (const e of life.events) {
      const at = Date.parse(e.at);
      assert.ok(at >= birth, `${e.kind} before birth`);
      if (e.kind !== 'appointment') assert.ok(at <= asOfEnd, `${e.kind} after the as-of date`);
      if (death !== undefined) assert.ok(at <= death, `${e.kind} ${e.at} after death ${life.person.deathDate}`);
      if (e.kind === 'medication')
        for (const issue of e.issues)
          assert.ok(death === undefined || Date.parse(issue) <= death, 'prescription issued after death');
      if (e.kind === 'observation') {
        const o = e;
        for (const c of o.components ?? []) {
          if (c.code.code === '8480-6') assert.ok(c.value.value >= 60 && c.value.value <= 260, 'systolic');
          if (c.code.code === '8462-4') assert.ok(c.value.value >= 30 && c.value.value <= 150, 'diastolic');
        }
        if (o.components?.length === 2) assert.ok(o.components[0]!.value.value > o.components[1]!.value.value);
      }
      if (e.kind === 'appointment' && e.status === 'booked' && death !== undefined) assert.fail('booked after death');
    }
    // Each source holds only what it recorded, and every event is held by the organisation that recorded it.
    const held = records.reduce((n, r) => n + r.events.length, 0);
    assert.equal(held, life.events.length);
    for (const r of records) for (const e of r.events) assert.equal(e.odsCode, r.odsCode);
  }
});

test("children's immunisations agree with the schedule of their birth cohort", () => {
  let children = 0;
  let given = 0;
  for (const { life } of people) {
    const born = parseDay(life.person.birthDate);
    const schedule = scheduleFor(born);
    const imms = life.events.filter((e) => e.kind === 'immunisation');
    if (imms.length === 0) continue;
    children++;
    for (const e of imms) {
      const dose = schedule.find((d) => d.vaccine.code === e.vaccineCode.code && d.doseNumber === e.doseNumber);
      assert.ok(
        dose,
        `${e.vaccineCode.display} dose ${e.doseNumber} is not in the schedule for ${life.person.birthDate}`,
      );
      if (e.status !== 'completed') continue;
      given++;
      const day = parseDay(e.at.slice(0, 10));
      assert.ok(day >= dueDay(born, dose), `${e.vaccineCode.display} given before it was due`);
      if (dose.latestWeeks) assert.ok(day <= born + dose.latestWeeks * 7, 'rotavirus after its age limit');
    }
  }
  assert.ok(children > 5 && given > 30, `${children} children, ${given} doses`);
});
