import { connect, type Connection } from "@tursodatabase/serverless";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

let srv: TestServer;
let conn: Connection;

beforeAll(async () => {
  srv = await startTestServer();
  conn = connect({ url: srv.url });
  await conn.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, qty INT, data BLOB)");
});
afterAll(async () => {
  await conn.close();
  await srv.stop();
});

describe("@tursodatabase/serverless over /v3/cursor and /v3/pipeline", () => {
  test("run reports changes and the last rowid; get and all read rows back", async () => {
    const r = await conn.run("INSERT INTO items (name, qty, data) VALUES (?, ?, ?)", ["apple", 3, new Uint8Array([0, 1, 255])]);
    expect(r).toMatchObject({ changes: 1, lastInsertRowid: 1 });
    const row = await conn.get("SELECT name, qty, data FROM items WHERE name = ?", ["apple"]);
    expect(row).toMatchObject({ name: "apple", qty: 3 });
    expect(Buffer.from((row as { data: Uint8Array }).data)).toEqual(Buffer.from([0, 1, 255]));
    const all = await conn.all("SELECT name FROM items");
    expect(all).toEqual([{ name: "apple" }]);
  });

  test("prepare describes the statement and binds positional and named arguments", async () => {
    const stmt = await conn.prepare("SELECT id, name, qty * 2 AS double FROM items WHERE name = :name");
    expect(stmt.columns().map((c: { name: string }) => c.name)).toEqual(["id", "name", "double"]);
    expect(await stmt.get({ name: "apple" })).toMatchObject({ name: "apple", double: 6 });
    const ins = await conn.prepare("INSERT INTO items (name, qty) VALUES (?, ?)");
    expect(await ins.run(["pear", 5])).toMatchObject({ changes: 1 });
  });

  test("safe integers come back exactly", async () => {
    const stmt = await conn.prepare("SELECT 9223372036854775807 AS big, -9223372036854775808 AS small");
    stmt.safeIntegers(true);
    expect(await stmt.get()).toEqual({ big: 9223372036854775807n, small: -9223372036854775808n });
  });

  test("an atomic batch commits every statement", async () => {
    await conn.batch(["INSERT INTO items (name) VALUES ('b1')", "INSERT INTO items (name) VALUES ('b2')"], "immediate");
    expect(await conn.get("SELECT count(*) AS n FROM items WHERE name IN ('b1', 'b2')")).toEqual({ n: 2 });
    expect(conn.inTransaction).toBe(false);
  });

  test("a failing statement rolls back the whole atomic batch", async () => {
    await expect(conn.batch(["INSERT INTO items (name) VALUES ('b3')", "INSERT INTO items (name) VALUES ('apple')"], "immediate")).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await conn.get("SELECT count(*) AS n FROM items WHERE name = 'b3'")).toEqual({ n: 0 });
    expect(conn.inTransaction).toBe(false);
  });

  test("a transaction commits on success and rolls back on a thrown error, tracking inTransaction", async () => {
    await conn.transaction(async () => {
      await conn.run("INSERT INTO items (name) VALUES ('t1')");
      expect(conn.inTransaction).toBe(true);
    })();
    await expect(
      conn.transaction(async () => {
        await conn.run("INSERT INTO items (name) VALUES ('t2')");
        throw new Error("boom");
      })(),
    ).rejects.toThrow("boom");
    expect(await conn.all("SELECT name FROM items WHERE name IN ('t1', 't2')")).toEqual([{ name: "t1" }]);
    expect(conn.inTransaction).toBe(false);
  });

  test("exec runs a multi-statement script through sequence", async () => {
    await conn.exec("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x;y'); INSERT INTO notes VALUES ('z');");
    expect(await conn.all("SELECT t FROM notes ORDER BY rowid")).toEqual([{ t: "x;y" }, { t: "z" }]);
  });

  test("iterate streams rows from the cursor", async () => {
    await conn.exec("CREATE TABLE nums (n INT); INSERT INTO nums WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500) SELECT x FROM c;");
    let sum = 0;
    let count = 0;
    for await (const row of conn.iterate("SELECT n FROM nums")) {
      sum += (row as { n: number }).n;
      count++;
    }
    expect([count, sum]).toEqual([500, 125_250]);
  });

  test("errors carry the server's message and code", async () => {
    const err = await conn.run("INSERT INTO items (name) VALUES ('apple')").catch((e: unknown) => e);
    expect(String(err)).toContain("UNIQUE constraint failed: items.name");
    await expect(conn.all("SELECT * FROM missing")).rejects.toThrow(/no such table/);
  });
});
