import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the public test sets (Synthea R4 bundles, UK HL7 v2 messages, FEBRL linkage sets) are read from. They
 * are never copied into the repository. In order: `JOINEDUP_PUBLIC_DATA`; `shared/data` beside the checkout;
 * `/work/shared/data`, where the machines that build joinedup keep them (a clone elsewhere, such as CI's, still
 * finds them).
 */
export function publicDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const repoRoot = path.resolve(import.meta.dirname, '../../../..');
  const candidates = [env.JOINEDUP_PUBLIC_DATA, path.resolve(repoRoot, '../shared/data'), '/work/shared/data'].filter(
    (c): c is string => !!c,
  );
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}

/** One public set by its directory name, e.g. `synthea-r4-100`. */
export function publicDataSet(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(publicDataDir(env), name);
}
