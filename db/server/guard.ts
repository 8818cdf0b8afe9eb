import { isUtf8 } from "node:buffer";
import { StmtError } from "./errors.ts";
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
 * into it, and the sub-programs of every trigger it fires): any call of a denied function, or a
 * VACUUM, refuses it. Throws the SQLITE_AUTH statement error; returns normally when clean.
 */
export function checkProgram(rows: unknown[]): void {
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
 * - a CREATE whose blob literals are not valid UTF-8 is refused: the binding aborts the process
 *   when it reads such bytes, and EXPLAIN shows a blob literal's raw bytes wherever the schema
 *   object is compiled in (a trigger body, a default, a view), so it could never be inspected;
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
  const blobs = blobLiterals(tokens, text);
  if (blobs.length === 0) return text;
  if (tokens.some((t) => t.upper === "CREATE")) {
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
