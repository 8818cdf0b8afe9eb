/**
 * A small SQLite tokenizer. The engine binding cannot tell us where a statement ends, how many
 * parameters it has or what their names are (`prepare()` silently ignores everything after the
 * first statement, and binding by name panics on unnamed parameters), so we follow SQLite's own
 * tokenizer rules (tokenize.c) closely enough to split, count and name parameters exactly.
 */

export type TokenKind = "word" | "string" | "ident" | "var" | "semi" | "lparen" | "rparen" | "other";

/** One token; `upper` is set for bare words (keywords and unquoted identifiers). */
export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  upper: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
/** SQLite's IdChar: alphanumerics, `_`, `$` and every non-ASCII character. */
const isIdChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c >= 0x80;
const isIdStart = (c: number): boolean => isIdChar(c) && !isDigit(c) && c !== 36;

/** Splits SQL text into tokens, dropping whitespace and comments. Never throws. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number): void => {
    out.push({ kind, start, end, upper: kind === "word" ? sql.slice(start, end).toUpperCase() : "" });
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = i + 1 < n ? sql.charCodeAt(i + 1) : 0;
    if (isSpace(c)) {
      i++;
    } else if (c === 45 && next === 45) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === 47 && next === 42) {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === 39 || c === 34 || c === 96 || c === 91) {
      const closer = c === 91 ? "]" : sql[i]!;
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(closer, j);
        if (k < 0) { j = n; break; }
        // Doubled quotes escape themselves; brackets have no escape.
        if (c !== 91 && sql[k + 1] === closer) { j = k + 2; continue; }
        j = k + 1;
        break;
      }
      push(c === 39 ? "string" : "ident", i, j);
      i = j;
    } else if (c === 63) {
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      push("var", i, j);
      i = j;
    } else if (c === 58 || c === 64 || c === 36 || c === 35) {
      const j = scanNamedVar(sql, i);
      push(j.named ? "var" : "other", i, j.end);
      i = j.end;
    } else if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdChar(sql.charCodeAt(j))) j++;
      push("word", i, j);
      i = j;
    } else if (isDigit(c) || (c === 46 && isDigit(next))) {
      let j = i + 1;
      while (j < n && (isIdChar(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) {
        const d = sql.charCodeAt(j);
        j++;
        if ((d === 101 || d === 69) && (sql[j] === "+" || sql[j] === "-")) j++;
      }
      push("other", i, j);
      i = j;
    } else {
      push(c === 59 ? "semi" : c === 40 ? "lparen" : c === 41 ? "rparen" : "other", i, i + 1);
      i++;
    }
  }
  return out;
}

/** `$name`, `:name`, `@name`, `#name`, with SQLite's TCL-style `::` and `(...)` suffixes. */
function scanNamedVar(sql: string, start: number): { end: number; named: boolean } {
  let n = 0;
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (isIdChar(c)) {
      n++;
      i++;
    } else if (c === 40 && n > 0) {
      i++;
      while (i < sql.length && !isSpace(sql.charCodeAt(i)) && sql[i] !== ")") i++;
      if (sql[i] === ")") i++;
      else return { end: i, named: false };
      break;
    } else if (c === 58 && sql[i + 1] === ":") {
      i += 2;
    } else {
      break;
    }
  }
  return { end: i, named: n > 0 };
}

/** One statement of a SQL text: its source (without the terminating `;`) and its tokens, whose
 * offsets are relative to `text`. */
export interface SqlPiece {
  text: string;
  tokens: Token[];
}

/**
 * Splits SQL text into statements at top-level semicolons. Semicolons inside a
 * `CREATE TRIGGER … BEGIN … END` body do not split (CASE … END inside the body is tracked).
 * Empty statements (only whitespace, comments or `;`) are dropped.
 */
export function splitStatements(sql: string): SqlPiece[] {
  const tokens = tokenize(sql);
  const pieces: SqlPiece[] = [];
  let cur: Token[] = [];
  let trigger = false;
  let inBody = false;
  let bodyDone = false;
  let caseDepth = 0;
  const flush = (): void => {
    if (cur.length > 0) {
      const base = cur[0]!.start;
      pieces.push({
        text: sql.slice(base, cur[cur.length - 1]!.end),
        tokens: cur.map((t) => ({ ...t, start: t.start - base, end: t.end - base })),
      });
    }
    cur = [];
    trigger = inBody = bodyDone = false;
    caseDepth = 0;
  };
  for (const t of tokens) {
    if (t.kind === "semi" && (!trigger || !inBody || bodyDone)) {
      flush();
      continue;
    }
    cur.push(t);
    if (t.kind !== "word") continue;
    if (cur.length <= 3 && t.upper === "TRIGGER" && cur[0]!.upper === "CREATE") trigger = true;
    else if (trigger && !inBody && t.upper === "BEGIN") inBody = true;
    else if (inBody && !bodyDone && t.upper === "CASE") caseDepth++;
    else if (inBody && !bodyDone && t.upper === "END") {
      if (caseDepth > 0) caseDepth--;
      else bodyDone = true;
    }
  }
  flush();
  return pieces;
}

/** The parameters of one statement, numbered as SQLite numbers them (index i at `names[i-1]`). */
export interface ParamInfo {
  count: number;
  /** `?NNN`, `:a`, `@a`, `$a` names with their prefix; `null` for `?` and unreferenced slots. */
  names: (string | null)[];
}

/** Numbers parameters like sqlite3ExprAssignVarNumber does. */
export function paramsOf(sql: string, tokens: Token[]): ParamInfo {
  const byName = new Map<string, number>();
  const names: (string | null)[] = [];
  let count = 0;
  for (const t of tokens) {
    if (t.kind !== "var") continue;
    const text = sql.slice(t.start, t.end);
    if (text === "?") {
      count++;
      continue;
    }
    if (text[0] === "?") {
      const x = Number(text.slice(1));
      if (!Number.isSafeInteger(x) || x < 1 || x > 32766) continue;
      if (x > count) count = x;
      if (names[x - 1] == null) {
        names[x - 1] = text;
        if (!byName.has(text)) byName.set(text, x);
      }
      continue;
    }
    if (!byName.has(text)) {
      count++;
      byName.set(text, count);
      names[count - 1] = text;
    }
  }
  const full: (string | null)[] = [];
  for (let i = 0; i < count; i++) full.push(names[i] ?? null);
  return { count, names: full };
}
