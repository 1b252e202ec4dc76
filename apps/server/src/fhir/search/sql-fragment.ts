/** SQL casts a bound value may carry. */
export type SqlCast = 'text' | 'text[]' | 'timestamptz' | 'numeric' | 'int';

/**
 * The bound values of one statement. Every value from a request goes through `add`, which returns its
 * placeholder (`$3::text`); SQL text is only ever built from placeholders, table names and fixed fragments.
 */
export class SqlParams {
  readonly values: unknown[] = [];
  #aliases = 0;

  add(value: unknown, cast?: SqlCast): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }

  /** A fresh table alias for a nested subquery. */
  alias(prefix: string): string {
    this.#aliases++;
    return `${prefix}${this.#aliases}`;
  }
}

/** Joins conditions with AND; TRUE when there are none. */
export function and(parts: readonly string[]): string {
  const list = parts.filter((p) => p !== 'TRUE');
  if (list.length === 0) return 'TRUE';
  return list.length === 1 ? list[0]! : list.map((p) => `(${p})`).join(' AND ');
}

/** Joins conditions with OR; FALSE when there are none. */
export function or(parts: readonly string[]): string {
  if (parts.length === 0) return 'FALSE';
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' OR ');
}

/** Escapes LIKE's wildcards so that a value matches only itself. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
