import type { Conn, Pool } from "./conn.ts";
import { ProtocolError } from "./errors.ts";

/** Most SQL texts one stream may store, and the largest one (sqld's limits). */
export const MAX_STORED_SQL = 50;
export const MAX_STORED_SQL_BYTES = 5000;

/**
 * A stream: one engine connection (taken from the pool on first use) plus the SQL texts stored on
 * it. Requests on a stream run one at a time; the registry hands it out per baton.
 */
export class Stream {
  readonly id: string;
  /** Sequence number the next baton must carry. */
  seq: bigint;
  readonly sqls = new Map<number, string>();
  /** Set by the `close` request; the connection goes back to the pool. */
  closed = false;
  /** Being used by a request right now. */
  busy = false;
  timer: NodeJS.Timeout | undefined;
  #conn: Conn | undefined;
  readonly #pool: Pool;

  constructor(id: string, seq: bigint, pool: Pool) {
    this.id = id;
    this.seq = seq;
    this.#pool = pool;
  }

  /** The stream's connection; a closed stream has none (sqld's "stream for this baton was closed"). */
  conn(): Conn {
    if (this.closed) throw new ProtocolError("Stream for this baton was closed", "BATON_STREAM_CLOSED");
    if (this.#conn !== undefined && this.#conn.stuck && !this.#conn.inTransaction) {
      this.#pool.release(this.#conn);
      this.#conn = undefined;
    }
    this.#conn ??= this.#pool.acquire();
    return this.#conn;
  }

  /** True outside an explicit transaction (a stream that never ran SQL is in autocommit). */
  isAutocommit(): boolean {
    return this.#conn === undefined || !this.#conn.inTransaction;
  }

  /** Ends the stream: rolls back anything open and gives the connection back. */
  close(): void {
    this.closed = true;
    if (this.#conn !== undefined) {
      this.#pool.release(this.#conn);
      this.#conn = undefined;
    }
  }
}
