import fs from 'node:fs';
import path from 'node:path';
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
 * UTF-8 bytes per file, encoded straight into growing buffers as pieces arrive: no joined strings, so V8 never
 * flattens a large rope (which costs more than the JSON it holds). Order within a file is the order of `write`.
 */
export function createByteSink() {
  const files = new Map<string, { buf: Buffer; len: number }>();
  // How big each file's buffer grew last time, so the next one starts near that size instead of doubling up to it.
  const lastSize = new Map<string, number>();
  let total = 0;
  return {
    write(file: string, text: string) {
      let f = files.get(file);
      if (!f) {
        const size = Math.max(4096, text.length * 3, lastSize.get(file) ?? 0);
        files.set(file, (f = { buf: Buffer.allocUnsafeSlow(size), len: 0 }));
      }
      if (f.buf.length - f.len < text.length * 3) {
        const grown = Buffer.allocUnsafeSlow(Math.max(f.buf.length * 2, f.len + text.length * 3));
        f.buf.copy(grown, 0, 0, f.len);
        f.buf = grown;
      }
      // Buffer.write encodes in place without a view object per piece; allocUnsafeSlow buffers are never
      // slices of Node's shared pool, so a worker may transfer them.
      const written = f.buf.write(text, f.len);
      f.len += written;
      total += written;
    },
    get bytes() {
      return total;
    },
    /** Each file's bytes, in the order files were first written to; empties the sink. */
    take(): [string, Uint8Array][] {
      const out: [string, Uint8Array][] = [];
      for (const [file, f] of files) {
        out.push([file, f.buf.subarray(0, f.len)]);
        lastSize.set(file, f.buf.length);
      }
      files.clear();
      total = 0;
      return out;
    },
  };
}

function writeAll(fd: number, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * Appends to many files without holding them open: bytes wait in memory per file and are appended when they
 * pass FLUSH_BYTES in all, and at the end. Order within each file is the order of `append` calls.
 */
export function createAppender() {
  const sink = createByteSink();
  const pending = new Map<string, Uint8Array[]>();
  const made = new Set<string>();
  let bytes = 0;
  const flush = () => {
    for (const [file, chunk] of sink.take()) pushBytes(file, chunk);
    for (const [file, parts] of pending) {
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      const fd = fs.openSync(file, 'a');
      try {
        for (const p of parts) writeAll(fd, p);
      } finally {
        fs.closeSync(fd);
      }
    }
    pending.clear();
    bytes = 0;
  };
  const pushBytes = (file: string, chunk: Uint8Array) => {
    let parts = pending.get(file);
    if (!parts) pending.set(file, (parts = []));
    parts.push(chunk);
  };
  return {
    /** Text, encoded at once. */
    append(file: string, text: string) {
      // Text already waiting as bytes for this file must stay ahead of it.
      sink.write(file, text);
      if (sink.bytes + bytes >= FLUSH_BYTES) flush();
    },
    /** Bytes encoded elsewhere (a worker's). */
    appendBytes(file: string, chunk: Uint8Array) {
      for (const [f, c] of sink.take()) pushBytes(f, c);
      pushBytes(file, chunk);
      bytes += chunk.length;
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
 *
 * Rendering (`createPersonRenderer`) and appending are apart so that rendering can run on worker threads
 * (`parallel.ts`) while this thread only appends, in person order.
 */
export function createFeedWriter(dir: string, kinds: readonly OutputKind[], seed: string) {
  const out = createAppender();
  let renderer: ReturnType<typeof createPersonRenderer> | undefined;
  const counts = emptyCounts();
  return {
    counts,
    writeRegion(region: Region) {
      fs.mkdirSync(dir, { recursive: true });
      if (kinds.includes('fhir') || kinds.includes('bulk')) {
        const bundle = regionBundle(region);
        fs.writeFileSync(path.join(dir, 'region.json'), JSON.stringify(bundle));
        for (const e of bundle.entry ?? []) if (e.resource) countOne(counts.resources, e.resource.resourceType);
      }
    },
    writePerson(p: SyntheticPerson, region: Region) {
      renderer ??= createPersonRenderer(dir, kinds, seed, region, counts);
      renderer.render(p, (file, text) => out.append(file, text));
    },
    /** Appends what a worker rendered (file and UTF-8 bytes, in order) and adds its counts. */
    writeRendered(files: readonly (readonly [string, Uint8Array])[], rendered: OutputCounts) {
      for (const [file, bytes] of files) out.appendBytes(file, bytes);
      addCounts(counts, rendered);
    },
    close() {
      out.flush();
      return counts;
    },
  };
}

export function emptyCounts(): OutputCounts {
  return { people: 0, sourceRecords: 0, resources: {}, messages: {}, answerLines: 0 };
}

function countOne(into: Record<string, number>, key: string, n = 1) {
  into[key] = (into[key] ?? 0) + n;
}

export function addCounts(into: OutputCounts, from: OutputCounts) {
  into.people += from.people;
  into.sourceRecords += from.sourceRecords;
  into.answerLines += from.answerLines;
  for (const [k, n] of Object.entries(from.resources)) countOne(into.resources, k, n);
  for (const [k, n] of Object.entries(from.messages)) countOne(into.messages, k, n);
}

/** Turns one person into the text of each file it adds to, handing each piece to `sink` in output order. */
export function createPersonRenderer(
  dir: string,
  kinds: readonly OutputKind[],
  seed: string,
  region: Region,
  counts: OutputCounts,
) {
  const wantFhir = kinds.includes('fhir');
  const wantBulk = kinds.includes('bulk');
  const wantHl7 = kinds.includes('hl7v2');
  const wantAnswers = kinds.includes('answers');
  const answersFile = path.join(dir, 'answers.ndjson');
  const paths = new Map<string, { fhir: string; hl7v2: string; bulk: (type: string) => string }>();
  const filesOf = (ods: string) => {
    let p = paths.get(ods);
    if (!p) {
      const bulkFiles = new Map<string, string>();
      p = {
        fhir: path.join(dir, 'fhir', `${ods}.ndjson`),
        hl7v2: path.join(dir, 'hl7v2', `${ods}.mllp`),
        bulk: (type) => {
          let file = bulkFiles.get(type);
          if (!file) bulkFiles.set(type, (file = path.join(dir, 'bulk', ods, `${type}.ndjson`)));
          return file;
        },
      };
      paths.set(ods, p);
    }
    return p;
  };

  return {
    render(p: SyntheticPerson, sink: (file: string, text: string) => void) {
      counts.people++;
      for (const record of p.records) {
        counts.sourceRecords++;
        const files = filesOf(record.odsCode);
        if (wantFhir || wantBulk) {
          const resources = sourceRecordResources(record, region);
          // Each resource is serialised once, for the bundle line and the bulk line alike. The transaction
          // (FHIR R4 http.html#transaction) is of PUTs, so resending a feed changes nothing but versions.
          // Pieces go to the sink one by one rather than joined (see createByteSink).
          if (wantFhir) sink(files.fhir, '{"resourceType":"Bundle","type":"transaction","entry":[');
          for (let i = 0; i < resources.length; i++) {
            const r = resources[i]!;
            const json = JSON.stringify(r);
            countOne(counts.resources, r.resourceType);
            if (wantBulk) {
              const bulk = files.bulk(r.resourceType);
              sink(bulk, json);
              sink(bulk, '\n');
            }
            if (wantFhir) {
              sink(files.fhir, i ? ',{"resource":' : '{"resource":');
              sink(files.fhir, json);
              sink(files.fhir, `,"request":{"method":"PUT","url":"${r.resourceType}/${r.id}"}}`);
            }
          }
          if (wantFhir) sink(files.fhir, ']}\n');
        }
        if (wantHl7) {
          for (const m of hl7v2Messages(record, region, seed)) {
            countOne(counts.messages, m.type);
            sink(files.hl7v2, '\x0b');
            sink(files.hl7v2, m.message);
            sink(files.hl7v2, '\x1c\r');
          }
        }
      }
      if (wantAnswers)
        for (const line of p.answers) {
          counts.answerLines++;
          sink(answersFile, JSON.stringify(line) + '\n');
        }
    },
  };
}
