import { randomBytes } from "node:crypto";
import type { Value } from "./protocol.ts";

/** What the engine binds and returns (with safe integers on). Never booleans or typed arrays
 * other than Buffer: the native binding panics on those. */
export type EngineValue = null | bigint | number | string | Buffer;

/** A value as it goes out in a response; non-JSON floats travel as a `RawFloat` marker. */
export type OutValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number | string }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

/** Parses a Hrana integer (a decimal string) into an exact 64-bit integer, or undefined. */
export function parseI64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]{1,25}$/.test(text)) return undefined;
  const v = BigInt(text);
  return v < MIN_I64 || v > MAX_I64 ? undefined : v;
}

/** Converts a parsed protocol value into what the engine binds. */
export function toEngine(v: Value): EngineValue {
  switch (v.type) {
    case "null":
      return null;
    case "integer":
    case "float":
    case "text":
      return v.value;
    case "blob":
      return v.value;
  }
}

// JSON cannot say -0.0 or ±Infinity through JSON.stringify, but `-0.0` and `1e999` are valid JSON
// number literals that JSON.parse reads back exactly. A per-process nonce keeps the marker unforgeable.
const NONCE = randomBytes(12).toString("hex");
const MARK = new RegExp(`"${NONCE}:(-0|inf|-inf)"`, "g");
const RAW: Record<string, string> = { "-0": "-0.0", inf: "1e999", "-inf": "-1e999" };

function floatOut(x: number): OutValue {
  if (Object.is(x, -0)) return { type: "float", value: `${NONCE}:-0` };
  if (x === Infinity) return { type: "float", value: `${NONCE}:inf` };
  if (x === -Infinity) return { type: "float", value: `${NONCE}:-inf` };
  return { type: "float", value: x };
}

/** Serializes a response body, writing -0.0 and ±Infinity floats as exact JSON literals. */
export function stringifyBody(body: unknown): string {
  const json = JSON.stringify(body);
  return json.includes(NONCE) ? json.replace(MARK, (_m, k: string) => RAW[k] ?? "null") : json;
}

/** Converts an engine value into a protocol value. `hexText` marks text that arrives hex-encoded. */
export function fromEngine(v: unknown, hexText: boolean): OutValue {
  if (v === null || v === undefined) return { type: "null" };
  if (typeof v === "bigint") return { type: "integer", value: v.toString() };
  if (typeof v === "number") {
    // Only reached without safe integers (never here), or for REAL values.
    return floatOut(v);
  }
  if (typeof v === "string") {
    return { type: "text", value: hexText ? Buffer.from(v, "hex").toString("utf8") : v };
  }
  if (Buffer.isBuffer(v)) return { type: "blob", base64: v.toString("base64") };
  if (v instanceof Uint8Array) return { type: "blob", base64: Buffer.from(v).toString("base64") };
  return { type: "text", value: String(v) };
}

/** Rough size of a value in bytes, for the response size limit. */
export function outSize(v: OutValue): number {
  switch (v.type) {
    case "text":
      return v.value.length + 16;
    case "blob":
      return v.base64.length + 16;
    default:
      return 24;
  }
}
