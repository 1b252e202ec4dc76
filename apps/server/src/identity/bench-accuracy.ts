// Accuracy benchmark of the master patient index (not a test): npx node apps/server/src/identity/bench-accuracy.ts
//
// FEBRL (../shared/data/febrl): dataset4a linked against dataset4b, dataset3 deduplicated; the truth is rec_id
// (`rec-N-org` and `rec-N-dup-K` are entity N); soc_sec_id stands in for an UNVERIFIED NHS number (no check digit,
// may hold errors). Synthetic London: the bulk Patient files and answers.ndjson of
//   npm run synth -- --patients 20000 --out /tmp/synth-mpi --outputs bulk,answers
// Reports blocking pair completeness and reduction ratio, precision and recall of automatic links (MATCH) pair by
// pair and after joining records into people, the POSSIBLE_MATCH queue, where the errors come from, and timings.
//
// Options: --synth DIR (default /tmp/synth-mpi), --weights default|estimated (default: both), --only febrl|synth,
// --scale N (also generate N synthetic people in memory and deduplicate their records: the million-record timing).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Patient } from '@joinedup/fhir';
import { buildSyntheticRegion, DEFAULT_AS_OF, generateSyntheticPerson, sourceRecordResources } from '@joinedup/synth';
import { publicDataSet } from '../platform/public-data.ts';
import { BLOCKING_KEY_KINDS, blockingKeys, findCandidatePairs } from './blocking.ts';
import { compareRecords, FIELD_LEVELS, MATCH_FIELDS } from './comparison.ts';
import { deduplicate, type Deduplication } from './deduplicate.ts';
import { fromFhirPatient, type MatchRecord } from './demographics.ts';
import { loadFebrl } from './febrl.ts';
import { DEFAULT_THRESHOLDS, matchOutcome, type MatchThresholds } from './match.ts';
import { prepareRecord } from './prepared-record.ts';
import { DEFAULT_WEIGHTS, estimateWeights, weightsFromLabelledVectors, type MatchWeights } from './weights.ts';

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    synth: { type: 'string', default: '/tmp/synth-mpi' },
    weights: { type: 'string' },
    only: { type: 'string' },
    scale: { type: 'string' },
    seed: { type: 'string', default: 'holdout' },
    upper: { type: 'string' },
    lower: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
  },
});

interface Dataset {
  name: string;
  records: MatchRecord[];
  /** The true entity of each record. */
  entity: string[];
  /** For linking two files: the file of each record (pairs within one file are not candidates). */
  side?: Uint8Array;
}

function loadSynth(dir: string): Dataset {
  const truth = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(dir, 'answers.ndjson'), 'utf8').split('\n')) {
    if (!line) continue;
    const a = JSON.parse(line) as { personId: string; odsCode: string; localId: string; duplicateLocalId?: string };
    truth.set(`${a.odsCode}|${a.localId}`, a.personId);
    if (a.duplicateLocalId) truth.set(`${a.odsCode}|${a.duplicateLocalId}`, a.personId);
  }
  const records: MatchRecord[] = [];
  const entity: string[] = [];
  for (const ods of fs.readdirSync(path.join(dir, 'bulk')).sort()) {
    const file = path.join(dir, 'bulk', ods, 'Patient.ndjson');
    if (!fs.existsSync(file)) continue;
    const prefix = `https://fhir.joinedup.example/Id/${ods}/`;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const patient = JSON.parse(line) as Patient;
      const localId = patient.identifier?.find((i) => i.system?.startsWith(prefix))?.value;
      const person = localId ? truth.get(`${ods}|${localId}`) : undefined;
      if (!person) throw new Error(`no answer for a Patient of ${ods}`);
      records.push(fromFhirPatient(patient, ods));
      entity.push(person);
    }
  }
  return { name: `synthetic London (${path.basename(dir)})`, records, entity };
}

/**
 * N synthetic people generated in memory (no files): each source record's Patient resources, built as the bulk
 * output builds them, read through fromFhirPatient. For held-out accuracy (another seed than the files the defaults
 * were estimated on) and for the million-record timing.
 */
function generateSynth(people: number, seed: string): Dataset {
  const options = { patients: people, seed, asOf: DEFAULT_AS_OF };
  const region = buildSyntheticRegion(options);
  const records: MatchRecord[] = [];
  const entity: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < people; i++) {
    const person = generateSyntheticPerson(region, i, options);
    for (const record of person.records) {
      for (const resource of sourceRecordResources({ ...record, events: [] }, region)) {
        if (resource.resourceType !== 'Patient') continue;
        records.push(fromFhirPatient(resource, record.odsCode));
        entity.push(person.life.person.personId);
      }
    }
  }
  console.log(
    `\ngenerated ${n(people)} people (seed ${seed}): ${n(records.length)} records in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { name: `synthetic London in memory (${n(people)} people, seed ${seed})`, records, entity };
}

interface Truth {
  /** Number of true pairs (same entity, and across files when linking). */
  pairs: number;
  isMatch: (a: number, b: number) => boolean;
}

function truthOf(d: Dataset): Truth {
  const groups = new Map<string, number[]>();
  d.entity.forEach((e, i) => {
    const g = groups.get(e);
    if (g) g.push(i);
    else groups.set(e, [i]);
  });
  let pairs = 0;
  for (const g of groups.values()) {
    if (!d.side) pairs += (g.length * (g.length - 1)) / 2;
    else {
      const left = g.filter((i) => d.side![i] === 0).length;
      pairs += left * (g.length - left);
    }
  }
  return { pairs, isMatch: (a, b) => d.entity[a] === d.entity[b] };
}

const pct = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)}%`;
const n = (x: number): string => x.toLocaleString('en-GB');

function blockingReport(d: Dataset, truth: Truth): void {
  const t0 = performance.now();
  const c = findCandidatePairs(d.records);
  const ms = performance.now() - t0;
  let found = 0;
  let candidates = 0;
  for (let p = 0; p < c.count; p++) {
    const a = c.pairs[p * 2]!;
    const b = c.pairs[p * 2 + 1]!;
    if (d.side && d.side[a] === d.side[b]) continue;
    candidates++;
    if (truth.isMatch(a, b)) found++;
  }
  const N = d.records.length;
  const all = d.side ? d.side.filter((s) => s === 0).length * d.side.filter((s) => s === 1).length : (N * (N - 1)) / 2;
  console.log(
    `  blocking: ${n(candidates)} candidate pairs (${(candidates / N).toFixed(1)} per record), largest block ${c.largestBlock}, ` +
      `pair completeness ${pct(found / truth.pairs)} (${n(found)}/${n(truth.pairs)}), reduction ratio ${pct(1 - candidates / all, 4)}, ${ms.toFixed(0)} ms`,
  );
  // Pair completeness of each key alone: which key finds which share of the true pairs.
  const kinds = [...BLOCKING_KEY_KINDS];
  const only = kinds.map(() => 0);
  const keysOf = d.records.map((r) => blockingKeys(r));
  const byKind = kinds.map(() => 0);
  const groups = new Map<string, number[]>();
  d.entity.forEach((e, i) => {
    const g = groups.get(e);
    if (g) g.push(i);
    else groups.set(e, [i]);
  });
  for (const g of groups.values()) {
    for (let x = 0; x < g.length; x++)
      for (let y = x + 1; y < g.length; y++) {
        const a = g[x]!;
        const b = g[y]!;
        if (d.side && d.side[a] === d.side[b]) continue;
        const shared = kinds.map((k) => {
          const ka = keysOf[a]!.find((key) => key.startsWith(`${k}:`));
          return ka !== undefined && keysOf[b]!.includes(ka);
        });
        shared.forEach((s, i) => {
          if (s) byKind[i]!++;
        });
        if (shared.filter(Boolean).length === 1) only[shared.indexOf(true)]!++;
      }
  }
  console.log(
    `  true pairs sharing each key (only that key): ${kinds.map((k, i) => `${k}: ${pct(byKind[i]! / truth.pairs, 1)} (${only[i]})`).join(', ')}`,
  );
}

interface Evaluation {
  tp: number;
  fp: number;
  /** Pairs scored MATCH before joining into people (refused links counted as MATCH). */
  pairTp: number;
  pairFp: number;
  possibleTrue: number;
  possibleFalse: number;
  clusterTp: number;
  clusterFp: number;
  ms: number;
  dedup: Deduplication;
}

function evaluate(d: Dataset, truth: Truth, weights: MatchWeights, thresholds: MatchThresholds): Evaluation {
  const t0 = performance.now();
  const side = d.side;
  const dedup = deduplicate(d.records, {
    weights,
    thresholds,
    ...(side ? { skipPair: (a: number, b: number) => side[a] === side[b] } : {}),
  });
  const ms = performance.now() - t0;
  let tp = 0;
  let fp = 0;
  let possibleTrue = 0;
  let possibleFalse = 0;
  let pairTp = 0;
  let pairFp = 0;
  for (const l of dedup.links) {
    const t = truth.isMatch(l.a, l.b);
    if (l.outcome === 'MATCH' || l.refused) {
      if (t) pairTp++;
      else pairFp++;
    }
    if (l.outcome === 'MATCH') {
      if (t) tp++;
      else fp++;
    } else if (t) possibleTrue++;
    else possibleFalse++;
  }
  // Pairs in the same person after joining (transitive): precision and recall of the people found.
  const clusters = new Map<number, number[]>();
  dedup.person.forEach((p, i) => {
    const c = clusters.get(p);
    if (c) c.push(i);
    else clusters.set(p, [i]);
  });
  let clusterTp = 0;
  let clusterFp = 0;
  for (const c of clusters.values()) {
    for (let x = 0; x < c.length; x++)
      for (let y = x + 1; y < c.length; y++) {
        if (side && side[c[x]!] === side[c[y]!]) continue;
        if (truth.isMatch(c[x]!, c[y]!)) clusterTp++;
        else clusterFp++;
      }
  }
  return { tp, fp, pairTp, pairFp, possibleTrue, possibleFalse, clusterTp, clusterFp, ms, dedup };
}

function report(d: Dataset, truth: Truth, e: Evaluation, label: string): void {
  console.log(
    `  ${label}: pairs scored MATCH: precision ${pct(e.pairTp / Math.max(1, e.pairTp + e.pairFp), 3)} (${n(e.pairFp)} false), ` +
      `recall ${pct(e.pairTp / truth.pairs, 3)}; ` +
      `automatic links after joining: precision ${pct(e.tp / Math.max(1, e.tp + e.fp), 3)} (${n(e.fp)} false), recall ${pct(e.tp / truth.pairs, 3)} ` +
      `(${n(truth.pairs - e.tp)} missed); POSSIBLE_MATCH ${n(e.possibleTrue + e.possibleFalse)} pairs (${n(e.possibleTrue)} true); ` +
      `people: precision ${pct(e.clusterTp / Math.max(1, e.clusterTp + e.clusterFp), 3)}, recall ${pct(e.clusterTp / truth.pairs, 3)}; ` +
      `${e.dedup.refusedMerges} merges refused; ${(e.ms / 1000).toFixed(2)} s`,
  );
}

/** Where the errors come from: the comparison levels of false links and of true pairs not linked. */
function errorReport(
  d: Dataset,
  truth: Truth,
  e: Evaluation,
  weights: MatchWeights,
  thresholds: MatchThresholds,
): void {
  const linked = new Set<string>();
  for (const l of e.dedup.links) if (l.outcome === 'MATCH') linked.add(`${l.a}|${l.b}`);
  const candidates = findCandidatePairs(d.records);
  const vector = new Uint8Array(8);
  const missed = new Map<string, number>();
  const missedOutcome = { POSSIBLE_MATCH: 0, NO_MATCH: 0, notCandidate: 0 };
  const missedRule = new Map<string, number>();
  const falseLinks = new Map<string, number>();
  const candidateSet = new Set<string>();
  for (let p = 0; p < candidates.count; p++) {
    const a = candidates.pairs[p * 2]!;
    const b = candidates.pairs[p * 2 + 1]!;
    if (d.side && d.side[a] === d.side[b]) continue;
    candidateSet.add(`${a}|${b}`);
    const isTrue = truth.isMatch(a, b);
    const isLinked = linked.has(`${a}|${b}`);
    if (isTrue === isLinked) continue;
    compareRecords(prepareRecord(d.records[a]!), prepareRecord(d.records[b]!), vector);
    const desc = describe(vector);
    const target = isTrue ? missed : falseLinks;
    target.set(desc, (target.get(desc) ?? 0) + 1);
    if (isTrue) {
      const o = matchOutcome(d.records[a]!, d.records[b]!, weights, thresholds);
      missedOutcome[o.outcome === 'POSSIBLE_MATCH' ? 'POSSIBLE_MATCH' : 'NO_MATCH']++;
      const reason = o.rule ?? (o.total < thresholds.lower ? 'score below lower' : 'score below upper');
      missedRule.set(reason, (missedRule.get(reason) ?? 0) + 1);
    }
  }
  missedOutcome.notCandidate = truth.pairs - e.tp - missedOutcome.POSSIBLE_MATCH - missedOutcome.NO_MATCH;
  console.log(
    `  missed true pairs: ${n(missedOutcome.POSSIBLE_MATCH)} left for review, ${n(missedOutcome.NO_MATCH)} scored NO_MATCH, ${n(missedOutcome.notCandidate)} never compared (blocking)`,
  );
  console.log(`    why: ${[...missedRule.entries()].map(([r, k]) => `${r} ${n(k)}`).join(', ')}`);
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((x, y) => y[1] - x[1]).slice(0, k);
  for (const [desc, count] of top(missed, args.verbose ? 25 : 8))
    console.log(`    missed ${String(count).padStart(6)}  ${desc}`);
  for (const [desc, count] of top(falseLinks, args.verbose ? 25 : 8))
    console.log(`    false  ${String(count).padStart(6)}  ${desc}`);
  // Field by field: how often each field disagreed (differ) in the missed pairs.
  const fieldDiffer = MATCH_FIELDS.map(() => 0);
  let total = 0;
  for (const [desc, count] of missed) {
    total += count;
    desc.split(' ').forEach((part, f) => {
      if (part.endsWith('=differ')) fieldDiffer[f]! += count;
    });
  }
  if (total > 0)
    console.log(
      `    fields that disagree in missed compared pairs: ${MATCH_FIELDS.map((f, i) => `${f} ${pct(fieldDiffer[i]! / total, 0)}`).join(', ')}`,
    );
}

function printWeights(w: MatchWeights): void {
  for (const field of MATCH_FIELDS) {
    const fw: { m: Record<string, number>; u: Record<string, number> } = w[field];
    const levels = Object.keys(fw.m).map(
      (l) =>
        `${l} ${fw.m[l]}/${fw.u[l]} (${Math.log2(Math.max(fw.m[l]!, 1e-6) / Math.max(fw.u[l]!, 1e-6)).toFixed(1)})`,
    );
    console.log(`    ${field}: ${levels.join(', ')}`);
  }
}

function describe(v: Uint8Array): string {
  return MATCH_FIELDS.map((f, i) => `${f}=${FIELD_LEVELS[f][v[i]!]}`).join(' ');
}

/** Time to score one record against its candidates, as the index would: keys → candidates → score each. */
function timingReport(d: Dataset, weights: MatchWeights, thresholds: MatchThresholds): void {
  const index = new Map<string, number[]>();
  d.records.forEach((r, i) => {
    for (const k of blockingKeys(r)) {
      const b = index.get(k);
      if (b) b.push(i);
      else index.set(k, [i]);
    }
  });
  const times: number[] = [];
  const counts: number[] = [];
  const sample = Math.min(d.records.length, 20_000);
  const step = d.records.length / sample;
  for (let s = 0; s < sample; s++) {
    const i = Math.floor(s * step);
    const t0 = performance.now();
    // A fresh copy: the incoming record has not been prepared before.
    const incoming: MatchRecord = { ...d.records[i]! };
    const seen = new Set<number>();
    for (const k of blockingKeys(incoming)) for (const j of index.get(k) ?? []) if (j !== i) seen.add(j);
    for (const j of seen) matchOutcome(incoming, d.records[j]!, weights, thresholds);
    times.push(performance.now() - t0);
    counts.push(seen.size);
  }
  times.sort((a, b) => a - b);
  counts.sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  console.log(
    `  one record against the index (in memory; keys, candidates, scoring): p50 ${(q(times, 0.5) * 1000).toFixed(0)} µs, ` +
      `p95 ${(q(times, 0.95) * 1000).toFixed(0)} µs, p99 ${(q(times, 0.99) * 1000).toFixed(0)} µs; candidates p50 ${q(counts, 0.5)}, p95 ${q(counts, 0.95)}, max ${counts[counts.length - 1]}`,
  );
}

/** Precision and recall of MATCH at each upper threshold (labelled: for choosing thresholds, not for reporting). */
function sweepReport(d: Dataset, truth: Truth, weights: MatchWeights): void {
  const c = findCandidatePairs(d.records);
  const scored: { total: number; isTrue: boolean; forced: boolean; capped: boolean }[] = [];
  for (let p = 0; p < c.count; p++) {
    const a = c.pairs[p * 2]!;
    const b = c.pairs[p * 2 + 1]!;
    if (d.side && d.side[a] === d.side[b]) continue;
    const r = matchOutcome(d.records[a]!, d.records[b]!, weights, { upper: Infinity, lower: -Infinity });
    scored.push({
      total: r.total,
      isTrue: truth.isMatch(a, b),
      forced: r.rule === 'verified-nhs-number-equal',
      capped: r.rule !== undefined && r.rule !== 'verified-nhs-number-equal',
    });
  }
  const forcedTp = scored.filter((s) => s.forced && s.isTrue).length;
  const forcedFp = scored.filter((s) => s.forced && !s.isTrue).length;
  const rest = scored.filter((s) => !s.forced && !s.capped).sort((x, y) => y.total - x.total);
  const lines: string[] = [];
  let tp = forcedTp;
  let fp = forcedFp;
  let k = 0;
  for (let t = 40; t >= -10; t -= 1) {
    while (k < rest.length && rest[k]!.total >= t) {
      if (rest[k]!.isTrue) tp++;
      else fp++;
      k++;
    }
    lines.push(`${t}: P ${pct(tp / Math.max(1, tp + fp), 3)} R ${pct(tp / truth.pairs, 3)} fp ${fp}`);
  }
  console.log(`  sweep (deterministic ${forcedTp}/${forcedFp} fp): ${lines.join(' | ')}`);
}

function run(d: Dataset, thresholds: MatchThresholds): void {
  const truth = truthOf(d);
  console.log(`\n${d.name}: ${n(d.records.length)} records, ${n(truth.pairs)} true pairs`);
  // Copies: nothing prepared yet, as for a first run over a new set of records.
  const cold = d.records.map((r) => ({ ...r }));
  const t0 = performance.now();
  const coldRun = deduplicate(cold, { thresholds });
  console.log(
    `  deduplicate from scratch (prepare, keys, ${n(coldRun.candidatePairs)} candidate pairs scored, people joined): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  blockingReport(d, truth);
  const modes = args.weights ? args.weights.split(',') : ['default', 'estimated', 'estimated-random-u'];
  for (const mode of modes) {
    let weights = DEFAULT_WEIGHTS;
    if (mode === 'labelled') {
      // Diagnosis only: weights counted from the truth of the same pairs that are then scored.
      const c = findCandidatePairs(d.records);
      const vectors: { vector: Uint8Array; isMatch: boolean }[] = [];
      for (let p = 0; p < c.count; p++) {
        const a = c.pairs[p * 2]!;
        const b = c.pairs[p * 2 + 1]!;
        if (d.side && d.side[a] === d.side[b]) continue;
        const vector = new Uint8Array(8);
        compareRecords(prepareRecord(d.records[a]!), prepareRecord(d.records[b]!), vector);
        vectors.push({ vector, isMatch: truth.isMatch(a, b) });
      }
      weights = weightsFromLabelledVectors(vectors);
      if (args.verbose) printWeights(weights);
    }
    if (mode.startsWith('estimated')) {
      const t0 = performance.now();
      const est = estimateWeights(d.records, mode === 'estimated-random-u' ? { u: 'random' } : {});
      weights = est.weights;
      console.log(
        `  EM: ${n(est.candidatePairs)} candidate pairs, ${est.patterns} patterns, ${est.iterations} iterations, match share ${pct(est.matchShare)}, ${(performance.now() - t0).toFixed(0)} ms`,
      );
      if (args.verbose) printWeights(weights);
    }
    if (args.sweep) sweepReport(d, truth, weights);
    const e = evaluate(d, truth, weights, thresholds);
    report(d, truth, e, `${mode} weights`);
    errorReport(d, truth, e, weights, thresholds);
  }
  timingReport(d, DEFAULT_WEIGHTS, thresholds);
}

const thresholds: MatchThresholds = {
  upper: args.upper ? Number(args.upper) : DEFAULT_THRESHOLDS.upper,
  lower: args.lower ? Number(args.lower) : DEFAULT_THRESHOLDS.lower,
};
console.log(`thresholds: upper ${thresholds.upper}, lower ${thresholds.lower}`);

if (args.only !== 'synth' && !args.scale) {
  const febrl = publicDataSet('febrl');
  const a = loadFebrl(path.join(febrl, 'dataset4a.csv'), '4a');
  const b = loadFebrl(path.join(febrl, 'dataset4b.csv'), '4b');
  run(
    {
      name: 'FEBRL dataset4a against dataset4b (link)',
      records: [...a.records, ...b.records],
      entity: [...a.entity, ...b.entity],
      side: Uint8Array.from([...a.records.map(() => 0), ...b.records.map(() => 1)]),
    },
    thresholds,
  );
  const three = loadFebrl(path.join(febrl, 'dataset3.csv'), '3');
  run({ name: 'FEBRL dataset3 (deduplicate)', ...three }, thresholds);
}
if (args.scale) run(generateSynth(Number(args.scale), args.seed), thresholds);
if (args.only !== 'febrl' && !args.scale) {
  if (fs.existsSync(path.join(args.synth, 'answers.ndjson'))) run(loadSynth(args.synth), thresholds);
  else
    console.log(
      `\nno synthetic feeds at ${args.synth}: npm run synth -- --patients 20000 --out ${args.synth} --outputs bulk,answers`,
    );
}
