import Database from "libsql";
import { checkShadowPages, configRefusal, mayNameShadowTable, rankRefusal, shadowTableNames, shadowTableRefusal } from "./fts5.ts";
import { checkProgram, checksVirtualTables, checkText, checkVirtualTableUse, notAuthorized, virtualTableModule, virtualTableRefusal } from "./guard.ts";
import { tokenize } from "./sql.ts";
import { classifyProgram, compiledSchemaCookie, type Verdict } from "./straight.ts";

type Db = InstanceType<typeof Database>;
type Prepared = ReturnType<Db["prepare"]>;

/** What straight.ts says of a statement's program: as it is, and as the hex wrapper of a query
 * (execute.ts), which may also call hex(). */
interface Verdicts {
  plain: Verdict;
  wrapper: Verdict;
  /** The schema version the inspected program was compiled against (see compiledSchemaCookie). */
  cookie: number | undefined;
}

const NOT_INSPECTED: Verdict = { straight: false, reason: "not inspected" };
const NEVER: Verdicts = { plain: NOT_INSPECTED, wrapper: NOT_INSPECTED, cookie: undefined };
const HEX: ReadonlySet<string> = new Set(["hex"]);

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
  /**
   * Ran a statement that may change the schema (anything but a plain query, INSERT, UPDATE,
   * DELETE or transaction control) in the current transaction. A rollback then takes the schema
   * back to a version number the cached statements may have seen with other content, so while
   * this is set no statement takes the fast path, and the cache is dropped once the
   * transaction is over (see {@link settle}).
   */
  schemaTouched = false;
  #meta: Prepared | undefined;
  /** Prepared statements by SQL text, least recently used first (a Map keeps insertion order). */
  readonly #statements = new Map<string, Prepared>();
  /** The verdicts on each prepared statement's program, computed once when it is inspected. */
  readonly #verdicts = new WeakMap<Prepared, Verdicts>();
  #schemaVersion: Prepared | undefined;
  #virtualTablesQuery: Prepared | undefined;
  #rootPagesQuery: Prepared | undefined;
  #viewsAndTriggersQuery: Prepared | undefined;
  #tableSqlQuery: Prepared | undefined;
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
    // Reads by rowid all over the file (a search's candidates, a page of members) come from the
    // OS page cache through a mapping, shared by every connection, instead of a read() per page
    // into each connection's own small cache: measured 2.5× faster fetching 2,000 members at random.
    this.db.exec("PRAGMA mmap_size=268435456");
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
      this.forgetStatements();
      this.#statementsSchema = version;
      // PRAGMA schema_version reads the file's version without checking this connection's copy
      // of the schema, which SQLite reloads only when a statement that uses a table finds it
      // stale at its first step: reload it now, or what is prepared (and inspected) next would
      // be compiled against the old schema, and compiled again, differently, when it runs.
      this.db.exec("SELECT 1 FROM sqlite_schema LIMIT 0");
    }
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      try {
        this.#verdicts.set(stmt, this.#inspect(sql));
      } catch (e) {
        // Refused: kept like any other (see #kept), never handed out.
        this.keep(stmt);
        throw e;
      }
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

  /**
   * Like {@link prepare}, and whether the statement may run here on the main thread, without the
   * deadline (straight.ts): its program is straight (`wrapper`: as the hex wrapper of a query
   * may be), and the program that will run is the one inspected. A statement is compiled again
   * behind our back when, at its first step, the file's schema version differs from the one it
   * was compiled against, or a setting expired it; the new program may differ. So:
   * - the inspected program was compiled against the schema version read just now, in
   *   prepare(), inside a transaction, which holds that version until it ends (the caller must
   *   step the statement before anything else runs: no await in between);
   * - no PRAGMA ran on this connection (`dirty`: foreign_keys and the like change what is
   *   compiled, and expire every statement);
   * - no schema change of this transaction can be rolled back under it (`schemaTouched`): a
   *   version number then stands for other content than it did.
   */
  prepareForRun(sql: string, wrapper = false): { stmt: Prepared; straight: boolean } {
    const stmt = this.prepare(sql);
    const verdicts = this.#verdicts.get(stmt) ?? NEVER;
    const straight =
      this.inTransaction &&
      !this.dirty &&
      !this.schemaTouched &&
      (verdicts.cookie === undefined || verdicts.cookie === this.#statementsSchema) &&
      (wrapper ? verdicts.wrapper : verdicts.plain).straight;
    return { stmt, straight };
  }

  /**
   * Whether `sql` may take the fast path once in a transaction: its program is straight (it is
   * prepared, and inspected, if it was not yet). A hint for opening one: prepareForRun decides.
   */
  mayBeStraight(sql: string): boolean {
    if (this.dirty || this.schemaTouched) return false;
    const stmt = this.#statements.get(sql) ?? this.prepare(sql);
    const verdicts = this.#verdicts.get(stmt) ?? NEVER;
    return verdicts.plain.straight && (verdicts.cookie === undefined || verdicts.cookie === this.#statementsSchema);
  }

  /** Drops every cached statement (kept alive until the connection closes: see #kept). */
  forgetStatements(): void {
    for (const stmt of this.#statements.values()) this.keep(stmt);
    this.#statements.clear();
  }

  /** After a statement: once outside a transaction, a possible schema change is settled. */
  settle(): void {
    if (this.schemaTouched && !this.inTransaction) {
      this.forgetStatements();
      this.schemaTouched = false;
    }
  }

  #inspect(sql: string): Verdicts {
    const inspected = checkText(sql);
    // The schema's virtual tables, read at most once per inspection, and only when needed.
    let virtualTables: { name: string; sql: string }[] | undefined;
    const fts5Tables = (): string[] => (virtualTables ??= this.#virtualTables()).filter((t) => virtualTableModule(t.sql) === "fts5").map((t) => t.name);
    const tokens = tokenize(sql);
    if (mayNameShadowTable(sql, tokens)) {
      const shadow = shadowTableRefusal(sql, tokens, shadowTableNames(fts5Tables()));
      if (shadow !== undefined) throw notAuthorized(shadow);
    }
    // Their EXPLAIN shows each virtual table's check with a raw pointer as its text operand, which
    // the binding cannot read (it aborts the process): not inspectable while there is one.
    if (checksVirtualTables(sql) && this.#virtualTables().length > 0) {
      throw notAuthorized("PRAGMA integrity_check or quick_check on a database with virtual tables (its program cannot be inspected)");
    }
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
      // that compiled on its own but not here (a statement nested just deep enough that the
      // prefix overflows the parser's stack) is refused rather than run unchecked. What it is
      // is read from its own first word, never from its result columns, which any statement
      // can name (`… RETURNING readfile(…) AS addr, … AS comment`).
      if (tokenize(sql)[0]?.upper === "EXPLAIN") return NEVER;
      throw notAuthorized("a statement that cannot be inspected");
    }
    checkProgram(program);
    // What names an fts5 shadow table where the text above could not see it: a view or a
    // trigger body written before the table existed.
    const fts5 = fts5Tables();
    if (fts5.length > 0) checkShadowPages(program, this.#rootPages(shadowTableNames(fts5)), notAuthorized);
    // A virtual table made before this server refused its module or options (fts4 with
    // uncompress=readfile, fts5 with a rank function or whose arguments fail the grammar) would
    // run functions from its own SQL; so would an fts5 table whose rank a view or trigger made
    // elsewhere (they could not be made here) sets or passes.
    checkVirtualTableUse(program, () => [
      ...(virtualTables ??= this.#virtualTables())
        .filter((t) => virtualTableRefusal(t.sql) !== undefined || (virtualTableModule(t.sql) === "fts5" && this.#fts5ConfigRefusal(t.name) !== undefined))
        .map((t) => t.name),
      ...(fts5.length > 0 ? this.#viewsAndTriggers().filter((t) => rankRefusal(t.sql, tokenize(t.sql)) !== undefined).map((t) => t.name) : []),
    ]);
    // Blob literals were emptied for EXPLAIN: what it compiled is not exactly what runs (a
    // literal can decide which partial index fits), so such a statement is never straight.
    if (inspected !== sql) return NEVER;
    const cookie = compiledSchemaCookie(program);
    if (cookie === null) return NEVER;
    return { plain: classifyProgram(program), wrapper: classifyProgram(program, HEX), cookie };
  }

  /**
   * The virtual tables of the schema, by name with their stored CREATE. Read each time it is
   * asked (only while inspecting a statement that needs it): a cache keyed by the schema version
   * could be stale after a rolled-back schema change (see schemaTouched). Read as bytes: a stored
   * text that is not UTF-8 would abort the process in the binding.
   */
  #virtualTables(): { name: string; sql: string }[] {
    this.#virtualTablesQuery ??= this.db.prepare("SELECT CAST(name AS BLOB), CAST(sql AS BLOB) FROM main.sqlite_schema WHERE type = 'table' AND rootpage = 0").raw();
    const text = (x: unknown): string => (Buffer.isBuffer(x) ? new TextDecoder().decode(x) : "");
    return this.all(this.#virtualTablesQuery).map((row) => ({ name: text((row as unknown[])[0]), sql: text((row as unknown[])[1]) }));
  }

  /** The views and triggers of the schema, by name with their stored CREATE (read as bytes, like
   * #virtualTables). */
  #viewsAndTriggers(): { name: string; sql: string }[] {
    this.#viewsAndTriggersQuery ??= this.db.prepare("SELECT CAST(name AS BLOB), CAST(sql AS BLOB) FROM main.sqlite_schema WHERE type IN ('view', 'trigger')").raw();
    const text = (x: unknown): string => (Buffer.isBuffer(x) ? new TextDecoder().decode(x) : "");
    return this.all(this.#viewsAndTriggersQuery).map((row) => ({ name: text((row as unknown[])[0]), sql: text((row as unknown[])[1]) }));
  }

  /** The root pages of the main database's tables (and their indexes) named in `tables`
   * (lower case). */
  #rootPages(tables: ReadonlySet<string>): Set<number> {
    this.#rootPagesQuery ??= this.db.prepare("SELECT CAST(tbl_name AS BLOB), rootpage FROM main.sqlite_schema WHERE rootpage > 0").raw();
    const pages = new Set<number>();
    for (const row of this.all(this.#rootPagesQuery) as unknown[][]) {
      const name = Buffer.isBuffer(row[0]) ? new TextDecoder().decode(row[0]).toLowerCase() : "";
      if (tables.has(name) && typeof row[1] === "number") pages.add(row[1]);
    }
    return pages;
  }

  /**
   * Why the existing fts5 table `name` is not served, from its `_config` shadow table (see
   * configRefusal in fts5.ts): it must be the table fts5 made, and hold no rank.
   */
  #fts5ConfigRefusal(name: string): string | undefined {
    const config = `${name}_config`;
    this.#tableSqlQuery ??= this.db.prepare("SELECT CAST(sql AS BLOB) FROM main.sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").raw();
    const stored = this.all(this.#tableSqlQuery, [config])[0] as unknown[] | undefined;
    const sql = Buffer.isBuffer(stored?.[0]) ? new TextDecoder().decode(stored[0]) : undefined;
    const tokens = sql === undefined ? [] : tokenize(sql);
    const shape = sql !== undefined && tokens[0]?.upper === "CREATE" && tokens[1]?.upper === "TABLE" && tokens[3] !== undefined ? sql.slice(tokens[3].start) : undefined;
    if (shape === undefined) return configRefusal(undefined, []);
    try {
      const keys = this.db.prepare(`SELECT CAST(k AS BLOB) FROM main."${config.replaceAll('"', '""')}"`).raw();
      this.keep(keys);
      return configRefusal(shape, this.all(keys).map((row) => (row as unknown[])[0]));
    } catch {
      return "its _config shadow table cannot be read";
    }
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
      this.settle();
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
