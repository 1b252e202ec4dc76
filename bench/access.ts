// What access control costs (figure 6 of npm run bench; issue 5's target: authorisation and audit add at most 20%
// to the p95 of a record summary). On a database of its own holding the synthetic demo region, one clinician per
// patient (at the patient's registered GP practice, so a relationship holds) asks for the record summary the
// viewer shows (issue 6), as one batch: the Patient and registered GP, alerts (allergies, flags), active problems,
// current medication, recent results and vital signs, documents, encounters, future appointments, immunisations
// and care plans. Each summary runs twice, in alternating order: through the API's core with the caller's scope
// check, row filter and audit (ADR 12), and the same requests with none of them, the benchmark-only mode. Both
// skip HTTP and token verification, which they would share, so the ratio is the checks' own.
//   BENCH_ENGINES=pglite BENCH_ACCESS_PEOPLE=300 npx node bench/access-run.ts
import os from 'node:os';
import { say } from '@joinedup/terminal';
import { buildApp, type App } from '../apps/server/src/app.ts';
import { fhirAuditFor } from '../apps/server/src/access/fhir-audit.ts';
import { permitFor } from '../apps/server/src/access/fhir-gate.ts';
import type { Principal } from '../apps/server/src/access/principal.ts';
import { ODS_CODE_SYSTEM } from '../apps/server/src/access/audit/audit.events.ts';
import { rowFilterFor } from '../apps/server/src/access/visibility.ts';
import { loadDemoIfEmpty } from '../apps/server/src/demo/demo.ts';
import type { FhirRequest, TouchedRow } from '../apps/server/src/fhir/api/fhir-http.ts';
import { handleFhirRequest } from '../apps/server/src/fhir/api/router.ts';
import { loadConfig } from '../apps/server/src/platform/config.ts';
import { createLogger } from '../apps/server/src/platform/log.ts';
import { whole, type EngineName } from './bench-options.ts';
import { openBenchPglite, openBenchPostgres } from './engines.ts';
import { formatNumber, type EngineResult } from './figures.ts';
import { summarise } from './measure.ts';

/** The requests of one record summary (the sections of issue 6's summary screen), for a Patient id. */
export function summaryRequests(patientId: string, today: string): string[] {
  return [
    `Patient/${patientId}`,
    `AllergyIntolerance?patient=${patientId}`,
    `Flag?patient=${patientId}&status=active`,
    `Condition?patient=${patientId}&clinical-status=active`,
    `MedicationRequest?patient=${patientId}&status=active`,
    `Observation?patient=${patientId}&category=laboratory&_sort=-date&_count=20`,
    `Observation?patient=${patientId}&category=vital-signs&_sort=-date&_count=20`,
    `DocumentReference?patient=${patientId}&_sort=-date&_count=10`,
    `Encounter?patient=${patientId}&_sort=-date&_count=20`,
    `Appointment?patient=${patientId}&date=ge${today}&_count=20`,
    `Immunization?patient=${patientId}&_sort=-date&_count=20`,
    `CarePlan?patient=${patientId}&status=active`,
  ];
}

interface Subject {
  patientId: string;
  ods: string;
}

export async function benchAccess(name: EngineName, quick: boolean, postgresUrl: string, result: EngineResult) {
  const people = whole(process.env, 'BENCH_ACCESS_PEOPLE', quick ? 100 : 400, 10, 100_000);
  const opened = name === 'pglite' ? await openBenchPglite() : await openBenchPostgres(postgresUrl);
  if (typeof opened === 'string') {
    result.notes.push(`access control: not measured: ${opened}`);
    return;
  }
  const started = performance.now();
  try {
    say(`\n== ${opened.name}: access control, a demo region of ${people} people`);
    const config = loadConfig({ ...process.env, DATABASE_URL: '', JOINEDUP_DEMO: 'false' });
    const log = createLogger('error');
    const app = await buildApp(config, opened.db, { log });
    await loadDemoIfEmpty(app.fhir, log, { people });
    // As the server does on start with the embedded database (main.ts), which has no autovacuum.
    await opened.db.query('ANALYZE');
    const subjects = await registeredPatients(app, quick ? 100 : 300);
    await measure(app, subjects, result);
    await app.http.close();
  } catch (e) {
    say(`${name}: the access run stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    result.notes.push(`access control: stopped early: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    result.notes.push(
      `access control measured in ${((performance.now() - started) / 1000).toFixed(0)} s on a database of its own; ` +
        `load average ${(os.loadavg()[0] ?? 0).toFixed(1)} at the end`,
    );
    await opened.close().catch((e: unknown) => say(`${name}: cleanup failed: ${String(e)}`));
  }
}

// Patients with a registered GP practice that the store knows by ODS code: its clinicians have a relationship.
async function registeredPatients(app: App, count: number): Promise<Subject[]> {
  const rows = await app.db.query<{ patient_key: string; ods: string }>(
    `SELECT DISTINCT ON (x.patient_key) x.patient_key, o.code AS ods
       FROM patient_sp_reference x
       JOIN shared_sp_token o ON o.resource_type = 'Organization' AND o.id = x.target_id AND o.param = 'identifier' AND o.system = $1
      WHERE x.resource_type = 'Patient' AND x.param = 'general-practitioner' AND x.target_type = 'Organization'
      ORDER BY x.patient_key
      LIMIT $2`,
    [ODS_CODE_SYSTEM, count],
  );
  if (rows.length === 0) throw new Error('no patient of the demo region has a registered GP practice');
  return rows.map((r) => ({ patientId: r.patient_key, ods: r.ods }));
}

async function measure(app: App, subjects: readonly Subject[], result: EngineResult) {
  const plain: number[] = [];
  const auditMs: number[] = [];
  const checked: number[] = [];
  let entriesPlain = 0;
  let entriesChecked = 0;
  const now = () => new Date();
  const summary = async (subject: Subject, withChecks: boolean) => {
    const principal: Principal = {
      kind: 'staff',
      clientId: 'bench-viewer',
      scopes: ['user/*.rs'],
      resourceScopes: [{ context: 'user', resourceType: '*', permissions: 'rs' }],
      tokenId: 'bench',
      expiresAt: Number.POSITIVE_INFINITY,
      userId: 'bench-clinician',
      name: 'Bench Clinician',
      roleCode: 'R8000',
      organisation: { odsCode: subject.ods, name: subject.ods, kind: 'gp-practice' },
    };
    const rowFilter = rowFilterFor(principal, { now, encounterDays: 365, narrowing: new Map() });
    const audit = withChecks
      ? fhirAuditFor(
          principal,
          { db: app.db, clock: { now }, audit: app.audit, observer: { name: 'bench', baseUrl: 'http://bench/fhir' } },
          (key) => rowFilter.claimOf(key),
        )
      : undefined;
    const t0 = performance.now();
    // One batch, as the viewer sends the summary (ADR 13): one request, so one look-up and one audit append.
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: summaryRequests(subject.patientId, now().toISOString().slice(0, 10)).map((url) => ({
        request: { method: 'GET', url },
      })),
    };
    const touched: TouchedRow[] = [];
    const req: FhirRequest = { method: 'POST', path: '', query: [], headers: {}, body: bundle };
    if (withChecks) {
      req.permit = permitFor(principal, { ok: true, narrowing: new Map() });
      req.rowFilter = rowFilter;
      req.touched = (rows) => void touched.push(...rows);
    }
    const res = await handleFhirRequest(app.fhir, req);
    const a0 = performance.now();
    await audit?.({
      method: 'POST',
      raw: '/fhir',
      path: '',
      status: res.status,
      bundleType: 'batch',
      touched,
      requestId: 'bench',
      networkAddress: '127.0.0.1',
    });
    if (audit) auditMs.push(performance.now() - a0);
    const body = JSON.parse(res.body ?? '{}') as {
      entry?: { resource?: { resourceType?: string; entry?: unknown[] }; response?: { status?: string } }[];
    };
    let entries = 0;
    for (const e of body.entry ?? []) {
      if (!e.response?.status?.startsWith('200')) throw new Error(`a summary entry failed: ${e.response?.status}`);
      entries += e.resource?.resourceType === 'Bundle' ? (e.resource.entry?.length ?? 0) : 1;
    }
    (withChecks ? checked : plain).push(performance.now() - t0);
    if (withChecks) entriesChecked += entries;
    else entriesPlain += entries;
  };
  // Warm both paths, then measure, alternating which goes first.
  for (const s of subjects.slice(0, 10)) {
    await summary(s, false);
    await summary(s, true);
  }
  plain.length = 0;
  checked.length = 0;
  auditMs.length = 0;
  entriesPlain = 0;
  entriesChecked = 0;
  const wall = performance.now();
  for (const [i, s] of subjects.entries()) {
    if (i % 2 === 0) {
      await summary(s, false);
      await summary(s, true);
    } else {
      await summary(s, true);
      await summary(s, false);
    }
  }
  const ms = performance.now() - wall;
  const without = summarise(plain, ms / 2);
  const withChecks = summarise(checked, ms / 2);
  const ratio = withChecks.p95 / without.p95;
  const latency = (l: typeof without) => `p50 ${formatNumber(l.p50, 'ms')} · p95 ${formatNumber(l.p95, 'ms')} ms`;
  result.figures.push({
    key: 'access-overhead',
    group: 'Access control',
    label: `Record summary (a batch of 12 reads and searches) with scope check, row filter and audit, p95 over ${subjects.length} patients`,
    unit: 'ms',
    value: withChecks.p95,
    text: `${latency(withChecks)} (${formatNumber(ratio, '×')} the same without)`,
    reference: { label: 'the same requests without the checks', value: without.p95, text: latency(without) },
    chart: true,
  });
  result.figures.push({
    key: 'access-overhead-ratio',
    group: 'Access control',
    label: 'Access checks and audit: p95 with ÷ p95 without',
    unit: '×',
    value: ratio,
    text: formatNumber(ratio, '×'),
    target: { value: 1.2, better: 'lower' },
  });
  const auditLatency = summarise(auditMs, ms);
  result.notes.push(
    `access control: ${entriesChecked} of ${entriesPlain} resources shown with the checks (sealed items withheld); ` +
      `the audit's own append ${latency(auditLatency)}`,
  );
  say(`access: with ${latency(withChecks)}, without ${latency(without)}, ratio ${formatNumber(ratio, '×')}`);
}
