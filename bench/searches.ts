import type { Db } from '../apps/server/src/platform/db.ts';
import type { BenchServer } from './engines.ts';
import { describeOutcome } from './ingest.ts';
import { sample, seededRandom, timeEach, type Latency } from './measure.ts';
import type { FamilyBirthCounts } from './load-population.ts';
import { generatePatient, LOINC, NHS_NUMBER_SYSTEM, RECENT, type PatientFacts } from './population.ts';
import { getText } from './http-get.ts';

export interface SearchCase {
  key: string;
  /** The search as printed, with X, Y, F, D for what each request draws. */
  label: string;
  request(facts: PatientFacts, random: () => number, familyBirth: FamilyBirthCounts): SearchRequest;
}

interface SearchRequest {
  path: string;
  /** Matches (and _revinclude'd resources) the generator put there. */
  expected: { match: number; include?: number };
  raw: { sql: string; params: unknown[] };
}

export const SEARCH_CASES: readonly SearchCase[] = [
  {
    key: 'observation',
    label: 'Observation?patient=X&code=Y&date=ge2024-01-01&_sort=-date',
    request(f, random) {
      const codes = [...f.recentObservations.keys()];
      const code = codes.length ? codes[Math.floor(random() * codes.length)]! : '8867-4';
      return {
        path: `Observation?patient=${f.id}&code=${encodeURIComponent(`${LOINC}|${code}`)}&date=ge${RECENT}&_sort=-date`,
        expected: { match: f.recentObservations.get(code) ?? 0 },
        raw: {
          sql: `SELECT content::text FROM bench_ref WHERE patient = $1 AND type = 'Observation' AND k1 = $2 AND d >= $3
                ORDER BY d DESC`,
          params: [f.id, code, RECENT],
        },
      };
    },
  },
  {
    key: 'identifier',
    label: 'Patient?identifier=sys|value',
    request: (f) => ({
      path: `Patient?identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${f.nhsNumber}`)}`,
      expected: { match: 1 },
      raw: { sql: `SELECT content::text FROM bench_ref WHERE type = 'Patient' AND k1 = $1`, params: [f.nhsNumber] },
    }),
  },
  {
    key: 'family-birthdate',
    label: 'Patient?family=F&birthdate=D',
    request: (f, _random, familyBirth) => ({
      path: `Patient?family=${encodeURIComponent(f.family)}&birthdate=${f.birthDate}`,
      expected: { match: familyBirth.get(`${f.family}|${f.birthDate}`) ?? 1 },
      raw: {
        sql: `SELECT content::text FROM bench_ref WHERE type = 'Patient' AND k2 = $1 AND d = $2`,
        params: [f.family, f.birthDate],
      },
    }),
  },
  {
    key: 'condition',
    label: 'Condition?patient=X&clinical-status=active',
    request: (f) => ({
      path: `Condition?patient=${f.id}&clinical-status=active`,
      expected: { match: f.activeConditions },
      raw: {
        sql: `SELECT content::text FROM bench_ref WHERE patient = $1 AND type = 'Condition' AND k1 = 'active'`,
        params: [f.id],
      },
    }),
  },
  {
    key: 'revinclude',
    label: 'Encounter?patient=X&_revinclude=Observation:encounter',
    request: (f) => ({
      path: `Encounter?patient=${f.id}&_revinclude=Observation:encounter`,
      expected: { match: f.encounters, include: f.encounterObservations },
      raw: {
        sql: `SELECT content::text FROM bench_ref WHERE patient = $1 AND type = 'Encounter'
              UNION ALL
              SELECT o.content::text FROM bench_ref o
               WHERE o.type = 'Observation'
                 AND o.k2 IN (SELECT id FROM bench_ref WHERE patient = $1 AND type = 'Encounter')`,
        params: [f.id],
      },
    }),
  },
];

export interface SearchResult {
  http: Latency;
  raw: Latency;
  failures: number;
  firstFailure?: string;
  /** Requests whose Bundle held a different number of resources than the generator made. */
  mismatches: number;
  firstMismatch?: string;
}

interface SearchBundle {
  total?: number;
  entry?: { search?: { mode?: string } }[];
  link?: { relation: string }[];
}

/** `count` requests of one search for random patients of [0, patients), sequentially, and the raw SQL alike. */
export async function measureSearch(
  server: BenchServer,
  db: Db,
  search: SearchCase,
  patients: number,
  count: number,
  familyBirth: FamilyBirthCounts,
  seed: number,
): Promise<SearchResult> {
  const random = seededRandom(seed);
  const indexes = sample(
    Array.from({ length: patients }, (_, i) => i),
    count,
    random,
  );
  const requests = indexes.map((i) => search.request(generatePatient(i).facts, random, familyBirth));
  const result: SearchResult = { http: undefined!, raw: undefined!, failures: 0, mismatches: 0 };
  const get = async (r: SearchRequest) => {
    const res = await getText(`${server.base}/${r.path}`);
    if (res.status !== 200) {
      result.failures++;
      result.firstFailure ??= `GET ${r.path}: HTTP ${res.status} ${describeOutcome(res.text)}`;
      return;
    }
    checkCounts(result, r, JSON.parse(res.text) as SearchBundle);
  };
  const raw = async (r: SearchRequest) => {
    await db.query(r.raw.sql, r.raw.params);
  };
  const warm = requests.slice(0, Math.min(20, requests.length));
  await timeEach(warm, 1, get);
  await timeEach(warm, 1, raw);
  result.failures = 0;
  result.mismatches = 0;
  result.http = await timeEach(requests, 1, get);
  result.raw = await timeEach(requests, 1, raw);
  return result;
}

function checkCounts(result: SearchResult, r: SearchRequest, bundle: SearchBundle) {
  const entries = bundle.entry ?? [];
  const matches = entries.filter((e) => (e.search?.mode ?? 'match') === 'match').length;
  const includes = entries.filter((e) => e.search?.mode === 'include').length;
  const paged = bundle.link?.some((l) => l.relation === 'next') ?? false;
  const matchOk = paged ? matches <= r.expected.match : matches === r.expected.match;
  const includeOk = r.expected.include === undefined || paged || includes === r.expected.include;
  if (!matchOk || !includeOk) {
    result.mismatches++;
    result.firstMismatch ??=
      `GET ${r.path}: ${matches} matches${r.expected.include === undefined ? '' : ` + ${includes} included`}, ` +
      `expected ${r.expected.match}${r.expected.include === undefined ? '' : ` + ${r.expected.include}`}`;
  }
}

export interface EverythingResult {
  http: Latency;
  raw: Latency;
  resources: number;
  failures: number;
  firstFailure?: string;
}

/** GET Patient/{id}/$everything `calls` times for the large record, beside SELECT of all its rows in bench_ref. */
export async function measureEverything(
  server: BenchServer,
  db: Db,
  patient: PatientFacts,
  calls: number,
): Promise<EverythingResult> {
  const result: EverythingResult = { http: undefined!, raw: undefined!, resources: 0, failures: 0 };
  const items = Array.from({ length: calls }, (_, i) => i);
  const get = async () => {
    const res = await getText(`${server.base}/Patient/${patient.id}/$everything`);
    if (res.status !== 200) {
      result.failures++;
      result.firstFailure ??= `GET Patient/${patient.id}/$everything: HTTP ${res.status} ${describeOutcome(res.text)}`;
      return;
    }
    result.resources = (JSON.parse(res.text) as SearchBundle).entry?.length ?? 0;
  };
  await timeEach(items.slice(0, 3), 1, get);
  result.failures = 0;
  result.http = await timeEach(items, 1, get);
  result.raw = await timeEach(items, 1, async () => {
    await db.query('SELECT content::text FROM bench_ref WHERE patient = $1', [patient.id]);
  });
  return result;
}
