import { afterAll, beforeAll, expect, test } from "vitest";
import { okResult, pipeline, startTestServer, stmt, type TestServer } from "./helpers.ts";

// No request holds the server's SQL much longer than the statement deadline, even one the
// interrupt cannot stop: a statement the engine compiles on the main thread, steps there, or runs
// inside one long function call that never looks at the interrupt flag. Such a request is either
// answered with an error, or the server's watchdog kills the process and the supervisor restarts
// it; either way a client on another stream is answered within deadline + grace + restart.

const DEADLINE_MS = 500;
const GRACE_MS = 1_000;
/** The supervisor's backoff after a crash (100 ms, then 200 ms) and a new process getting ready. */
const RESTART_MS = 2_000;
/** Scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 1_500;
const BOUND_MS = DEADLINE_MS + GRACE_MS + RESTART_MS + SLACK_MS;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ statementTimeoutMs: DEADLINE_MS, watchdogGraceMs: GRACE_MS, hangTimeoutMs: 60_000 });
});
afterAll(() => srv.stop());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One statement on a new stream; a dropped connection (the server died under it) is the answer too. */
async function attempt(sql: string, signal?: AbortSignal): Promise<{ ms: number; result?: any; dropped?: string }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${srv.url}/v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] }),
      signal,
    });
    const body = (await res.json()) as any;
    return { ms: performance.now() - t0, result: body.results?.[0] };
  } catch (e) {
    if (signal?.aborted) throw new Error(`no answer to ${sql.slice(0, 60)} within ${Math.round(performance.now() - t0)} ms`);
    return { ms: performance.now() - t0, dropped: e instanceof Error ? String(e.cause ?? e.message) : String(e) };
  }
}

/** Like a client that retries when its connection is cut: the time until `sql` is answered. */
async function answered(sql: string): Promise<{ ms: number; result: any; tries: number }> {
  const t0 = performance.now();
  const signal = AbortSignal.timeout(BOUND_MS + 5_000);
  for (let tries = 1; ; tries++) {
    const a = await attempt(sql, signal);
    if (a.dropped === undefined) return { ms: performance.now() - t0, result: a.result, tries };
    await sleep(25);
  }
}

/**
 * Runs `sql` on one stream and, 100 ms later, SELECT 1 on another; checks that SELECT 1 is
 * answered within the bound, that the statement itself got an answer or a cut connection (not a
 * hang), and that the server serves again afterwards.
 */
async function stalls(sql: string): Promise<{ stalled: Awaited<ReturnType<typeof attempt>>; restarted: boolean }> {
  const restartsBefore = srv.server.restarts;
  const stalledP = attempt(sql, AbortSignal.timeout(BOUND_MS + 5_000));
  await sleep(100);
  const other = await answered("SELECT 1");
  expect(other.result).toEqual({ type: "ok", response: expect.objectContaining({ type: "execute" }) });
  expect(other.result.response.result.rows[0][0].value).toBe("1");
  expect(other.ms).toBeLessThan(BOUND_MS);
  const stalled = await stalledP;
  expect(stalled.ms).toBeLessThan(BOUND_MS + 100);
  expect(stalled.result?.type === "error" || stalled.dropped !== undefined).toBe(true);
  const after = await answered("SELECT 2");
  expect(after.result.response.result.rows[0][0].value).toBe("2");
  return { stalled, restarted: srv.server.restarts > restartsBefore };
}

test("a quadratic instr() that never looks at the interrupt flag: the process is restarted", async () => {
  const { stalled, restarted } = await stalls("SELECT instr(printf('%.*c', 3000000, 'a'), printf('%.*c', 1500000, 'a') || 'b')");
  // The statement was running when the process died: its client saw the connection cut.
  expect(stalled.dropped).toBeDefined();
  expect(restarted).toBe(true);
}, 30_000);

test("a quadratic replace(), likewise", async () => {
  const { stalled, restarted } = await stalls("SELECT length(replace(printf('%.*c', 3000000, 'a'), printf('%.*c', 1500000, 'a') || 'b', 'x'))");
  expect(stalled.dropped).toBeDefined();
  expect(restarted).toBe(true);
}, 30_000);

test("a query whose deadline wrapper does not compile is refused, not stepped on the main thread", async () => {
  // Thirteen levels of subqueries around a query whose second row comes a billion steps after its
  // first: it compiles on its own, but not inside the wrapper that materializes it (parser stack).
  let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c WHERE x = 1 OR x = 1000000000";
  for (let i = 0; i < 13; i++) sql = `SELECT x FROM (${sql})`;
  // The statement itself compiles (so the wrapper is what fails).
  okResult(await pipeline(srv.url, [{ type: "describe", sql }]));
  const { stalled, restarted } = await stalls(sql);
  expect([stalled.result?.type, stalled.result?.error?.code]).toEqual(["error", "SQLITE_ERROR"]);
  expect(stalled.result.error.message).toContain("parser stack overflow");
  expect(stalled.ms).toBeLessThan(DEADLINE_MS);
  expect(restarted).toBe(false);
}, 30_000);

test("a statement whose compilation alone outlasts the deadline (views doubling a UNION ALL): the process is restarted", async () => {
  // Six chains of fifteen views, each view twice the one below: 6 × 2^15 selects to expand.
  const chains = ["p", "q", "r", "s", "t", "u"];
  const views: string[] = [];
  for (const c of chains) {
    views.push(`CREATE VIEW ${c}0 AS SELECT 1 AS a`);
    for (let k = 1; k <= 15; k++) views.push(`CREATE VIEW ${c}${k} AS SELECT a FROM ${c}${k - 1} UNION ALL SELECT a FROM ${c}${k - 1}`);
  }
  const made = await pipeline(srv.url, [{ type: "batch", batch: { steps: views.map((sql) => ({ stmt: stmt(sql) })) } }]);
  expect(okResult(made).result.step_errors.every((e: unknown) => e === null)).toBe(true);
  const { stalled, restarted } = await stalls(`SELECT count(*) FROM (${chains.map((c) => `SELECT a FROM ${c}15`).join(" UNION ALL ")})`);
  expect(stalled.dropped).toBeDefined();
  expect(restarted).toBe(true);
}, 30_000);

test("the server answers /health and ordinary SQL after all that", async () => {
  expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  expect(okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM sqlite_schema WHERE type = 'view'") }])).result.rows[0][0].value).toBe("96");
});
