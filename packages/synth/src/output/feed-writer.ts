import fs from 'node:fs';
import path from 'node:path';
import type { Resource } from '@joinedup/fhir';
import { regionBundle, sourceRecordResources } from '../fhir/index.ts';
import type { SyntheticPerson } from '../generate.ts';
import { hl7v2Messages } from '../hl7v2/index.ts';
import type { Region } from '../model.ts';

export type OutputKind = 'fhir' | 'bulk' | 'hl7v2' | 'answers';
export const OUTPUT_KINDS: readonly OutputKind[] = ['fhir', 'bulk', 'hl7v2', 'answers'];

/** What a run wrote, for the manifest and the CLI's closing lines. */
export interface OutputCounts {
  people: number;
  sourceRecords: number;
  resources: Record<string, number>;
  messages: Record<string, number>;
  answerLines: number;
}

/** Buffered text is written out when it passes this size, so memory stays flat however large the run. */
const FLUSH_BYTES = 32 * 1024 * 1024;

/**
 * Appends to many files without holding them open: text waits in memory per file and is appended when the
 * buffers pass FLUSH_BYTES in all, and at the end. Order within each file is the order of `append` calls.
 */
function createAppender() {
  const pending = new Map<string, string[]>();
  const made = new Set<string>();
  let bytes = 0;
  const flush = () => {
    for (const [file, parts] of pending) {
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.appendFileSync(file, parts.join(''));
    }
    pending.clear();
    bytes = 0;
  };
  return {
    append(file: string, text: string) {
      let parts = pending.get(file);
      if (!parts) pending.set(file, (parts = []));
      parts.push(text);
      bytes += text.length;
      if (bytes >= FLUSH_BYTES) flush();
    },
    flush,
  };
}

/**
 * Writes each source's feeds under `dir`:
 * - `region.json`: the organisations, sites and staff, as one FHIR transaction (PUTs);
 * - `fhir/<ODS>.ndjson`: each person's record at that source as a FHIR transaction Bundle, one per line;
 * - `bulk/<ODS>/<Type>.ndjson`: the same resources as FHIR Bulk Data NDJSON;
 * - `hl7v2/<ODS>.mllp`: the HL7 v2 messages a hospital sends, MLLP-framed as on the wire, each person's in
 *   the order they are sent (MSH-7 gives the time), framed as MLLP (0x0B message 0x1C 0x0D);
 * - `answers.ndjson`: which person each source record truly belongs to. Never part of a feed.
 */
export function createFeedWriter(dir: string, kinds: readonly OutputKind[], seed: string) {
  const want = new Set(kinds);
  const out = createAppender();
  const counts: OutputCounts = { people: 0, sourceRecords: 0, resources: {}, messages: {}, answerLines: 0 };
  const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

  return {
    counts,
    writeRegion(region: Region) {
      fs.mkdirSync(dir, { recursive: true });
      if (want.has('fhir') || want.has('bulk')) {
        const bundle = regionBundle(region);
        fs.writeFileSync(path.join(dir, 'region.json'), JSON.stringify(bundle));
        for (const e of bundle.entry ?? []) if (e.resource) count(counts.resources, e.resource.resourceType);
      }
    },
    writePerson(p: SyntheticPerson, region: Region) {
      counts.people++;
      for (const record of p.records) {
        counts.sourceRecords++;
        if (want.has('fhir') || want.has('bulk')) {
          const resources = sourceRecordResources(record, region) as Resource[];
          if (want.has('fhir')) out.append(path.join(dir, 'fhir', `${record.odsCode}.ndjson`), transactionLine(resources));
          for (const r of resources) {
            count(counts.resources, r.resourceType);
            if (want.has('bulk'))
              out.append(path.join(dir, 'bulk', record.odsCode, `${r.resourceType}.ndjson`), JSON.stringify(r) + '\n');
          }
        }
        if (want.has('hl7v2')) {
          for (const m of hl7v2Messages(record, region, seed)) {
            count(counts.messages, m.type);
            out.append(path.join(dir, 'hl7v2', `${record.odsCode}.mllp`), `\x0b${m.message}\x1c\r`);
          }
        }
      }
      if (want.has('answers'))
        for (const line of p.answers) {
          counts.answerLines++;
          out.append(path.join(dir, 'answers.ndjson'), JSON.stringify(line) + '\n');
        }
    },
    close() {
      out.flush();
      return counts;
    },
  };
}

/** A transaction of PUTs (FHIR R4 http.html#transaction): resending it changes nothing but version numbers. */
function transactionLine(resources: Resource[]): string {
  const entry = resources.map((r) => ({
    resource: r,
    request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
  }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }) + '\n';
}
