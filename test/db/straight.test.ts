import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Conn } from "../../db/server/conn.ts";
import { classifyProgram, compiledSchemaCookie, MAX_STEPS } from "../../db/server/straight.ts";

// The fast path's classifier (db/server/straight.ts) on the programs SQLite really compiles for
// Roster's schema: the statements the app runs all the time are straight, every loop form is not.
// deadline.test.ts checks the other side end to end: what is not straight is still interrupted.

const migrations = fileURLToPath(new URL("../../db/migrations", import.meta.url));

let dir: string;
let conn: Conn;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "roster-straight-"));
  conn = new Conn(join(dir, "t.db"));
  for (const f of readdirSync(migrations).filter((f) => f.endsWith(".sql")).sort()) {
    for (const s of readFileSync(join(migrations, f), "utf8").split("--> statement-breakpoint")) if (s.trim() !== "") conn.db.exec(s);
  }
  conn.db.exec(`
    CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
    CREATE TABLE n (x INTEGER PRIMARY KEY);
    CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c;
    CREATE TABLE fires_endless (x);
    CREATE TRIGGER fires_endless_after AFTER INSERT ON fires_endless BEGIN SELECT count(*) FROM endless; END;
    CREATE TABLE __hrana_exact_q (c0 UNIQUE);
  `);
});
afterAll(() => {
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

function explain(sql: string): unknown[] {
  const stmt = conn.db.prepare(`EXPLAIN ${sql}`).raw();
  const rows = stmt.all() as unknown[];
  // An EXPLAIN stays active after its last row until reset (as conn.ts does), and an active
  // statement keeps the connection from committing.
  stmt.get();
  return rows;
}
const verdict = (sql: string, extra?: ReadonlySet<string>) => classifyProgram(explain(sql), extra);

describe("straight: Roster's everyday statements", () => {
  test.each([
    "INSERT INTO kv VALUES (?, ?)",
    "SELECT v FROM kv WHERE k = ?",
    "UPDATE kv SET v = ? WHERE k = ?",
    "DELETE FROM kv WHERE k = ?",
    "INSERT INTO kv VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    "INSERT OR REPLACE INTO kv VALUES (?, ?)",
    // CHECK … IN lists, a CHECK calling lower(), a foreign key, unique and expression indexes,
    // and the org_seat_counts trigger (an update of role only: the member_search trigger does not fire)
    "UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?",
    // partial unique indexes, a trigger with a WHEN clause
    "INSERT INTO invitations (id, org_id, email, role, token_hash, expires_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "UPDATE invitations SET status = ?, responded_at = ? WHERE id = ? AND status = 'pending'",
    "DELETE FROM invitations WHERE id = ?",
    "INSERT INTO users (id, email, username, name, created_at) VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    "UPDATE sessions SET last_seen_at = ? WHERE id = ?",
    "UPDATE organizations SET name = ?, updated_at = ? WHERE id = ?",
    "SELECT * FROM organizations WHERE id = ?",
    "SELECT * FROM users WHERE lower(username) = lower(?)",
    "SELECT members, pending FROM org_seat_counts WHERE org_id = ?",
    `select "org_id", "user_id", "role" from "memberships" where ("memberships"."org_id" = ? and "memberships"."user_id" = ?) limit ?`,
    "SELECT abs(?), typeof(?), length(?), upper(?), trim(?), substr(?, 2), coalesce(?, 1), min(?, ?)",
  ])("%s", (sql) => {
    expect(verdict(sql)).toEqual({ straight: true, reason: undefined });
  });

  test("the server's hex wrapper around a straight query, flattened, is straight once hex() is allowed for it", () => {
    const wrapped = "WITH __w(c0) AS (SELECT v FROM kv WHERE k = ?\n) SELECT CASE typeof(c0) WHEN 'text' THEN hex(c0) ELSE c0 END FROM __w";
    expect(verdict(wrapped).straight).toBe(false);
    expect(verdict(wrapped, new Set(["hex"])).straight).toBe(true);
  });
});

describe("not straight: every loop, and what could take long without one", () => {
  test.each([
    ["a table scan", "SELECT * FROM kv", "Next"],
    ["a scan under a LIMIT", "SELECT * FROM kv LIMIT ?", "Next"],
    ["a range of an index", "SELECT * FROM memberships WHERE org_id = ?", "Next"],
    ["count(*)", "SELECT count(*) FROM kv", "Count"],
    ["an aggregate", "SELECT max(k) FROM kv", "AggStep"],
    ["ORDER BY", "SELECT * FROM kv WHERE k > ? ORDER BY v", "Sorter"],
    ["a recursive CTE", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c", ""],
    ["a view over a recursive CTE", "SELECT * FROM endless", ""],
    ["a subquery", "SELECT * FROM kv WHERE k IN (SELECT k FROM kv)", "Next"],
    ["UNION", "SELECT 1 UNION SELECT 2", ""],
    ["a window function", "SELECT k, row_number() OVER () FROM kv WHERE k = ?", ""],
    ["json_each", "SELECT value FROM json_each(?)", "VOpen"],
    ["a multi-row INSERT (a coroutine)", "INSERT INTO kv VALUES (?, ?), (?, ?)", "InitCoroutine"],
    ["GLOB (backtracking)", "SELECT ? GLOB ?", "glob()"],
    ["LIKE (backtracking)", "SELECT ? LIKE ?", "like()"],
    ["a GLOB in a CHECK constraint", "INSERT INTO organizations (id, slug, name, seat_limit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", "glob()"],
    ["ON DELETE CASCADE", "DELETE FROM organizations WHERE id = ?", ""],
    // The member_search triggers (migration 0010) write the fts5 index: a virtual table's work
    // is its module's, not bounded here. Joins and removals are rare beside invitations.
    ["a membership insert (its fts5 index)", "INSERT INTO memberships (org_id, user_id, role, user_email, joined_via, joined_at) VALUES (?, ?, ?, ?, ?, ?)", ""],
    ["a membership removal (its fts5 index)", "DELETE FROM memberships WHERE org_id = ? AND user_id = ?", ""],
    ["an AUTOINCREMENT lookup", "INSERT INTO audit_events (org_id, actor_type, action, target_type, at) VALUES (?, ?, ?, ?, ?)", "Next"],
    ["concatenation (a value doubles)", "SELECT ? || ?", "Concat"],
    ["hex()", "SELECT hex(?)", "hex()"],
    ["replace()", "SELECT replace(?, ?, ?)", "replace()"],
    ["printf()", "SELECT printf(?, ?)", "printf()"],
    ["instr()", "SELECT instr(?, ?)", "instr()"],
    ["trim() with a character set", "SELECT trim(?, ?)", "trim()"],
    ["zeroblob()", "SELECT zeroblob(?)", "zeroblob()"],
    ["a JSON function", "SELECT json_extract(?, '$.a')", "json_extract()"],
    ["an endless query in a trigger fired by a plain INSERT", "INSERT INTO fires_endless VALUES (1)", "in a trigger"],
  ])("%s", (_name, sql, why) => {
    const v = verdict(sql);
    expect(v.straight).toBe(false);
    expect(v.reason).toContain(why);
  });

  test("a query naming a table like the wrapper: straight alone, recursive (and not straight) inside a wrapper of that name", () => {
    const inner = "SELECT 5 UNION ALL SELECT c0 FROM __hrana_exact_q WHERE c0 = 5";
    expect(verdict(inner).straight).toBe(true);
    const wrapped = `WITH __hrana_exact_q(c0) AS (${inner}\n) SELECT CASE typeof(c0) WHEN 'text' THEN hex(c0) ELSE c0 END FROM __hrana_exact_q`;
    expect(verdict(wrapped, new Set(["hex"])).straight).toBe(false);
  });

  test("triggers that each fire several others are bounded in the instructions they may run together", () => {
    // t0 → 2 × t1 → 4 × t2 …: every program is straight, the work doubles per level.
    const levels = 12;
    for (let i = 0; i <= levels; i++) conn.db.exec(`CREATE TABLE fan${i} (x)`);
    for (let i = 0; i < levels; i++) {
      conn.db.exec(`CREATE TRIGGER fan${i}_t AFTER INSERT ON fan${i} BEGIN INSERT INTO fan${i + 1} VALUES (new.x); INSERT INTO fan${i + 1} VALUES (new.x); END`);
    }
    const deep = verdict("INSERT INTO fan0 VALUES (1)");
    expect(deep.straight).toBe(false);
    expect(deep.reason).toMatch(/instructions with its triggers/);
    // Two levels down the same shape is small and straight.
    expect(verdict(`INSERT INTO fan${levels - 2} VALUES (1)`).straight).toBe(true);
    expect(MAX_STEPS).toBeGreaterThan(1_000);
  });
});

describe("the program's shape (hand-written EXPLAIN rows)", () => {
  const row = (addr: number, opcode: string, p1: unknown = 0, p2: unknown = 0, p3: unknown = 0, p4: unknown = null, p5: unknown = 0) => [addr, opcode, p1, p2, p3, p4, p5, null];
  const prologue = (n: number) => [row(n, "Transaction", 0, 0, 1, "0", 1), row(n + 1, "Goto", 0, 1)];

  test("the schema version a program was compiled against is its main Transaction's P3", () => {
    expect(compiledSchemaCookie([row(0, "Init", 0, 3), row(1, "Halt"), row(2, "Transaction", 0, 0, 7, "1", 1), row(3, "Goto", 0, 1), row(0, "Init", 0, 1), row(1, "Transaction", 0, 0, 9)])).toBe(7);
    expect(compiledSchemaCookie([row(0, "Init", 0, 1), row(1, "Halt")])).toBeUndefined();
    expect(compiledSchemaCookie([row(0, "Init", 0, 1), row(1, "Transaction", 0, 0, 7), row(2, "Transaction", 0, 0, 8)])).toBeNull();
    expect(compiledSchemaCookie(explain("SELECT v FROM kv WHERE k = ?"))).toBe((conn.db.prepare("PRAGMA schema_version").raw().get() as unknown[])[0]);
  });

  test("the usual shape: body, Halt, prologue, Goto back", () => {
    expect(classifyProgram([row(0, "Init", 0, 3), row(1, "Integer", 1, 1), row(2, "Halt"), ...prologue(3)]).straight).toBe(true);
  });
  test.each([
    ["a jump back in the body", [row(0, "Init", 0, 4), row(1, "Integer", 1, 1), row(2, "Goto", 0, 1), row(3, "Halt"), ...prologue(4)], "jump back"],
    ["a Goto back that is not the prologue's last instruction", [row(0, "Init", 0, 2), row(1, "Halt"), row(2, "Goto", 0, 1), row(3, "Halt")], "jump back"],
    ["a body that falls through into the prologue", [row(0, "Init", 0, 2), row(1, "Integer", 1, 1), ...prologue(2)], "Halt"],
    ["a jump from the body into the prologue", [row(0, "Init", 0, 3), row(1, "If", 1, 3), row(2, "Halt"), ...prologue(3)], "into the prologue"],
    ["no Init", [row(0, "Goto", 0, 1), row(1, "Halt")], "Init"],
    ["an unknown opcode", [row(0, "Init", 0, 1), row(1, "Frobnicate"), row(2, "Halt")], "Frobnicate"],
    ["a register jump", [row(0, "Init", 0, 1), row(1, "Return", 1), row(2, "Halt")], "Return"],
    ["a jump outside the program", [row(0, "Init", 0, 1), row(1, "If", 1, 9), row(2, "Halt")], "outside"],
    ["a Trace that may jump", [row(0, "Init", 0, 1), row(1, "Trace", 0, 1), row(2, "Halt")], "Trace"],
    ["a trigger call without the recursion check", [row(0, "Init", 0, 1), row(1, "Program", -1, 2, 3, "program", 0), row(2, "Halt"), row(0, "Init", 0, 1), row(1, "Halt")], "recurse"],
    ["a trigger call without its program", [row(0, "Init", 0, 1), row(1, "Program", -1, 2, 3, "program", 1), row(2, "Halt")], "without its program"],
    ["rows out of order", [row(0, "Init", 0, 2), row(2, "Halt")], "order"],
    ["nothing", [], "no program"],
  ])("%s", (_name, rows, why) => {
    const v = classifyProgram(rows);
    expect(v.straight).toBe(false);
    expect(v.reason).toContain(why);
  });
});

describe("the connection takes the fast path only when the program that runs is the one classified", () => {
  const sql = "SELECT v FROM kv WHERE k = ?";

  test("only inside a transaction (the schema version read before it holds until the end)", () => {
    expect(conn.prepareForRun(sql).straight).toBe(false);
    conn.db.exec("BEGIN");
    try {
      expect(conn.prepareForRun(sql).straight).toBe(true);
      expect(conn.mayBeStraight(sql)).toBe(true);
    } finally {
      conn.db.exec("COMMIT");
    }
  });

  test("never with a blob literal (EXPLAIN compiled it emptied)", () => {
    conn.db.exec("BEGIN");
    try {
      expect(conn.prepareForRun("SELECT v FROM kv WHERE k = ? AND v <> x'00'").straight).toBe(false);
    } finally {
      conn.db.exec("COMMIT");
    }
  });

  test("not after a PRAGMA ran on the connection, nor while a schema change may be rolled back", () => {
    conn.db.exec("BEGIN");
    try {
      conn.schemaTouched = true;
      expect(conn.prepareForRun(sql).straight).toBe(false);
      conn.schemaTouched = false;
      conn.dirty = true;
      expect(conn.prepareForRun(sql).straight).toBe(false);
      conn.dirty = false;
      expect(conn.prepareForRun(sql).straight).toBe(true);
    } finally {
      conn.db.exec("COMMIT");
    }
  });

  test("a schema change, here or elsewhere, makes the statement classified again", () => {
    // The same text, first a lookup by key in a table, then (another connection changed the
    // schema) an endless search of a view over a recursive CTE. This connection's copy of the
    // schema is stale until a statement finds it so at its first step: the statement must not be
    // inspected against it (it would be compiled again, endless, when it runs).
    const lookup = "SELECT x FROM n WHERE x = ?";
    const other = new Conn(join(dir, "t.db"));
    try {
      conn.db.exec("BEGIN");
      expect(conn.prepareForRun(lookup).straight).toBe(true);
      conn.db.exec("COMMIT");
      other.db.exec("DROP TABLE n; CREATE VIEW n AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c");
      conn.db.exec("BEGIN");
      try {
        expect(conn.prepareForRun(lookup).straight).toBe(false);
        expect(conn.mayBeStraight(lookup)).toBe(false);
      } finally {
        conn.db.exec("COMMIT");
      }
    } finally {
      other.close();
    }
  });

  test("a schema change this connection rolled back: what it prepared meanwhile is forgotten", () => {
    // Prepared inside the transaction against a table it created, at schema version V+1; rolled
    // back (V); another connection then commits a different V+1, where the name is an endless
    // view. The version alone would take the first statement for current.
    const lookup = "SELECT x FROM t2 WHERE x = ?";
    const endless = "CREATE VIEW t2 AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
    const other = new Conn(join(dir, "t.db"));
    try {
      conn.db.exec("BEGIN");
      conn.schemaTouched = true; // as runStmt marks a CREATE
      conn.db.exec("CREATE TABLE t2 (x INTEGER PRIMARY KEY)");
      expect(conn.prepareForRun(lookup).straight).toBe(false);
      expect(conn.mayBeStraight(lookup)).toBe(false);
      conn.settle();
      expect(conn.schemaTouched).toBe(true);
      conn.db.exec("ROLLBACK");
      conn.settle();
      expect(conn.schemaTouched).toBe(false);
      other.db.exec(endless);
      conn.db.exec("BEGIN");
      try {
        expect(conn.prepareForRun(lookup).straight).toBe(false);
      } finally {
        conn.db.exec("COMMIT");
      }
    } finally {
      other.close();
    }
  });
});
