/**
 * The two kinds of failure. A `ProtocolError` fails the whole HTTP request with a 4xx and a JSON
 * body `{message, code}` and destroys the stream (as sqld does for protocol errors); a `StmtError`
 * is reported inside the results (`{type: "error", error: {message, code}}`) and the pipeline goes on.
 */

/** The error shape of the protocol. */
export interface ErrorBody {
  message: string;
  code: string;
}

/** Fails the whole request. `status` is the HTTP status (400 unless said otherwise). */
export class ProtocolError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Fails one request or one batch step. `code` is a primary SQLite code (`SQLITE_CONSTRAINT`,
 * never the extended `SQLITE_CONSTRAINT_UNIQUE`: sqld sends rusqlite's primary `ErrorCode`) or
 * one of sqld's statement codes (`ARGS_INVALID`, …). */
export class StmtError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
  toBody(): ErrorBody {
    return { message: this.message, code: this.code };
  }
}

/** Turns whatever the engine threw into a statement error, keeping SQLite's code. */
export function engineError(e: unknown): StmtError {
  if (e instanceof StmtError) return e;
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("SQLITE_")) {
      return new StmtError(`SQLite error: ${e.message}`, primaryCode(code));
    }
    // The binding's own checks (e.g. a BigInt out of range) are argument problems.
    return new StmtError(`SQLite input error: ${e.message}`, "SQLITE_MISUSE");
  }
  return new StmtError(`SQLite error: ${String(e)}`, "SQLITE_ERROR");
}

/** The primary code of a SQLite code: every primary name is one word after `SQLITE_`, and an
 * extended one adds `_SUFFIX` (SQLITE_CONSTRAINT_PRIMARYKEY → SQLITE_CONSTRAINT). */
export function primaryCode(code: string): string {
  return /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
}

/** Whether an engine error means "another connection holds the lock, try again later". */
export function isBusy(e: unknown): boolean {
  return e instanceof Error && (e as Error & { code?: unknown }).code === "SQLITE_BUSY";
}
