/**
 * How long the FHIR output takes for a typical person: `npx node packages/synth/src/fhir/bench-fhir.ts`.
 * The person is made from the fixtures: GP and acute records twice over, mental health and pharmacy records,
 * 58 events across 4 sources.
 */
import type { SourceRecord } from '../model.ts';
import { fixtureRecords, fixtureRegion } from './fixtures.test-support.ts';
import { sourceRecordResources, sourceTransactionBundle, toNdjson } from './index.ts';

function doubled(record: SourceRecord): SourceRecord {
  const copy = JSON.parse(
    JSON.stringify(record.events).replaceAll('"P0000001-', '"P0000001-10'),
  ) as SourceRecord['events'];
  return { ...record, events: [...record.events, ...copy] };
}

const region = fixtureRegion();
const [gp, acute, mentalHealth, , , pharmacy] = fixtureRecords();
const person = [doubled(gp!), doubled(acute!), mentalHealth!, pharmacy!];
const events = person.reduce((n, r) => n + r.events.length, 0);

function time(label: string, runs: number, fn: () => void) {
  for (let i = 0; i < 2000; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label}: ${((ms / runs) * 1000).toFixed(1)} µs per person (${runs} runs, ${ms.toFixed(0)} ms)`);
}

console.log(`${events} events across ${person.length} sources`);
let sink = 0;
time('resources', 10_000, () => {
  for (const record of person) sink += sourceRecordResources(record, region).length;
});
time('transaction bundles', 10_000, () => {
  for (const record of person) sink += sourceTransactionBundle(record, region).entry!.length;
});
time('resources + NDJSON lines', 10_000, () => {
  const into = new Map<string, string[]>();
  for (const record of person) toNdjson(sourceRecordResources(record, region), into);
  sink += into.size;
});
console.log(sink > 0 ? 'done' : '');
