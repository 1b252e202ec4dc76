import type { Queryable } from '../apps/server/src/platform/db.ts';

/**
 * The raw references live in tables of their own, in the same database as the store:
 * - bench_bare: the ingested Synthea resources as (id, content jsonb), loaded by COPY: the ingest ceiling and
 *   the read-by-id reference.
 * - bench_ref: the synthetic population in one purpose-built table with exactly the indexes the benchmark's
 *   searches need: what a hand-written query costs when the schema is made for the question.
 */
export async function createReferenceTables(db: Queryable) {
  await db.query('CREATE TABLE bench_bare (id text PRIMARY KEY, content jsonb NOT NULL)');
  await db.query(`CREATE TABLE bench_ref (
    id text PRIMARY KEY, type text NOT NULL, patient text NOT NULL,
    k1 text, k2 text, d timestamptz, content jsonb NOT NULL)`);
  await db.query('CREATE INDEX bench_ref_patient_idx ON bench_ref (patient, type, k1, d)');
  await db.query('CREATE INDEX bench_ref_k1_idx ON bench_ref (type, k1)');
  await db.query('CREATE INDEX bench_ref_k2_idx ON bench_ref (type, k2, d)');
}

export const BARE_COLUMNS = ['id', 'content'] as const;
export const REF_COLUMNS = ['id', 'type', 'patient', 'k1', 'k2', 'd', 'content'] as const;
