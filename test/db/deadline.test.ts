import { afterAll, beforeAll, expect, test } from "vitest";
import { okResult, pipeline, startTestServer, stmt, type TestServer } from "./helpers.ts";

// No statement runs forever: past the deadline it is interrupted and answered SQLITE_INTERRUPT.
// The event loop stays free meanwhile, so /health (which the supervisor watches) answers at once;
// SQL of other streams runs one request at a time (gate.ts), so it is answered right after.

const DEADLINE_MS = 1_000;
/** Scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 2_500;
const ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ statementTimeoutMs: DEADLINE_MS, hangTimeoutMs: 30_000 });
  okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("CREATE TABLE n (x)") }]));
});
afterAll(() => srv.stop());

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number; at: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0, at: performance.now() };
}

test.each([
  ["an endless aggregate", `${ENDLESS} SELECT count(*) FROM c`],
  ["an endless row source", `${ENDLESS} SELECT x FROM c`],
  ["an endless filter after the first row", `${ENDLESS} SELECT x FROM c WHERE x = 1 OR x < 0`],
  ["an endless write", `INSERT INTO n ${ENDLESS} SELECT x FROM c`],
])("%s is interrupted at the deadline with SQLITE_INTERRUPT; /health answers meanwhile, other streams right after", async (_name, sql) => {
  const endless = timed(pipeline(srv.url, [{ type: "execute", stmt: stmt(sql) }]));
  await new Promise((r) => setTimeout(r, 100));
  const otherP = timed(pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 42") }]));
  const health = await timed(fetch(`${srv.url}/health`));
  const [stopped, other] = await Promise.all([endless, otherP]);
  expect(okResult(other.value).result.rows[0][0].value).toBe("42");
  expect(other.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
  expect(health.value.status).toBe(200);
  // Health was answered while the endless statement was still running.
  expect(health.at).toBeLessThan(stopped.at);
  const r = stopped.value.body.results[0];
  expect([r.type, r.error?.code]).toEqual(["error", "SQLITE_INTERRUPT"]);
  expect(r.error.message).toContain(`${DEADLINE_MS} ms`);
  expect(stopped.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
});

test("an interrupted write leaves nothing behind and frees the write lock", async () => {
  okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("INSERT INTO n VALUES (-1)") }]));
  const rows = okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM n") }])).result.rows;
  expect(rows[0][0].value).toBe("1");
});

test("the stream of an interrupted statement goes on serving, inside a transaction too", async () => {
  const begin = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN") }, { type: "execute", stmt: stmt("INSERT INTO n VALUES (-2)") }]);
  const stopped = await pipeline(srv.url, [{ type: "execute", stmt: stmt(`${ENDLESS} SELECT count(*) FROM c`) }], begin.body.baton);
  expect(stopped.body.results[0].error.code).toBe("SQLITE_INTERRUPT");
  const after = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM n") }, { type: "execute", stmt: stmt("COMMIT") }], stopped.body.baton);
  expect(okResult(after, 0).result.rows[0][0].value).toBe("2");
  okResult(after, 1);
});

test("the supervisor never had to kill the server", () => {
  expect(srv.server.restarts).toBe(0);
});
