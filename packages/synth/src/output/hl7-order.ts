import fs from 'node:fs';

/** Larger feed files stay in person order: sorting reads the whole file into memory. */
export const MAX_SORT_BYTES = 1024 * 1024 * 1024;

/**
 * Puts an MLLP-framed HL7 v2 feed file into the order a hospital would send it: by MSH-7 (the time of the
 * message), across all its patients. The sort is stable, so messages of the same second keep the order the
 * generator gave them (a person's A01 before their A02), and the result is the same on every run. Returns
 * false, leaving the file in person order, when it is larger than MAX_SORT_BYTES.
 */
export function sortFeedByTime(file: string): boolean {
  if (fs.statSync(file).size > MAX_SORT_BYTES) return false;
  const bytes = fs.readFileSync(file);
  const frames: { at: string; start: number; end: number; n: number }[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x1c, start);
    if (end < 0 || bytes[start] !== 0x0b || bytes[end + 1] !== 0x0d) throw new Error(`${file} is not MLLP framed`);
    frames.push({ at: msh7(bytes, start + 1, end), start, end: end + 2, n: frames.length });
    start = end + 2;
  }
  frames.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.n - b.n));
  const out = Buffer.allocUnsafe(bytes.length);
  let at = 0;
  for (const f of frames) at += bytes.copy(out, at, f.start, f.end);
  fs.writeFileSync(file, out);
  return true;
}

/** MSH-7 of the message in bytes[from, to): the sixth field separator after `MSH` starts it. */
function msh7(bytes: Buffer, from: number, to: number): string {
  let field = 1; // MSH-1 is the separator itself; after it the next `|` ends MSH-2
  let i = from + 3;
  let begin = -1;
  for (; i < to; i++) {
    if (bytes[i] !== 0x7c) continue;
    field++;
    if (field === 7) begin = i + 1;
    else if (field === 8) break;
  }
  if (begin < 0) return '';
  return bytes.toString('latin1', begin, i);
}
