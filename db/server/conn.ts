import Database from "libsql";
import { checkProgram, checkText, notAuthorized } from "./guard.ts";

type Db = InstanceType<typeof Database>;
type Prepared = ReturnType<Db["prepare"]>;

/** Prepared statements a connection keeps, and the longest SQL text it keeps one for. */
const statementCacheSize = 128;
const maxCachedSqlLength = 8192;
/** Native objects a connection keeps (see Conn.keep) before the pool retires it. */
const maxKept = 4096;

/**
 * One engine connection. A stream owns one for its whole life, so an interactive transaction keeps
 * its locks across HTTP requests; the pool hands connections out again only in a clean state.
 */
export class Conn {
  readonly db: Db;
  /** Ran something that changes per-connection state (PRAGMA, ATTACH, TEMP objects). */
  dirty = false;
  /** A statement was left pending by SQLITE_BUSY (the binding cannot reset it). Such a connection
   * would keep later autocommit writes uncommitted, so it is replaced as soon as it is outside a
   * transaction and never pooled. */
  stuck = false;
  /** `PRAGMA query_only` is on for the current `BEGIN TRANSACTION READONLY`. */
  readonlyTx = false;
  #meta: Prepared | undefined;
  /** Prepared statements by SQL text, least recently used first (a Map keeps insertion order). */
  readonly #statements = new Map<string, Prepared>();
  #schemaVersion: Prepared | undefined;
  /** The schema version the cached statements were prepared against. */
  #statementsSchema: unknown;
  /**
   * Every native object (statement, row cursor) this connection made and no longer uses. The
   * binding finalizes one on the main thread and takes its connection's lock to do so; while a
   * statement of that connection runs on the binding's thread pool, that would block the main
   * thread, and with it the timer that interrupts the statement: a deadlock. So nothing of a
   * connection is left to the garbage collector while the connection lives; the pool retires a
   * connection once it keeps {@link maxKept} of them, and they are freed after its close.
   */
  readonly #kept: object[] = [];

  constructor(file: string) {
    this.db = new Database(file);
    // WAL + NORMAL: a commit survives a crash of this process (only a power loss can lose the last
    // commits), without an fsync per commit. journal_mode is persistent; synchronous is per connection.
    this.db.exec("PRAGMA synchronous=NORMAL");
    // Views, triggers and schema expressions may then call only innocuous functions (a second
    // wall, behind the inspection in prepare(), between stored SQL and the file system).
    this.db.exec("PRAGMA trusted_schema=OFF");
  }

  /** True while an explicit transaction is open (the negation of sqlite3_get_autocommit). */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * The prepared statement for `sql`, reused while it is among the last {@link statementCacheSize}
   * used, while the schema stays the same: a client repeats the same few statements (an
   * application's queries), and preparing costs more than running them. A statement runs to
   * its end or to its error before the next use (SQLITE_BUSY leaves it pending, but then the
   * connection is replaced). A statement is checked (see guard.ts) before it is first handed
   * out, by its compiled program, and refused with SQLITE_AUTH if it could reach the file system.
   */
  prepare(sql: string): Prepared {
    // A schema change (here or on another connection) makes what was prepared stale: the
    // columns a statement reports, and the wrapper built from them, would be the old ones.
    this.#schemaVersion ??= this.db.prepare("PRAGMA schema_version").raw();
    const version = (this.all(this.#schemaVersion)[0] as unknown[] | undefined)?.[0];
    if (version !== this.#statementsSchema) {
      this.#statements.clear();
      this.#statementsSchema = version;
    }
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.#inspect(sql);
      if (sql.length > maxCachedSqlLength) this.keep(stmt);
      else {
        if (this.#statements.size >= statementCacheSize) {
          const oldest = this.#statements.keys().next().value!;
          this.keep(this.#statements.get(oldest)!);
          this.#statements.delete(oldest);
        }
        this.#statements.set(sql, stmt);
      }
    } else {
      this.#statements.delete(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  #inspect(sql: string): void {
    const inspected = checkText(sql);
    let program: unknown[];
    try {
      const explain = this.db.prepare(`EXPLAIN ${inspected}`).raw();
      this.keep(explain);
      program = this.all(explain);
      // An EXPLAIN stays active after its last row until reset (get() resets), and an active one
      // of a write statement would keep this connection from committing.
      explain.get();
    } catch {
      // Only an EXPLAIN cannot be explained again, and an EXPLAIN runs nothing. Anything else
      // that compiled on its own but not here is refused rather than run unchecked.
      const again = this.db.prepare(sql);
      this.keep(again);
      const cols = again.columns().map((c) => c.name).join(",");
      if (cols === "addr,opcode,p1,p2,p3,p4,p5,comment" || cols === "id,parent,notused,detail") return;
      throw notAuthorized("a statement that cannot be inspected");
    }
    checkProgram(program);
  }

  /** Keeps a native object of this connection alive until the connection is closed. */
  keep(x: object): void {
    this.#kept.push(x);
  }

  /** Whether the pool should close this connection rather than keep it (see #kept). */
  get worn(): boolean {
    return this.#kept.length >= maxKept;
  }

  /** All rows of a statement, its row cursor kept (see #kept). */
  all(stmt: Prepared, args: unknown[] = []): unknown[] {
    const rows = stmt.iterate(args);
    this.keep(rows);
    return [...rows];
  }

  /** Makes the statement running on this connection (on the binding's thread) fail with
   * SQLITE_INTERRUPT. Safe to call while it runs: it only raises SQLite's interrupt flag. */
  interrupt(): void {
    (this.db as unknown as { interrupt(): void }).interrupt();
  }

  /** Exact `changes()` and `last_insert_rowid()` of the last statement (the binding's rowid is a
   * JS number and loses precision above 2^53). */
  changesAndRowid(): [bigint, bigint] {
    this.#meta ??= this.db.prepare("SELECT changes(), last_insert_rowid()").raw().safeIntegers();
    // all(), not get(): a statement stepped only once stays active.
    const row = this.all(this.#meta)[0];
    if (Array.isArray(row) && typeof row[0] === "bigint" && typeof row[1] === "bigint") return [row[0], row[1]];
    return [0n, 0n];
  }

  /** Turns query_only on for a read-only transaction, and off again once it has ended. */
  syncReadonly(beganReadonly: boolean): void {
    if (beganReadonly && this.inTransaction && !this.readonlyTx) {
      this.db.exec("PRAGMA query_only=1");
      this.readonlyTx = true;
    } else if (this.readonlyTx && !this.inTransaction) {
      this.db.exec("PRAGMA query_only=0");
      this.readonlyTx = false;
    }
  }

  /** Rolls back whatever is open and clears per-transaction state. Returns false if the connection
   * should not be reused. */
  reset(): boolean {
    try {
      if (this.inTransaction) this.db.exec("ROLLBACK");
      if (this.readonlyTx) {
        this.db.exec("PRAGMA query_only=0");
        this.readonlyTx = false;
      }
      return !this.dirty && !this.stuck && !this.worn && !this.inTransaction;
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // Closing a connection whose statements are still referenced can fail; it is gone either way.
    }
  }
}

/** A small pool of clean connections to one database file. */
export class Pool {
  readonly file: string;
  readonly #idle: Conn[] = [];
  readonly #maxIdle: number;

  constructor(file: string, maxIdle = 8) {
    this.file = file;
    this.#maxIdle = maxIdle;
  }

  acquire(): Conn {
    return this.#idle.pop() ?? new Conn(this.file);
  }

  /** Gives a connection back: reset and kept if clean, closed otherwise. */
  release(conn: Conn): void {
    if (conn.reset() && this.#idle.length < this.#maxIdle) this.#idle.push(conn);
    else conn.close();
  }

  closeAll(): void {
    for (const c of this.#idle.splice(0)) c.close();
  }
}
