import fs from 'node:fs';
import type { FhirContext } from '../fhir/api/interactions.ts';
import { handleFhirRequest } from '../fhir/api/router.ts';
import type { Logger } from '../platform/log.ts';
import { progressBar } from './progress.ts';
import { readSyntheaBundles, SYNTHEA_DIR } from './synthea.ts';

/** How many patient bundles the demo loads: enough to explore, quick to load on the embedded database. */
const DEMO_PATIENTS = 25;

/**
 * Fills an empty store with a demo population so a first start has records to look at. Until the synthetic
 * region generator lands, the demo is the public Synthea R4 sample (synthetic people, no real data), read
 * from ../shared/data when it is beside the checkout.
 */
export async function loadDemoIfEmpty(ctx: FhirContext, log: Logger): Promise<number> {
  const rows = await ctx.store.db.query<{ n: number }>('SELECT count(*) AS n FROM resource_key');
  if ((rows[0]?.n ?? 0) > 0) return 0;
  if (!fs.existsSync(SYNTHEA_DIR)) {
    log.warn('demo data not found; starting with an empty store', { looked: SYNTHEA_DIR });
    return 0;
  }
  const bundles = readSyntheaBundles(SYNTHEA_DIR, DEMO_PATIENTS + 2);
  const total = bundles.reduce((n, b) => n + b.bundle.entry.length, 0);
  const bar = progressBar('Loading demo records', total);
  let done = 0;
  for (const { name, bundle } of bundles) {
    const res = await handleFhirRequest(ctx, {
      method: 'POST',
      path: '',
      query: [],
      headers: { prefer: 'return=minimal' },
      body: bundle,
      contentType: 'application/fhir+json',
    });
    if (res.status !== 200) throw new Error(`demo bundle ${name} was refused with status ${res.status}`);
    done += bundle.entry.length;
    bar.update(done, 'resources');
  }
  bar.finish(`Loaded ${done} demo resources (${DEMO_PATIENTS} synthetic patients)`);
  return done;
}
