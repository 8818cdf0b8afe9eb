/**
 * Request types of the libSQL HTTP protocol (Hrana over HTTP, v2 and v3, JSON encoding) and the
 * parsing of untrusted request bodies into them. Every field is checked; nothing is cast.
 */
import { parseI64 } from "./values.ts";
import { ProtocolError } from "./errors.ts";

/** A bound value, already decoded (integers exact, blobs as bytes). */
export type Value =
  | { type: "null" }
  | { type: "integer"; value: bigint }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; value: Buffer };

/** A statement: SQL text or a stored SQL id, with positional and named arguments. */
export interface Stmt {
  sql: string | undefined;
  sqlId: number | undefined;
  args: Value[];
  namedArgs: { name: string; value: Value }[];
  wantRows: boolean;
}

/** A batch step condition. */
export type Cond =
  | { type: "ok"; step: number }
  | { type: "error"; step: number }
  | { type: "not"; cond: Cond }
  | { type: "and"; conds: Cond[] }
  | { type: "or"; conds: Cond[] }
  | { type: "is_autocommit" };

export interface BatchStep {
  condition: Cond | undefined;
  stmt: Stmt;
}

/** A request inside a pipeline. */
export type StreamRequest =
  | { type: "close" }
  | { type: "execute"; stmt: Stmt }
  | { type: "batch"; steps: BatchStep[] }
  | { type: "sequence" | "describe"; sql: string | undefined; sqlId: number | undefined }
  | { type: "store_sql"; sqlId: number; sql: string }
  | { type: "close_sql"; sqlId: number }
  | { type: "get_autocommit" };

/** Protocol version of the endpoint: v2 lacks `get_autocommit` and `is_autocommit`. */
export type Version = 2 | 3;

export interface PipelineBody {
  baton: string | null;
  requests: StreamRequest[];
}

export interface CursorBody {
  baton: string | null;
  steps: BatchStep[];
}

/** Deepest JSON nesting accepted (sqld's JSON decoder stops at 128 levels too). */
export const MAX_JSON_DEPTH = 128;

type Json = unknown;
const bad = (message: string, code = "PROTOCOL_INVALID"): ProtocolError => new ProtocolError(message, code);

function obj(x: Json, what: string): Record<string, Json> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw bad(`${what} must be an object`);
  return x as Record<string, Json>;
}
function arr(x: Json, what: string): Json[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw bad(`${what} must be an array`);
  return x;
}
function optString(x: Json, what: string): string | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== "string") throw bad(`${what} must be a string`);
  return x;
}
function int(x: Json, what: string, min: number, max: number): number {
  if (typeof x !== "number" || !Number.isInteger(x) || x < min || x > max) {
    throw bad(`${what} must be an integer in [${min}, ${max}]`);
  }
  return x;
}
function optInt32(x: Json, what: string): number | undefined {
  return x === undefined || x === null ? undefined : int(x, what, -(2 ** 31), 2 ** 31 - 1);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses one protocol value. */
export function parseValue(x: Json): Value {
  const o = obj(x, "value");
  switch (o.type) {
    case "null":
      return { type: "null" };
    case "integer": {
      const v = typeof o.value === "string" ? parseI64(o.value) : undefined;
      if (v === undefined) throw bad("integer value must be a decimal string of a 64-bit integer", "VALUE_INVALID");
      return { type: "integer", value: v };
    }
    case "float":
      if (typeof o.value !== "number") throw bad("float value must be a number", "VALUE_INVALID");
      return { type: "float", value: o.value };
    case "text":
      if (typeof o.value !== "string") throw bad("text value must be a string", "VALUE_INVALID");
      return { type: "text", value: o.value };
    case "blob": {
      const b = o.base64;
      if (typeof b !== "string" || !BASE64.test(b) || b.length % 4 === 1) {
        throw bad("blob value must carry base64", "VALUE_INVALID");
      }
      return { type: "blob", value: Buffer.from(b, "base64") };
    }
    default:
      throw bad("Value type not recognized", "VALUE_INVALID");
  }
}

/** Parses a statement. */
export function parseStmt(x: Json): Stmt {
  const o = obj(x, "stmt");
  const namedArgs = arr(o.named_args, "named_args").map((a) => {
    const n = obj(a, "named arg");
    if (typeof n.name !== "string") throw bad("named arg name must be a string");
    return { name: n.name, value: parseValue(n.value) };
  });
  if (o.want_rows !== undefined && o.want_rows !== null && typeof o.want_rows !== "boolean") {
    throw bad("want_rows must be a boolean");
  }
  return {
    sql: optString(o.sql, "sql"),
    sqlId: optInt32(o.sql_id, "sql_id"),
    args: arr(o.args, "args").map(parseValue),
    namedArgs,
    wantRows: o.want_rows !== false,
  };
}

/** Parses a condition; `before` is the index of the step it guards (it may only look back). */
export function parseCond(x: Json, before: number, version: Version, depth = 0): Cond {
  if (depth > MAX_JSON_DEPTH) throw bad("condition nested too deeply");
  const o = obj(x, "condition");
  const step = (): number => {
    const s = int(o.step, "condition step", 0, 2 ** 32 - 1);
    if (s >= before) throw bad("Invalid reference to step in a batch condition", "BATCH_COND_BAD_STEP");
    return s;
  };
  switch (o.type) {
    case "ok":
      return { type: "ok", step: step() };
    case "error":
      return { type: "error", step: step() };
    case "not":
      return { type: "not", cond: parseCond(o.cond, before, version, depth + 1) };
    case "and":
    case "or":
      return { type: o.type, conds: arr(o.conds, "conds").map((c) => parseCond(c, before, version, depth + 1)) };
    case "is_autocommit":
      if (version < 3) throw bad("BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher", "NOT_SUPPORTED");
      return { type: "is_autocommit" };
    default:
      throw bad("BatchCond type not recognized");
  }
}

function parseSteps(x: Json, version: Version): BatchStep[] {
  const b = obj(x, "batch");
  return arr(b.steps, "steps").map((s, i) => {
    const o = obj(s, "batch step");
    const c = o.condition;
    return { condition: c === undefined || c === null ? undefined : parseCond(c, i, version), stmt: parseStmt(o.stmt) };
  });
}

function parseRequest(x: Json, version: Version): StreamRequest {
  const o = obj(x, "request");
  switch (o.type) {
    case "close":
      return { type: "close" };
    case "execute":
      return { type: "execute", stmt: parseStmt(o.stmt) };
    case "batch":
      return { type: "batch", steps: parseSteps(o.batch, version) };
    case "sequence":
    case "describe":
      return { type: o.type, sql: optString(o.sql, "sql"), sqlId: optInt32(o.sql_id, "sql_id") };
    case "store_sql": {
      const sqlId = optInt32(o.sql_id, "sql_id");
      if (sqlId === undefined || typeof o.sql !== "string") throw bad("store_sql needs sql_id and sql");
      return { type: "store_sql", sqlId, sql: o.sql };
    }
    case "close_sql": {
      const sqlId = optInt32(o.sql_id, "sql_id");
      if (sqlId === undefined) throw bad("close_sql needs sql_id");
      return { type: "close_sql", sqlId };
    }
    case "get_autocommit":
      if (version < 3) throw bad("The `get_autocommit` request is only supported in protocol version hrana3 and higher", "NOT_SUPPORTED");
      return { type: "get_autocommit" };
    default:
      throw bad("StreamRequest type not recognized");
  }
}

function parseBaton(x: Json): string | null {
  if (x === undefined || x === null) return null;
  if (typeof x !== "string") throw bad("baton must be a string or null");
  return x;
}

/** Parses the body of `POST /v2/pipeline` or `POST /v3/pipeline`. */
export function parsePipeline(x: Json, version: Version): PipelineBody {
  const o = obj(x, "request body");
  if (!Array.isArray(o.requests)) throw bad("requests must be an array");
  return { baton: parseBaton(o.baton), requests: o.requests.map((r) => parseRequest(r, version)) };
}

/** Parses the body of `POST /v3/cursor`. */
export function parseCursor(x: Json): CursorBody {
  const o = obj(x, "request body");
  return { baton: parseBaton(o.baton), steps: parseSteps(o.batch, 3) };
}

/** Deepest `[`/`{` nesting of a JSON text, scanned before JSON.parse so a hostile body cannot
 * make the parser spend seconds on millions of levels. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}
