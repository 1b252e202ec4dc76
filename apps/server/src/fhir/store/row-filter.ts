import type { Queryable } from '../../platform/db.ts';
import type { Scope } from './store.migrations.ts';

/** Binds one value into the statement being built and returns its placeholder (`$3::text`). */
export type Bind = (value: unknown, cast?: 'text' | 'text[]' | 'timestamptz' | 'numeric' | 'int') => string;

/** The stored rows a condition is about: `alias` has the columns of a resource table of `scope`. */
export interface FilteredRows {
  alias: string;
  scope: Scope;
  /** The resource types the rows can have; undefined when any type can be there. */
  types: readonly string[] | undefined;
  /** A `<scope>_resource_history` table (old versions), rather than the current rows. */
  history: boolean;
  /** The rows are about to be written (an update's or delete's target, what a create made), not read. */
  write?: boolean;
  /**
   * The statement reads only rows stored under this patient's key (a compartment, `patient=`, `$everything`): a
   * filter can decide about that patient once, rather than row by row.
   */
  patientKey?: string;
}

/**
 * Which stored rows one request may see, decided outside the FHIR engine (the engine knows no users; ADR 11):
 * an SQL condition the engine adds to every statement that reads resource rows for the request (search and its
 * count, chains, `_has`, includes, reads, history, `$everything`, conditional matching), so that what it may
 * not see is never found, counted or hinted at. Values go through `bind`; the SQL text is the filter's own.
 */
export interface RowFilter {
  condition(rows: FilteredRows, bind: Bind): string;
  /**
   * Called before a statement narrowed to one patient's key is built: the filter may look that patient up once
   * (on `q`) and then answer `condition` for their rows with what it learnt. Returns whether it learnt anything
   * new, so that a statement built before is built again.
   */
  prepare?(q: Queryable, patientKey: string): Promise<boolean>;
  /**
   * What leaves in place of what was stored (e.g. with a restricted patient's address removed), looked up on `q`,
   * the connection the request reads on (inside a bundle's transaction, its own).
   */
  shape?<T extends ShapedVersion>(q: Queryable, versions: readonly T[]): Promise<T[]>;
}

/** A stored version as the filter's `shape` sees it: the JSON text and where it is stored. */
export interface ShapedVersion {
  patientKey: string;
  resourceType: string;
  content: string | null;
}

/** The filter's condition, or TRUE without one. */
export function filterSql(filter: RowFilter | undefined, rows: FilteredRows, bind: Bind): string {
  return filter ? `(${filter.condition(rows, bind)})` : 'TRUE';
}

/** A positional binder for a hand-written statement whose values are `values` so far. */
export function binderFor(values: unknown[]): Bind {
  return (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
}
