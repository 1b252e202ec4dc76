import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../test-support/test-app.ts';
import {
  isSharedSyntheaType,
  readSyntheaBundles,
  type SyntheaBundle,
  type SyntheaEntry,
} from '../../test-support/synthea.ts';

// Loads the 100-patient Synthea R4 sample through POST /fhir as transactions, then checks the API's counts
// against counts taken from the files themselves.

type Bundle = SyntheaBundle['bundle'];
type Entry = SyntheaEntry;

let app: TestApp;
const bundles: SyntheaBundle[] = [];

before(async () => {
  app = await createTestApp();
  bundles.push(...readSyntheaBundles());
});
after(async () => {
  await app.close();
});

function rank(file: string): number {
  if (file.startsWith('hospitalInformation')) return 0;
  if (file.startsWith('practitionerInformation')) return 1;
  return 2;
}

function identifierOf(resource: Entry['resource']): string {
  const id = resource.identifier?.[0];
  assert.ok(id?.system && id.value, `${resource.resourceType}/${resource.id} has no identifier`);
  return `${id.system}|${id.value}`;
}

async function total(query: string): Promise<number> {
  const res = await app.request('GET', `/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`);
  assert.equal(res.status, 200, `${query}: ${res.text}`);
  return res.json.total as number;
}

test('loads all Synthea bundles as transactions and counts match the files', async () => {
  assert.equal(bundles.length, 102);
  const expected = new Map<string, number>();
  const shared = new Map<string, Set<string>>();
  let resources = 0;
  for (const { bundle } of bundles) {
    for (const e of bundle.entry) {
      const type = e.resource.resourceType;
      resources++;
      if (isSharedSyntheaType(type)) {
        let set = shared.get(type);
        if (!set) shared.set(type, (set = new Set()));
        set.add(identifierOf(e.resource));
      } else {
        expected.set(type, (expected.get(type) ?? 0) + 1);
      }
    }
  }
  for (const [type, set] of shared) expected.set(type, set.size);

  // The two shared bundles go first; patient bundles then run a few at a time on a server.
  const [head, rest] = [bundles.slice(0, 2), bundles.slice(2)];
  const concurrency = app.db.engine === 'postgres' ? 8 : 1;
  const started = performance.now();
  const post = async ({ name, bundle }: (typeof bundles)[number]) => {
    const res = await app.request('POST', '/fhir', bundle, { prefer: 'return=minimal' });
    assert.equal(res.status, 200, `${name}: ${res.text.slice(0, 2000)}`);
    assert.equal(res.json.entry.length, bundle.entry.length);
  };
  for (const b of head) await post(b);
  const headSeconds = (performance.now() - started) / 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < rest.length) await post(rest[next++]!);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const headEntries = head.reduce((n, b) => n + b.bundle.entry.length, 0);
  const restRate = Math.round((resources - headEntries) / (seconds - headSeconds));
  console.log(
    `synthea load (${app.db.engine}, ${concurrency} at a time): ${bundles.length} bundles, ${resources} entries in ` +
      `${seconds.toFixed(1)} s = ${Math.round(resources / seconds)} resources/s; the two shared bundles ` +
      `(${headEntries} conditional creates) ${headSeconds.toFixed(1)} s, the patient bundles ${restRate} resources/s`,
  );

  // Everything is stored; the API counts what its caller may see, which leaves out what is sealed at ingest
  // (the files' sexual health tests are), even for this system.
  for (const [type, n] of [...expected].sort()) {
    const [stored] = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT id FROM patient_resource WHERE resource_type = $1 AND NOT deleted
        UNION ALL SELECT id FROM shared_resource WHERE resource_type = $1 AND NOT deleted) x`,
      [type],
    );
    assert.equal(stored!.n, n, `${type} count`);
    const visible = await total(type);
    assert.ok(visible <= n && visible >= n * 0.95, `${type}: ${visible} of ${n} visible`);
  }

  // A few searches, checked against the files.
  const patientBundle = bundles.find((b) => rank(b.name) === 2)!.bundle;
  const patientEntry = patientBundle.entry.find((e) => e.resource.resourceType === 'Patient')!;
  const mrn = patientEntry.resource.identifier!.find((i) => i.system === 'https://github.com/synthetichealth/synthea')!;
  const found = await app.request(
    'GET',
    `/fhir/Patient?identifier=${encodeURIComponent(`${mrn.system}|${mrn.value}`)}`,
  );
  assert.equal(found.status, 200, found.text);
  assert.equal(found.json.entry.length, 1);
  const patientId = found.json.entry[0].resource.id as string;

  const codeCounts = new Map<string, number>();
  for (const e of patientBundle.entry) {
    if (e.resource.resourceType !== 'Observation') continue;
    const coding = (e.resource.code as { coding: { system: string; code: string }[] }).coding[0]!;
    const key = `${coding.system}|${coding.code}`;
    codeCounts.set(key, (codeCounts.get(key) ?? 0) + 1);
  }
  const [code, n] = [...codeCounts].sort((a, b) => b[1] - a[1])[0]!;
  assert.equal(
    await total(`Observation?patient=${patientId}&code=${encodeURIComponent(code)}`),
    n,
    `Observations ${code}`,
  );

  let active = 0;
  for (const { bundle } of bundles) {
    for (const e of bundle.entry) {
      if (e.resource.resourceType !== 'Condition') continue;
      const status = (e.resource.clinicalStatus as { coding: { code: string }[] } | undefined)?.coding[0]?.code;
      if (status === 'active') active++;
    }
  }
  assert.equal(await total('Condition?clinical-status=active'), active, 'active Conditions');

  // $everything: every resource of a patient's bundle, the shared ones once, over all pages; and the time of the
  // patient nearest 1,000 resources (printed, not asserted).
  const patientBundles = bundles.filter((b) => rank(b.name) === 2).map((b) => b.bundle);
  const largest = patientBundles.sort((a, b) => b.entry.length - a.entry.length)[0]!;
  const nearest = [...patientBundles].sort(
    (a, b) => Math.abs(a.entry.length - 1000) - Math.abs(b.entry.length - 1000),
  )[0]!;
  const everything = async (bundle: Bundle, count: number) => {
    const own = bundle.entry.filter((e) => !isSharedSyntheaType(e.resource.resourceType)).length;
    const sharedOfPatient = new Set(
      bundle.entry.filter((e) => isSharedSyntheaType(e.resource.resourceType)).map((e) => identifierOf(e.resource)),
    ).size;
    const [mrn] = bundle.entry.find((e) => e.resource.resourceType === 'Patient')!.resource.identifier!;
    const lookedUp = await app.request(
      'GET',
      `/fhir/Patient?identifier=${encodeURIComponent(`${mrn!.system}|${mrn!.value}`)}`,
    );
    const id = lookedUp.json.entry[0].resource.id as string;
    const modes = new Map<string, number>();
    const seen = new Set<string>();
    let next: string | undefined = `/fhir/Patient/${id}/$everything?_count=${count}`;
    while (next) {
      const res = await app.request('GET', next.replace(/^https?:\/\/[^/]+/, ''));
      assert.equal(res.status, 200, res.text);
      for (const e of res.json.entry as { fullUrl: string; search: { mode: string } }[]) {
        assert.ok(!seen.has(e.fullUrl), `${e.fullUrl} twice`);
        seen.add(e.fullUrl);
        modes.set(e.search.mode, (modes.get(e.search.mode) ?? 0) + 1);
      }
      next = (res.json.link as { relation: string; url: string }[]).find((l) => l.relation === 'next')?.url;
    }
    assert.equal(modes.get('match'), own);
    assert.equal(modes.get('include'), sharedOfPatient);
    return { id, size: own + sharedOfPatient };
  };
  await everything(largest, 300);
  const { id, size } = await everything(nearest, 1000);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const res = await app.request('GET', `/fhir/Patient/${id}/$everything`);
    times.push(performance.now() - t);
    assert.equal(res.status, 200);
  }
  times.sort((a, b) => a - b);
  console.log(
    `$everything of a patient with ${size} resources through the API: median ${times[10]!.toFixed(1)} ms, ` +
      `second worst of 20 ${times[18]!.toFixed(1)} ms`,
  );
});
