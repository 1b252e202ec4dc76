import fs from 'node:fs';
import os from 'node:os';

/** CPU spent during a phase: by this process (the server, and the bench's own clients) and by the database. */
export interface CpuSpent {
  /** Milliseconds of CPU this process used (PGlite's included: it runs inside it). */
  processMs: number;
  /**
   * Milliseconds of CPU the local PostgreSQL server's processes used; null when they cannot be read (not Linux,
   * or the server is on another machine). Other work on the machine is not counted in either.
   */
  databaseMs: number | null;
  cores: number;
}

// Linux counts process CPU in clock ticks of 1/100 s (USER_HZ, fixed at 100 on every Linux architecture).
const TICK_MS = 10;

/** CPU ticks used so far by each process named `postgres`, by pid; undefined when /proc cannot be read. */
function postgresTicks(): Map<number, number> | undefined {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
    const fields = stat.slice(close + 2).split(' ');
    ticks.set(Number(pid), Number(fields[11]) + Number(fields[12])); // utime, stime
  }
  return ticks;
}

/**
 * Starts measuring; the function returned stops and gives what was spent since. A database process that ended
 * during the phase is not counted: the bench's connection pools keep theirs open throughout.
 */
export function cpuMeter(engine: 'pglite' | 'postgres'): () => CpuSpent {
  const process0 = process.cpuUsage();
  const database0 = engine === 'postgres' ? postgresTicks() : undefined;
  return () => {
    const used = process.cpuUsage(process0);
    let databaseMs: number | null = engine === 'pglite' ? 0 : null;
    const database1 = database0 && postgresTicks();
    if (database0 && database1 && database1.size > 0) {
      let ticks = 0;
      for (const [pid, t] of database1) ticks += t - (database0.get(pid) ?? 0);
      databaseMs = ticks * TICK_MS;
    }
    // PGlite runs on the server's own thread, so one core bounds it whatever the machine has.
    const cores = engine === 'pglite' ? 1 : os.cpus().length;
    return { processMs: (used.user + used.system) / 1000, databaseMs, cores };
  };
}

/** CPU per item of work, split between the server's process and the database, with the ceiling it implies. */
export interface CpuCost {
  serverMs: number;
  databaseMs: number | null;
  /** Items per second the machine's cores could do at that cost if nothing else ran and nothing waited. */
  ceiling: number | null;
  cores: number;
}

export function costPer(spent: CpuSpent, items: number): CpuCost {
  const serverMs = spent.processMs / items;
  const databaseMs = spent.databaseMs === null ? null : spent.databaseMs / items;
  const total = serverMs + (databaseMs ?? 0);
  return {
    serverMs,
    databaseMs,
    ceiling: databaseMs !== null && total > 0 ? (spent.cores * 1000) / total : null,
    cores: spent.cores,
  };
}
