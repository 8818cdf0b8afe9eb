import { setTimeout as sleep } from "node:timers/promises";
import { bindArgs } from "./bind.ts";
import { classify, type StmtInfo } from "./classify.ts";
import type { Conn } from "./conn.ts";
import { engineError, isBusy, ProtocolError, StmtError } from "./errors.ts";
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

/** Splits and classifies a statement's text; it must hold exactly one statement. */
export function prepareOne(text: string): Prepared {
  const pieces = splitStatements(text);
  if (pieces.length === 0) throw new StmtError("SQL string does not contain any statement", "SQL_NO_STATEMENT");
  if (pieces.length > 1) throw new StmtError("SQL string contains more than one statement", "SQL_MANY_STATEMENTS");
  const piece = pieces[0]!;
  return { piece, info: classify(piece) };
}

/** Runs one statement, waiting (without blocking the event loop) while another connection holds
 * the write lock, up to `busyTimeoutMs`; then fails with SQLITE_BUSY. */
export async function runStmt(conn: Conn, p: Prepared, stmt: Pick<Stmt, "args" | "namedArgs" | "wantRows">, ctx: ExecContext): Promise<StmtResult> {
  const args = bindArgs(p.info.params, stmt);
  const deadline = Date.now() + ctx.busyTimeoutMs;
  let delay = 1;
  for (;;) {
    try {
      return runOnce(conn, p, args, stmt.wantRows, ctx);
    } catch (e) {
      // Only a plain SQLITE_BUSY had no effect and may succeed later; BUSY_SNAPSHOT never will.
      if (!isBusy(e)) throw engineError(e);
      if (Date.now() >= deadline) {
        throw new StmtError(`SQLite error: database is locked (waited ${ctx.busyTimeoutMs} ms for another transaction)`, "SQLITE_BUSY");
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    } finally {
      conn.syncReadonly(p.info.beginsReadonly);
    }
  }
}

const WRAP = "__hrana_exact_q";

function runOnce(conn: Conn, p: Prepared, args: EngineValue[], wantRows: boolean, ctx: ExecContext): StmtResult {
  const started = performance.now();
  if (p.info.dirtiesConnection) conn.dirty = true;
  const stmt = conn.prepare(p.piece.text);
  const cols: Col[] = stmt.columns().map((c) => ({ name: c.name, decltype: c.type ?? null }));
  const rows: OutValue[][] = [];
  if (stmt.reader) {
    let source = stmt;
    let hexText = false;
    if (p.info.isQuery) {
      // The binding cuts text at NUL and panics on invalid UTF-8, so plain queries read every text
      // value as hex through a CTE wrapper (flattened by SQLite, same rows in the same order).
      const names = cols.map((_, i) => `c${i}`);
      const exprs = names.map((n) => `CASE typeof(${n}) WHEN 'text' THEN hex(${n}) ELSE ${n} END`);
      try {
        source = conn.prepare(`WITH ${WRAP}(${names.join(",")}) AS (${p.piece.text}\n) SELECT ${exprs.join(",")} FROM ${WRAP}`);
        hexText = true;
      } catch {
        source = stmt;
      }
    }
    source.raw().safeIntegers();
    let overflow = false;
    for (const raw of source.iterate(args)) {
      // Rows are drained even when not wanted (or over budget) so the statement finishes cleanly.
      if (!wantRows || overflow || !Array.isArray(raw)) continue;
      const row = raw.map((v: unknown) => fromEngine(v, hexText));
      for (const v of row) ctx.budget.bytes -= outSize(v);
      if (ctx.budget.bytes < 0) overflow = true;
      else rows.push(row);
    }
    if (overflow) throw new StmtError("Response is too large", "RESPONSE_TOO_LARGE");
  } else {
    stmt.run(args);
  }
  let affected = 0;
  let rowid: string | null = null;
  if (p.info.isIud) {
    const [changes, lastRowid] = conn.changesAndRowid();
    affected = Number(changes);
    if (p.info.isInsert) rowid = lastRowid.toString();
  }
  return { cols, rows, affected_row_count: affected, last_insert_rowid: rowid, query_duration_ms: performance.now() - started };
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
  for (const piece of splitStatements(text)) {
    await runStmt(conn, { piece, info: classify(piece) }, { args: [], namedArgs: [], wantRows: false }, ctx);
  }
}
