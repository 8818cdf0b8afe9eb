import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { okResult, pipeline, post, startTestServer, stmt, v, type TestServer } from "./helpers.ts";

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
  okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n REAL)") }, { type: "close" }]));
});
afterAll(async () => {
  await srv.stop();
});

describe("endpoints", () => {
  test.each(["/v2", "/v3", "/", "/health"])("GET %s answers 200", async (path) => {
    expect((await fetch(srv.url + path)).status).toBe(200);
  });

  test("the protobuf variant is not offered, so clients probing it fall back to JSON", async () => {
    const res = await fetch(`${srv.url}/v3-protobuf`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  test("an unknown path is a JSON 404 and a wrong method a JSON 405", async () => {
    const nf = await post(srv.url, "/v9/pipeline", {});
    expect([nf.status, nf.contentType, nf.body.code]).toEqual([404, "application/json", "NOT_FOUND"]);
    const res = await fetch(`${srv.url}/v2/pipeline`);
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
  });
});

describe("batons and streams", () => {
  test("an open stream returns a new baton with every response; a closed one returns none", async () => {
    const a = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1") }]);
    expect(a.body.baton).toEqual(expect.any(String));
    expect(a.body.base_url).toBeNull();
    const b = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 2") }], a.body.baton);
    expect(b.body.baton).toEqual(expect.any(String));
    expect(b.body.baton).not.toBe(a.body.baton);
    const c = await pipeline(srv.url, [{ type: "close" }], b.body.baton);
    expect(c.body).toMatchObject({ baton: null, results: [{ type: "ok", response: { type: "close" } }] });
    const d = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 3") }], b.body.baton);
    expect([d.status, d.contentType, d.body.code]).toEqual([400, "application/json", "BATON_INVALID"]);
  });

  test("a baton can be used only once", async () => {
    const a = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1") }]);
    await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1") }], a.body.baton);
    const again = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1") }], a.body.baton);
    expect([again.status, again.body.code]).toEqual([400, "BATON_REUSED"]);
  });

  test.each(["garbage", "", "A".repeat(64), "x".repeat(10_000)])("a forged or malformed baton (%#) is BATON_INVALID", async (baton) => {
    const ans = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1") }], baton);
    expect([ans.status, ans.contentType, ans.body.code]).toEqual([400, "application/json", "BATON_INVALID"]);
  });

  test("requests after close in the same pipeline fail the request like sqld (BATON_STREAM_CLOSED)", async () => {
    const ans = await pipeline(srv.url, [{ type: "close" }, { type: "execute", stmt: stmt("SELECT 1") }]);
    expect([ans.status, ans.body.code]).toEqual([400, "BATON_STREAM_CLOSED"]);
  });

  test("one failing request does not stop the rest of the pipeline", async () => {
    const ans = await pipeline(srv.url, [
      { type: "execute", stmt: stmt("SELECT * FROM nope") },
      { type: "execute", stmt: stmt("SELECT 42") },
      { type: "close" },
    ]);
    expect(ans.body.results[0]).toMatchObject({ type: "error", error: { code: "SQLITE_ERROR", message: expect.stringContaining("no such table") } });
    expect(okResult(ans, 1).result.rows).toEqual([[v.int(42)]]);
  });

  test("want_rows false runs the statement but returns no rows", async () => {
    const ans = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1 AS a", [], { want_rows: false }) }, { type: "close" }]);
    expect(okResult(ans).result).toMatchObject({ cols: [{ name: "a", decltype: null }], rows: [], affected_row_count: 0 });
  });
});

describe("stored SQL", () => {
  test("store_sql texts are usable by execute, batch, sequence and describe until close_sql", async () => {
    const ans = await pipeline(srv.url, [
      { type: "store_sql", sql_id: 1, sql: "INSERT INTO t (name) VALUES (?)" },
      { type: "store_sql", sql_id: 2, sql: "SELECT count(*) FROM t WHERE name = 'stored'" },
      { type: "store_sql", sql_id: 3, sql: "INSERT INTO t (name) VALUES ('seq1'); INSERT INTO t (name) VALUES ('seq2')" },
      { type: "execute", stmt: { sql_id: 1, args: [v.text("stored")] } },
      { type: "batch", batch: { steps: [{ stmt: { sql_id: 1, args: [v.text("stored")] } }, { stmt: { sql_id: 2 } }] } },
      { type: "sequence", sql_id: 3 },
      { type: "describe", sql_id: 1 },
      { type: "close_sql", sql_id: 1 },
      { type: "close" },
    ]);
    expect(ans.body.results.map((r: any) => r.type)).toEqual(Array(9).fill("ok"));
    expect(okResult(ans, 4).result.step_results[1].rows).toEqual([[v.int(2)]]);
    expect(okResult(ans, 6).result.params).toEqual([{ name: null }]);
    const after = await pipeline(srv.url, [{ type: "store_sql", sql_id: 1, sql: "SELECT 1" }, { type: "close_sql", sql_id: 1 }, { type: "execute", stmt: { sql_id: 1 } }]);
    expect([after.status, after.body.code]).toEqual([400, "SQL_NOT_FOUND"]);
  });

  test("an unknown sql_id, a duplicate id, or both sql and sql_id are protocol errors", async () => {
    expect((await pipeline(srv.url, [{ type: "execute", stmt: { sql_id: 77 } }])).body.code).toBe("SQL_NOT_FOUND");
    expect((await pipeline(srv.url, [{ type: "store_sql", sql_id: 1, sql: "SELECT 1" }, { type: "store_sql", sql_id: 1, sql: "SELECT 2" }])).body.code).toBe("SQL_EXISTS");
    expect((await pipeline(srv.url, [{ type: "store_sql", sql_id: 1, sql: "SELECT 1" }, { type: "execute", stmt: { sql: "SELECT 1", sql_id: 1 } }])).body.code).toBe("SQL_ID_AND_SQL_GIVEN");
    expect((await pipeline(srv.url, [{ type: "execute", stmt: {} }])).body.code).toBe("SQL_ID_OR_SQL_NOT_GIVEN");
  });

  test("a stream stores at most 50 texts of at most 5000 bytes each (sqld's limits); more is refused with 400", async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ type: "store_sql", sql_id: i, sql: "SELECT 1" }));
    const ok = await pipeline(srv.url, [...fifty, { type: "close" }]);
    expect(ok.status).toBe(200);
    expect(ok.body.results[49].type).toBe("ok");
    const tooMany = await pipeline(srv.url, [...fifty, { type: "store_sql", sql_id: 50, sql: "SELECT 1" }, { type: "close" }]);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe("SQL_STORE_TOO_MANY");
    const big = await pipeline(srv.url, [{ type: "store_sql", sql_id: 1, sql: `SELECT '${"é".repeat(2500)}'` }, { type: "close" }]);
    expect(big.status).toBe(400);
    expect(big.body.code).toBe("SQL_STORE_TOO_LARGE");
  });
});

describe("describe and get_autocommit", () => {
  test("describe reports parameter names, columns with declared types, and statement kind", async () => {
    const d = okResult(await pipeline(srv.url, [{ type: "describe", sql: "SELECT id, name AS who, n + 1 FROM t WHERE id = ?2 AND name = :name OR n = @n OR n = $n OR n = ?" }, { type: "close" }])).result;
    expect(d.params).toEqual([{ name: null }, { name: "?2" }, { name: ":name" }, { name: "@n" }, { name: "$n" }, { name: null }]);
    expect(d.cols).toEqual([{ name: "id", decltype: "INTEGER" }, { name: "who", decltype: "TEXT" }, { name: "n + 1", decltype: null }]);
    expect(d).toMatchObject({ is_explain: false, is_readonly: true });
    const w = okResult(await pipeline(srv.url, [{ type: "describe", sql: "INSERT INTO t (name) VALUES ('x')" }, { type: "describe", sql: "EXPLAIN SELECT 1" }, { type: "close" }]));
    expect(w.result).toMatchObject({ cols: [], is_explain: false, is_readonly: false });
    expect(okResult(await pipeline(srv.url, [{ type: "describe", sql: "EXPLAIN SELECT 1" }, { type: "close" }])).result).toMatchObject({ is_explain: true, is_readonly: true });
    const bad = await pipeline(srv.url, [{ type: "describe", sql: "SELECT * FROM nope" }, { type: "close" }]);
    expect(bad.body.results[0]).toMatchObject({ type: "error", error: { code: "SQLITE_ERROR" } });
  });

  test("get_autocommit follows the stream's transaction on v3 and is refused on v2 like sqld", async () => {
    const a = await pipeline(srv.url, [{ type: "get_autocommit" }, { type: "execute", stmt: stmt("BEGIN") }, { type: "get_autocommit" }, { type: "execute", stmt: stmt("COMMIT") }, { type: "get_autocommit" }, { type: "close" }], null, 3);
    expect([0, 2, 4].map((i) => okResult(a, i).is_autocommit)).toEqual([true, false, true]);
    const old = await pipeline(srv.url, [{ type: "get_autocommit" }], null, 2);
    expect([old.status, old.contentType, old.body.code]).toEqual([400, "application/json", "NOT_SUPPORTED"]);
  });
});

describe("batch conditions", () => {
  const run = async (steps: unknown[], version: 2 | 3 = 3) => okResult(await pipeline(srv.url, [{ type: "batch", batch: { steps } }, { type: "close" }], null, version)).result;

  test("ok, error, not, and, or decide which steps run; skipped steps are null in both arrays", async () => {
    const r = await run([
      { stmt: stmt("SELECT 1") },
      { stmt: stmt("SELECT * FROM nope") },
      { condition: { type: "ok", step: 0 }, stmt: stmt("SELECT 'ok0'") },
      { condition: { type: "ok", step: 1 }, stmt: stmt("SELECT 'ok1'") },
      { condition: { type: "error", step: 1 }, stmt: stmt("SELECT 'err1'") },
      { condition: { type: "error", step: 3 }, stmt: stmt("SELECT 'err-of-skipped'") },
      { condition: { type: "not", cond: { type: "ok", step: 3 } }, stmt: stmt("SELECT 'not-ok3'") },
      { condition: { type: "and", conds: [{ type: "ok", step: 0 }, { type: "error", step: 1 }] }, stmt: stmt("SELECT 'and'") },
      { condition: { type: "and", conds: [{ type: "ok", step: 0 }, { type: "ok", step: 1 }] }, stmt: stmt("SELECT 'and-false'") },
      { condition: { type: "or", conds: [{ type: "ok", step: 1 }, { type: "ok", step: 3 }] }, stmt: stmt("SELECT 'or-false'") },
      { condition: { type: "or", conds: [{ type: "ok", step: 1 }, { type: "ok", step: 0 }] }, stmt: stmt("SELECT 'or'") },
      { condition: { type: "and", conds: [] }, stmt: stmt("SELECT 'empty-and'") },
      { condition: { type: "or", conds: [] }, stmt: stmt("SELECT 'empty-or'") },
    ]);
    const ran = r.step_results.map((x: any) => (x === null ? null : x.rows[0][0].value));
    expect(ran).toEqual([ "1", null, "ok0", null, "err1", null, "not-ok3", "and", null, null, "or", "empty-and", null ]);
    expect(r.step_errors[1]).toMatchObject({ code: "SQLITE_ERROR" });
    expect(r.step_errors.filter((e: unknown) => e !== null)).toHaveLength(1);
  });

  test("is_autocommit lets steps stop once a ROLLBACK inside the batch ended the transaction", async () => {
    const inTx = { type: "not", cond: { type: "is_autocommit" } };
    const r = await run([
      { stmt: stmt("BEGIN") },
      { condition: inTx, stmt: stmt("INSERT INTO t (name) VALUES ('before-rb')") },
      { condition: inTx, stmt: stmt("ROLLBACK") },
      { condition: inTx, stmt: stmt("INSERT INTO t (name) VALUES ('after-rb')") },
      { condition: { type: "is_autocommit" }, stmt: stmt("SELECT count(*) FROM t WHERE name IN ('before-rb', 'after-rb')") },
    ]);
    expect(r.step_results[3]).toBeNull();
    expect(r.step_results[4].rows).toEqual([[v.int(0)]]);
  });

  test("without a condition, statements after a ROLLBACK run in autocommit, as in SQLite and sqld", async () => {
    const r = await run([{ stmt: stmt("BEGIN") }, { stmt: stmt("ROLLBACK") }, { stmt: stmt("INSERT INTO t (name) VALUES ('autocommitted')") }, { stmt: stmt("COMMIT") }], 2);
    expect(r.step_errors[3]).toMatchObject({ code: "SQLITE_ERROR", message: expect.stringContaining("no transaction is active") });
    const c = okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM t WHERE name = 'autocommitted'") }, { type: "close" }]));
    expect(c.result.rows).toEqual([[v.int(1)]]);
  });

  test("is_autocommit on v2, a reference to a later step, or an unknown condition is a 400", async () => {
    for (const [steps, version] of [
      [[{ stmt: stmt("SELECT 1"), condition: { type: "is_autocommit" } }], 2],
      [[{ stmt: stmt("SELECT 1"), condition: { type: "ok", step: 0 } }], 3],
      [[{ stmt: stmt("SELECT 1") }, { stmt: stmt("SELECT 1"), condition: { type: "maybe" } }], 3],
    ] as const) {
      const ans = await pipeline(srv.url, [{ type: "batch", batch: { steps } }], null, version);
      expect(ans.status).toBe(400);
      expect(ans.contentType).toBe("application/json");
    }
  });

  test("a step with several statements fails the whole batch before anything runs, like sqld", async () => {
    const ans = await pipeline(srv.url, [{ type: "batch", batch: { steps: [{ stmt: stmt("INSERT INTO t (name) VALUES ('never')") }, { stmt: stmt("SELECT 1; SELECT 2") }] } }, { type: "close" }]);
    expect(ans.body.results[0]).toMatchObject({ type: "error", error: { code: "SQL_MANY_STATEMENTS" } });
    const c = okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM t WHERE name = 'never'") }, { type: "close" }]));
    expect(c.result.rows).toEqual([[v.int(0)]]);
  });
});

describe("cursor", () => {
  test("POST /v3/cursor streams NDJSON: the baton line, then step_begin, rows, step_end or step_error", async () => {
    const res = await fetch(`${srv.url}/v3/cursor`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        baton: null,
        batch: {
          steps: [
            { stmt: stmt("SELECT 1 AS a UNION ALL SELECT 2") },
            { stmt: stmt("SELECT * FROM nope") },
            { condition: { type: "ok", step: 1 }, stmt: stmt("SELECT 'skipped'") },
            { stmt: stmt("INSERT INTO t (name) VALUES ('cursor')") },
          ],
        },
      }),
    });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ baton: expect.any(String), base_url: null });
    expect(lines.slice(1)).toEqual([
      { type: "step_begin", step: 0, cols: [{ name: "a", decltype: null }] },
      { type: "row", row: [v.int(1)] },
      { type: "row", row: [v.int(2)] },
      { type: "step_end", affected_row_count: 0, last_insert_rowid: null },
      { type: "step_error", step: 1, error: { message: expect.stringContaining("no such table"), code: "SQLITE_ERROR" } },
      { type: "step_begin", step: 3, cols: [] },
      { type: "step_end", affected_row_count: 1, last_insert_rowid: expect.any(String) },
    ]);
    const close = await pipeline(srv.url, [{ type: "close" }], lines[0].baton, 3);
    expect(close.body.baton).toBeNull();
  });
});

describe("malformed requests", () => {
  test.each([
    ["not JSON", "{nope", "JSON_DESERIALIZE"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), "JSON_DESERIALIZE"],
    ["requests missing", {}, "PROTOCOL_INVALID"],
    ["an unknown request type", { requests: [{ type: "frobnicate" }] }, "PROTOCOL_INVALID"],
    ["a request without stmt", { requests: [{ type: "execute" }] }, "PROTOCOL_INVALID"],
    ["sql of the wrong type", { requests: [{ type: "execute", stmt: { sql: 1 } }] }, "PROTOCOL_INVALID"],
    ["a baton of the wrong type", { baton: 5, requests: [] }, "PROTOCOL_INVALID"],
    ["nesting deeper than 128 levels", `{"requests":[${"[".repeat(5000)}${"]".repeat(5000)}]}`, "JSON_DESERIALIZE"],
  ])("%s is a 400 with a JSON error", async (_name, body, code) => {
    const res = await fetch(`${srv.url}/v2/pipeline`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toMatchObject({ code, message: expect.any(String) });
  });

  test("a body over 10 MiB is refused with 413 and a JSON error", async () => {
    const body = JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT ?", args: [v.text("x".repeat(10 * 1024 * 1024))] } }] });
    const ans = await post(srv.url, "/v2/pipeline", body);
    expect([ans.status, ans.contentType, ans.body.code]).toEqual([413, "application/json", "BODY_TOO_LARGE"]);
    expect((await fetch(`${srv.url}/v2`)).status).toBe(200);
  });

  test("an empty pipeline opens a stream and answers no results", async () => {
    const ans = await pipeline(srv.url, []);
    expect(ans.body).toEqual({ baton: expect.any(String), base_url: null, results: [] });
  });
});
