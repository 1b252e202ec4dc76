import type { Db, Queryable } from '../apps/server/src/platform/db.ts';

export interface StatementStats {
  sql: string;
  calls: number;
  totalMs: number;
  maxMs: number;
  /** Parameters of the slowest call, to EXPLAIN it afterwards. */
  slowestParams: readonly unknown[] | undefined;
}

/**
 * Wraps the server's database so that every statement it sends is timed, grouped by SQL text, while a phase
 * is being traced: this is how a slow figure is traced to the query behind it.
 */
export class SqlTrace {
  #stats: Map<string, StatementStats> | undefined;

  wrap(db: Db): Db {
    const timed = (q: Queryable): Queryable['query'] => {
      return async <R>(text: string, params?: readonly unknown[]) => {
        const stats = this.#stats;
        if (!stats) return q.query<R>(text, params);
        const t0 = performance.now();
        try {
          return await q.query<R>(text, params);
        } finally {
          const ms = performance.now() - t0;
          let s = stats.get(text);
          if (!s) stats.set(text, (s = { sql: text, calls: 0, totalMs: 0, maxMs: 0, slowestParams: undefined }));
          s.calls++;
          s.totalMs += ms;
          if (ms >= s.maxMs) {
            s.maxMs = ms;
            s.slowestParams = params;
          }
        }
      };
    };
    return {
      engine: db.engine,
      query: timed(db),
      transaction: (fn) => db.transaction((tx) => fn({ query: timed(tx) })),
      close: () => db.close(),
    };
  }

  /** Starts collecting; `stop` returns the statements by total time, largest first. */
  start() {
    this.#stats = new Map();
  }

  stop(): StatementStats[] {
    const stats = [...(this.#stats?.values() ?? [])].sort((a, b) => b.totalMs - a.totalMs);
    this.#stats = undefined;
    return stats;
  }
}

/** One line of SQL, shortened for a note. */
export function oneLine(sql: string, max = 220): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
