import { describe, expect, test } from "vitest";
import { classify } from "../../db/server/classify.ts";
import { paramsOf, splitStatements, tokenize } from "../../db/server/sql.ts";

const one = (sql: string) => {
  const pieces = splitStatements(sql);
  expect(pieces).toHaveLength(1);
  return classify(pieces[0]!);
};

describe("statement splitting", () => {
  test("splits at top-level semicolons only, dropping empty statements", () => {
    const sql = "SELECT ';'; ; -- x;y\n SELECT \"a;b\" /* ; */ FROM [c;d]; SELECT `e;f`;;";
    expect(splitStatements(sql).map((p) => p.text)).toEqual(["SELECT ';'", 'SELECT "a;b" /* ; */ FROM [c;d]', "SELECT `e;f`"]);
  });

  test("keeps a trigger body with CASE … END in one statement", () => {
    const sql = "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN 2 END; UPDATE y SET a = 1; END; SELECT 1";
    expect(splitStatements(sql).map((p) => p.text)).toEqual([sql.slice(0, sql.indexOf("END; SELECT") + 3), "SELECT 1"]);
  });

  test("unterminated strings and comments never throw", () => {
    for (const sql of ["'abc", '"abc', "/* abc", "[abc", "`abc", "-- abc", "x'ff", "?", ":", "$a(", "#"]) expect(() => splitStatements(sql)).not.toThrow();
  });
});

describe("parameter numbering follows SQLite", () => {
  const params = (sql: string) => paramsOf(sql, tokenize(sql));
  test.each([
    ["SELECT ?, ?, ?", 3, [null, null, null]],
    ["SELECT ?2, ?", 3, [null, "?2", null]],
    ["SELECT :a, :a, @a, $a", 3, [":a", "@a", "$a"]],
    ["SELECT ?1, :a, ?2", 2, ["?1", ":a"]],
    ["SELECT ?5", 5, [null, null, null, null, "?5"]],
    ["SELECT $a::b(c), $x", 2, ["$a::b(c)", "$x"]],
    ["SELECT ':a', \"?\", [?], `?` -- ?\n", 0, []],
  ])("%s", (sql, count, names) => {
    expect(params(sql)).toEqual({ count, names });
  });
});

describe("classification", () => {
  test("affected rows and rowids are reported for DML only, also behind WITH and EXPLAIN", () => {
    expect(one("INSERT INTO t VALUES (1)")).toMatchObject({ isIud: true, isInsert: true, isQuery: false });
    expect(one("REPLACE INTO t VALUES (1)")).toMatchObject({ isIud: true, isInsert: true });
    expect(one("WITH x AS (SELECT 1) UPDATE t SET a = (SELECT * FROM x)")).toMatchObject({ isIud: true, isInsert: false, verb: "UPDATE" });
    expect(one("WITH x AS (SELECT (1)) SELECT * FROM x")).toMatchObject({ isIud: false, isQuery: true });
    expect(one("EXPLAIN INSERT INTO t VALUES (1)")).toMatchObject({ isIud: false, isExplain: true, isReadonly: true });
    expect(one("CREATE TABLE t (x)")).toMatchObject({ isIud: false, mayWrite: true, isReadonly: false });
  });

  test("BEGIN TRANSACTION READONLY is recognised; sqld's unsupported statements are flagged", () => {
    expect(one("begin transaction readonly")).toMatchObject({ beginsReadonly: true, isTxnControl: true });
    expect(one("BEGIN IMMEDIATE")).toMatchObject({ beginsReadonly: false, isReadonly: false });
    expect(one("PRAGMA foreign_keys = off").refused).toBeUndefined();
    expect(one("PRAGMA main.table_info(t)").refused).toBeUndefined();
    expect(one("PRAGMA journal_mode").refused).toBeUndefined();
    expect(one("PRAGMA journal_mode = delete").refused).toContain("journal_mode");
    expect(one("CREATE TEMPORARY VIEW v AS SELECT 1").refused).toBeDefined();
  });
});
