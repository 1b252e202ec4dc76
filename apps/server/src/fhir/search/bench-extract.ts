// Measures index extraction time per resource on Synthea data: `npx node apps/server/src/fhir/search/bench-extract.ts`.
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { publicDataSet } from '../../platform/public-data.ts';
import { loadSearchDefinitions } from '../definitions/search-parameters.ts';
import { allResourceTypes } from '../fhir-model.ts';
import { createIndexer } from './extract.ts';

const dir = publicDataSet('synthea-r4-100');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json.gz'))
  .slice(0, Number(process.argv[2] ?? 5));
const resources: { resourceType: string }[] = [];
for (const f of files) {
  const bundle = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString('utf8')) as {
    entry?: { resource: { resourceType: string } }[];
  };
  for (const e of bundle.entry ?? []) resources.push(e.resource);
}
const index = createIndexer(loadSearchDefinitions(allResourceTypes()));
const byType = new Map<string, { n: number; ms: number; rows: number }>();
for (let round = 0; round < 3; round++) {
  byType.clear();
  for (const r of resources) {
    const t0 = performance.now();
    const rows = index(r as never);
    const ms = performance.now() - t0;
    const s = byType.get(r.resourceType) ?? { n: 0, ms: 0, rows: 0 };
    s.n++;
    s.ms += ms;
    s.rows += Object.values(rows).reduce((a: number, x: unknown[]) => a + x.length, 0);
    byType.set(r.resourceType, s);
  }
}
for (const [t, s] of [...byType].sort((a, b) => b[1].n - a[1].n)) {
  console.log(
    `${t.padEnd(28)} n=${String(s.n).padStart(6)}  ${(s.ms / s.n).toFixed(3)} ms/resource  ${(s.rows / s.n).toFixed(1)} rows`,
  );
}
