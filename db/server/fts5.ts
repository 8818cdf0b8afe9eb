import type { Token } from "./sql.ts";

/**
 * The rules that let a client create and use fts5 tables (full-text search, e.g. with the trigram
 * tokenizer) without reaching the file system through them. Checked against SQLite 3.45's
 * sources (ext/fts5), these are the ways fts5 runs SQL of a caller's choosing from its own
 * statements, which the inspection of the caller's program (guard.ts) never sees:
 * - its `rank`: `rank MATCH 'fn(args)'`, `rank = ?`, the second argument of a table-valued call
 *   (`ft('query', 'fn(args)')`), and the table's stored rank option (`INSERT INTO ft(ft, rank)
 *   VALUES('rank', …)`, or a row `rank` in its `<name>_config` shadow table) name a function,
 *   any SQL function and not only fts5's own, that fts5 pastes with its literal arguments into
 *   a statement of its own (`… ORDER BY fn("t", args)`): a rank of `writefile('…')` writes a
 *   file;
 * - its `content_rowid=` option, pasted unquoted into its internal SQL (`content=` and column
 *   names are quoted);
 * - its shadow tables (`<name>_config`, `_data`, `_idx`, `_content`, `_docsize`): a write to
 *   `_config` sets options (the rank among them), a write to the others corrupts the index that
 *   fts5 then parses.
 * So this server:
 * - creates an fts5 table only from a strict argument grammar ({@link fts5ArgumentsRefusal});
 * - refuses every statement with the word `rank` in it, in any quoting or case, string literals
 *   included ({@link rankRefusal}): the hidden column, the option and its command are all
 *   spelled so. The cost is a false positive on a literal 'rank' (a client binds values as
 *   parameters) and on the `rank()` window function;
 * - refuses any program whose virtual-table filter passes fts5 a rank constraint
 *   ({@link checkRankFilter}): what the table-valued form compiles to, whatever the spelling;
 * - refuses every statement naming a shadow table of an existing fts5 table
 *   ({@link shadowTableRefusal}), and any program that opens, clears or drops one
 *   ({@link checkShadowPages}: a trigger or view written before the table existed names it
 *   where no text check of a later statement sees it);
 * - does not serve virtual tables while the database holds an fts5 table it would not create,
 *   or one whose `_config` holds anything but fts5's integer settings ({@link configRefusal},
 *   wired in conn.ts like fts4's `uncompress=`).
 */

/** The shadow tables fts5 keeps for a table `t`, as `t_<suffix>`. */
export const FTS5_SHADOW_SUFFIXES: readonly string[] = ["config", "data", "idx", "content", "docsize"];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A token's text with its quotes removed as fts5's own dequoting does (a doubled quote
 * character stands for one; brackets have no escape), case kept. */
function unquoted(text: string, t: Token): string {
  const raw = text.slice(t.start, t.end);
  if (t.kind !== "string" && t.kind !== "ident") return raw;
  const q = raw[0]!;
  const inner = raw.slice(1, -1);
  return q === "[" ? inner : inner.replaceAll(q + q, q);
}

/** A name as SQLite compares it (any quoting, lower case), or undefined for other tokens. */
function nameOf(text: string, t: Token): string | undefined {
  if (t.kind !== "word" && t.kind !== "ident" && t.kind !== "string") return undefined;
  return unquoted(text, t).toLowerCase();
}

/**
 * Why this server would not create an fts5 table with these arguments: `tokens[open]` is the `(`
 * after `USING fts5`. Each argument is a column (an identifier, bare or quoted, optionally
 * followed by UNINDEXED) or `option = value` with a bare option name from this whitelist:
 * - tokenize: a built-in tokenizer (trigram, unicode61, ascii, porter) with its documented
 *   simple arguments ({@link tokenizeRefusal});
 * - content: an identifier or the empty string (contentless); content_rowid: a bare identifier
 *   (fts5 pastes it into its SQL unquoted);
 * - detail (full, column, none), columnsize and contentless_delete (0 or 1), prefix (numbers).
 * No comment, parenthesis or anything after the closing parenthesis; tokens only whitespace
 * apart, so what fts5 reads is what was checked.
 */
export function fts5ArgumentsRefusal(text: string, tokens: Token[], open: number): string | undefined {
  if (tokens[open]?.kind !== "lparen") return "an fts5 table without its argument list";
  const close = tokens.findIndex((t, i) => i > open && (t.kind === "rparen" || t.kind === "lparen"));
  if (close < 0 || tokens[close]!.kind !== "rparen" || close !== tokens.length - 1) return "an fts5 argument list that is not a plain list";
  for (let i = open; i < close; i++) {
    if (text.slice(tokens[i]!.end, tokens[i + 1]!.start).trim() !== "") return "a comment in an fts5 argument list";
  }
  const args: Token[][] = [[]];
  for (const t of tokens.slice(open + 1, close)) {
    if (t.kind === "other" && text.slice(t.start, t.end) === ",") args.push([]);
    else args[args.length - 1]!.push(t);
  }
  for (const arg of args) {
    const why = argumentRefusal(text, arg);
    if (why !== undefined) return why;
  }
  return undefined;
}

const OPTIONS: Record<string, (value: string, t: Token) => boolean> = {
  tokenize: (v) => tokenizeRefusal(v) === undefined,
  content: (v) => v === "" || IDENT.test(v),
  content_rowid: (v) => IDENT.test(v),
  detail: (v) => /^(full|column|none)$/i.test(v),
  columnsize: (v) => v === "0" || v === "1",
  contentless_delete: (v) => v === "0" || v === "1",
  prefix: (v) => /^[0-9]{1,4}(?:(?: +| *, *)[0-9]{1,4})*$/.test(v),
};

function argumentRefusal(text: string, arg: Token[]): string | undefined {
  const [first, second, third] = arg;
  if (first === undefined) return "an empty fts5 argument";
  const isValue = (t: Token): boolean => t.kind === "word" || t.kind === "ident" || t.kind === "string" || t.kind === "other";
  if (arg.length === 3 && second!.kind === "other" && text.slice(second!.start, second!.end) === "=") {
    // fts5 reads a quoted name before `=` as a column: an option name is a bare word.
    if (first.kind !== "word") return "an fts5 option whose name is quoted";
    const option = first.upper.toLowerCase();
    const valid = OPTIONS[option];
    if (valid === undefined) return `the fts5 option ${JSON.stringify(option)}`;
    if (!isValue(third!) || !valid(unquoted(text, third!), third!)) return `this value of the fts5 option ${option}`;
    return undefined;
  }
  if (arg.length > 2) return "an fts5 argument that is neither a column nor a known option";
  if (first.kind !== "word" && first.kind !== "ident" && first.kind !== "string") return "an fts5 column whose name is not an identifier";
  if (!IDENT.test(unquoted(text, first))) return "an fts5 column whose name is not a plain identifier";
  if (second !== undefined && second.upper !== "UNINDEXED") return "an fts5 column option other than UNINDEXED";
  return undefined;
}

const TOKENIZERS: ReadonlySet<string> = new Set(["trigram", "unicode61", "ascii", "porter"]);
/** A tokenizer argument's value: a bare word or a single-quoted run of printable ASCII. */
const PLAIN_CHARS = /^(?:[A-Za-z0-9_]+|'[\x20-\x26\x28-\x7e]*')$/;
/** The documented arguments of each built-in tokenizer, with what their values may be. */
const TOKENIZER_ARGS: Record<string, Record<string, RegExp>> = {
  trigram: { case_sensitive: /^[01]$/, remove_diacritics: /^[01]$/ },
  unicode61: { remove_diacritics: /^[012]$/, categories: /^'[A-Za-z* ]*'$|^[A-Za-z*]+$/, tokenchars: PLAIN_CHARS, separators: PLAIN_CHARS },
  ascii: { tokenchars: PLAIN_CHARS, separators: PLAIN_CHARS },
};

/**
 * Why this server would not take this `tokenize=` value (already unquoted once, as fts5 reads
 * it): words a space apart, each a bare word or a single-quoted literal with no quote in it; the
 * first names a built-in tokenizer, `porter` may wrap another one (`porter unicode61 …`), and
 * then come `name value` pairs from that tokenizer's documented arguments.
 */
export function tokenizeRefusal(value: string): string | undefined {
  const words: string[] = [];
  const word = / *([A-Za-z0-9_]+|'[^']*')(?= |$)/y;
  let at = 0;
  for (let m = word.exec(value); m !== null; m = word.exec(value)) {
    words.push(m[1]!);
    at = word.lastIndex;
  }
  if (words.length === 0 || !/^ *$/.test(value.slice(at))) return "a tokenize value that is not plain words";
  let i = 0;
  let name = words[i++]!.toLowerCase();
  if (!TOKENIZERS.has(name)) return `the tokenizer ${JSON.stringify(name)}`;
  if (name === "porter") {
    if (i === words.length) return undefined;
    name = words[i++]!.toLowerCase();
    if (!TOKENIZERS.has(name) || name === "porter") return `the tokenizer ${JSON.stringify(name)} under porter`;
  }
  const allowed = TOKENIZER_ARGS[name] ?? {};
  if ((words.length - i) % 2 !== 0) return "a tokenizer argument without its value";
  for (; i < words.length; i += 2) {
    const pattern = allowed[words[i]!.toLowerCase()];
    if (pattern === undefined || !pattern.test(words[i + 1]!)) return `the ${name} tokenizer argument ${JSON.stringify(words[i])}`;
  }
  return undefined;
}

/** Why a statement is refused for naming `rank` (any quoting or case, string literals too). */
export function rankRefusal(text: string, tokens: Token[]): string | undefined {
  return tokens.some((t) => nameOf(text, t) === "rank") ? "the word rank (fts5's rank column and option)" : undefined;
}

/** The names (lower case) of the shadow tables of these fts5 tables. */
export function shadowTableNames(fts5Tables: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const t of fts5Tables) for (const s of FTS5_SHADOW_SUFFIXES) out.add(`${t.toLowerCase()}_${s}`);
  return out;
}

/** Whether a statement might name a shadow table (any name ending like one): only then is the
 * schema read for {@link shadowTableRefusal}. */
export function mayNameShadowTable(text: string, tokens: Token[]): boolean {
  return tokens.some((t) => {
    const name = nameOf(text, t);
    return name !== undefined && FTS5_SHADOW_SUFFIXES.some((s) => name.endsWith(`_${s}`));
  });
}

/** Why a statement is refused for naming one of these shadow tables (any quoting or case, schema
 * qualified or not, in a string literal or the body of a view or trigger too). */
export function shadowTableRefusal(text: string, tokens: Token[], shadows: ReadonlySet<string>): string | undefined {
  for (const t of tokens) {
    const name = nameOf(text, t);
    if (name !== undefined && shadows.has(name)) return `the fts5 shadow table ${name}`;
  }
  return undefined;
}

/** One row of EXPLAIN in raw mode: addr, opcode, p1, p2, p3, p4, p5, comment. */
type ExplainRow = [number, string, unknown, unknown, unknown, unknown, unknown, ...unknown[]];

/**
 * fts5's idxStr (fts5BestIndexMethod): one code per constraint passed to xFilter: `M`, `L`, `G`
 * and a column number (MATCH, LIKE, GLOB), `m`, `r` (the rank), `=`, `<`, `>` (the rowid). No
 * other module of this build makes such a string with an `r` in it (geopoly's are "rowid" and
 * "rtree"; rtree's are capitals and digits).
 */
const FTS5_IDXSTR_WITH_RANK = /^(?:[MLG][0-9]+|[m=<>r])*r(?:[MLG][0-9]+|[m=<>r])*$/;

/**
 * Refuses a program whose VFilter hands fts5 a rank constraint: `rank MATCH ?`, `rank = ?`, a
 * table-valued call with a second argument, however spelled or hidden in a view or trigger.
 */
export function checkRankFilter(rows: unknown[], refuse: (what: string) => Error): void {
  for (const row of rows as ExplainRow[]) {
    if (row[1] === "VFilter" && typeof row[5] === "string" && FTS5_IDXSTR_WITH_RANK.test(row[5])) {
      throw refuse("an fts5 rank constraint (it names a function fts5 runs)");
    }
  }
}

/** OPFLAG_P2ISREG: P2 of an Open* opcode is a register (a b-tree being created), not a page. */
const P2_IS_REGISTER = 0x10;

/** The root page and database an opcode touches, if it opens, clears or drops a b-tree. */
function btreeOf(row: ExplainRow): [unknown, unknown] | undefined {
  switch (row[1]) {
    case "OpenRead":
    case "OpenWrite":
    case "ReopenIdx":
      return typeof row[6] === "number" && (row[6] & P2_IS_REGISTER) !== 0 ? undefined : [row[3], row[4]];
    case "Clear":
      return [row[2], row[3]];
    case "Destroy":
      return [row[2], row[4]];
    default:
      return undefined;
  }
}

/** Refuses a program that opens, clears or drops a b-tree of the main database among `pages`
 * (the root pages of fts5 shadow tables and their indexes). */
export function checkShadowPages(rows: unknown[], pages: ReadonlySet<number>, refuse: (what: string) => Error): void {
  if (pages.size === 0) return;
  for (const row of rows as ExplainRow[]) {
    const b = btreeOf(row);
    if (b !== undefined && b[1] === 0 && typeof b[0] === "number" && pages.has(b[0])) {
      throw refuse("reading or writing an fts5 shadow table");
    }
  }
}

/** Settings fts5 keeps in `<name>_config` besides the rank: all integers. */
const CONFIG_KEYS: ReadonlySet<string> = new Set(["version", "pgsz", "hashsize", "automerge", "usermerge", "crisismerge", "deletemerge", "secure-delete"]);

/**
 * Why an existing fts5 table is not served, from its `_config` shadow table: `shape` is that
 * table's stored CREATE without its name (undefined: no such table), `keys` its keys as stored.
 * fts5 compares a key ASCII-case-insensitively up to its first NUL, so a key is read so; any
 * other than the integer settings (the rank first) refuses the table.
 */
export function configRefusal(shape: string | undefined, keys: unknown[]): string | undefined {
  if (shape === undefined || shape.replace(/\s+/g, " ").trim() !== "(k PRIMARY KEY, v) WITHOUT ROWID") return "its _config shadow table is not fts5's";
  for (const k of keys) {
    const bytes = Buffer.isBuffer(k) ? k : Buffer.from(String(k));
    const nul = bytes.indexOf(0);
    const key = bytes.subarray(0, nul < 0 ? bytes.length : nul).toString("latin1").replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (!CONFIG_KEYS.has(key)) return `its _config holds ${JSON.stringify(key)}`;
  }
  return undefined;
}
