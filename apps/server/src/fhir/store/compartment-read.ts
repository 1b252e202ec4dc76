import type { Queryable } from '../../platform/db.ts';
import { binderFor, filterSql, type RowFilter } from './row-filter.ts';

// The reads of Patient/$everything (FHIR R4 patient-operation-everything.html), as the API's everything.ts pages
// them: every resource stored under some patients' keys, and the shared resources those refer to.

export interface CompartmentQuery {
  /** The patient ids (one, or every Patient a Person links). */
  patientIds: string[];
  types: string[] | undefined;
  since: string | undefined;
  /** Keyset paging: the last (type, id) of the page before. */
  after: { type: string; id: string } | undefined;
}

export type CompartmentRow = { patient_key: string; resource_type: string; id: string; scope: string; content: string };

// The shared branch starts from these patients' own reference rows, so its cost does not grow with the number of
// shared resources; the conditions are pushed into both branches, and the compartment is read along
// patient_resource's primary key (patient_key, resource_type, id), already in the order of the page. The caller's
// row filter (ADR 12) is added to both, and only what it lets the caller see brings in what it refers to.
function compartmentSql(query: CompartmentQuery, filter: RowFilter | undefined, values: unknown[]): string {
  values.push(
    query.patientIds,
    query.types ?? null,
    query.since ?? null,
    query.after?.type ?? null,
    query.after?.id ?? null,
  );
  const bind = binderFor(values);
  const one = query.patientIds.length === 1 ? { patientKey: query.patientIds[0]! } : {};
  const compartment = filterSql(
    filter,
    { alias: 'p', scope: 'patient', types: undefined, history: false, ...one },
    bind,
  );
  const shared = filterSql(filter, { alias: 's', scope: 'shared', types: undefined, history: false }, bind);
  const referrers = filter
    ? `JOIN patient_resource q ON q.patient_key = x.patient_key AND q.resource_type = x.resource_type AND q.id = x.id
           AND NOT q.deleted AND ${filterSql(filter, { alias: 'q', scope: 'patient', types: undefined, history: false }, bind)}`
    : '';
  return `SELECT * FROM (
  SELECT p.patient_key, p.resource_type, p.id, 'p' AS scope, p.last_updated, p.content FROM patient_resource p
   WHERE p.patient_key = ANY($1::text[]) AND NOT p.deleted AND ${compartment}
  UNION ALL
  SELECT s.patient_key, s.resource_type, s.id, 's' AS scope, s.last_updated, s.content
    FROM (SELECT DISTINCT x.target_type, x.target_id FROM patient_sp_reference x ${referrers}
           WHERE x.patient_key = ANY($1::text[]) AND x.target_id IS NOT NULL AND x.target_type IS NOT NULL) t
    JOIN shared_resource s ON s.patient_key = '' AND s.resource_type = t.target_type AND s.id = t.target_id
   WHERE NOT s.deleted AND ${shared}) e
   WHERE ($2::text[] IS NULL OR resource_type = ANY($2::text[]))
     AND ($3::timestamptz IS NULL OR last_updated >= $3::timestamptz)
     AND ($4::text IS NULL OR (resource_type, id) > ($4::text, $5::text))`;
}

/** One page of the compartment and what it refers to, in (type, id) order; `limit` rows at most. */
export async function readCompartment(
  q: Queryable,
  query: CompartmentQuery,
  limit: number,
  filter?: RowFilter,
): Promise<CompartmentRow[]> {
  const values: unknown[] = [];
  const sql = compartmentSql(query, filter, values);
  const n = binderFor(values)(limit, 'int');
  return q.query<CompartmentRow>(`${sql} ORDER BY resource_type, id LIMIT ${n}`, values);
}

/** How many resources the whole answer has. */
export async function countCompartment(q: Queryable, query: CompartmentQuery, filter?: RowFilter): Promise<number> {
  const values: unknown[] = [];
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (${compartmentSql(query, filter, values)}) c`,
    values,
  );
  return row?.n ?? 0;
}
