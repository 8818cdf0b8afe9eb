import { afterAll, beforeAll, expect, test } from "vitest";
import { okResult, pipeline, startTestServer, stmt, v, type TestServer } from "./helpers.ts";

// No statement runs forever: past the deadline it is interrupted and answered SQLITE_INTERRUPT.
// The event loop stays free meanwhile, so /health (which the supervisor watches) answers at once;
// SQL of other streams runs one request at a time (gate.ts), so it is answered right after.

const DEADLINE_MS = 1_000;
/** Scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 2_500;
const ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)";

/** `?1 GLOB ?2` with these takes ~0.3 s a call (the pattern's star retries at every offset). */
const GLOB_TEXT = "a".repeat(200_000);
const GLOB_PATTERN = `*${"a".repeat(2_000)}b`;
/** Forty such tests, each its own CASE (the engine checks for an interrupt at the jump after each). */
const SLOW_GLOBS = Array.from({ length: 40 }, (_, i) => `CASE WHEN ?1 NOT GLOB ?2 THEN ${i} END`).join(", ");
const SLOW_LIKES = Array.from({ length: 40 }, (_, i) => `CASE WHEN ?1 NOT LIKE ?2 THEN ${i} END`).join(", ");
/** A JSON array of 100,001 zeros, made without a loop. */
const BIG_ARRAY = "'[' || replace(printf('%.*c', 100000, 'x'), 'x', '0,') || '0]'";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ statementTimeoutMs: DEADLINE_MS, hangTimeoutMs: 30_000 });
  for (const sql of [
    "CREATE TABLE n (x)",
    "CREATE TABLE one (x)",
    "INSERT INTO one VALUES (1)",
    `CREATE VIEW endless AS ${ENDLESS} SELECT x FROM c`,
    "CREATE TABLE fires_endless (x)",
    "CREATE TRIGGER fires_endless_after AFTER INSERT ON fires_endless BEGIN SELECT count(*) FROM endless; END",
  ]) {
    okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt(sql) }]));
  }
});
afterAll(() => srv.stop());

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number; at: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0, at: performance.now() };
}

test.each([
  ["an endless aggregate", `${ENDLESS} SELECT count(*) FROM c`, []],
  ["an endless row source", `${ENDLESS} SELECT x FROM c`, []],
  ["an endless filter after the first row", `${ENDLESS} SELECT x FROM c WHERE x = 1 OR x < 0`, []],
  ["an endless write", `INSERT INTO n ${ENDLESS} SELECT x FROM c`, []],
  // Each of these is, but for one thing, a program the fast path would run on the main thread
  // (no loop of its own, or a plain statement): that one thing must keep it off it.
  ["a pathological GLOB (forty calls of ~0.3 s)", `SELECT ${SLOW_GLOBS} FROM one WHERE rowid = 1`, [GLOB_TEXT, GLOB_PATTERN]],
  ["a pathological LIKE (forty calls of ~0.3 s)", `SELECT ${SLOW_LIKES} FROM one WHERE rowid = 1`, [GLOB_TEXT, GLOB_PATTERN.replaceAll("*", "%")]],
  ["an endless query in a trigger fired by a plain INSERT", "INSERT INTO fires_endless VALUES (1)", []],
  ["a plain SELECT of a view over a recursive CTE", "SELECT * FROM endless", []],
  ["json_each over a generated array of 100,001 elements, joined to itself", `SELECT count(*) FROM json_each(${BIG_ARRAY}) AS a, json_each(${BIG_ARRAY}) AS b`, []],
  ["a window function over a recursive CTE", `${ENDLESS} SELECT x, sum(x) OVER (ORDER BY x) FROM c`, []],
  ["ORDER BY over a recursive CTE", `${ENDLESS} SELECT x FROM c ORDER BY x DESC`, []],
])("%s is interrupted at the deadline with SQLITE_INTERRUPT; /health answers meanwhile, other streams right after", async (_name, sql, args) => {
  // `describe` first prepares the statement on the same stream's connection, so the execute finds
  // it prepared and classified, as a statement the server has seen before: the fast path is open.
  const endless = timed(pipeline(srv.url, [{ type: "describe", sql }, { type: "execute", stmt: stmt(sql, args.map(v.text)) }]));
  await new Promise((r) => setTimeout(r, 100));
  const otherP = timed(pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 42") }]));
  const health = await timed(fetch(`${srv.url}/health`));
  const [stopped, other] = await Promise.all([endless, otherP]);
  expect(okResult(other.value).result.rows[0][0].value).toBe("42");
  expect(other.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
  expect(health.value.status).toBe(200);
  // Health was answered while the endless statement was still running.
  expect(health.at).toBeLessThan(stopped.at);
  expect(stopped.value.body.results[0].type).toBe("ok");
  const r = stopped.value.body.results[1];
  expect([r.type, r.error?.code]).toEqual(["error", "SQLITE_INTERRUPT"]);
  expect(r.error.message).toContain(`${DEADLINE_MS} ms`);
  expect(stopped.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
});

test("a query naming a table like the server's text wrapper is answered, not made recursive by it", async () => {
  // SQLite needs no RECURSIVE keyword: inside a wrapper of that name the query would refer to
  // the wrapper itself and never end.
  okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("CREATE TABLE __hrana_exact_q (c0 UNIQUE)") }]));
  okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("INSERT INTO __hrana_exact_q VALUES (5)") }]));
  const sql = "SELECT 5 UNION ALL SELECT c0 FROM __hrana_exact_q WHERE c0 = 5";
  const r = await pipeline(srv.url, [{ type: "execute", stmt: stmt(sql) }, { type: "execute", stmt: stmt(`${sql} -- again`) }]);
  for (const i of [0, 1]) expect(okResult(r, i).result.rows.map((row: any) => row[0].value)).toEqual(["5", "5"]);
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
