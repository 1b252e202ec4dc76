import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { publicDataSet } from '../platform/public-data.ts';

export interface SyntheaEntry {
  fullUrl?: string;
  resource: { resourceType: string; id?: string; identifier?: { system?: string; value?: string }[] } & Record<
    string,
    unknown
  >;
  request: { method: string; url: string; ifNoneExist?: string };
}

export interface SyntheaBundle {
  name: string;
  bundle: { resourceType: 'Bundle'; type: string; entry: SyntheaEntry[] };
}

// Synthea re-sends the Organizations and Practitioners its patients refer to in every patient bundle.
const SHARED_TYPES = new Set(['Organization', 'Practitioner']);

/** The public Synthea R4 sample (see `publicDataDir`), if it is there. */
export const SYNTHEA_DIR = publicDataSet('synthea-r4-100');

/**
 * Reads Synthea transaction bundles, the hospital and practitioner bundles first, with their Organization and
 * Practitioner entries turned into conditional creates on identifier (FHIR R4 http.html#ccreate), as a loader
 * must: otherwise every patient bundle would create them again.
 */
export function readSyntheaBundles(dir = SYNTHEA_DIR, limit = Infinity): SyntheaBundle[] {
  const rank = (f: string) =>
    f.startsWith('hospitalInformation') ? 0 : f.startsWith('practitionerInformation') ? 1 : 2;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .slice(0, limit);
  return files.map((name) => {
    const bundle = JSON.parse(
      zlib.gunzipSync(fs.readFileSync(path.join(dir, name))).toString('utf8'),
    ) as SyntheaBundle['bundle'];
    bundle.entry = bundle.entry.map((e) => {
      const identifier = e.resource.identifier?.[0];
      if (!SHARED_TYPES.has(e.resource.resourceType) || !identifier?.system || !identifier.value) return e;
      return { ...e, request: { ...e.request, ifNoneExist: `identifier=${identifier.system}|${identifier.value}` } };
    });
    return { name, bundle };
  });
}

export function isSharedSyntheaType(type: string): boolean {
  return SHARED_TYPES.has(type);
}
