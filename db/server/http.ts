import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runCursor, runPipeline } from "./endpoints.ts";
import { ProtocolError } from "./errors.ts";
import type { ExecContext } from "./execute.ts";
import { jsonDepth, MAX_JSON_DEPTH, parseCursor, parsePipeline, type Version } from "./protocol.ts";
import type { StreamRegistry } from "./streams.ts";
import { stringifyBody } from "./values.ts";

/** Largest request body accepted; a bigger one gets 413. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Most row-value bytes one response may carry; past it the statement fails with RESPONSE_TOO_LARGE. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Past the limit, this much more of a body is read and dropped before the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export interface HttpOptions {
  registry: StreamRegistry;
  authToken: string | undefined;
  maxBodyBytes: number;
  maxResponseBytes: number;
  busyTimeoutMs: number;
  statementTimeoutMs: number;
  /** The address the server listens on: also accepted as `Host` when it is not a wildcard. */
  listenHost: string;
  log: (line: string) => void;
}

/** Names this server answers to (a browser page from anywhere else, DNS rebinding, is refused). */
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** `name[:port]` exactly: a name of letters, digits, dots and hyphens, or a bracketed IPv6
 * address, then at most a port of 1 to 5 digits without a leading zero. Nothing else (no `@`,
 * no path, no second colon outside brackets, no empty port). */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([1-9][0-9]{0,4}))?$/;

/**
 * Refuses a request whose `Host` is not exactly a loopback name or the address listened on,
 * with, if it names one, the port this connection came in on (421: not this server's name).
 * A request with more than one `Host` header is refused too: which one a proxy or a browser
 * would believe is not ours to guess.
 */
function checkHost(req: IncomingMessage, listenHost: string): void {
  const refuse = (): ProtocolError =>
    new ProtocolError("The `Host` header must name this machine's loopback interface (127.0.0.1, localhost or [::1]) and this server's port", "HOST_NOT_ALLOWED", 421);
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === "host") count++;
  if (count !== 1) throw refuse();
  const m = HOST_HEADER.exec((req.headers.host ?? "").toLowerCase());
  if (m === null) throw refuse();
  const name = m[1]!;
  const bound = listenHost.includes(":") ? `[${listenHost.toLowerCase()}]` : listenHost.toLowerCase();
  const isBound = listenHost !== "0.0.0.0" && listenHost !== "::" && name === bound;
  if (!LOOPBACK_NAMES.has(name) && !isBound) throw refuse();
  if (m[2] !== undefined && Number(m[2]) !== req.socket.localPort) throw refuse();
}

/** Refuses a POST whose body is not declared JSON: a browser sends text/plain or a form
 * cross-origin without asking first, never application/json. */
function checkContentType(req: IncomingMessage): void {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new ProtocolError("The request body must be JSON, sent with `Content-Type: application/json`", "CONTENT_TYPE_UNSUPPORTED", 415);
  }
}

type Route = "pipeline2" | "pipeline3" | "cursor3" | "probe" | "hello";
const ROUTES: Record<string, { method: "GET" | "POST"; route: Route }> = {
  "/": { method: "GET", route: "hello" },
  "/health": { method: "GET", route: "probe" },
  "/v2": { method: "GET", route: "probe" },
  "/v3": { method: "GET", route: "probe" },
  "/v2/pipeline": { method: "POST", route: "pipeline2" },
  "/v3/pipeline": { method: "POST", route: "pipeline3" },
  "/v3/cursor": { method: "POST", route: "cursor3" },
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = stringifyBody(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, e: ProtocolError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { message: e.message, code: e.code });
}

/**
 * Builds the request handler for node:http. Every failure is answered with JSON `{message, code}`.
 * Every request must name a loopback `Host` (421 otherwise); POSTs need the token when one is set
 * (401) and a JSON content type (415).
 */
export function createHandler(opts: HttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const tokenHash = opts.authToken === undefined ? undefined : createHash("sha256").update(opts.authToken).digest();
  const checkAuth = (req: IncomingMessage): void => {
    if (tokenHash === undefined) return;
    const header = req.headers.authorization;
    if (header === undefined) throw new ProtocolError("The `Authorization` HTTP header is required but was not specified", "AUTH_HTTP_HEADER_MISSING", 401);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m === null) throw new ProtocolError("The authentication scheme in the `Authorization` HTTP header is not supported", "AUTH_HTTP_HEADER_UNSUPPORTED_SCHEME", 401);
    const given = createHash("sha256").update(m[1]!).digest();
    if (!timingSafeEqual(given, tokenHash)) throw new ProtocolError("The auth token is invalid", "AUTH_JWT_INVALID", 401);
  };

  return (req, res) => {
    req.on("error", () => res.destroy());
    res.on("error", () => undefined);
    handle(req, res, opts, checkAuth).catch((e: unknown) => {
      if (e instanceof ProtocolError) {
        sendError(res, e);
        return;
      }
      opts.log(`libsql server: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendError(res, new ProtocolError("Internal server error", "INTERNAL", 500));
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: HttpOptions, checkAuth: (req: IncomingMessage) => void): Promise<void> {
  try {
    checkHost(req, opts.listenHost);
  } catch (e) {
    req.resume();
    throw e;
  }
  const path = (req.url ?? "/").split("?")[0]!.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1");
  const entry = ROUTES[path];
  if (entry === undefined) {
    req.resume();
    throw new ProtocolError(`No such endpoint: ${path}`, "NOT_FOUND", 404);
  }
  const method = req.method === "HEAD" ? "GET" : req.method;
  if (method !== entry.method) {
    req.resume();
    throw new ProtocolError(`Method ${req.method ?? ""} not allowed on ${path}`, "METHOD_NOT_ALLOWED", 405);
  }
  if (entry.route === "probe" || entry.route === "hello") {
    req.resume();
    const text = entry.route === "hello" ? "Hello, this is HTTP API v2 (Hrana over HTTP)" : "";
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  try {
    checkAuth(req);
    checkContentType(req);
  } catch (e) {
    req.resume();
    throw e;
  }
  const json = parseJson(await readBody(req, opts.maxBodyBytes));
  const ctx: ExecContext = { busyTimeoutMs: opts.busyTimeoutMs, budget: { bytes: opts.maxResponseBytes }, statementTimeoutMs: opts.statementTimeoutMs };
  if (entry.route === "cursor3") {
    const { head, entries } = await runCursor(opts.registry, parseCursor(json), ctx);
    res.writeHead(200, { "content-type": "text/plain" });
    res.write(stringifyBody(head) + "\n");
    // Entries go out in chunks so a large result does not become one giant string.
    for (let i = 0; i < entries.length; i += 256) {
      res.write(entries.slice(i, i + 256).map((x) => stringifyBody(x)).join("\n") + "\n");
    }
    res.end();
    return;
  }
  const version: Version = entry.route === "pipeline2" ? 2 : 3;
  sendJson(res, 200, await runPipeline(opts.registry, parsePipeline(json, version), ctx));
}

function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ProtocolError("Cannot deserialize client message from JSON: body is not valid UTF-8", "JSON_DESERIALIZE");
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new ProtocolError(`Cannot deserialize client message from JSON: nested more than ${MAX_JSON_DEPTH} levels`, "JSON_DESERIALIZE");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(`Cannot deserialize client message from JSON: ${e instanceof Error ? e.message : ""}`, "JSON_DESERIALIZE");
  }
  if (!wellFormed(parsed)) {
    // A lone surrogate (`"\ud800"`) has no UTF-8 form: the engine would store U+FFFD instead, and
    // sqld's JSON parser refuses it. Refused here the same way, so no text silently changes.
    throw new ProtocolError("Cannot deserialize client message from JSON: a string holds a lone surrogate (\\uD800-\\uDFFF escape)", "JSON_DESERIALIZE");
  }
  return parsed;
}

/** Whether every string (and key) in a parsed JSON value is well-formed UTF-16. */
function wellFormed(x: unknown): boolean {
  if (typeof x === "string") return x.isWellFormed();
  if (typeof x !== "object" || x === null) return true;
  if (Array.isArray(x)) return x.every(wellFormed);
  return Object.entries(x).every(([k, v]) => k.isWellFormed() && wellFormed(v));
}

/** Reads the whole body, refusing (413) one larger than `limit`. A refused body is still read to
 * its end (and dropped) before answering, so the client is not cut off while it is still sending. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers["content-length"] ?? "0") > limit ? limit + 1 : 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (size > limit + MAX_DRAIN_BYTES) req.destroy();
    });
    req.on("end", () => {
      if (size > limit) reject(new ProtocolError(`Request body is larger than ${limit} bytes`, "BODY_TOO_LARGE", 413));
      else resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}
