import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { okResult, pipeline, startTestServer, stmt, v, type TestServer } from "./helpers.ts";

const exec = (url: string, sql: string, baton: string | null = null, close = true) =>
  pipeline(url, close ? [{ type: "execute", stmt: stmt(sql) }, { type: "close" }] : [{ type: "execute", stmt: stmt(sql) }], baton);
const count = async (url: string, where: string): Promise<string> =>
  okResult(await exec(url, `SELECT count(*) FROM t WHERE ${where}`)).result.rows[0][0].value;

describe("locking (busy timeout 700 ms)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ busyTimeoutMs: 700 });
    okResult(await exec(srv.url, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"));
  });
  afterAll(() => srv.stop());

  test("a writer waits for another stream's transaction without blocking the server, then proceeds", async () => {
    const tx = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN IMMEDIATE") }, { type: "execute", stmt: stmt("INSERT INTO t (name) VALUES ('held')") }]);
    expect(tx.body.results.map((r: any) => r.type)).toEqual(["ok", "ok"]);
    const waiting = exec(srv.url, "INSERT INTO t (name) VALUES ('waiter')");
    // While the writer waits, reads on other streams are answered at once.
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) expect(await count(srv.url, "name = 'held'")).toBe("0");
    expect(performance.now() - t0).toBeLessThan(300);
    const commit = await pipeline(srv.url, [{ type: "execute", stmt: stmt("COMMIT") }, { type: "close" }], tx.body.baton);
    expect(commit.body.results[0].type).toBe("ok");
    expect((await waiting).body.results[0].type).toBe("ok");
    expect(await count(srv.url, "name IN ('held', 'waiter')")).toBe("2");
  });

  test("a writer that waits longer than the busy timeout fails with SQLITE_BUSY", async () => {
    const tx = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN IMMEDIATE") }]);
    const t0 = performance.now();
    const blocked = await exec(srv.url, "INSERT INTO t (name) VALUES ('too-late')");
    const waited = performance.now() - t0;
    expect(blocked.body.results[0]).toMatchObject({ type: "error", error: { code: "SQLITE_BUSY", message: expect.stringContaining("locked") } });
    expect(waited).toBeGreaterThanOrEqual(650);
    expect(waited).toBeLessThan(3000);
    await pipeline(srv.url, [{ type: "execute", stmt: stmt("ROLLBACK") }, { type: "close" }], tx.body.baton);
    expect(okResult(await exec(srv.url, "INSERT INTO t (name) VALUES ('in-time')")).result.affected_row_count).toBe(1);
  });

  test("a write that timed out on the lock does not keep later writes on its connection from committing", async () => {
    const holder = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN IMMEDIATE") }]);
    const timedOut = await Promise.all([1, 2, 3].map((i) => exec(srv.url, `INSERT INTO t (name) VALUES ('timed-out-${i}')`)));
    for (const a of timedOut) expect(a.body.results[0].error?.code).toBe("SQLITE_BUSY");
    await pipeline(srv.url, [{ type: "execute", stmt: stmt("ROLLBACK") }, { type: "close" }], holder.body.baton);
    // The pooled connections that failed are reused here: every write must commit and be visible.
    for (let i = 0; i < 6; i++) okResult(await exec(srv.url, `INSERT INTO t (name) VALUES ('later-${i}')`));
    const reader = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN") }, { type: "execute", stmt: stmt("SELECT 1 FROM t") }]);
    for (let i = 6; i < 9; i++) okResult(await exec(srv.url, `INSERT INTO t (name) VALUES ('later-${i}')`));
    await pipeline(srv.url, [{ type: "execute", stmt: stmt("ROLLBACK") }, { type: "close" }], reader.body.baton);
    const fresh = createClient({ url: srv.url });
    expect((await fresh.execute("SELECT count(*) AS n FROM t WHERE name LIKE 'later-%'")).rows[0]!.n).toBe(9);
    expect((await fresh.execute("SELECT count(*) AS n FROM t WHERE name LIKE 'timed-out-%'")).rows[0]!.n).toBe(0);
    fresh.close();
  });

  test("a deferred transaction whose write times out can still be rolled back and nothing leaks", async () => {
    const tx = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN") }, { type: "execute", stmt: stmt("SELECT count(*) FROM t") }]);
    const holder = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN IMMEDIATE") }]);
    const late = await pipeline(srv.url, [{ type: "execute", stmt: stmt("INSERT INTO t (name) VALUES ('deferred-late')") }], tx.body.baton);
    expect(late.body.results[0].error?.code).toMatch(/^SQLITE_BUSY/);
    await pipeline(srv.url, [{ type: "execute", stmt: stmt("COMMIT") }, { type: "close" }], holder.body.baton);
    const rb = await pipeline(srv.url, [{ type: "execute", stmt: stmt("ROLLBACK") }, { type: "close" }], late.body.baton);
    expect(rb.body.results[0].type).toBe("ok");
    for (let i = 0; i < 6; i++) okResult(await exec(srv.url, `INSERT INTO t (name) VALUES ('after-deferred-${i}')`));
    expect(await count(srv.url, "name LIKE 'after-deferred-%'")).toBe("6");
    expect(await count(srv.url, "name = 'deferred-late'")).toBe("0");
  });

  test("interactive transactions on different batons are isolated until commit", async () => {
    const a = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN") }, { type: "execute", stmt: stmt("SELECT count(*) FROM t") }]);
    const before = okResult(a, 1).result.rows[0][0].value;
    okResult(await exec(srv.url, "INSERT INTO t (name) VALUES ('concurrent')"));
    const again = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM t") }, { type: "execute", stmt: stmt("COMMIT") }, { type: "close" }], a.body.baton);
    expect(okResult(again).result.rows[0][0].value).toBe(before);
  });

  test("concurrent write batches from many clients are each all-or-nothing", async () => {
    const clients = Array.from({ length: 8 }, () => createClient({ url: srv.url }));
    const outcomes = await Promise.allSettled(
      clients.flatMap((c, ci) =>
        Array.from({ length: 5 }, (_, bi) =>
          c.batch(
            Array.from({ length: 10 }, (_, si) => ({
              sql: "INSERT INTO t (name) VALUES (?)",
              // Every third batch repeats a name in its last step and must leave nothing behind.
              args: [bi % 3 === 2 && si === 9 ? `b-${ci}-${bi}-0` : `b-${ci}-${bi}-${si}`],
            })),
            "write",
          ),
        ),
      ),
    );
    for (const c of clients) c.close();
    const ok = outcomes.filter((o) => o.status === "fulfilled").length;
    expect(ok).toBe(8 * 4);
    expect(await count(srv.url, "name LIKE 'b-%'")).toBe(String(ok * 10));
  });
});

describe("stream expiry (idle 500 ms)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ streamIdleMs: 500 });
    okResult(await exec(srv.url, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"));
  });
  afterAll(() => srv.stop());

  test("an abandoned baton expires: its transaction rolls back, its lock is freed, its next use is STREAM_EXPIRED", async () => {
    const tx = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN IMMEDIATE") }, { type: "execute", stmt: stmt("INSERT INTO t (name) VALUES ('abandoned')") }]);
    const t0 = performance.now();
    const other = await exec(srv.url, "INSERT INTO t (name) VALUES ('next-writer')");
    expect(other.body.results[0].type).toBe("ok");
    expect(performance.now() - t0).toBeGreaterThan(300);
    const late = await pipeline(srv.url, [{ type: "execute", stmt: stmt("COMMIT") }], tx.body.baton);
    expect([late.status, late.contentType, late.body.code]).toEqual([400, "application/json", "STREAM_EXPIRED"]);
    expect(await count(srv.url, "name = 'abandoned'")).toBe("0");
  });

  test("a stream kept busy by regular use does not expire", async () => {
    let baton: string | null = null;
    for (let i = 0; i < 6; i++) {
      const ans = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT 1") }], baton);
      expect(ans.status).toBe(200);
      baton = ans.body.baton;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  test("@libsql/client sees a clear error when its transaction expired", async () => {
    const c = createClient({ url: srv.url });
    const tx = await c.transaction("write");
    await tx.execute("INSERT INTO t (name) VALUES ('slow-tx')");
    await new Promise((r) => setTimeout(r, 1600));
    const err = await tx.commit().catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain("expired");
    c.close();
    expect(await count(srv.url, "name = 'slow-tx'")).toBe("0");
  });
});

describe("pooled connections", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
    okResult(await exec(srv.url, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"));
  });
  afterAll(() => srv.stop());

  test("a stream closed inside a transaction is rolled back and the next stream starts clean", async () => {
    const ans = await pipeline(srv.url, [{ type: "execute", stmt: stmt("BEGIN") }, { type: "execute", stmt: stmt("INSERT INTO t (name) VALUES ('unfinished')") }, { type: "close" }]);
    expect(ans.body.baton).toBeNull();
    for (let i = 0; i < 10; i++) {
      const s = await pipeline(srv.url, [{ type: "get_autocommit" }, { type: "execute", stmt: stmt("INSERT INTO t (name) VALUES ('clean')") }, { type: "close" }], null, 3);
      expect(okResult(s).is_autocommit).toBe(true);
    }
    expect(await count(srv.url, "name = 'unfinished'")).toBe("0");
  });

  test("per-connection pragmas never leak into another stream", async () => {
    const set = await pipeline(srv.url, [
      { type: "execute", stmt: stmt("PRAGMA foreign_keys = OFF") },
      { type: "execute", stmt: stmt("PRAGMA defer_foreign_keys = ON") },
      { type: "close" },
    ]);
    expect(set.body.results.map((r: any) => r.type)).toEqual(["ok", "ok", "ok"]);
    for (let i = 0; i < 10; i++) {
      const s = await pipeline(srv.url, [
        { type: "execute", stmt: stmt("PRAGMA foreign_keys") },
        { type: "execute", stmt: stmt("PRAGMA defer_foreign_keys") },
        { type: "execute", stmt: stmt("INSERT INTO t (name) VALUES (?)", [v.text(`w${i}`)]) },
        { type: "close" },
      ]);
      expect(okResult(s, 0).result.rows).toEqual([[v.int(1)]]);
      expect(okResult(s, 1).result.rows).toEqual([[v.int(0)]]);
      expect(okResult(s, 2).result.affected_row_count).toBe(1);
    }
  });

  test.each(["PRAGMA journal_mode = DELETE", "PRAGMA main.synchronous = OFF", "PRAGMA wal_checkpoint(TRUNCATE)", "CREATE TEMP TABLE scratch (x)", "VACUUM", "ATTACH 'other.db' AS other"])(
    "statements sqld refuses are refused here too: %s",
    async (sql) => {
      const ans = await exec(srv.url, sql);
      expect(ans.body.results[0]).toMatchObject({ type: "error", error: { code: "SQL_PARSE_ERROR", message: expect.stringContaining("unsupported statement") } });
      const mode = okResult(await exec(srv.url, "PRAGMA journal_mode")).result.rows;
      expect(mode).toEqual([[v.text("wal")]]);
    },
  );
});
