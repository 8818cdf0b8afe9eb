/**
 * Which failures mean "the database could not be reached, or could not serve right now":
 * one classifier for the Worker's error handler, the organization rooms and the health
 * check, so every such failure answers 503 `database_unavailable` with `Retry-After` —
 * something a client retries — and never 500. Anything else a database call throws (a
 * constraint violation, a syntax error, a refused token) is a bug or a misconfiguration,
 * and stays a logged 500.
 *
 * Errors are recognized by shape, never by class identity: @libsql/client's `LibsqlError`
 * (its `code`), the hrana client's `HttpServerError` (its `status`), Node's and undici's
 * socket errors (their `code`), workerd's and undici's fetch failures (their message), and
 * whatever wraps them (drizzle's `DrizzleQueryError` keeps the original as `cause`). An
 * error thrown inside a Durable Object reaches the Worker as a plain `Error` with only its
 * message, so messages are read too — including a `CODE: message` prefix as LibsqlError
 * writes it.
 */
import { AppError } from "../errors.ts";

/** How long a client is told to wait (`Retry-After`) after the database failed. */
export const databaseRetryAfterSeconds = 1;

/** The 503 every database failure answers. */
export function databaseUnavailable(message = "The database is unavailable; try again shortly."): AppError {
  return new AppError("database_unavailable", message, { retryAfterSeconds: databaseRetryAfterSeconds });
}

/**
 * `LibsqlError` codes (the client's own, and the server's protocol and SQLite codes it
 * passes on) that mean the server was unreachable, went away, restarted under an open
 * stream, or is overloaded — as opposed to refusing the statement.
 */
const unavailableCodes = new Set([
  // The client lost its connection or stream (the server died or restarted).
  "HRANA_CLOSED_ERROR",
  "HRANA_WEBSOCKET_ERROR",
  // A stream the server no longer has: expired, closed, or a baton a restarted server never issued.
  "STREAM_EXPIRED",
  "STREAM_CLOSED",
  "BATON_STREAM_CLOSED",
  "BATON_INVALID",
  // The server is overloaded or failed on its side.
  "TOO_MANY_STREAMS",
  "INTERNAL",
  // Another writer holds the lock past the busy timeout.
  "SQLITE_BUSY",
  // The server interrupted a statement at its deadline: it is too loaded to serve in time.
  "SQLITE_INTERRUPT",
]);

/** Node's and undici's codes for a connection that could not be made or was cut. */
const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Messages of a failed fetch, whole (a message is matched entire, never searched: a wrapped
 * query's message carries its parameters, i.e. user text): undici's (`fetch failed`,
 * `terminated` when a body is cut), workerd's (`Network connection lost.`), and Node's
 * socket errors whose code did not survive (an RPC boundary keeps only the message).
 */
const networkMessage =
  /^(fetch failed|terminated|other side closed|socket hang up|network connection lost\.?|(connect|read|write) (ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)( .*)?|getaddrinfo (EAI_AGAIN|ENOTFOUND)( .*)?)$/i;

/** A code at the start of a message, as `LibsqlError` writes it (`SERVER_ERROR: …`). */
const codePrefix = /^([A-Z][A-Z0-9_]+): /;

/** `Server returned HTTP status 503` (the hrana client's HttpServerError, maybe behind a code). */
const httpStatusMessage = /^(?:[A-Z][A-Z0-9_]+: )?Server returned HTTP status (\d{3})/;

function isUnavailableCode(code: string): boolean {
  return unavailableCodes.has(code) || code.startsWith("SQLITE_BUSY") || socketCodes.has(code);
}

/** An HTTP status from the database's server that says "not now": 5xx, 429, 408. */
function isUnavailableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Whether this one error (not its causes) says the database was unavailable. */
function saysUnavailable(error: object): boolean {
  const { code, status, message, name } = error as { code?: unknown; status?: unknown; message?: unknown; name?: unknown };
  const text = typeof message === "string" ? message : "";
  const httpStatus = typeof status === "number" ? status : Number(httpStatusMessage.exec(text)?.[1] ?? Number.NaN);
  if (typeof code === "string") {
    if (isUnavailableCode(code)) return true;
    // An HTTP error answer; what it means is in its status (a 401 is a bad token, not an outage).
    if (code === "SERVER_ERROR") return Number.isNaN(httpStatus) || isUnavailableStatus(httpStatus);
  }
  if (name === "HttpServerError" && !Number.isNaN(httpStatus)) return isUnavailableStatus(httpStatus);
  // Only a message is left (an error that crossed RPC): the code LibsqlError put in front of it.
  const prefixed = codePrefix.exec(text)?.[1];
  if (prefixed !== undefined && code === undefined) {
    if (isUnavailableCode(prefixed)) return true;
    if (prefixed === "SERVER_ERROR") return Number.isNaN(httpStatus) || isUnavailableStatus(httpStatus);
  }
  return networkMessage.test(text.trim());
}

/**
 * Whether `error` — or anything it wraps (`cause`, an AggregateError's `errors`) — is a
 * failure to reach libSQL or a transient refusal by it: the request may succeed if retried.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 16) {
    const current = pending.shift();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof AppError) {
      if (current.code === "database_unavailable") return true;
      continue;
    }
    if (saysUnavailable(current)) return true;
    const { cause, errors } = current as { cause?: unknown; errors?: unknown };
    if (cause !== undefined) pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return false;
}

/** A one-line account of a failure and what it wraps, for logs (`fetch failed ← connect ECONNREFUSED …`). */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    // A wrapped query's message is the SQL and its parameters: user data stays out of the log line.
    parts.push(message.startsWith("Failed query:") ? "Failed query" : message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(" ← ");
}

/**
 * Whether `error` is the database refusing a row for a UNIQUE constraint (a slug or a
 * username someone already has). Read from the libSQL error itself, found through the
 * wrappers' `cause`: a wrapper's message quotes the statement's parameters, i.e. user text,
 * so it says nothing.
 */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const { code, extendedCode, message } = current as { code?: unknown; extendedCode?: unknown; message?: unknown };
    if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT")) {
      return extendedCode === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_UNIQUE" || (typeof message === "string" && /\bUNIQUE constraint failed\b/.test(message));
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
