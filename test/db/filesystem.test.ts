import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
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
async function send(path: string, body: unknown): Promise<string> {
  const res = await fetch(srv.url + path, {
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
async function run(sql: string, args: unknown[] = []): Promise<{ result: any; text: string }> {
  const text = await send("/v2/pipeline", { baton: null, requests: [{ type: "execute", stmt: { sql, args } }, { type: "close" }] });
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

  test("the server keeps serving ordinary SQL afterwards, without a restart", async () => {
    expect((await run("SELECT upper('ok') AS v")).result.response.result.rows[0][0].value).toBe("OK");
    expect(srv.server.restarts).toBe(0);
    expect(existsSync(out)).toBe(false);
  });
});
