import type { Resource } from '@joinedup/fhir';
import {
  buildSyntheticRegion,
  generatePopulation,
  generateSyntheticPerson,
  regionResources,
  sourceRecordResources,
} from '@joinedup/synth';
import { Progress } from '@joinedup/terminal';
import { CONFIDENTIALITY_SYSTEM } from '../access/labels.ts';
import type { PrincipalOrganisation } from '../access/principal.ts';
import type { FhirContext } from '../fhir/api/interactions.ts';
import { validateResource } from '../fhir/validate/validate.ts';
import type { Logger } from '../platform/log.ts';

/**
 * People in the demo region unless JOINEDUP_DEMO_PEOPLE says otherwise: 1,500 people (about 116,000
 * resources) load on the embedded database in 36 to 60 s on a 2-core machine (README.md); its ingest rate
 * through the store is what bounds the size.
 */
export const DEMO_PEOPLE = 1_500;
/** The demo's seed: every installation's demo region holds the same people. */
export const DEMO_SEED = 'joinedup-demo';
/** Demo patients listed on the sign-in page: the first people of the region that have an NHS number. */
const DEMO_SIGN_IN_PATIENTS = 5;
/** Resources per store transaction while loading. */
const BATCH_RESOURCES = 2_000;

/**
 * Demo patients (by their place on the sign-in page, from 0) whose records show how the shared record treats a
 * person's choices and sensitive information: one who objects to sharing, one whose record is PDS-restricted (the
 * S flag: address, telephone and GP hidden), and one with an item in a legally restricted category (sealed).
 */
export const DEMO_SHOWCASE = { objecting: 1, restricted: 2, sealed: 3 } as const;
type Showcase = keyof typeof DEMO_SHOWCASE;
const SHOWCASE_OF = new Map<number, Showcase>(
  (Object.entries(DEMO_SHOWCASE) as [Showcase, number][]).map(([kind, place]) => [place, kind]),
);

/**
 * Who the demo region's sign-in offers: its organisations (demo staff are placed at them) and the NHS numbers of
 * a few of its people (demo patients). The region is the one `loadDemoIfEmpty` loads: same seed, same size.
 */
export function demoDirectory(options: { people?: number; asOf?: string } = {}): {
  organisations: PrincipalOrganisation[];
  patientNhsNumbers: string[];
  /** The NHS numbers of the showcase people (DEMO_SHOWCASE). */
  showcase: Record<Showcase, string | undefined>;
} {
  const synth = {
    patients: options.people ?? DEMO_PEOPLE,
    seed: DEMO_SEED,
    asOf: options.asOf ?? new Date().toISOString().slice(0, 10),
  };
  const region = buildSyntheticRegion(synth);
  const organisations = region.organisations.map((o) => ({ odsCode: o.odsCode, name: o.name, kind: o.kind }));
  const patientNhsNumbers: string[] = [];
  for (let i = 0; i < synth.patients && patientNhsNumbers.length < DEMO_SIGN_IN_PATIENTS; i++) {
    const nhs = generateSyntheticPerson(region, i, synth).life.person.nhsNumber;
    if (nhs !== undefined) patientNhsNumbers.push(nhs);
  }
  const showcase = {} as Record<Showcase, string | undefined>;
  for (const [kind, place] of Object.entries(DEMO_SHOWCASE) as [Showcase, number][])
    showcase[kind] = patientNhsNumbers[place];
  return { organisations, patientNhsNumbers, showcase };
}

/**
 * Fills an empty store with the synthetic demo region (packages/synth): its organisations and staff, then
 * what every organisation holds of each of DEMO_PEOPLE people, with histories running up to today. A store
 * that holds anything is left alone, so later starts reuse the region.
 */
export async function loadDemoIfEmpty(
  ctx: FhirContext,
  log: Logger,
  options: { people?: number; asOf?: string } = {},
): Promise<number> {
  const rows = await ctx.store.db.query<{ n: number }>('SELECT count(*) AS n FROM resource_key');
  if (Number(rows[0]?.n ?? 0) > 0) return 0;
  const started = performance.now();
  const people = options.people ?? DEMO_PEOPLE;
  const synth = { patients: people, seed: DEMO_SEED, asOf: options.asOf ?? new Date().toISOString().slice(0, 10) };
  const region = buildSyntheticRegion(synth);
  let stored = await storeBatch(ctx, regionResources(region));

  const progress = new Progress('demo people', people, { quiet: true });
  let batch: Resource[] = [];
  let done = 0;
  // The place of each person with an NHS number among those the sign-in page lists (demoDirectory).
  let numbered = 0;
  const objecting: string[] = [];
  for (const person of generatePopulation(region, synth)) {
    const kind = person.life.person.nhsNumber === undefined ? undefined : SHOWCASE_OF.get(numbered++);
    for (const record of person.records) {
      const resources = sourceRecordResources(record, region);
      // Each item says which organisation it came from (the viewer shows it; an objection keeps items there).
      for (const r of resources) r.meta = { ...r.meta, source: record.odsCode };
      if (kind)
        objecting.push(
          ...showcase(kind, resources, record.odsCode, record.odsCode === person.life.person.gpPracticeOdsCode),
        );
      batch.push(...resources);
    }
    done++;
    if (batch.length >= BATCH_RESOURCES) {
      stored += await storeBatch(ctx, batch);
      batch = [];
      progress.update(done);
    }
  }
  stored += await storeBatch(ctx, batch);
  // The objection is the patient's choice, recorded beside the record rather than in it (access/objections.ts).
  for (const patientId of objecting) {
    await ctx.store.db.query(
      `INSERT INTO access_objection (patient_id, recorded_at, recorded_by, note) VALUES ($1, now(), 'demo', 'Demo: objects to sharing')
       ON CONFLICT (patient_id) DO NOTHING`,
      [patientId],
    );
  }
  progress.update(done);
  progress.finish();
  log.info('demo region loaded', {
    people,
    resources: stored,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  });
  return stored;
}

async function storeBatch(ctx: FhirContext, resources: Resource[]): Promise<number> {
  if (resources.length === 0) return 0;
  // The same structural check as every write through the API: the generator must never store a bad resource.
  for (const r of resources) {
    const issues = validateResource(r);
    if (issues.length > 0)
      throw new Error(`demo ${r.resourceType}/${r.id} is not valid: ${issues.map((i) => i.diagnostics).join('; ')}`);
  }
  await ctx.store.transaction(async (tx) => {
    for (const r of resources) tx.create(r, { id: r.id, method: 'PUT' });
    await Promise.resolve();
  });
  return resources.length;
}

// What a showcase person's record at one organisation becomes; returns the Patients to record an objection for.
function showcase(kind: Showcase, resources: Resource[], source: string, atGpPractice: boolean): string[] {
  const patient = resources.find((r) => r.resourceType === 'Patient');
  if (!patient?.id) return [];
  if (kind === 'objecting') return atGpPractice ? [patient.id] : [];
  if (kind === 'restricted') {
    // The PDS S flag: every organisation's Patient carries confidentiality R, as PDS tells each of them.
    const meta = (patient.meta ??= {});
    meta.security = [...(meta.security ?? []), { system: CONFIDENTIALITY_SYSTEM, code: 'R', display: 'restricted' }];
    return [];
  }
  if (atGpPractice) {
    // A resolved sexually transmitted infection on the GP record: labelled STI as it is stored, so sealed.
    resources.push({
      resourceType: 'Condition',
      id: `${patient.id}-sealed-1`,
      meta: { source },
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
      },
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
      },
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }],
        },
      ],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '15628003', display: 'Gonorrhoea' }] },
      subject: { reference: `Patient/${patient.id}` },
      recordedDate: '2024-03-11',
    });
  }
  return [];
}
