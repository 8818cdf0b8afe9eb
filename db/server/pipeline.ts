import { evalCond, type StepOutcomes } from "./conditions.ts";
import { engineError, ProtocolError, type ErrorBody } from "./errors.ts";
import { describeStmt, prepareOne, resolveSql, runSequence, runStmt, type ExecContext, type Prepared, type StmtResult } from "./execute.ts";
import type { BatchStep, StreamRequest } from "./protocol.ts";
import { MAX_STORED_SQL, MAX_STORED_SQL_BYTES, type Stream } from "./stream.ts";

/** One entry of `results` in a pipeline response. */
export type StreamResult = { type: "ok"; response: object } | { type: "error"; error: ErrorBody };

/** The result of a batch: per step, a result or an error or (skipped) null in both. */
export interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (ErrorBody | null)[];
}

/** Runs one pipeline request. Statement failures become error results; protocol errors throw. */
export async function handleRequest(stream: Stream, req: StreamRequest, ctx: ExecContext): Promise<StreamResult> {
  try {
    return { type: "ok", response: await respond(stream, req, ctx) };
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    return { type: "error", error: engineError(e).toBody() };
  }
}

async function respond(stream: Stream, req: StreamRequest, ctx: ExecContext): Promise<object> {
  switch (req.type) {
    case "close":
      stream.close();
      return { type: "close" };
    case "execute": {
      const sql = resolveSql(req.stmt.sql, req.stmt.sqlId, stream.sqls);
      const conn = stream.conn();
      return { type: "execute", result: await runStmt(conn, prepareOne(sql), req.stmt, ctx) };
    }
    case "batch":
      return { type: "batch", result: await runBatch(stream, req.steps, ctx) };
    case "sequence": {
      const sql = resolveSql(req.sql, req.sqlId, stream.sqls);
      await runSequence(stream.conn(), sql, ctx);
      return { type: "sequence" };
    }
    case "describe": {
      const sql = resolveSql(req.sql, req.sqlId, stream.sqls);
      return { type: "describe", result: describeStmt(stream.conn(), sql) };
    }
    case "store_sql":
      if (stream.sqls.has(req.sqlId)) throw new ProtocolError(`SQL text ${req.sqlId} already exists`, "SQL_EXISTS");
      if (stream.sqls.size >= MAX_STORED_SQL) {
        // Protocol misuse, like an unknown sql_id: the whole request is refused with a 400.
        throw new ProtocolError(`The server already stores ${stream.sqls.size} SQL texts, it cannot store more`, "SQL_STORE_TOO_MANY");
      }
      if (Buffer.byteLength(req.sql) > MAX_STORED_SQL_BYTES) {
        throw new ProtocolError(`The statement is too large to be stored: ${Buffer.byteLength(req.sql)}/${MAX_STORED_SQL_BYTES} bytes`, "SQL_STORE_TOO_LARGE");
      }
      stream.sqls.set(req.sqlId, req.sql);
      return { type: "store_sql" };
    case "close_sql":
      stream.sqls.delete(req.sqlId);
      return { type: "close_sql" };
    case "get_autocommit":
      stream.conn();
      return { type: "get_autocommit", is_autocommit: stream.isAutocommit() };
  }
}

/** Receives a batch's progress; the pipeline collects it, the cursor streams it. */
export interface BatchSink {
  stepOk(step: number, result: StmtResult): void;
  stepError(step: number, error: ErrorBody): void;
}

/** Resolves and checks every step before running any (as sqld does): a missing `sql_id` is a
 * protocol error, a step with no or several statements fails the whole batch. */
export function prepareBatch(stream: Stream, steps: BatchStep[]): Prepared[] {
  return steps.map((s) => prepareOne(resolveSql(s.stmt.sql, s.stmt.sqlId, stream.sqls)));
}

/** Runs batch steps in order, each guarded by its condition. */
export async function executeBatch(stream: Stream, steps: BatchStep[], prepared: Prepared[], ctx: ExecContext, sink: BatchSink): Promise<void> {
  const conn = stream.conn();
  const outcomes: StepOutcomes = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.condition !== undefined && !evalCond(step.condition, outcomes, !conn.inTransaction)) {
      outcomes.push(null);
      continue;
    }
    try {
      const result = await runStmt(conn, prepared[i]!, step.stmt, ctx);
      outcomes.push(true);
      sink.stepOk(i, result);
    } catch (e) {
      outcomes.push(false);
      sink.stepError(i, engineError(e).toBody());
    }
  }
}

async function runBatch(stream: Stream, steps: BatchStep[], ctx: ExecContext): Promise<BatchResult> {
  const prepared = prepareBatch(stream, steps);
  const result: BatchResult = { step_results: steps.map(() => null), step_errors: steps.map(() => null) };
  await executeBatch(stream, steps, prepared, ctx, {
    stepOk: (i, r) => (result.step_results[i] = r),
    stepError: (i, e) => (result.step_errors[i] = e),
  });
  return result;
}
