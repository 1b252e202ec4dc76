import type { Db } from './db.ts';

/** One schema change, identified by a stable id such as `fhir-store-001`. */
export interface Migration {
  id: string;
  sql: string;
}

// Any fixed number works: it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK = 7_340_001;

/** Applies, in order and once each, the migrations not yet recorded; safe when several processes start together. */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migration (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ id: string }>('SELECT id FROM schema_migration')).map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migration (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}

// Migrations hold plain DDL: statements end with a semicolon at the end of a line.
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
