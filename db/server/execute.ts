import { setTimeout as sleep } from "node:timers/promises";
import { bindArgs } from "./bind.ts";
import { classify, type StmtInfo } from "./classify.ts";
import type { Conn } from "./conn.ts";
import { startStatement, type SyncStatement } from "./engine.ts";
import { engineError, isBusy, ProtocolError, StmtError } from "./errors.ts";
import { engineGate } from "./gate.ts";
import type { Stmt } from "./protocol.ts";
import { splitStatements, type SqlPiece } from "./sql.ts";
import { fromEngine, outSize, type EngineValue, type OutValue } from "./values.ts";

/** A column of a result. */
export interface Col {
  name: string | null;
  decltype: string | null;
}

/** The result of one statement, as the protocol sends it. */
export interface StmtResult {
  cols: Col[];
  rows: OutValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  query_duration_ms: number;
}

/** Per-request execution settings and budget. */
export interface ExecContext {
  /** How long a statement keeps retrying SQLITE_BUSY before giving up. */
  busyTimeoutMs: number;
  /** Bytes of row values still allowed in this response. */
  budget: { bytes: number };
  /** A statement still running after this long is interrupted and fails with SQLITE_INTERRUPT. */
  statementTimeoutMs: number;
}

/** A statement ready to run: its single piece of SQL, what it is, and its bound arguments. */
export interface Prepared {
  piece: SqlPiece;
  info: StmtInfo;
}

/** Resolves `sql`/`sql_id` to text the way sqld does (problems are protocol errors). */
export function resolveSql(sql: string | undefined, sqlId: number | undefined, sqls: Map<number, string>): string {
  if (sql !== undefined && sqlId !== undefined) {
    throw new ProtocolError("Either `sql` or `sql_id` are required, but not both", "SQL_ID_AND_SQL_GIVEN");
  }
  if (sql !== undefined) return sql;
  if (sqlId === undefined) throw new ProtocolError("Either `sql` or `sql_id` are required", "SQL_ID_OR_SQL_NOT_GIVEN");
  const stored = sqls.get(sqlId);
  if (stored === undefined) throw new ProtocolError(`SQL text ${sqlId} not found`, "SQL_NOT_FOUND");
  return stored;
}

/** What {@link prepareOne} found, by SQL text (its result depends on the text alone). */
const analyzed = new Map<string, Prepared>();
const analyzedMax = 512;

/** Splits and classifies a statement's text; it must hold exactly one statement. */
export function prepareOne(text: string): Prepared {
  const known = analyzed.get(text);
  if (known !== undefined) return known;
  const p = analyzeOne(text);
  if (text.length <= 8192) {
    if (analyzed.size >= analyzedMax) analyzed.delete(analyzed.keys().next().value!);
    analyzed.set(text, p);
  }
  return p;
}

function analyzeOne(text: string): Prepared {
  const pieces = splitStatements(text);
  if (pieces.length === 0) throw new StmtError("SQL string does not contain any statement", "SQL_NO_STATEMENT");
  if (pieces.length > 1) throw new StmtError("SQL string contains more than one statement", "SQL_MANY_STATEMENTS");
  const piece = pieces[0]!;
  const info = classify(piece);
  if (info.refused !== undefined) throw new StmtError(`SQL string could not be parsed: unsupported statement: ${info.refused}`, "SQL_PARSE_ERROR");
  return { piece, info };
}

/** Waits out SQLITE_BUSY: calls `attempt` until it stops failing with it, sleeping (never
 * blocking the event loop, and out of the engine gate) with backoff, for at most `busyTimeoutMs`.
 * Called only by a request that holds the engine gate (see endpoints.ts). */
async function retryBusy<T>(ctx: ExecContext, attempt: () => T | Promise<T>, onTimeout: () => void = () => undefined): Promise<T> {
  const deadline = Date.now() + ctx.busyTimeoutMs;
  let delay = 1;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      // Only a plain SQLITE_BUSY may succeed later; BUSY_SNAPSHOT never will.
      if (!isBusy(e)) throw engineError(e);
      if (Date.now() >= deadline) {
        onTimeout();
        throw new StmtError(`SQLite error: database is locked (waited ${ctx.busyTimeoutMs} ms for another transaction)`, "SQLITE_BUSY");
      }
      // The lock's holder may be a transaction whose next request waits behind this one.
      engineGate.leave();
      try {
        await sleep(delay);
      } finally {
        await engineGate.enter();
      }
      delay = Math.min(delay * 2, 50);
    }
  }
}

const EMPTY = (started: number): StmtResult => ({ cols: [], rows: [], affected_row_count: 0, last_insert_rowid: null, query_duration_ms: performance.now() - started });

/**
 * Runs one statement. A statement that fails with SQLITE_BUSY stays pending in the binding (it has
 * no reset()), and a pending write statement keeps every later autocommit write of its connection
 * from committing. So locks are taken where a failure leaves nothing behind: transaction control
 * runs through exec() (which finalizes), and a write outside a transaction first takes the write
 * lock with an exec'd BEGIN IMMEDIATE and commits right after, which is exactly autocommit.
 */
export async function runStmt(conn: Conn, p: Prepared, stmt: Pick<Stmt, "args" | "namedArgs" | "wantRows">, ctx: ExecContext): Promise<StmtResult> {
  const args = bindArgs(p.info.params, stmt);
  const started = performance.now();
  if (p.info.dirtiesConnection) conn.dirty = true;
  if (!p.info.isQuery && !p.info.isIud && !p.info.isTxnControl && !p.info.isExplain) conn.schemaTouched = true;
  let snapshot = false;
  try {
    // exec() runs every statement of its text: only a text that is plainly one statement goes there.
    if (p.info.isTxnControl && args.length === 0 && PLAIN_TXN_CONTROL.test(p.piece.text)) {
      await retryBusy(ctx, () => conn.db.exec(p.piece.text));
      return EMPTY(started);
    }
    const wrap = p.info.mayWrite && !conn.inTransaction;
    if (wrap) await retryBusy(ctx, () => conn.db.exec("BEGIN IMMEDIATE"));
    // A statement takes the fast path only inside a transaction (see Conn.prepareForRun). A write
    // outside one has the BEGIN IMMEDIATE above; a plain query outside one whose program is
    // straight gets a read transaction of its own (deferred: it takes no lock), ended right
    // after it, as autocommit would.
    if (!wrap && p.info.isQuery && !conn.inTransaction && conn.mayBeStraight(p.piece.text)) {
      conn.db.exec("BEGIN");
      snapshot = true;
    }
    let result: StmtResult;
    try {
      const run = prepareRun(conn, p, args, stmt.wantRows, ctx);
      result = await retryBusy(ctx, run, () => (conn.stuck = true));
    } catch (e) {
      // Keep what the conflict clause kept, as autocommit would (ABORT has already undone it).
      if (wrap && conn.inTransaction) commitOrRollback(conn);
      throw e;
    }
    if (wrap && conn.inTransaction) commitOrRollback(conn, true);
    result.query_duration_ms = performance.now() - started;
    return result;
  } finally {
    if (snapshot && conn.inTransaction) commitOrRollback(conn);
    conn.syncReadonly(p.info.beginsReadonly);
    conn.settle();
  }
}

function commitOrRollback(conn: Conn, raise = false): void {
  try {
    conn.db.exec("COMMIT");
  } catch (e) {
    // e.g. a deferred foreign key violation: in autocommit the statement itself would have failed.
    if (conn.inTransaction) conn.db.exec("ROLLBACK");
    if (raise) throw engineError(e);
  }
}

const WRAP = "__hrana_exact_q";
const PLAIN_TXN_CONTROL = /^\s*(?:BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)(?:\s+[A-Za-z_][A-Za-z0-9_]*)*\s*;?\s*$/i;

/** The error of a statement stopped at the deadline. */
function deadlineError(ctx: ExecContext): StmtError {
  return new StmtError(`SQLite error: interrupted: the statement ran longer than the server's limit of ${ctx.statementTimeoutMs} ms`, "SQLITE_INTERRUPT");
}

/**
 * Runs a statement whose program is straight (see straight.ts) here, on the main thread, as
 * every statement ran before the deadline: it cannot run long, and skipping the thread pool's
 * hop is most of the cost of a short statement. The returned `next` reads one row, or undefined
 * at the end.
 */
function startHere(conn: Conn, stmt: SyncStatement, args: EngineValue[]): () => unknown {
  const rows = stmt.iterate(args);
  conn.keep(rows);
  return () => {
    const r = rows.next();
    return r.done === true ? undefined : r.value;
  };
}

/**
 * Starts a statement with a deadline: its first step runs off this thread (see engine.ts) and is
 * interrupted when the deadline passes. Later steps run here, so they are only checked between
 * rows; the queries whose rows come later are materialized by the first step (see prepareRun).
 * The returned `next` reads one row, or undefined at the end.
 */
async function start(conn: Conn, stmt: SyncStatement, args: EngineValue[], ctx: ExecContext): Promise<() => unknown> {
  const deadline = Date.now() + ctx.statementTimeoutMs;
  let late = false;
  let settled = false;
  const first = startStatement(stmt, args).finally(() => (settled = true));
  let repeat: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    if (settled) return;
    late = true;
    conn.interrupt();
    // SQLite drops an interrupt raised before the step began (the thread pool may start it late):
    // raise it again until the statement has stopped.
    repeat = setInterval(() => settled || conn.interrupt(), 100);
  }, ctx.statementTimeoutMs);
  let rows: IterableIterator<unknown>;
  try {
    rows = await first;
    conn.keep(rows);
  } catch (e) {
    throw late && isInterrupt(e) ? deadlineError(ctx) : e;
  } finally {
    clearTimeout(timer);
    clearInterval(repeat);
  }
  let n = 0;
  return () => {
    if (!late && ++n % 64 === 0 && Date.now() > deadline) {
      late = true;
      // Stops the statement for good (its next step fails), so it holds no read snapshot.
      conn.interrupt();
    }
    try {
      const r = rows.next();
      return r.done === true ? undefined : r.value;
    } catch (e) {
      throw late && isInterrupt(e) ? deadlineError(ctx) : e;
    }
  };
}

function isInterrupt(e: unknown): boolean {
  return e instanceof Error && (e as Error & { code?: unknown }).code === "SQLITE_INTERRUPT";
}

/**
 * Prepares a statement once and returns the function that runs it (re-running the same
 * statement object after SQLITE_BUSY resets it). Its first attempt runs on the fast path
 * (startHere) when its program is straight; it must then follow the prepare with no await in
 * between (see Conn.prepareForRun), so a retry after SQLITE_BUSY takes the deadline's path.
 */
function prepareRun(conn: Conn, p: Prepared, args: EngineValue[], wantRows: boolean, ctx: ExecContext): () => Promise<StmtResult> {
  // Only plain queries and INSERT/UPDATE/DELETE may take the fast path: nothing else is needed
  // there, and pragmas, schema and transaction control have effects beyond their program.
  const mayBeFast = p.info.isQuery || p.info.isIud;
  const prepared = conn.prepareForRun(p.piece.text);
  const stmt = prepared.stmt;
  let fast = mayBeFast && prepared.straight;
  const cols: Col[] = stmt.columns().map((c) => ({ name: c.name, decltype: c.type ?? null }));
  if (!stmt.reader) {
    return async () => {
      if (fast) {
        fast = false;
        stmt.run(args);
      } else {
        const next = await start(conn, stmt, args, ctx);
        while (next() !== undefined);
      }
      return finish(conn, p, cols, []);
    };
  }
  let source = stmt;
  let hexText = false;
  if (p.info.isQuery) {
    // The binding cuts text at NUL and panics on invalid UTF-8, so plain queries read every text
    // value as hex through a CTE wrapper.
    const names = cols.map((_, i) => `c${i}`);
    const exprs = names.map((n) => `CASE typeof(${n}) WHEN 'text' THEN hex(${n}) ELSE ${n} END`);
    // A query that names a table like the wrapper would refer to the wrapper instead, which
    // makes the wrapper recursive (SQLite needs no RECURSIVE keyword): the name must not occur
    // in its text (views do not see it).
    let wrapName = WRAP;
    const lower = p.piece.text.toLowerCase();
    while (lower.includes(wrapName)) wrapName += "_";
    const head = `WITH ${wrapName}(${names.join(",")}) AS`;
    const select = `SELECT ${exprs.join(",")} FROM ${wrapName}`;
    if (fast) {
      // On the fast path the wrapper is not materialized: SQLite flattens it into the query (same
      // rows, same order, as before the deadline), and the wrapper's own program, the one that
      // runs, is classified, with hex() allowed. The query's program is straight without hex(),
      // so each hex() there is the wrapper's, applied once to one result column (a value at most
      // doubles). A wrapper that does not flatten (a query without FROM, a compound, …) shows a
      // coroutine and goes off-thread. Deciding from the query's verdict alone (a straight query
      // yields at most one row per ResultRow, so a loop over them is bounded) would rest on the
      // query meaning inside the wrapper what it means alone, which the name check above is
      // there for; classifying what runs does not.
      try {
        const wrapped = conn.prepareForRun(`${head} (${p.piece.text}\n) ${select}`, true);
        fast = wrapped.straight;
        if (fast) {
          source = wrapped.stmt;
          hexText = true;
        }
      } catch {
        fast = false;
      }
    }
    if (!hexText) {
      // Off the fast path it is MATERIALIZED, so that the whole query runs in the first step,
      // where the deadline can interrupt it; rows then come out in the same order.
      // A query whose wrapper does not compile (a parser stack one level too shallow for it) is
      // refused: run unwrapped, it would yield its rows here, on the main thread, where nothing
      // interrupts a step that runs long before its next row.
      try {
        source = conn.prepare(`${head} MATERIALIZED (${p.piece.text}\n) ${select}`);
        hexText = true;
      } catch (e) {
        const err = engineError(e);
        throw new StmtError(`${err.message} (this server runs a query inside a wrapper, which must compile too)`, err.code);
      }
    }
  }
  source.raw().safeIntegers();
  return async () => {
    const rows: OutValue[][] = [];
    let overflow = false;
    const budget = ctx.budget.bytes;
    let used = 0;
    const here = fast;
    fast = false;
    const next = here ? startHere(conn, source, args) : await start(conn, source, args, ctx);
    for (let raw = next(); raw !== undefined; raw = next()) {
      // Rows are drained even when not wanted (or over budget) so the statement finishes cleanly.
      if (!wantRows || overflow || !Array.isArray(raw)) continue;
      const row = raw.map((x: unknown) => fromEngine(x, hexText));
      for (const x of row) used += outSize(x);
      if (used > budget) overflow = true;
      else rows.push(row);
    }
    if (overflow) throw new StmtError("Response is too large", "RESPONSE_TOO_LARGE");
    ctx.budget.bytes -= used;
    return finish(conn, p, cols, rows);
  };
}

function finish(conn: Conn, p: Prepared, cols: Col[], rows: OutValue[][]): StmtResult {
  let affected = 0;
  let rowid: string | null = null;
  if (p.info.isIud) {
    const [changes, lastRowid] = conn.changesAndRowid();
    affected = Number(changes);
    if (p.info.isInsert) rowid = lastRowid.toString();
  }
  return { cols, rows, affected_row_count: affected, last_insert_rowid: rowid, query_duration_ms: 0 };
}

/** `describe`: parameters, columns and kind of one statement, without running it. */
export function describeStmt(conn: Conn, text: string): object {
  const p = prepareOne(text);
  let cols: Col[];
  try {
    cols = conn.prepare(p.piece.text).columns().map((c) => ({ name: c.name, decltype: c.type ?? null }));
  } catch (e) {
    throw engineError(e);
  }
  return {
    params: p.info.params.names.map((name) => ({ name })),
    cols,
    is_explain: p.info.isExplain,
    is_readonly: p.info.isReadonly,
  };
}

/** `sequence`: runs every statement of a text in order, stopping at the first error. */
export async function runSequence(conn: Conn, text: string, ctx: ExecContext): Promise<void> {
  // Like sqld, the whole text is checked before any of it runs.
  const all = splitStatements(text).map((piece) => ({ piece, info: classify(piece) }));
  const bad = all.find((p) => p.info.refused !== undefined);
  if (bad !== undefined) throw new StmtError(`SQL string could not be parsed: unsupported statement: ${bad.info.refused}`, "SQL_PARSE_ERROR");
  for (const p of all) await runStmt(conn, p, { args: [], namedArgs: [], wantRows: false }, ctx);
}
