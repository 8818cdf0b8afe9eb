import { afterAll, beforeAll, expect, test } from "vitest";
import { okResult, pipeline, startTestServer, stmt, v, type TestServer } from "./helpers.ts";

/** A small seeded PRNG (mulberry32) so a failing run can be replayed with FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const CASES = 700;
const TIME_LIMIT_MS = 25_000;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ busyTimeoutMs: 300, streamIdleMs: 2_000 });
  okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("CREATE TABLE f (id INTEGER PRIMARY KEY, a, b TEXT UNIQUE)") }, { type: "close" }]));
});
afterAll(() => srv.stop());

const SQLS = [
  "SELECT 1", "SELECT ?", "SELECT :a, @b, $c", "SELECT ?1, ?2, ?32766", "SELECT ?0", "SELECT ?99999",
  "INSERT INTO f (a, b) VALUES (?, ?)", "INSERT INTO f (a) VALUES (randomblob(1000)) RETURNING *",
  "UPDATE f SET a = a || 'x' WHERE id % 7 = 0", "DELETE FROM f WHERE id % 11 = 0", "SELECT * FROM f LIMIT 50",
  "SELECT CAST(x'ff00fe' AS TEXT), char(0), zeroblob(100000)", "SELECT abs(-9223372036854775808)",
  "BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SAVEPOINT s", "RELEASE s", "BEGIN TRANSACTION READONLY",
  "PRAGMA foreign_keys = OFF", "PRAGMA journal_mode = DELETE", "VACUUM", "SELECT * FROM nope", "SELEC",
  "", ";", "SELECT 1; SELECT 2", "/* unterminated", "'unterminated", "SELECT " + "(".repeat(2000) + "1" + ")".repeat(2000),
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT count(*) FROM c",
  "CREATE TABLE IF NOT EXISTS g (x)", "DROP TABLE IF EXISTS g", "EXPLAIN SELECT * FROM f", "SELECT \u0000", "SELECT '\ud800'",
];

function value(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 16);
  switch (pick) {
    case 0: return v.null();
    case 1: return v.int(BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 53)) * BigInt(Math.floor(r() * 2 ** 20))));
    case 2: return v.float((r() - 0.5) * 10 ** Math.floor(r() * 600 - 300));
    case 3: return v.text("x\u0000".repeat(Math.floor(r() * 50)) + "\u{1F984}");
    case 4: return v.blob(Buffer.alloc(Math.floor(r() * 5000), Math.floor(r() * 256)));
    case 5: return { type: "integer", value: r() * 100 };
    case 6: return { type: "float", value: "NaN" };
    case 7: return { type: "blob", base64: "!!" };
    case 8: return { type: "text" };
    case 9: return depth < 3 ? [value(r, depth + 1)] : null;
    case 10: return "text";
    case 11: return { type: "integer", value: "99999999999999999999999" };
    case 12: return v.text("y".repeat(Math.floor(r() * 300_000)));
    default: return v.int(Math.floor(r() * 1000));
  }
}

function cond(r: () => number, before: number, depth: number): unknown {
  const k = Math.floor(r() * 8);
  if (depth <= 0 || k < 2) return { type: r() < 0.5 ? "ok" : "error", step: Math.floor(r() * (before + 2)) };
  if (k < 4) return { type: "not", cond: cond(r, before, depth - 1) };
  if (k < 6) return { type: r() < 0.5 ? "and" : "or", conds: Array.from({ length: Math.floor(r() * 4) }, () => cond(r, before, depth - 1)) };
  if (k === 6) return { type: "is_autocommit" };
  return { type: "bogus" };
}

function statement(r: () => number): unknown {
  const s: Record<string, unknown> = { sql: SQLS[Math.floor(r() * SQLS.length)], args: Array.from({ length: Math.floor(r() * 4) }, () => value(r)) };
  if (r() < 0.2) s.named_args = [{ name: ["a", "b", "c", ":a", "zz"][Math.floor(r() * 5)], value: value(r) }];
  if (r() < 0.1) s.sql_id = Math.floor(r() * 5);
  if (r() < 0.05) delete s.sql;
  if (r() < 0.1) s.want_rows = r() < 0.5 ? false : "yes";
  return s;
}

function request(r: () => number): unknown {
  const k = Math.floor(r() * 11);
  switch (k) {
    case 0: return { type: "execute", stmt: statement(r) };
    case 1: {
      const n = Math.floor(r() * 6);
      return { type: "batch", batch: { steps: Array.from({ length: n }, (_, i) => ({ stmt: statement(r), condition: r() < 0.6 ? cond(r, i, Math.floor(r() * 40)) : null })) } };
    }
    case 2: return { type: "sequence", sql: SQLS.slice(0, Math.floor(r() * SQLS.length)).join(";") };
    case 3: return { type: "describe", sql: SQLS[Math.floor(r() * SQLS.length)] };
    case 4: return { type: "store_sql", sql_id: Math.floor(r() * 5), sql: SQLS[Math.floor(r() * SQLS.length)] };
    case 5: return { type: "close_sql", sql_id: Math.floor(r() * 5) };
    case 6: return { type: "get_autocommit" };
    case 7: return { type: "close" };
    case 8: return { type: ["frob", 5, null][Math.floor(r() * 3)] };
    case 9: return value(r);
    default: return { type: "execute", stmt: { sql: "SELECT ?", args: [value(r)] } };
  }
}

/** One hostile HTTP request: raw bytes, broken JSON, or a pipeline of odd requests. */
function hostileBody(r: () => number, batons: string[]): { path: string; body: string | Buffer } {
  const k = Math.floor(r() * 12);
  const path = ["/v2/pipeline", "/v3/pipeline", "/v3/cursor"][Math.floor(r() * 3)]!;
  const baton = r() < 0.3 && batons.length > 0 ? batons[Math.floor(r() * batons.length)] : r() < 0.05 ? "forged" : null;
  if (k === 0) return { path, body: Buffer.from(Array.from({ length: Math.floor(r() * 2000) }, () => Math.floor(r() * 256))) };
  if (k === 1) return { path, body: '{"requests": [' + "{".repeat(Math.floor(r() * 100_000)) };
  if (k === 2) return { path, body: JSON.stringify({ requests: Array.from({ length: 2000 + Math.floor(r() * 3000) }, () => ({ type: "execute", stmt: { sql: "SELECT ?", args: [v.int(1)] } })) }) };
  if (k === 3) {
    let c: unknown = { type: "ok", step: 0 };
    for (let i = 0; i < 100 + Math.floor(r() * 400); i++) c = { type: "not", cond: c };
    return { path, body: JSON.stringify({ baton, requests: [{ type: "batch", batch: { steps: [{ stmt: { sql: "SELECT 1" } }, { stmt: { sql: "SELECT 2" }, condition: c }] } }], batch: { steps: [] } }) };
  }
  if (path === "/v3/cursor") {
    return { path, body: JSON.stringify({ baton, batch: r() < 0.9 ? { steps: Array.from({ length: Math.floor(r() * 5) }, (_, i) => ({ stmt: statement(r), condition: r() < 0.4 ? cond(r, i, 5) : undefined })) } : value(r) }) };
  }
  return { path, body: JSON.stringify({ baton, requests: Array.from({ length: Math.floor(r() * 8) }, () => request(r)) }) };
}

test("the server answers every hostile request with a JSON status below 500 and keeps serving", async () => {
  const r = prng(SEED);
  const started = Date.now();
  const batons: string[] = [];
  const failures: string[] = [];
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < CASES && Date.now() - started < TIME_LIMIT_MS) {
      const n = sent++;
      const { path, body } = hostileBody(r, batons);
      try {
        const res = await fetch(srv.url + path, { method: "POST", body: typeof body === "string" ? body : new Uint8Array(body) });
        const text = await res.text();
        const type = res.headers.get("content-type");
        if (res.status >= 500) failures.push(`#${n} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
        else if (res.status !== 200 && type !== "application/json") failures.push(`#${n}: HTTP ${res.status} with content type ${type}`);
        else if (res.status !== 200) JSON.parse(text);
        else {
          const head = JSON.parse(path === "/v3/cursor" ? text.split("\n")[0]! : text);
          if (typeof head.baton === "string") batons.push(head.baton);
          if (batons.length > 50) batons.shift();
        }
      } catch (e) {
        failures.push(`#${n} ${path}: ${e instanceof Error ? `${e.message} ${String(e.cause)}` : String(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  expect(failures).toEqual([]);
  expect(sent).toBeGreaterThan(200);
  expect(srv.server.restarts).toBe(0);
  const after = okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT count(*) FROM f") }, { type: "close" }]));
  expect(after.result.rows[0][0].type).toBe("integer");
  const jm = okResult(await pipeline(srv.url, [{ type: "execute", stmt: stmt("PRAGMA journal_mode") }, { type: "close" }]));
  expect(jm.result.rows).toEqual([[v.text("wal")]]);
}, 60_000);
