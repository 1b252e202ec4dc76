// Regenerates double-metaphone.fixture.txt: the codes PostgreSQL's fuzzystrmatch gives each word of the file
// (`dmetaphone`, `dmetaphone_alt`), which double-metaphone.test.ts asserts we reproduce. Add a word as a line of
// its own and run: npx node apps/server/src/identity/double-metaphone-fixture.ts
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';

const file = path.join(import.meta.dirname, 'double-metaphone.fixture.txt');
const words = [
  ...new Set(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split('|')[0]!.trim())
      .filter((w) => /^[A-Z][A-Z ]*$/.test(w)),
  ),
].sort();

const db = await PGlite.create({ extensions: { fuzzystrmatch } });
try {
  await db.exec('CREATE EXTENSION IF NOT EXISTS fuzzystrmatch');
  const result = await db.query<{ w: string; p: string; a: string }>(
    'SELECT w, dmetaphone(w) AS p, dmetaphone_alt(w) AS a FROM unnest($1::text[]) AS w',
    [words],
  );
  fs.writeFileSync(file, result.rows.map((r) => `${r.w}|${r.p}|${r.a}`).join('\n') + '\n');
  console.log(`${result.rows.length} words written to ${file}`);
} finally {
  await db.close();
}
