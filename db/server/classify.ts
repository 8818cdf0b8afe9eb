import { refusal } from "./policy.ts";
import { paramsOf, type ParamInfo, type SqlPiece } from "./sql.ts";

/** What the server needs to know about one statement before running it. */
export interface StmtInfo {
  /** The statement's main verb (after EXPLAIN and a leading WITH clause), upper case. */
  verb: string;
  isExplain: boolean;
  /** INSERT/REPLACE/UPDATE/DELETE: only these report `affected_row_count` (as sqld does). */
  isIud: boolean;
  /** INSERT/REPLACE: only these report `last_insert_rowid` (as sqld does). */
  isInsert: boolean;
  /** A plain query whose rows can be read through the exact-text wrapper (see execute.ts). */
  isQuery: boolean;
  /** `BEGIN TRANSACTION READONLY`: SQLite parses READONLY as a transaction name. */
  beginsReadonly: boolean;
  /** Changes per-connection state (pragmas, attachments, temp schema): never reuse the connection. */
  dirtiesConnection: boolean;
  /** BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE: run through exec (see execute.ts). */
  isTxnControl: boolean;
  /** May take the write lock when run outside a transaction (DML and DDL). */
  mayWrite: boolean;
  /** Set when sqld would refuse the statement as unsupported (see policy.ts). */
  refused: string | undefined;
  /** Best-effort equivalent of sqlite3_stmt_readonly(), for `describe`. */
  isReadonly: boolean;
  params: ParamInfo;
}

const MAIN_VERBS = new Set(["SELECT", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE"]);
const TXN_CONTROL = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]);
/** Statements that must not be wrapped in a transaction (some are refused or ignored inside one). */
const NO_WRAP = new Set(["PRAGMA", "VACUUM", "ATTACH", "DETACH"]);

/** Classifies one statement from its tokens. */
export function classify(piece: SqlPiece): StmtInfo {
  const toks = piece.tokens;
  let i = 0;
  let isExplain = false;
  if (toks[0]?.upper === "EXPLAIN") {
    isExplain = true;
    i = toks[1]?.upper === "QUERY" && toks[2]?.upper === "PLAN" ? 3 : 1;
  }
  let verb = toks[i]?.upper ?? "";
  if (verb === "WITH") {
    let depth = 0;
    for (let j = i + 1; j < toks.length; j++) {
      const t = toks[j]!;
      if (t.kind === "lparen") depth++;
      else if (t.kind === "rparen") depth--;
      else if (depth === 0 && t.kind === "word" && MAIN_VERBS.has(t.upper)) {
        verb = t.upper;
        break;
      }
    }
  }
  const words = toks.filter((t) => t.kind === "word").map((t) => t.upper);
  const dml = !isExplain && (verb === "INSERT" || verb === "REPLACE" || verb === "UPDATE" || verb === "DELETE");
  const second = toks[i + 1]?.upper ?? "";
  const temp = verb === "CREATE" && (second === "TEMP" || second === "TEMPORARY");
  return {
    verb,
    isExplain,
    isIud: dml,
    isInsert: dml && (verb === "INSERT" || verb === "REPLACE"),
    isQuery: !isExplain && (verb === "SELECT" || verb === "VALUES"),
    beginsReadonly: !isExplain && verb === "BEGIN" && words.includes("READONLY"),
    refused: refusal(piece, verb, isExplain),
    isTxnControl: !isExplain && TXN_CONTROL.has(verb),
    mayWrite: !isExplain && verb !== "SELECT" && verb !== "VALUES" && !TXN_CONTROL.has(verb) && !NO_WRAP.has(verb),
    dirtiesConnection: !isExplain && (verb === "PRAGMA" || verb === "ATTACH" || verb === "DETACH" || temp),
    isReadonly: readonlyGuess(isExplain, verb, second, toks.some((t) => t.kind === "other" && piece.text[t.start] === "=")),
    params: paramsOf(piece.text, toks),
  };
}

function readonlyGuess(isExplain: boolean, verb: string, second: string, hasAssign: boolean): boolean {
  if (isExplain) return true;
  switch (verb) {
    case "SELECT":
    case "VALUES":
    case "COMMIT":
    case "END":
    case "ROLLBACK":
    case "SAVEPOINT":
    case "RELEASE":
      return true;
    case "BEGIN":
      return second !== "IMMEDIATE" && second !== "EXCLUSIVE";
    case "PRAGMA":
      return !hasAssign;
    default:
      return false;
  }
}
