import { isUtf8 } from "node:buffer";
import { StmtError } from "./errors.ts";
import { checkRankFilter, fts5ArgumentsRefusal, rankRefusal } from "./fts5.ts";
import { tokenize, type Token } from "./sql.ts";

/**
 * SQL functions this server never runs, by the name SQLite resolved (any quoting, any case): they
 * reach the file system (readfile, writefile, edit, load_extension, the zipfile/sqlar helpers),
 * run SQL text the inspection below cannot see (sha3_query), hand out or take raw pointers
 * (fts3_tokenizer), change or reveal the cipher set-up of this SQLite3MultipleCiphers build
 * (sqlite3mc_*), or attach another file (sqlite_attach is what ATTACH compiles to). Names
 * absent from this build cost nothing and keep a future engine upgrade covered.
 */
export const DENIED_FUNCTIONS: ReadonlySet<string> = new Set([
  "readfile", "writefile", "edit", "lsdir", "load_extension",
  "zipfile", "zipfile_cds", "sqlar_compress", "sqlar_uncompress",
  "sha3_query", "fts3_tokenizer",
  "sqlite3mc_config", "sqlite3mc_config_table", "sqlite3mc_codec_data", "sqlite3mc_version",
  "sqlite_attach",
]);

/**
 * Virtual table modules refused: fsdir lists directories and reads files; sqlite_dbpage reads and
 * writes raw pages of the database file; zipfile (absent from this build) reads archives. A
 * compiled program names a virtual table only by pointer, so these are found as names in the
 * statement's text (see checkText); a view or trigger cannot reach them because the engine marks them
 * direct-only ("unsafe use of virtual table"), and CREATE VIRTUAL TABLE … USING names its module.
 */
export const DENIED_MODULES: ReadonlySet<string> = new Set(["fsdir", "sqlite_dbpage", "zipfile"]);

/**
 * Virtual table modules a client may create (`CREATE VIRTUAL TABLE … USING module`): of the
 * modules this build carries (`PRAGMA module_list`), those whose arguments name no SQL function
 * and whose own SQL runs nothing a caller chose. Checked against SQLite 3.45's sources:
 * - fts3/fts4 build their internal SQL around the functions named by `compress=`/`uncompress=`
 *   (unquoted, so any expression), which then run unchecked on every read and write of the
 *   table: those two options are refused (see {@link virtualTableRefusal}); the others name
 *   columns, tables (quoted) or built-in tokenizers (fts3_tokenizer, the only way to add one, is
 *   denied);
 * - fts4aux and fts3tokenize read an fts table's index or run a tokenizer; rtree, rtree_i32 and
 *   geopoly take column names;
 * - fts5 only with the argument grammar of fts5.ts (columns, built-in tokenizers, a few options;
 *   `content_rowid=`, pasted unquoted into its SQL, only a bare identifier), and only because
 *   its `rank`, which names a function fts5 calls from its own SQL with arguments of the
 *   caller's choosing (a rank of `writefile('…')` wrote a file), is refused in every form: the word
 *   `rank` in any statement, a rank constraint in a compiled program, the shadow tables that
 *   store options (see fts5.ts).
 * Not here, so refused: fts5vocab, which only serves fts5 tables (nothing needs it); dbstat; the
 * denied modules; the eponymous-only ones (json_each, generate_series, carray, sqlite_stmt,
 * vector_top_k: they cannot be created); and whatever a later engine adds.
 */
export const CREATABLE_MODULES: ReadonlySet<string> = new Set(["fts3", "fts4", "fts4aux", "fts3tokenize", "rtree", "rtree_i32", "geopoly", "fts5"]);

/**
 * Why this server would not create the virtual table this statement creates, or undefined (also
 * when it creates none). `text` is a statement, or the CREATE stored in sqlite_schema for an
 * existing table. Refused: a module not in {@link CREATABLE_MODULES} (by its name as SQLite reads
 * it, any quoting), one whose name cannot be read, and any mention of `compress` (which covers
 * `uncompress`) in any casing, spacing or quoting, anywhere in the statement: fts3/fts4 match
 * those option names as plain ASCII letters of an argument, so a statement without the letters
 * cannot set them, and one with them (a column named "compressed", a comment) costs a refusal.
 * An fts5 table's arguments must follow fts5.ts's grammar (fts5ArgumentsRefusal).
 */
export function virtualTableRefusal(text: string, tokens: Token[] = tokenize(text)): string | undefined {
  const at = tokens.findIndex((t, i) => t.upper === "VIRTUAL" && tokens[i - 1]?.upper === "CREATE");
  if (at < 0) return undefined;
  const using = tokens.findIndex((t, i) => i > at && t.upper === "USING");
  const module = using < 0 ? undefined : tokens[using + 1];
  if (module === undefined || (module.kind !== "word" && module.kind !== "ident" && module.kind !== "string")) {
    return "a virtual table whose module cannot be read";
  }
  const name = nameOf(text, module);
  if (!CREATABLE_MODULES.has(name)) return `the ${name} virtual table module`;
  if (text.toLowerCase().includes("compress")) return "the compress and uncompress options of a virtual table (they name SQL functions)";
  if (name === "fts5") return fts5ArgumentsRefusal(text, tokens, using + 2);
  return undefined;
}

/** The module of the virtual table a (stored) CREATE VIRTUAL TABLE names, lower case, or
 * undefined if it creates none or its module cannot be read. */
export function virtualTableModule(text: string, tokens: Token[] = tokenize(text)): string | undefined {
  const at = tokens.findIndex((t, i) => t.upper === "VIRTUAL" && tokens[i - 1]?.upper === "CREATE");
  const using = at < 0 ? -1 : tokens.findIndex((t, i) => i > at && t.upper === "USING");
  const module = using < 0 ? undefined : tokens[using + 1];
  if (module === undefined || (module.kind !== "word" && module.kind !== "ident" && module.kind !== "string")) return undefined;
  return nameOf(text, module);
}

/** The opcodes of a program that uses a virtual table: opens, reads, writes, renames, checks or
 * creates one. Not VBegin (part of any write) nor VDestroy (DROP TABLE), so a table that is no
 * longer allowed can still be dropped. */
const VIRTUAL_TABLE_USE: ReadonlySet<string> = new Set(["VOpen", "VFilter", "VColumn", "VNext", "VUpdate", "VRename", "VCheck", "VInitIn", "VCreate"]);

/**
 * Refuses a program that uses any virtual table while the database holds one this server would
 * not create today (`refusedTables` names them, with any view or trigger this server would not
 * create either; asked only when the program uses a virtual table): one created before that
 * rule, e.g. an fts4 table with `uncompress=readfile` or an fts5 table with a stored rank, would
 * run its functions from its own SQL. A program names a virtual table only by pointer, and one
 * reaches another (fts4's `content=`, the pragma table functions), so any use is refused until
 * such tables are dropped.
 */
export function checkVirtualTableUse(rows: unknown[], refusedTables: () => string[]): void {
  if (!(rows as ExplainRow[]).some((row) => VIRTUAL_TABLE_USE.has(row[1]))) return;
  const refused = refusedTables();
  if (refused.length > 0) {
    throw notAuthorized(`using a virtual table while the database holds ${refused.map((n) => JSON.stringify(n)).join(", ")}, which this server no longer creates (drop it first)`);
  }
}

/**
 * Whether this statement is `PRAGMA integrity_check` or `quick_check` (or an EXPLAIN of one):
 * their program holds a VCheck per virtual table whose operand EXPLAIN shows as the raw bytes of
 * a pointer, which the binding cannot read as text (it aborts the process). Such a statement can
 * be inspected only while the schema has no virtual table (see conn.ts).
 */
export function checksVirtualTables(text: string, tokens: Token[] = tokenize(text)): boolean {
  return tokens.some((t) => t.upper === "PRAGMA") && tokens.some((t) => (t.kind === "word" || t.kind === "ident" || t.kind === "string") && CHECK_PRAGMAS.has(nameOf(text, t)));
}
const CHECK_PRAGMAS: ReadonlySet<string> = new Set(["integrity_check", "quick_check"]);

/** Verbs of statements that only read or write rows: every other statement may store schema
 * (CREATE, ALTER, and whatever else writes sqlite_schema). */
const DATA_VERBS: ReadonlySet<string> = new Set(["SELECT", "VALUES", "WITH", "INSERT", "REPLACE", "UPDATE", "DELETE"]);

/** Whether a statement only reads or writes rows (after EXPLAIN [QUERY PLAN]). */
function isDataStatement(tokens: Token[]): boolean {
  let i = 0;
  if (tokens[0]?.upper === "EXPLAIN") i = tokens[1]?.upper === "QUERY" ? 3 : 1;
  return DATA_VERBS.has(tokens[i]?.upper ?? "");
}

/** The opcode of VACUUM (plain or INTO a file). */
const VACUUM_OPCODES = new Set(["Vacuum"]);

/** Refusal of a statement by this server's policy: SQLITE_AUTH, as an authorizer denial reads. */
export function notAuthorized(what: string): StmtError {
  return new StmtError(`SQLite error: not authorized: ${what} is not allowed on this server`, "SQLITE_AUTH");
}

/** One row of EXPLAIN in raw mode: addr, opcode, p1, p2, p3, p4, p5, comment. */
type ExplainRow = [number, string, unknown, unknown, unknown, unknown, ...unknown[]];

const FUNCTION_P4 = /^([^()]+)\(-?\d+\)$/;

/**
 * Checks the compiled program of a statement (EXPLAIN lists the main program, views expanded
 * into it, and the sub-programs of every trigger it fires): any call of a denied function, a
 * VACUUM, or an fts5 rank constraint (see fts5.ts) refuses it. Throws the SQLITE_AUTH statement
 * error; returns normally when clean.
 */
export function checkProgram(rows: unknown[]): void {
  checkRankFilter(rows, notAuthorized);
  for (const row of rows as ExplainRow[]) {
    const opcode = row[1];
    if (VACUUM_OPCODES.has(opcode)) throw notAuthorized("VACUUM");
    const p4 = row[5];
    if (typeof p4 !== "string") continue;
    const m = FUNCTION_P4.exec(p4);
    if (m !== null && DENIED_FUNCTIONS.has(m[1]!.toLowerCase())) {
      throw notAuthorized(m[1] === "sqlite_attach" ? "ATTACH" : `${m[1]}()`);
    }
  }
}

/** A name as SQLite reads it: quotes of any kind removed, lower case. */
function nameOf(text: string, t: Token): string {
  const raw = text.slice(t.start, t.end);
  return (t.kind === "word" ? raw : raw.slice(1, -1)).toLowerCase();
}

/** The string tokens of blob literals (`x'…'`: a word X right before a string). */
function blobLiterals(tokens: Token[], text: string): Token[] {
  const out: Token[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1]!;
    if (t.kind === "string" && prev.kind === "word" && prev.end === t.start && prev.upper === "X" && text[t.start] === "'") out.push(t);
  }
  return out;
}

/**
 * Checks a statement's text, and returns the text to compile for {@link checkProgram}:
 * - a denied virtual table module named anywhere (any quoting, string literals too: a false
 *   positive costs a refusal, a miss would read the disk) refuses it;
 * - a virtual table this server does not create is refused (see {@link virtualTableRefusal});
 * - the word `rank`, in any quoting or case (string literals too), is refused: it is how fts5's
 *   rank column, option and command are named (see fts5.ts);
 * - a statement that may store schema (anything but a query, INSERT, REPLACE, UPDATE or DELETE:
 *   CREATE, ALTER TABLE … ADD COLUMN …) whose blob literals are not valid UTF-8 is refused: the
 *   binding aborts the process when it reads such bytes, and EXPLAIN shows a blob literal's raw
 *   bytes wherever the schema object is compiled in (a trigger body, a default, a view), so every
 *   later statement that compiles it in (an INSERT into the table) would abort the server;
 * - the statement's own blob literals are emptied in the returned text, for the same reason
 *   (what a program calls does not depend on a literal's bytes).
 */
export function checkText(text: string): string {
  const tokens = tokenize(text);
  for (const t of tokens) {
    if (t.kind === "word" || t.kind === "ident" || t.kind === "string") {
      const name = nameOf(text, t);
      if (DENIED_MODULES.has(name)) throw notAuthorized(`the ${name} virtual table`);
    }
  }
  const vtab = virtualTableRefusal(text, tokens);
  if (vtab !== undefined) throw notAuthorized(vtab);
  const rank = rankRefusal(text, tokens);
  if (rank !== undefined) throw notAuthorized(rank);
  const blobs = blobLiterals(tokens, text);
  if (blobs.length === 0) return text;
  if (!isDataStatement(tokens)) {
    for (const b of blobs) {
      const bytes = Buffer.from(text.slice(b.start + 1, b.end - 1), "hex");
      if (!isUtf8(bytes)) throw notAuthorized("a blob literal that is not UTF-8 in a schema object");
    }
  }
  let out = "";
  let at = 0;
  for (const b of blobs) {
    out += `${text.slice(at, b.start)}''`;
    at = b.end;
  }
  return out + text.slice(at);
}
