import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : sourceFiles(full);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [full] : [];
  });
}

test('every error code the code can send is listed in docs/errors.md', () => {
  const catalogue = fs.readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8');
  const used = new Set<string>();
  for (const file of [...sourceFiles(path.join(ROOT, 'apps')), ...sourceFiles(path.join(ROOT, 'packages'))]) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/code: '([a-z0-9-]+\.[a-z0-9.-]+)'/g)) used.add(m[1]!);
  }
  assert.ok(used.size > 30, `found only ${used.size} codes`);
  const missing = [...used].filter((code) => !catalogue.includes(`\`${code}\``));
  assert.deepEqual(missing, []);
});
