import type pg from 'pg';

// The parts of pg's Connection a COPY FROM STDIN needs; @types/pg does not declare the copy methods.
interface CopyConnection extends pg.Connection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * `COPY ... FROM STDIN` for node-postgres, as a Submittable: pg's client hands it the connection when the server
 * answers CopyInResponse, and it sends the data and CopyDone (PostgreSQL protocol-flow.html#PROTOCOL-COPY).
 * The few lines pg-copy-streams would give, without a package the project does not have.
 */
class CopyFromStdin implements pg.Submittable {
  readonly #sql: string;
  readonly #chunks: readonly Buffer[];
  readonly done: Promise<void>;
  #resolve!: () => void;
  #reject!: (e: unknown) => void;

  constructor(sql: string, chunks: readonly Buffer[]) {
    this.#sql = sql;
    this.#chunks = chunks;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: pg.Connection) {
    connection.query(this.#sql);
  }

  handleCopyInResponse(connection: CopyConnection) {
    for (const chunk of this.#chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleReadyForQuery() {
    this.#resolve();
  }

  handleError(e: unknown) {
    this.#reject(e);
  }

  handleCommandComplete() {}
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyData() {}
}

/** Sends text-format COPY data (rows already escaped, one per line) through an open client. */
export async function copyFromStdin(client: pg.Client, sql: string, data: string): Promise<void> {
  const buffer = Buffer.from(data, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += 1 << 20) chunks.push(buffer.subarray(at, at + (1 << 20)));
  const copy = new CopyFromStdin(sql, chunks);
  client.query(copy);
  await copy.done;
}

/** One field of COPY's text format: a backslash is doubled, and tab, newline and carriage return are escaped. */
export function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
