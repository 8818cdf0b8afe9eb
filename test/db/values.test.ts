import { randomBytes } from "node:crypto";
import { createClient, type Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { okResult, pipeline, post, startTestServer, stmt, v, type TestServer } from "./helpers.ts";

let srv: TestServer;
let db: Client;

beforeAll(async () => {
  srv = await startTestServer();
  db = createClient({ url: srv.url, intMode: "bigint" });
  await db.execute("CREATE TABLE vals (id INTEGER PRIMARY KEY, v)");
});
afterAll(async () => {
  db.close();
  await srv.stop();
});

/** Stores one protocol value and reads it back through the protocol. */
async function roundTrip(value: unknown): Promise<{ back: any; type: string }> {
  const ans = await pipeline(srv.url, [
    { type: "execute", stmt: stmt("INSERT INTO vals (v) VALUES (?) RETURNING id", [value]) },
    { type: "close" },
  ]);
  const id = okResult(ans).result.rows[0][0].value;
  const sel = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT v, typeof(v) FROM vals WHERE id = ?", [v.int(id)]) }, { type: "close" }]);
  const row = okResult(sel).result.rows[0];
  return { back: row[0], type: row[1].value };
}

describe("every value round-trips exactly", () => {
  test.each(["-9223372036854775808", "9223372036854775807", "0", "-1", "9007199254740993", "-9007199254740993"])("integer %s", async (x) => {
    expect(await roundTrip(v.int(x))).toEqual({ back: { type: "integer", value: x }, type: "integer" });
  });

  test.each([1.5, 1e308, -1e308, 5e-324, -5e-324, 0.1, 123456789.123456789, 2 ** 53 + 2])("float %s", async (x) => {
    expect(await roundTrip(v.float(x))).toEqual({ back: { type: "float", value: x }, type: "real" });
  });

  test("-0.0 and infinities keep their sign and magnitude on the way out", async () => {
    const res = await fetch(`${srv.url}/v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"requests":[{"type":"execute","stmt":{"sql":"SELECT ?, -0.0, 1e308 * 10, -1e308 * 10","args":[{"type":"float","value":-0.0}]}}]}',
    });
    const row = (await res.json()).results[0].response.result.rows[0];
    expect(Object.is(row[0].value, -0)).toBe(true);
    expect(Object.is(row[1].value, -0)).toBe(true);
    expect(row[2].value).toBe(Infinity);
    expect(row[3].value).toBe(-Infinity);
  });

  const texts = {
    empty: "",
    ascii: "hello",
    unicode: "żółć 日本語 עברית 🦄👩‍👩‍👧 e\u0301",
    "NUL in the middle": "a\u0000b",
    "NUL first": "\u0000abc",
    "NUL last": "abc\u0000",
    "only NULs": "\u0000\u0000\u0000",
    "control chars": "\u0001\u0002\u007f\n\r\t",
    "long with NULs": "x\u0000".repeat(50_000),
  };
  test.each(Object.entries(texts))("text: %s", async (_name, x) => {
    expect(await roundTrip(v.text(x))).toEqual({ back: { type: "text", value: x }, type: "text" });
  });

  const blobs = {
    empty: new Uint8Array(0),
    "one zero byte": new Uint8Array([0]),
    "every byte value": Uint8Array.from({ length: 256 }, (_, i) => i),
    "1 MiB random": randomBytes(1024 * 1024),
  };
  test.each(Object.entries(blobs))("blob: %s", async (_name, b) => {
    const { back, type } = await roundTrip(v.blob(b));
    expect(type).toBe("blob");
    expect(Buffer.from(back.base64, "base64").equals(Buffer.from(b))).toBe(true);
  });

  test("a lone surrogate, which no UTF-8 text can hold, is refused like sqld instead of stored as U+FFFD", async () => {
    for (const text of ["\ud800", "a\udfffb", "x\ud83d"]) {
      const ans = await pipeline(srv.url, [{ type: "execute", stmt: stmt("SELECT ?", [v.text(text)]) }, { type: "close" }]);
      expect([ans.status, ans.body.code]).toEqual([400, "JSON_DESERIALIZE"]);
    }
    const err = await db.execute({ sql: "SELECT ?", args: ["\ud800"] }).catch((e: unknown) => e);
    expect(String(err)).toContain("lone surrogate");
    // A whole surrogate pair is ordinary text.
    expect(await roundTrip(v.text("\ud83e\udd84"))).toEqual({ back: { type: "text", value: "\u{1F984}" }, type: "text" });
  });

  test("null", async () => {
    expect(await roundTrip(v.null())).toEqual({ back: { type: "null" }, type: "null" });
  });

  test("text with NUL survives through @libsql/client too, in a WHERE clause and in a batch", async () => {
    const s = "ab\u0000cd\u0000";
    await db.execute({ sql: "INSERT INTO vals (id, v) VALUES (1000, ?)", args: [s] });
    const rs = await db.execute({ sql: "SELECT v, length(CAST(v AS BLOB)) AS n FROM vals WHERE v = ?", args: [s] });
    expect(rs.rows[0]!.v).toBe(s);
    expect(rs.rows[0]!.n).toBe(6n);
    const [b] = await db.batch([{ sql: "SELECT v FROM vals WHERE id = 1000", args: [] }], "read");
    expect(b!.rows[0]!.v).toBe(s);
  });

  test("invalid UTF-8 produced in SQL does not crash the engine; it reads as replacement characters", async () => {
    const rs = await db.execute("SELECT CAST(x'ff61' AS TEXT) AS t, CAST(x'e282' AS TEXT) || 'z' AS u");
    expect(rs.rows[0]!.t).toBe("\ufffda");
    expect(rs.rows[0]!.u).toBe("\ufffdz");
    expect(srv.server.restarts).toBe(0);
  });

  test("booleans and dates arrive as the client encodes them (1/0 and epoch milliseconds)", async () => {
    const when = new Date("2024-02-29T12:34:56.789Z");
    const rs = await db.execute({ sql: "SELECT ? AS t, ? AS f, ? AS d, typeof(?) AS dt", args: [true, false, when, when] });
    expect(rs.rows[0]).toMatchObject({ t: 1n, f: 0n, d: when.getTime(), dt: "real" });
  });
});

describe("parameters", () => {
  const exec = async (sql: string, args: unknown[] = [], named: { name: string; value: unknown }[] = []) =>
    pipeline(srv.url, [{ type: "execute", stmt: { sql, args, named_args: named } }, { type: "close" }]);

  test("positional ?, ?NNN and named :a @a $a (sent without their prefix) bind by their SQLite index", async () => {
    const r = okResult(await exec("SELECT ?, ?3, ?", [v.int(1), v.int(2), v.int(3), v.int(4)])).result.rows[0];
    expect(r.map((x: any) => x.value)).toEqual(["1", "3", "4"]);
    const n = okResult(await exec("SELECT :a, @b, $c, :a", [], [{ name: "a", value: v.text("A") }, { name: "@b", value: v.text("B") }, { name: "c", value: v.text("C") }])).result.rows[0];
    expect(n.map((x: any) => x.value)).toEqual(["A", "B", "C", "A"]);
  });

  test("positional and named arguments can be mixed in one statement", async () => {
    const r = okResult(await exec("SELECT ?1, ?2, :name", [v.int(10), v.int(20)], [{ name: "name", value: v.text("n") }])).result.rows[0];
    expect(r.map((x: any) => x.value)).toEqual(["10", "20", "n"]);
    // As in SQLite, a named parameter takes the next free index, which a later ?NNN may share.
    const shared = okResult(await exec("SELECT ?1, :name, ?2", [v.int(10)], [{ name: "name", value: v.text("n") }])).result.rows[0];
    expect(shared.map((x: any) => x.value)).toEqual(["10", "n", "n"]);
  });

  test("parameters inside strings, quoted identifiers and comments are not parameters", async () => {
    const r = okResult(await exec("SELECT '?:a', \"x?\" , /* ? :a */ ? -- ? @b\n FROM (SELECT 1 AS \"x?\")", [v.int(7)])).result;
    expect(r.rows[0].map((x: any) => x.value)).toEqual(["?:a", "1", "7"]);
  });

  test("too many or missing arguments are ARGS_INVALID errors", async () => {
    const many = await exec("SELECT ?", [v.int(1), v.int(2)]);
    expect(many.body.results[0]).toMatchObject({ type: "error", error: { code: "ARGS_INVALID" } });
    const missing = await exec("SELECT ?, ?", [v.int(1)]);
    expect(missing.body.results[0]).toMatchObject({ type: "error", error: { code: "ARGS_INVALID" } });
    const named = await exec("SELECT :x", [], [{ name: "y", value: v.int(1) }]);
    expect(named.body.results[0]).toMatchObject({ type: "error", error: { code: "ARGS_INVALID" } });
  });

  test.each([
    ["integer given as a JSON number", { type: "integer", value: 5 }],
    ["integer out of 64-bit range", { type: "integer", value: "9223372036854775808" }],
    ["integer that is not decimal", { type: "integer", value: "0x10" }],
    ["float given as a string", { type: "float", value: "1.5" }],
    ["text given as a number", { type: "text", value: 5 }],
    ["blob that is not base64", { type: "blob", base64: "***" }],
    ["unknown value type", { type: "bool", value: true }],
    ["a bare JSON value", 5],
  ])("a wrongly typed value (%s) is refused with 400 and a JSON error", async (_name, bad) => {
    const ans = await post(srv.url, "/v2/pipeline", { baton: null, requests: [{ type: "execute", stmt: { sql: "SELECT ?", args: [bad] } }] });
    expect(ans.status).toBe(400);
    expect(ans.contentType).toBe("application/json");
    expect(ans.body).toMatchObject({ message: expect.any(String), code: expect.any(String) });
  });
});
