import { createClient, LibsqlError, type Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

let srv: TestServer;
let db: Client;

beforeAll(async () => {
  srv = await startTestServer();
  db = createClient({ url: srv.url, intMode: "bigint" });
  await db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, age INT, score REAL)");
});
afterAll(async () => {
  db.close();
  await srv.stop();
});

describe("@libsql/client over /v2/pipeline", () => {
  test("execute reports columns with declared types, rows, affected rows and the exact rowid", async () => {
    const ins = await db.execute({ sql: "INSERT INTO people (id, email, age) VALUES (?, ?, ?)", args: [9007199254740993n, "a@x", 30] });
    expect(ins.rowsAffected).toBe(1);
    expect(ins.lastInsertRowid).toBe(9007199254740993n);
    const sel = await db.execute({ sql: "SELECT id, email, age, age + 1 AS next FROM people WHERE email = :e", args: { e: "a@x" } });
    expect(sel.columns).toEqual(["id", "email", "age", "next"]);
    expect(sel.columnTypes).toEqual(["INTEGER", "TEXT", "INT", ""]);
    expect(sel.rows[0]).toMatchObject({ id: 9007199254740993n, email: "a@x", age: 30n, next: 31n });
    expect(sel.rowsAffected).toBe(0);
    expect(sel.lastInsertRowid).toBeUndefined();
  });

  test("a statement run again after the schema changed sees the new schema (prepared statements are not kept stale)", async () => {
    await db.execute("CREATE TABLE evolving (id INTEGER PRIMARY KEY)");
    await db.execute("INSERT INTO evolving (id) VALUES (1)");
    // Several times, so whichever pooled connection answers has prepared it.
    for (let i = 0; i < 4; i++) expect((await db.execute("SELECT * FROM evolving")).columns).toEqual(["id"]);
    await db.execute("ALTER TABLE evolving ADD COLUMN note TEXT DEFAULT 'n'");
    for (let i = 0; i < 4; i++) {
      const after = await db.execute("SELECT * FROM evolving");
      expect(after.columns).toEqual(["id", "note"]);
      expect(after.rows[0]).toMatchObject({ id: 1n, note: "n" });
    }
  });

  test("UPDATE, DELETE, RETURNING and CTE statements report their own affected row counts", async () => {
    await db.execute("INSERT INTO people (email, age) VALUES ('b@x', 1), ('c@x', 2), ('d@x', 3)");
    const upd = await db.execute("UPDATE people SET age = age + 10 WHERE age < 10");
    expect(upd.rowsAffected).toBe(3);
    expect(upd.lastInsertRowid).toBeUndefined();
    const ret = await db.execute("UPDATE people SET score = 1.5 WHERE age BETWEEN 11 AND 13 RETURNING email");
    expect(ret.rowsAffected).toBe(3);
    expect(ret.rows.map((r) => r.email).sort()).toEqual(["b@x", "c@x", "d@x"]);
    const cte = await db.execute("WITH gone AS (SELECT id FROM people WHERE email = 'd@x') DELETE FROM people WHERE id IN (SELECT id FROM gone)");
    expect(cte.rowsAffected).toBe(1);
    const cteIns = await db.execute("WITH n(e) AS (VALUES ('e@x')) INSERT INTO people (email) SELECT e FROM n");
    expect(cteIns.rowsAffected).toBe(1);
    expect(typeof cteIns.lastInsertRowid).toBe("bigint");
    const sel = await db.execute("SELECT count(*) AS n FROM people");
    expect(sel.rowsAffected).toBe(0);
  });

  test("a constraint violation carries the primary code SQLITE_CONSTRAINT, as sqld sends it", async () => {
    const err = await db.execute({ sql: "INSERT INTO people (email) VALUES (?)", args: ["a@x"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibsqlError);
    expect((err as LibsqlError).code).toBe("SQLITE_CONSTRAINT");
    expect((err as LibsqlError).message).toContain("UNIQUE constraint failed: people.email");
  });

  test("a syntax error is SQLITE_ERROR and a multi-statement execute is refused like sqld", async () => {
    await expect(db.execute("SELEC 1")).rejects.toMatchObject({ code: "SQLITE_ERROR" });
    await expect(db.execute("SELECT 1; SELECT 2")).rejects.toMatchObject({ code: "SQL_MANY_STATEMENTS" });
    await expect(db.execute("  -- nothing\n ; ")).rejects.toMatchObject({ code: "SQL_NO_STATEMENT" });
  });

  test("a write batch commits all of its statements and returns each result", async () => {
    const rs = await db.batch(
      [
        { sql: "INSERT INTO people (email) VALUES (?)", args: ["batch1@x"] },
        { sql: "INSERT INTO people (email) VALUES (?)", args: ["batch2@x"] },
        "SELECT count(*) AS n FROM people WHERE email LIKE 'batch%'",
      ],
      "write",
    );
    expect(rs).toHaveLength(3);
    expect(rs[0]!.rowsAffected).toBe(1);
    expect(rs[2]!.rows[0]!.n).toBe(2n);
  });

  test("a failing step rolls back the whole write batch", async () => {
    const before = (await db.execute("SELECT count(*) AS n FROM people")).rows[0]!.n;
    const err = await db
      .batch(["INSERT INTO people (email) VALUES ('rolled@x')", "INSERT INTO people (email) VALUES ('a@x')", "INSERT INTO people (email) VALUES ('never@x')"], "write")
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SQLITE_CONSTRAINT" });
    const after = (await db.execute("SELECT count(*) AS n FROM people")).rows[0]!.n;
    expect(after).toBe(before);
    expect((await db.execute("SELECT count(*) AS n FROM people WHERE email IN ('rolled@x', 'never@x')")).rows[0]!.n).toBe(0n);
  });

  test("a read batch cannot write even though SQLite parses READONLY as a transaction name", async () => {
    const err = await db.batch(["SELECT 1", "INSERT INTO people (email) VALUES ('ro@x')"], "read").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^SQLITE_READONLY/) });
    expect((await db.execute("SELECT count(*) AS n FROM people WHERE email = 'ro@x'")).rows[0]!.n).toBe(0n);
    // The pooled connection is clean again: the next write on any stream works.
    for (let i = 0; i < 10; i++) await db.execute({ sql: "INSERT INTO people (email) VALUES (?)", args: [`after-ro-${i}@x`] });
  });

  test("a deferred batch reads and writes", async () => {
    const rs = await db.batch(["INSERT INTO people (email) VALUES ('deferred@x')", "SELECT email FROM people WHERE email = 'deferred@x'"], "deferred");
    expect(rs[1]!.rows[0]!.email).toBe("deferred@x");
  });

  test("an interactive transaction commits", async () => {
    const tx = await db.transaction("write");
    await tx.execute("INSERT INTO people (email) VALUES ('tx-commit@x')");
    const inside = await tx.execute("SELECT count(*) AS n FROM people WHERE email = 'tx-commit@x'");
    expect(inside.rows[0]!.n).toBe(1n);
    await tx.commit();
    expect((await db.execute("SELECT count(*) AS n FROM people WHERE email = 'tx-commit@x'")).rows[0]!.n).toBe(1n);
  });

  test("an interactive transaction rolls back and its writes are invisible outside before commit", async () => {
    const tx = await db.transaction("write");
    await tx.batch(["INSERT INTO people (email) VALUES ('tx-rb@x')"]);
    expect((await db.execute("SELECT count(*) AS n FROM people WHERE email = 'tx-rb@x'")).rows[0]!.n).toBe(0n);
    await tx.rollback();
    expect((await db.execute("SELECT count(*) AS n FROM people WHERE email = 'tx-rb@x'")).rows[0]!.n).toBe(0n);
  });

  test("executeMultiple runs every statement, including triggers with semicolons in their body", async () => {
    await db.executeMultiple(`
      CREATE TABLE log (msg TEXT); -- a comment; with a semicolon
      CREATE TRIGGER people_log AFTER INSERT ON people BEGIN
        INSERT INTO log VALUES ('added ' || NEW.email);
        INSERT INTO log VALUES (CASE WHEN NEW.age > 5 THEN 'old' ELSE 'young' END);
      END;
      INSERT INTO people (email, age) VALUES ('multi;1@x', 9);
    `);
    const log = await db.execute("SELECT msg FROM log ORDER BY rowid");
    expect(log.rows.map((r) => r.msg)).toEqual(["added multi;1@x", "old"]);
  });

  test("executeMultiple stops at the first failing statement", async () => {
    await expect(db.executeMultiple("INSERT INTO log VALUES ('m1'); INSERT INTO nope VALUES (1); INSERT INTO log VALUES ('m2');")).rejects.toMatchObject({
      code: "SQLITE_ERROR",
    });
    const rows = (await db.execute("SELECT msg FROM log WHERE msg IN ('m1', 'm2')")).rows.map((r) => r.msg);
    expect(rows).toEqual(["m1"]);
  });

  test("migrate runs with foreign keys off and turns them back on", async () => {
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    await db.execute("CREATE TABLE child (pid INTEGER REFERENCES parent(id))");
    await expect(db.execute("INSERT INTO child VALUES (42)")).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT" });
    await db.migrate(["INSERT INTO child VALUES (42)", "CREATE TABLE migrated (x)"]);
    expect((await db.execute("SELECT count(*) AS n FROM child")).rows[0]!.n).toBe(1n);
    // Foreign keys are enforced again on every pooled connection afterwards.
    for (let i = 0; i < 5; i++) await expect(db.execute("INSERT INTO child VALUES (43)")).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT" });
  });

  test("many concurrent executes from one client all succeed", async () => {
    const n = 200;
    await Promise.all(Array.from({ length: n }, (_, i) => db.execute({ sql: "INSERT INTO people (email) VALUES (?)", args: [`conc-${i}@x`] })));
    expect((await db.execute("SELECT count(*) AS n FROM people WHERE email LIKE 'conc-%'")).rows[0]!.n).toBe(BigInt(n));
  });
});
