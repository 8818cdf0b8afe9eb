import { engineError, ProtocolError, type ErrorBody } from "./errors.ts";
import type { ExecContext, StmtResult } from "./execute.ts";
import { engineGate } from "./gate.ts";
import { executeBatch, handleRequest, prepareBatch, type StreamResult } from "./pipeline.ts";
import type { CursorBody, PipelineBody } from "./protocol.ts";
import type { StreamRegistry } from "./streams.ts";

/** Body of a pipeline response. `base_url` is always null: keep using the URL you used. */
export interface PipelineResponse {
  baton: string | null;
  base_url: string | null;
  results: StreamResult[];
}

/**
 * `POST /v2|v3/pipeline`: runs every request in order on the baton's stream (or a new one).
 * A protocol error anywhere fails the whole request and drops the stream, rolling back its
 * transaction, exactly like sqld. Requests run one at a time (see gate.ts).
 */
export function runPipeline(registry: StreamRegistry, body: PipelineBody, ctx: ExecContext): Promise<PipelineResponse> {
  return engineGate.run(() => pipelineInGate(registry, body, ctx));
}

async function pipelineInGate(registry: StreamRegistry, body: PipelineBody, ctx: ExecContext): Promise<PipelineResponse> {
  const stream = registry.acquire(body.baton);
  const results: StreamResult[] = [];
  try {
    for (const req of body.requests) results.push(await handleRequest(stream, req, ctx));
  } catch (e) {
    registry.destroy(stream);
    throw e;
  }
  return { baton: registry.release(stream), base_url: null, results };
}

/** One line of a cursor response after the first. */
export type CursorEntry =
  | { type: "step_begin"; step: number; cols: StmtResult["cols"] }
  | { type: "row"; row: StmtResult["rows"][number] }
  | { type: "step_end"; affected_row_count: number; last_insert_rowid: string | null }
  | { type: "step_error"; step: number; error: ErrorBody }
  | { type: "error"; error: ErrorBody };

/**
 * `POST /v3/cursor`: runs a batch and answers NDJSON: first `{baton, base_url}`, then the entries.
 * The batch runs to completion before the first byte is sent, so the baton handed out is never
 * used while the batch still holds the stream.
 */
export function runCursor(registry: StreamRegistry, body: CursorBody, ctx: ExecContext): Promise<CursorAnswer> {
  return engineGate.run(() => cursorInGate(registry, body, ctx));
}

type CursorAnswer = { head: Omit<PipelineResponse, "results">; entries: CursorEntry[] };

async function cursorInGate(registry: StreamRegistry, body: CursorBody, ctx: ExecContext): Promise<CursorAnswer> {
  const stream = registry.acquire(body.baton);
  const entries: CursorEntry[] = [];
  try {
    const prepared = (() => {
      try {
        return prepareBatch(stream, body.steps);
      } catch (e) {
        if (e instanceof ProtocolError) throw e;
        entries.push({ type: "error", error: engineError(e).toBody() });
        return undefined;
      }
    })();
    if (prepared !== undefined) {
      await executeBatch(stream, body.steps, prepared, ctx, {
        stepOk(step, r) {
          entries.push({ type: "step_begin", step, cols: r.cols });
          for (const row of r.rows) entries.push({ type: "row", row });
          entries.push({ type: "step_end", affected_row_count: r.affected_row_count, last_insert_rowid: r.last_insert_rowid });
        },
        stepError(step, error) {
          entries.push({ type: "step_error", step, error });
        },
      });
    }
  } catch (e) {
    registry.destroy(stream);
    throw e;
  }
  return { head: { baton: registry.release(stream), base_url: null }, entries };
}
