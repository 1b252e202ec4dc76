import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

interface BundleEntry {
  fullUrl?: string;
  resource?: { resourceType: string; id?: string; identifier?: { system?: string; value?: string }[] };
  request?: { method: string; url: string; ifNoneExist?: string };
}

export interface SyntheaBundle {
  file: string;
  /** The transaction Bundle as JSON text, ready to post. */
  body: string;
  /** Resource type and Synthea's own id of each entry, in entry order. */
  entries: { type: string; id: string; content: string }[];
}

// Shared resources a loader must not duplicate: each patient bundle of this Synthea export carries its own copy
// of the Organization and Practitioner it uses, so they are created only when no resource has that identifier
// (FHIR R4 http.html#ccreate, Bundle.entry.request.ifNoneExist).
const CONDITIONAL = new Set(['Organization', 'Practitioner']);

/** Reads the gzipped Synthea transaction bundles, hospital and practitioner bundles first. */
export function readSyntheaBundles(dir: string, limit: number): SyntheaBundle[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const shared = files.filter((f) => rank(f) === 0);
  const patients = files.filter((f) => rank(f) === 1).slice(0, Math.max(0, limit - shared.length));
  return [...shared, ...patients].map((file) => {
    const bundle = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, file))).toString('utf8')) as {
      entry?: BundleEntry[];
    };
    const entries: SyntheaBundle['entries'] = [];
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r) continue;
      const id = r.id ?? entry.fullUrl?.replace(/^urn:uuid:/, '') ?? '';
      entries.push({ type: r.resourceType, id, content: JSON.stringify(r) });
      const identifier = r.identifier?.find((i) => i.system && i.value);
      if (CONDITIONAL.has(r.resourceType) && identifier) {
        entry.request = {
          method: 'POST',
          url: r.resourceType,
          ifNoneExist: `identifier=${identifier.system}|${identifier.value}`,
        };
      }
    }
    return { file, body: JSON.stringify(bundle), entries };
  });
}

function rank(file: string): number {
  return /^(hospitalInformation|practitionerInformation)/.test(file) ? 0 : 1;
}
