import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { superviseLibsqlServer } from "../../db/server/supervisor.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

// The server must never touch the file system on behalf of SQL: not through SQLite's file
// functions, its fsdir table, ATTACH or VACUUM INTO, whatever the spelling or indirection.

const TOKEN = "fs-test-token";
const SECRET = `secret-${randomBytes(16).toString("hex")}`;
// Made at load time: the cases below are built from these paths when the file is collected.
const dir = mkdtempSync(join(tmpdir(), "roster-fs-"));
const secretFile = join(dir, "session-secret");
const out = join(dir, "written");
writeFileSync(secretFile, SECRET, { mode: 0o600 });
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ authToken: TOKEN });
});
afterAll(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs a body to `path` with the token and answers the raw text. */
async function send(path: string, body: unknown, url = srv.url): Promise<string> {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return res.text();
}

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Asserts an answer neither carries the secret (as text or base64) nor left a file behind. */
function expectNothingTouched(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(Buffer.from(SECRET).toString("base64").slice(0, 20));
  expect(readdirSync(dir).sort()).toEqual(["session-secret"]);
}

/** Runs one statement through /v2/pipeline and answers its result entry and the raw text. */
async function run(sql: string, args: unknown[] = [], url = srv.url): Promise<{ result: any; text: string }> {
  const text = await send("/v2/pipeline", { baton: null, requests: [{ type: "execute", stmt: { sql, args } }, { type: "close" }] }, url);
  return { result: JSON.parse(text).results[0], text };
}

const direct = (): [string, string][] => [
  ["readfile", `SELECT readfile(${q(secretFile)})`],
  ["readfile, double-quoted", `SELECT "readfile"(${q(secretFile)})`],
  ["readfile, bracketed and mixed case", `SELECT [ReadFile](${q(secretFile)})`],
  ["readfile, back-quoted behind a comment", `SELECT \`readfile\` /* x */ (${q(secretFile)})`],
  ["readfile in a CTE", `WITH f(x) AS (SELECT readfile(${q(secretFile)})) SELECT x AS innocent FROM f`],
  ["readfile in a subquery", `SELECT (SELECT readfile(${q(secretFile)})) AS innocent`],
  ["readfile in an INSERT", `INSERT INTO sink (x) SELECT readfile(${q(secretFile)}) RETURNING x`],
  ["writefile", `SELECT writefile(${q(out)}, 'x')`],
  ["writefile, quoted", `SELECT "writefile"(${q(out)}, 'x')`],
  ["fsdir", `SELECT name FROM fsdir(${q(dir)})`],
  ["fsdir, quoted and schema-qualified", `SELECT name FROM main."fsdir"(${q(dir)})`],
  ["fsdir as a string literal", `SELECT name FROM 'fsdir'(${q(dir)})`],
  ["load_extension", `SELECT load_extension(${q(join(dir, "ext"))})`],
  ["sha3_query running writefile", `SELECT sha3_query(${q(`SELECT writefile(${q(out)}, 'x')`)})`],
  ["sqlite3mc_config", "SELECT sqlite3mc_config('cipher')"],
  ["fts3_tokenizer", "SELECT fts3_tokenizer('simple')"],
  ["sqlite_dbpage", "SELECT data FROM sqlite_dbpage LIMIT 1"],
  ["ATTACH", `ATTACH ${q(join(dir, "other.db"))} AS other`],
  ["VACUUM INTO", `VACUUM INTO ${q(join(dir, "copy.db"))}`],
];

describe("file and extension functions are refused", () => {
  beforeAll(async () => {
    await run("CREATE TABLE IF NOT EXISTS sink (x)");
  });

  test.each(direct())("%s", async (_name, sql) => {
    const { result, text } = await run(sql);
    expect(result.type).toBe("error");
    expect(["SQLITE_AUTH", "SQL_PARSE_ERROR"]).toContain(result.error.code);
    expectNothingTouched(text);
  });

  test("readfile with the path bound as an argument", async () => {
    const { result, text } = await run("SELECT readfile(?)", [{ type: "text", value: secretFile }]);
    expect(result.error.code).toBe("SQLITE_AUTH");
    expectNothingTouched(text);
  });

  test("refuses readfile even when quoted or behind a view", async () => {
    await run(`CREATE VIEW leak AS SELECT "readfile"(${q(secretFile)}) AS c`);
    const { result, text } = await run("SELECT c FROM leak");
    expect(result.type).toBe("error");
    expectNothingTouched(text);
    await run("DROP VIEW leak");
  });

  test("a trigger body calling writefile, or a cipher function, never runs", async () => {
    await run("CREATE TABLE armed (x)");
    await run(`CREATE TRIGGER arm_w AFTER INSERT ON armed BEGIN SELECT writefile(${q(out)}, 'x'); END`);
    const { result, text } = await run("INSERT INTO armed VALUES (1)");
    expect(result.type).toBe("error");
    expectNothingTouched(text);
    await run("DROP TRIGGER arm_w");
    // sqlite3mc_config is not direct-only in the engine: only this server's inspection stops it.
    await run("CREATE TRIGGER arm_c AFTER INSERT ON armed BEGIN SELECT sqlite3mc_config('cipher'); END");
    const c = await run("INSERT INTO armed VALUES (2)");
    expect(c.result.type).toBe("error");
    expect((await run("SELECT count(*) FROM armed")).result.response.result.rows[0][0].value).toBe("0");
    await run("DROP TABLE armed");
  });

  test("refused inside a batch, on /v3/pipeline and on /v3/cursor too", async () => {
    const steps = [{ stmt: { sql: "SELECT 1" } }, { stmt: { sql: `SELECT "readfile"(${q(secretFile)})` } }, { stmt: { sql: `SELECT writefile(${q(out)}, 'x')` } }];
    const v2 = await send("/v2/pipeline", { baton: null, requests: [{ type: "batch", batch: { steps } }, { type: "close" }] });
    const errors = JSON.parse(v2).results[0].response.result.step_errors;
    expect(errors.slice(1).map((e: any) => e?.code)).toEqual(["SQLITE_AUTH", "SQLITE_AUTH"]);
    expectNothingTouched(v2);
    const v3 = await send("/v3/pipeline", { baton: null, requests: [{ type: "execute", stmt: { sql: `SELECT readfile(${q(secretFile)})` } }, { type: "close" }] });
    expect(JSON.parse(v3).results[0].error.code).toBe("SQLITE_AUTH");
    expectNothingTouched(v3);
    const cursor = await send("/v3/cursor", { baton: null, batch: { steps } });
    expect(cursor).toContain('"code":"SQLITE_AUTH"');
    expectNothingTouched(cursor);
  });

  test("a sequence stops at the refused statement", async () => {
    const text = await send("/v2/pipeline", { baton: null, requests: [{ type: "sequence", sql: `SELECT 1; SELECT writefile(${q(out)}, 'x');` }, { type: "close" }] });
    expect(JSON.parse(text).results[0].error.code).toBe("SQLITE_AUTH");
    expectNothingTouched(text);
  });

  test("a blob literal neither crashes the inspection nor hides in a schema object", async () => {
    expect((await run("SELECT x'ff00' AS b")).result.type).toBe("ok");
    expect((await run("CREATE TABLE poisoned (x DEFAULT x'ff')")).result.error.code).toBe("SQLITE_AUTH");
    expect((await run("CREATE TABLE fine (x DEFAULT x'616263')")).result.type).toBe("ok");
  });

  test("ALTER TABLE cannot store a blob literal that is not UTF-8 (every later INSERT would abort the server)", async () => {
    expect((await run("CREATE TABLE b (a)")).result.type).toBe("ok");
    for (const sql of [
      "ALTER TABLE b ADD COLUMN c DEFAULT x'ff'",
      "ALTER TABLE b ADD COLUMN c DEFAULT (x'41ff')",
      "ALTER TABLE b ADD COLUMN c CHECK (c IS NOT x'ff')",
      "ALTER TABLE b ADD COLUMN c AS (x'ff') VIRTUAL",
      "ALTER TABLE b ADD COLUMN c REFERENCES b DEFAULT X'C0'",
    ]) {
      const { result } = await run(sql);
      expect([sql, result.type, result.error?.code]).toEqual([sql, "error", "SQLITE_AUTH"]);
      const insert = await run("INSERT INTO b (a) VALUES (1)");
      expect([sql, insert.result.type]).toEqual([sql, "ok"]);
    }
    expect((await run("ALTER TABLE b ADD COLUMN d DEFAULT x'4142'")).result.type).toBe("ok");
    expect((await run("INSERT INTO b (a) VALUES (2) RETURNING d")).result.response.result.rows[0][0]).toEqual({ type: "blob", base64: "QUI=" });
    expect(srv.server.restarts).toBe(0);
    await run("DROP TABLE b");
  });

  test("PRAGMA integrity_check with a virtual table in the schema is refused, not a crash", async () => {
    expect((await run("CREATE VIRTUAL TABLE rt USING rtree(id, x0, x1)")).result.type).toBe("ok");
    for (const sql of ["PRAGMA integrity_check", "PRAGMA main.quick_check", 'PRAGMA "integrity_check"(rt)', "EXPLAIN PRAGMA integrity_check"]) {
      const { result } = await run(sql);
      expect([sql, result.type, result.error?.code]).toEqual([sql, "error", "SQLITE_AUTH"]);
    }
    expect(srv.server.restarts).toBe(0);
    expect((await run("DROP TABLE rt")).result.type).toBe("ok");
    expect((await run("PRAGMA integrity_check")).result.response.result.rows).toEqual([[{ type: "text", value: "ok" }]]);
  });

  test("a statement nested so that only its EXPLAIN overflows the parser is refused, whatever its columns are named", async () => {
    expect(await run("CREATE TABLE IF NOT EXISTS deep (x)").then((r) => r.result.type)).toBe("ok");
    // Unary minus signs deepen the parse: find the depth at which the statement compiles
    // alone but not behind `EXPLAIN ` (the server's inspection), on this very engine.
    const statement = (depth: number) =>
      `INSERT INTO deep VALUES (1) RETURNING readfile(${q(secretFile)}) AS addr, 0 AS opcode, 0 AS p1, 0 AS p2, 0 AS p3, 0 AS p4, 0 AS p5, ${"- ".repeat(depth)}1 AS comment`;
    const probe = new Database(":memory:");
    probe.exec("CREATE TABLE deep (x)");
    const compiles = (sql: string) => {
      try {
        probe.prepare(sql);
        return true;
      } catch {
        return false;
      }
    };
    let depth = 0;
    while (depth < 1000 && !(compiles(statement(depth)) && !compiles(`EXPLAIN ${statement(depth)}`))) depth++;
    probe.close();
    expect(depth, "a depth where only the EXPLAIN fails to compile").toBeLessThan(1000);
    const { result, text } = await run(statement(depth));
    expect([result.type, result.error?.code]).toEqual(["error", "SQLITE_AUTH"]);
    expectNothingTouched(text);
    // An EXPLAIN of its own is still served.
    expect((await run("EXPLAIN SELECT 1")).result.type).toBe("ok");
  });

  test("the server keeps serving ordinary SQL afterwards, without a restart", async () => {
    expect((await run("SELECT upper('ok') AS v")).result.response.result.rows[0][0].value).toBe("OK");
    expect(srv.server.restarts).toBe(0);
    expect(existsSync(out)).toBe(false);
  });
});

// FTS3/FTS4 call the functions their compress= and uncompress= options name from their own SQL,
// which no inspection of the caller's statement sees; FTS5 does the same with its rank function.
describe("virtual tables that would call functions from their own SQL", () => {
  const fts = (module: string, options: string): string => `CREATE VIRTUAL TABLE vt USING ${module}(x, ${options})`;
  const creates: [string, string][] = [
    ["fts4, plain", fts("fts4", "compress=trim, uncompress=readfile")],
    ["fts4, single-quoted values", fts("fts4", "compress='trim', uncompress='readfile'")],
    ["fts4, double-quoted and bracketed values", fts("fts4", 'compress="trim", uncompress=[readfile]')],
    ["fts4, back-quoted values", fts("fts4", "compress=`trim`, uncompress=`readfile`")],
    ["fts4, upper-case options and module", fts("FTS4", "COMPRESS=trim, UNCOMPRESS=readfile")],
    ["fts4, mixed case", fts("Fts4", "CoMpReSs=trim, unCOMPRESS=readfile")],
    ["fts4, quoted module", fts('"fts4"', "compress=trim, uncompress=readfile")],
    ["fts4, spaced", fts("fts4", "compress = trim , uncompress =  readfile")],
    ["fts4, a comment before the value", fts("fts4", "compress=/* x */trim, uncompress=/* x */readfile")],
    ["fts4, an expression as the function", fts("fts4", "compress=trim, uncompress=readfile(x.'c0x'),upper")],
    ["fts4, sha3_query running stored SQL", fts("fts4", "compress=trim, uncompress=sha3_query")],
    ["fts4, compress alone", fts("fts4", "compress=writefile")],
    ["fts4, uncompress alone", fts("fts4", "uncompress=readfile")],
    ["fts3", fts("fts3", "compress=trim, uncompress=readfile")],
    ["fts3, upper case", fts("FTS3", "COMPRESS=trim, UNCOMPRESS=readfile")],
    ["fts4, IF NOT EXISTS and schema-qualified", "CREATE VIRTUAL TABLE IF NOT EXISTS main.vt USING fts4(x, compress=trim, uncompress=readfile)"],
    // fts5 itself is served under its own rules (test/db/fts5.test.ts): not with these options.
    ["fts5 with an option this server does not know", "CREATE VIRTUAL TABLE vt USING fts5(x, columnz=readfile)"],
    ["fts5, quoted, with content_rowid an expression", "CREATE VIRTUAL TABLE vt USING 'FTS5'(x, content=vt, content_rowid='readfile(x)')"],
    ["fts5vocab", "CREATE VIRTUAL TABLE vt USING fts5vocab(x, row)"],
    ["a module this server does not know", "CREATE VIRTUAL TABLE vt USING some_future_module(x)"],
  ];

  test.each(creates)("%s is refused with SQLITE_AUTH, and nothing is read or written", async (_name, sql) => {
    const { result, text } = await run(sql);
    expect([result.type, result.error?.code]).toEqual(["error", "SQLITE_AUTH"]);
    // Had the table been made, these would read the secret (uncompress=readfile) or write a file.
    const insert = await run("INSERT INTO vt (x) VALUES (?)", [{ type: "text", value: secretFile }]);
    const select = await run("SELECT x FROM vt");
    expect(insert.result.type).toBe("error");
    expect(select.result.type).toBe("error");
    expectNothingTouched(text + insert.text + select.text);
  });

  test("the virtual tables the server does create still work", async () => {
    for (const sql of [
      "CREATE VIRTUAL TABLE ok4 USING fts4(body, tokenize=porter)",
      "CREATE VIRTUAL TABLE ok3 USING fts3(body)",
      "CREATE VIRTUAL TABLE okr USING rtree(id, x0, x1)",
    ]) {
      expect([sql, (await run(sql)).result.type]).toEqual([sql, "ok"]);
    }
    expect((await run("INSERT INTO ok4 (body) VALUES ('running dogs')")).result.type).toBe("ok");
    const found = await run("SELECT body FROM ok4 WHERE ok4 MATCH 'run'");
    expect(found.result.response.result.rows).toEqual([[{ type: "text", value: "running dogs" }]]);
    for (const t of ["ok4", "ok3", "okr"]) expect((await run(`DROP TABLE ${t}`)).result.type).toBe("ok");
  });
});

describe("a database holding such tables from before is not served through them", () => {
  let url: string;
  let stop: () => Promise<void>;
  let restarts: () => number;
  // fts5's rank calls writefile(<its cursor id>, MARK): a file named by a number, in the server's
  // working directory (this one).
  const MARK = `planted-${randomBytes(8).toString("hex")}`;
  const planted = (): string[] =>
    readdirSync(process.cwd()).filter((n) => /^[0-9]+$/.test(n) && statSync(n).isFile() && readFileSync(n, "utf8") === MARK);

  beforeAll(async () => {
    // Made with the engine directly, as a server without the check would have made them.
    const file = join(dir, "old", "old.db");
    mkdirSync(join(dir, "old"));
    const db = new Database(file);
    db.exec("CREATE VIRTUAL TABLE leaky USING fts4(x, compress=trim, uncompress=readfile)");
    db.exec(`INSERT INTO leaky (x) VALUES (${q(secretFile)})`);
    db.exec("CREATE VIRTUAL TABLE through USING fts4(x, content=leaky)");
    db.exec("CREATE VIRTUAL TABLE ranked USING fts5(x)");
    db.exec("INSERT INTO ranked (x) VALUES ('a b c')");
    db.exec(`INSERT INTO ranked (ranked, rank) VALUES ('rank', 'writefile(''${MARK}'')')`);
    db.close();
    const server = await superviseLibsqlServer({ file, port: 0, authToken: TOKEN });
    url = server.url;
    stop = () => server.stop();
    restarts = () => server.restarts;
  });
  afterAll(async () => {
    await stop();
    rmSync(join(dir, "old"), { recursive: true, force: true });
    for (const n of planted()) rmSync(n);
  });

  /** Like expectNothingTouched, for this server's files (its database sits in the same folder). */
  const expectNoLeak = (text: string): void => {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(SECRET).toString("base64").slice(0, 20));
    expect(planted()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["old", "session-secret"]);
  };

  test.each([
    ["reading it", "SELECT x FROM leaky"],
    ["reading it by full-text search", "SELECT x FROM leaky WHERE leaky MATCH 'tmp'"],
    ["reading it through another fts4 table's content=", "SELECT x FROM through"],
    ["writing it", "INSERT INTO leaky (x) VALUES ('more')"],
    ["its special commands", "INSERT INTO leaky (leaky) VALUES ('rebuild')"],
    ["renaming it", "ALTER TABLE leaky RENAME TO other"],
    ["an fts5 table ordered by its stored rank function", "SELECT rowid FROM ranked WHERE ranked MATCH 'a' ORDER BY rank"],
    ["integrity_check", "PRAGMA integrity_check"],
    ["the pragma_integrity_check table", "SELECT * FROM pragma_integrity_check"],
  ])("%s is refused with SQLITE_AUTH", async (_name, sql) => {
    const { result, text } = await run(sql, [], url);
    expect([sql, result.type, result.error?.code]).toEqual([sql, "error", "SQLITE_AUTH"]);
    expectNoLeak(text);
  });

  test("the tables can be dropped, and then virtual tables are served again", async () => {
    for (const sql of ["DROP TABLE leaky", "DROP TABLE ranked"]) expect([sql, (await run(sql, [], url)).result.type]).toEqual([sql, "ok"]);
    // Its content table is gone, so the engine refuses it now, not the server.
    const through = await run("SELECT x FROM through", [], url);
    expect([through.result.type, through.result.error?.code]).toEqual(["error", "SQLITE_ERROR"]);
    for (const sql of ["DROP TABLE through", "CREATE VIRTUAL TABLE fresh USING fts4(x)", "INSERT INTO fresh (x) VALUES ('fine')"]) {
      expect([sql, (await run(sql, [], url)).result.type]).toEqual([sql, "ok"]);
    }
    const rows = await run("SELECT x FROM fresh WHERE fresh MATCH 'fine'", [], url);
    expect(rows.result.response.result.rows).toEqual([[{ type: "text", value: "fine" }]]);
    expect(restarts()).toBe(0);
    expectNoLeak(rows.text + through.text);
  });
});
