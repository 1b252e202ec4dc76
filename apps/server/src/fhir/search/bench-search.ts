// Loads N Synthea patients into PGlite (or DATABASE_URL), then times the benchmark searches and prints their
// EXPLAIN plans: `npx node apps/server/src/fhir/search/bench-search.ts 20`.
import { parseSearchRequest } from './request.ts';
import { compileSearch } from './compile.ts';
import { loadSynthea, openTestEnv, syntheaPatientFiles } from './search.test-support.ts';

const n = Number(process.argv[2] ?? 10);
const env = await openTestEnv();
const t0 = performance.now();
const resources = await loadSynthea(env, syntheaPatientFiles(n));
console.log(
  `loaded ${resources.length} resources of ${n} patients in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
await env.db.query('ANALYZE');
const patient = resources.find((r) => r.resourceType === 'Patient') as {
  id: string;
  name: { family: string }[];
  birthDate: string;
  identifier: { system: string; value: string }[];
};
const ssn = patient.identifier.find((i) => i.system.endsWith('us-ssn'))!;
const searches: [string, string][] = [
  ['Observation', `patient=${patient.id}&code=http://loinc.org|8302-2&date=ge2000-01-01&_sort=-date`],
  ['Patient', `identifier=${ssn.system}|${ssn.value}`],
  ['Patient', `family=${patient.name[0]!.family.slice(0, 4)}&birthdate=${patient.birthDate}`],
  ['Condition', `patient=${patient.id}&clinical-status=active`],
  ['Encounter', `patient=${patient.id}&_revinclude=Observation:encounter`],
];
for (const [type, qs] of searches) {
  const request = parseSearchRequest(type, [...new URLSearchParams(qs)], {
    strict: true,
    defaultCount: 20,
    maxCount: 100,
  });
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    const r = await env.search(`${type}?${qs}`);
    times.push(performance.now() - t);
    found = r.matches.length + r.includes.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `\n${type}?${qs}\n  ${found} resources; p50 ${times[25]!.toFixed(2)} ms, p95 ${times[47]!.toFixed(2)} ms`,
  );
  const c = compileSearch(env.model.definitions, (t: string) => env.model.scopeOf(t), request);
  const plan = await env.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${c.sql}`, c.params);
  if (process.env.PLANS) console.log(plan.map((r) => '    ' + r['QUERY PLAN']).join('\n'));
}
await env.close();
