import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { superviseLibsqlServer } from "../../db/server/supervisor.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

// fts5 is served for full-text search (the trigram tokenizer, external content), but never as a
// way to the file system: its rank names a function fts5 runs from its own SQL, its
// content_rowid= is pasted into that SQL, and its shadow tables hold its options (see
// db/server/fts5.ts). Each attack below is refused with SQLITE_AUTH, and neither reads the secret
// nor writes a file.

const TOKEN = "fts5-test-token";
const SECRET = `secret-${randomBytes(16).toString("hex")}`;
const dir = mkdtempSync(join(tmpdir(), "roster-fts5-"));
const secretFile = join(dir, "session-secret");
const out = join(dir, "written");
writeFileSync(secretFile, SECRET, { mode: 0o600 });
// A rank function is called by fts5 as fn(<the table's hidden column>, <its arguments>): with
// writefile, a file named by a number in the server's working directory (this one), holding MARK.
const MARK = `fts5-mark-${randomBytes(8).toString("hex")}`;
const planted = (): string[] =>
  readdirSync(process.cwd()).filter((n) => /^[0-9]+$/.test(n) && statSync(n).isFile() && readFileSync(n, "utf8") === MARK);
const RANK_WRITES = `writefile('${MARK}')`;
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ authToken: TOKEN });
});
afterAll(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
  for (const n of planted()) rmSync(n);
});

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const text = (value: string) => ({ type: "text", value });

/** Runs statements in one /v2/pipeline request; answers each result entry and the raw text. */
async function runAll(stmts: [string, unknown[]?][], url = srv.url): Promise<{ results: any[]; raw: string }> {
  const requests = [...stmts.map(([sql, args = []]) => ({ type: "execute", stmt: { sql, args } })), { type: "close" }];
  const res = await fetch(`${url}/v2/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ baton: null, requests }),
  });
  const raw = await res.text();
  return { results: JSON.parse(raw).results.slice(0, stmts.length), raw };
}

async function run(sql: string, args: unknown[] = [], url = srv.url): Promise<{ result: any; raw: string }> {
  const { results, raw } = await runAll([[sql, args]], url);
  return { result: results[0], raw };
}

/** Runs a statement that must succeed, and answers its rows as plain values. */
async function ok(sql: string, args: unknown[] = [], url = srv.url): Promise<unknown[][]> {
  const { result } = await run(sql, args, url);
  expect([sql, result.type, result.error]).toEqual([sql, "ok", undefined]);
  return result.response.result.rows.map((row: any[]) => row.map((c) => c.value ?? null));
}

/** Asserts an answer carries no secret, no file was written, and the server did not restart. */
function expectNothingTouched(raw: string): void {
  expect(raw).not.toContain(SECRET);
  expect(raw).not.toContain(Buffer.from(SECRET).toString("base64").slice(0, 20));
  expect(readdirSync(dir).filter((n) => n !== "old").sort()).toEqual(["session-secret"]);
  expect(planted()).toEqual([]);
}

/** Runs a statement that must be refused by the server's policy, and checks nothing was touched. */
async function refused(sql: string, args: unknown[] = [], url = srv.url): Promise<string> {
  const { result, raw } = await run(sql, args, url);
  expect([sql, result.type, result.error?.code]).toEqual([sql, "error", "SQLITE_AUTH"]);
  expectNothingTouched(raw);
  return result.error.message as string;
}

/** The keys of an fts5 table's _config, read straight from the file (never through the server). */
function configKeys(table: string): string[] {
  const db = new Database(srv.file, { readonly: true });
  try {
    return db.prepare(`SELECT k FROM "${table}_config" ORDER BY k`).raw().all().map((r) => String((r as unknown[])[0]));
  } finally {
    db.close();
  }
}

describe("fts5 for member search works through the server", () => {
  test("trigram search over an external-content table, kept up to date by triggers", async () => {
    await ok("CREATE TABLE memberships (id INTEGER PRIMARY KEY, name TEXT, email TEXT, title TEXT, username TEXT)");
    await ok(
      "CREATE VIRTUAL TABLE member_search USING fts5(name, email, title, username, content='memberships', content_rowid='rowid', tokenize='trigram')",
    );
    const cols = "name, email, title, username";
    const news = "new.name, new.email, new.title, new.username";
    const olds = "old.name, old.email, old.title, old.username";
    await ok(`CREATE TRIGGER memberships_ai AFTER INSERT ON memberships BEGIN INSERT INTO member_search(rowid, ${cols}) VALUES (new.rowid, ${news}); END`);
    await ok(
      `CREATE TRIGGER memberships_ad AFTER DELETE ON memberships BEGIN INSERT INTO member_search(member_search, rowid, ${cols}) VALUES ('delete', old.rowid, ${olds}); END`,
    );
    await ok(
      `CREATE TRIGGER memberships_au AFTER UPDATE ON memberships BEGIN INSERT INTO member_search(member_search, rowid, ${cols}) VALUES ('delete', old.rowid, ${olds}); INSERT INTO member_search(rowid, ${cols}) VALUES (new.rowid, ${news}); END`,
    );
    const insert = "INSERT INTO memberships (id, name, email, title, username) VALUES (?, ?, ?, ?, ?)";
    await ok(insert, [text("1"), text("Alice Martin"), text("alice@example.com"), text("Engineer"), text("amartin")]);
    await ok(insert, [text("2"), text("Bob Stone"), text("bob@example.org"), text("Designer"), text("bstone")]);
    await ok(insert, [text("3"), text("Carla Martinez"), text("carla@example.com"), text("Manager"), text("cmz")]);

    const match = "SELECT rowid FROM member_search WHERE member_search MATCH ? ORDER BY rowid";
    expect(await ok(match, [text('"artin"')])).toEqual([["1"], ["3"]]);
    expect(await ok(match, [text('"example.org"')])).toEqual([["2"]]);
    expect(await ok(match, [text('title:"sign"')])).toEqual([["2"]]);
    const like = "SELECT rowid FROM member_search WHERE name LIKE ? OR email LIKE ? ORDER BY rowid";
    expect(await ok(like, [text("%stone%"), text("%stone%")])).toEqual([["2"]]);
    expect(await ok(like, [text("%zzz%"), text("%carla@%")])).toEqual([["3"]]);
    // bm25() and highlight() are fts5's own functions, called in the caller's program.
    expect(await ok("SELECT highlight(member_search, 0, '[', ']') FROM member_search WHERE member_search MATCH ? ORDER BY bm25(member_search), rowid", [text('"Bob"')])).toEqual([
      ["[Bob] Stone"],
    ]);

    await ok("UPDATE memberships SET name = ? WHERE id = 2", [text("Robert Stone")]);
    expect(await ok(match, [text('"Robert"')])).toEqual([["2"]]);
    expect(await ok(match, [text('"Bob S"')])).toEqual([]);
    await ok("DELETE FROM memberships WHERE id = 1");
    expect(await ok(match, [text('"artin"')])).toEqual([["3"]]);

    // Rebuilt from the content table after rows changed behind the index's back.
    await ok("DROP TRIGGER memberships_ai");
    await ok(insert, [text("4"), text("Dana Martin"), text("dana@example.com"), text("Engineer"), text("dmartin")]);
    expect(await ok(match, [text('"Dana"')])).toEqual([]);
    await ok("INSERT INTO member_search(member_search) VALUES ('rebuild')");
    expect(await ok(match, [text('"Dana"')])).toEqual([["4"]]);
    await ok("INSERT INTO member_search(member_search) VALUES ('optimize')");
    await ok("INSERT INTO member_search(member_search) VALUES ('integrity-check')");
    expect(await ok(match, [text('"artin"')])).toEqual([["3"], ["4"]]);
    expect(configKeys("member_search")).toEqual(["version"]);
    expect(srv.server.restarts).toBe(0);
  });

  test("a 'delete' with values that were never indexed leaves a wrong index, not a crashed server, and 'rebuild' mends it", async () => {
    await ok(`INSERT INTO member_search(member_search, rowid, name, email, title, username) VALUES ('delete', 3, ?, ?, ?, ?)`, [
      text("Zed Zulu"),
      text("zz@example.net"),
      text("Nobody"),
      text("zz"),
    ]);
    // fts5 answers what its index now says, or SQLITE_CORRUPT_VTAB: either way the server lives.
    const { result } = await run("SELECT rowid FROM member_search WHERE member_search MATCH ?", [text('"Zulu"')]);
    expect(["ok", "error"]).toContain(result.type);
    await ok("INSERT INTO member_search(member_search) VALUES ('rebuild')");
    await ok("INSERT INTO member_search(member_search) VALUES ('integrity-check')");
    expect(await ok("SELECT rowid FROM member_search WHERE member_search MATCH ? ORDER BY rowid", [text('"artin"')])).toEqual([["3"], ["4"]]);
    expect(srv.server.restarts).toBe(0);
  });

  test.each([
    ["unicode61 with its arguments", "fts5(a, b UNINDEXED, tokenize = \"unicode61 remove_diacritics 2 tokenchars '-_'\")"],
    ["unicode61 categories", "fts5(a, tokenize = 'unicode61 categories ''L* N*''')"],
    ["porter over ascii", "fts5(a, tokenize = 'porter ascii')"],
    ["porter alone, bare", "fts5(a, tokenize = porter)"],
    ["trigram, case-sensitive", "fts5(a, tokenize = 'trigram case_sensitive 1')"],
    ["quoted column names", "fts5(\"a\", [b], `c`, 'd')"],
    ["contentless, with contentless_delete", "fts5(a, content='', contentless_delete=1)"],
    ["detail, columnsize and prefix", "fts5(a, detail=column, columnsize=0, prefix='2 3')"],
  ])("%s can be created, used and dropped", async (_name, args) => {
    await ok(`CREATE VIRTUAL TABLE made USING ${args}`);
    await ok("INSERT INTO made (rowid, a) VALUES (1, 'running foxes')");
    expect((await ok("SELECT rowid FROM made WHERE made MATCH ?", [text('"fox"')])).length).toBeLessThanOrEqual(1);
    await ok("DROP TABLE made");
  });
});

describe("fts5's rank is refused in every form", () => {
  beforeAll(async () => {
    await ok("CREATE VIRTUAL TABLE ft USING fts5(x)");
    await ok("INSERT INTO ft (x) VALUES ('a b c'), ('a d')");
    await ok("CREATE TABLE sink (k, v)");
  });

  test.each<[string, string, unknown[]]>([
    ["rank MATCH with a bound value", "SELECT rowid FROM ft WHERE ft MATCH 'a' AND rank MATCH ? ORDER BY rank", [text(RANK_WRITES)]],
    ["rank MATCH with a literal", `SELECT rowid FROM ft WHERE ft MATCH 'a' AND rank MATCH ${q(RANK_WRITES)} ORDER BY rank`, []],
    ["rank = ?", "SELECT rowid FROM ft WHERE ft MATCH 'a' AND rank = ? ORDER BY rank", [text(RANK_WRITES)]],
    ["rank IN (?)", "SELECT rowid FROM ft WHERE ft MATCH 'a' AND rank IN (?) ORDER BY rank", [text(RANK_WRITES)]],
    ['"rank", double-quoted', 'SELECT rowid FROM ft WHERE ft MATCH \'a\' AND "rank" MATCH ? ORDER BY "rank"', [text(RANK_WRITES)]],
    ["[RANK], bracketed, upper case", "SELECT rowid FROM ft WHERE ft MATCH 'a' AND [RANK] MATCH ? ORDER BY [RANK]", [text(RANK_WRITES)]],
    ["`Rank`, back-quoted, mixed case", "SELECT rowid FROM ft WHERE ft MATCH 'a' AND `Rank` MATCH ? ORDER BY ft.`Rank`", [text(RANK_WRITES)]],
    ["the table-valued form with a rank argument", "SELECT rowid FROM ft('a', ?) ORDER BY rank", [text(RANK_WRITES)]],
    ["the table-valued form with a literal rank argument", `SELECT rowid FROM main.ft('a', ${q(RANK_WRITES)}) ORDER BY rank`, []],
    ["the table-valued form, without the word rank", "SELECT rowid FROM ft('a', ?)", [text(RANK_WRITES)]],
    ["the table-valued form, in a subquery", "SELECT (SELECT count(*) FROM ft(?, ?)) AS n", [text("a"), text(RANK_WRITES)]],
    ["setting the rank option", `INSERT INTO ft(ft, rank) VALUES ('rank', ${q(RANK_WRITES)})`, []],
    ["setting the rank option, bound and quoted", "INSERT INTO ft(ft, 'rank') VALUES (?, ?)", [text("rank"), text(RANK_WRITES)]],
    ["setting the rank option by UPDATE", "UPDATE ft SET ft = ?, \"RANK\" = ?", [text("rank"), text(RANK_WRITES)]],
    ["the word as a string literal (the command's name)", "INSERT INTO sink (k, v) VALUES ('rank', ?)", [text(RANK_WRITES)]],
    ["a view reading the rank", "CREATE VIEW ranked AS SELECT rowid, rank FROM ft", []],
    ["a trigger setting the rank", `CREATE TRIGGER arm AFTER INSERT ON sink BEGIN INSERT INTO ft(ft, rank) VALUES ('rank', new.v); END`, []],
  ])("%s", async (_name, sql, args) => {
    await refused(sql, args);
    // Whatever was refused, the table still answers, with its default ranking only.
    expect(await ok("SELECT rowid FROM ft WHERE ft MATCH 'a' ORDER BY bm25(ft), rowid")).toHaveLength(2);
    expect(configKeys("ft")).toEqual(["version"]);
  });

  test("a table-valued call with a rank argument, hidden in a view, is refused when the view is read", async () => {
    await ok(`CREATE VIEW tv AS SELECT rowid AS id FROM ft('a', ${q(RANK_WRITES)})`);
    await refused("SELECT id FROM tv");
    await refused("SELECT (SELECT id FROM tv LIMIT 1) AS x");
    await ok("DROP VIEW tv");
  });

  test("the server keeps serving without a restart", async () => {
    expect(await ok("SELECT count(*) FROM ft WHERE ft MATCH 'a'")).toEqual([["2"]]);
    expect(srv.server.restarts).toBe(0);
  });
});

describe("fts5's shadow tables are out of reach", () => {
  beforeAll(async () => {
    await ok("CREATE VIRTUAL TABLE sh USING fts5(x)");
    await ok("INSERT INTO sh (x) VALUES ('one two'), ('two three')");
    await ok("CREATE TABLE IF NOT EXISTS feed (k, v)");
  });
  const rankRow = [text("rank"), text(RANK_WRITES)];

  test.each<[string, string, unknown[]]>([
    ["an INSERT into _config", "INSERT INTO sh_config VALUES (?, ?)", rankRow],
    ["double-quoted, upper case", 'INSERT INTO "SH_CONFIG"(k, v) VALUES (?, ?)', rankRow],
    ["bracketed and schema-qualified", "INSERT INTO main.[sh_config] VALUES (?, ?)", rankRow],
    ["back-quoted and quoted schema", 'REPLACE INTO "main".`Sh_Config` VALUES (?, ?)', rankRow],
    ["a string literal as the table name", "INSERT INTO 'sh_config' VALUES (?, ?)", rankRow],
    ["an UPDATE of _config", "UPDATE sh_config SET k = ?, v = ?", rankRow],
    ["reading _config", "SELECT k, v FROM sh_config", []],
    ["a trigger writing _config", "CREATE TRIGGER feed_cfg AFTER INSERT ON feed BEGIN INSERT INTO sh_config VALUES (new.k, new.v); END", []],
    ["a view over _config", "CREATE VIEW cfg AS SELECT k, v FROM sh_config", []],
    ["an INSERT into _data (corrupting the index)", "INSERT OR REPLACE INTO sh_data VALUES (?, x'00ff00ff')", [text("10")]],
    ["a DELETE from _idx", "DELETE FROM sh_idx", []],
    ["an UPDATE of _content", "UPDATE sh_content SET c0 = 'x'", []],
    ["dropping _docsize", "DROP TABLE sh_docsize", []],
    ["renaming _data", "ALTER TABLE sh_data RENAME TO other", []],
    ["an index on _idx", "CREATE INDEX sneaky ON sh_idx(term)", []],
  ])("%s is refused", async (_name, sql, args) => {
    await refused(sql, args);
    expect(await ok("SELECT rowid FROM sh WHERE sh MATCH 'two' ORDER BY rowid")).toEqual([["1"], ["2"]]);
    expect(configKeys("sh")).toEqual(["version"]);
  });

  test("a trigger written before the table existed cannot write its _config", async () => {
    await ok("CREATE TRIGGER feed_late AFTER INSERT ON feed BEGIN INSERT INTO late_config VALUES (new.k, new.v); END");
    await ok("CREATE VIRTUAL TABLE late USING fts5(x)");
    await ok("INSERT INTO late (x) VALUES ('a b')");
    await refused("INSERT INTO feed VALUES (?, ?)", rankRow);
    expect(configKeys("late")).toEqual(["version"]);
    await ok("DROP TRIGGER feed_late");
    await ok("INSERT INTO feed VALUES (?, ?)", rankRow.slice(0, 1).concat([text("harmless")]));
  });

  test("a view with an INSTEAD OF trigger written before the table existed cannot write its _config", async () => {
    await ok("CREATE VIEW settings AS SELECT 1 AS k, 2 AS v");
    await refused("CREATE TRIGGER settings_w INSTEAD OF INSERT ON settings BEGIN INSERT INTO sh_config VALUES (new.k, new.v); END");
    await ok("CREATE TRIGGER settings_w INSTEAD OF INSERT ON settings BEGIN INSERT INTO later_config VALUES (new.k, new.v); END");
    await ok("CREATE VIRTUAL TABLE later USING fts5(x)");
    await refused("INSERT INTO settings VALUES (?, ?)", rankRow);
    expect(configKeys("later")).toEqual(["version"]);
  });

  test("a view written before the table existed cannot read or corrupt its index", async () => {
    await ok("CREATE VIEW blocks AS SELECT id, block FROM early_data");
    await ok("CREATE TRIGGER blocks_w INSTEAD OF INSERT ON blocks BEGIN INSERT OR REPLACE INTO early_data VALUES (new.id, new.block); END");
    await ok("CREATE VIRTUAL TABLE early USING fts5(x)");
    await ok("INSERT INTO early (x) VALUES ('a b')");
    await refused("SELECT count(*) FROM blocks");
    await refused("INSERT INTO blocks VALUES (10, x'00ff00ff00ff')");
    expect(await ok("SELECT rowid FROM early WHERE early MATCH 'a'")).toEqual([["1"]]);
  });

  test("renaming the table keeps its shadow tables guarded under their new names", async () => {
    await ok("CREATE VIRTUAL TABLE torename USING fts5(x)");
    await ok("ALTER TABLE torename RENAME TO renamed");
    // The old names are gone (the engine's error, not the server's).
    expect((await run("INSERT INTO torename_config VALUES (?, ?)", rankRow)).result.error?.code).toBe("SQLITE_ERROR");
    await refused("INSERT INTO renamed_config VALUES (?, ?)", rankRow);
    expect(configKeys("renamed")).toEqual(["version"]);
  });

  test("the server keeps serving without a restart", async () => {
    expect(srv.server.restarts).toBe(0);
  });
});

describe("fts5 is created only from its documented, harmless arguments", () => {
  beforeAll(async () => {
    await ok("CREATE TABLE IF NOT EXISTS src (x)");
    await ok("INSERT INTO src (x) VALUES ('some text')");
  });

  const writes = `writefile(${q(out)}, 'x')`;
  test.each([
    ["content_rowid reading a file", `fts5(x, content='src', content_rowid=${q(`readfile(${q(secretFile)})`)})`],
    ["content_rowid writing a file", `fts5(x, content='src', content_rowid=${q(writes)})`],
    ["content_rowid closing the statement", `fts5(x, content='src', content_rowid="x) FROM src; --")`],
    ["content_rowid as an expression in brackets", `fts5(x, content='src', content_rowid=[${writes}])`],
    ["content naming a subquery", "fts5(x, content='(SELECT 1)')"],
    ["a rank option", `fts5(x, rank=${q(writes)})`],
    ["an unknown option", "fts5(x, columns='a')"],
    ["an option of a later engine", "fts5(x, tokendata=1)"],
    ["a quoted option name", `fts5(x, "content"='src')`],
    ["an unknown tokenizer", "fts5(x, tokenize='snowball')"],
    ["a tokenizer registered by name", "fts5(x, tokenize='unicode62')"],
    ["an unknown tokenizer argument", "fts5(x, tokenize='trigram foo 1')"],
    ["a tokenizer argument out of range", "fts5(x, tokenize='unicode61 remove_diacritics 3')"],
    ["porter over porter", "fts5(x, tokenize='porter porter')"],
    ["detail with an unknown value", "fts5(x, detail=some)"],
    ["a column option other than UNINDEXED", "fts5(x PRIMARY)"],
    ["a column that is not an identifier", "fts5('x y')"],
    ["a comment hiding an argument", "fts5(x /* , content_rowid='readfile(x)' */)"],
    ["parentheses in an argument", "fts5(x, tokenize=(trigram))"],
    ["no arguments", "fts5"],
    ["fts5vocab", "fts5vocab(src, row)"],
  ])("%s is refused", async (_name, args) => {
    await refused(`CREATE VIRTUAL TABLE vt USING ${args}`);
    // Had it been made, these would run its SQL.
    const { results, raw } = await runAll([["INSERT INTO vt(vt) VALUES ('rebuild')"], ["SELECT * FROM vt"], ["SELECT * FROM vt WHERE vt MATCH 'text'"]]);
    expect(results.map((r) => r.type)).toEqual(["error", "error", "error"]);
    expectNothingTouched(raw);
  });
});

describe("a database holding an fts5 table this server would not create is not served", () => {
  let url: string;
  let stop: () => Promise<void>;
  let restarts: () => number;

  beforeAll(async () => {
    // Made with the engine directly, as an older server (or another tool) could have made them.
    mkdirSync(join(dir, "old"));
    const file = join(dir, "old", "old.db");
    const db = new Database(file);
    db.exec("CREATE VIRTUAL TABLE fine USING fts5(x)");
    db.exec("INSERT INTO fine (x) VALUES ('a b c')");
    db.exec("CREATE VIRTUAL TABLE ranked USING fts5(x)");
    db.exec("INSERT INTO ranked (x) VALUES ('a b c')");
    db.exec(`INSERT INTO ranked (ranked, rank) VALUES ('rank', ${q(RANK_WRITES)})`);
    db.exec("CREATE VIRTUAL TABLE shouty USING fts5(x)");
    db.exec(`INSERT INTO shouty_config VALUES ('RANK', ${q(RANK_WRITES)})`);
    db.exec("CREATE TABLE src (x)");
    db.exec("INSERT INTO src (x) VALUES ('a b c')");
    db.exec(`CREATE VIRTUAL TABLE injected USING fts5(x, content='src', content_rowid=${q(`writefile(${q(out)}, 'x')`)})`);
    // A trigger that would set the sound table's rank (this server refuses to make one).
    db.exec(`CREATE TRIGGER arm AFTER INSERT ON src BEGIN INSERT INTO fine(fine, rank) VALUES ('rank', ${q(RANK_WRITES)}); END`);
    db.close();
    const server = await superviseLibsqlServer({ file, port: 0, authToken: TOKEN });
    url = server.url;
    stop = () => server.stop();
    restarts = () => server.restarts;
  });
  afterAll(async () => {
    await stop();
    rmSync(join(dir, "old"), { recursive: true, force: true });
  });

  test("ordered by its stored rank is refused", async () => {
    await refused("SELECT rowid FROM ranked WHERE ranked MATCH 'a' ORDER BY rank", [], url);
  });

  test.each([
    ["searched without the word rank", "SELECT rowid FROM ranked WHERE ranked MATCH 'a'"],
    ["a table whose upper-case RANK key fts5 reads as its rank", "SELECT rowid FROM shouty WHERE shouty MATCH 'a'"],
    ["a table whose content_rowid writes a file", "SELECT * FROM injected"],
    ["rebuilding it", "INSERT INTO injected(injected) VALUES ('rebuild')"],
    ["a sound table beside them", "SELECT rowid FROM fine WHERE fine MATCH 'a'"],
    ["firing a trigger that sets its rank", "INSERT INTO src (x) VALUES ('d e f')"],
  ])("%s is refused", async (_name, sql) => {
    const message = await refused(sql, [], url);
    for (const name of ["ranked", "shouty", "injected", "arm"]) expect(message).toContain(`"${name}"`);
    expect(message).not.toContain('"fine"');
  });

  test("once they are dropped, the sound one is served", async () => {
    for (const t of ["ranked", "shouty", "injected"]) await ok(`DROP TABLE ${t}`, [], url);
    await refused("SELECT rowid FROM fine WHERE fine MATCH 'a'", [], url);
    await ok("DROP TRIGGER arm", [], url);
    expect(await ok("SELECT rowid FROM fine WHERE fine MATCH 'a'", [], url)).toEqual([["1"]]);
    expect(restarts()).toBe(0);
    expectNothingTouched("");
  });
});
