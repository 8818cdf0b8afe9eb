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

/** Fails one request or one batch step. `code` is a SQLite code (extended when the engine has
 * one, e.g. `SQLITE_CONSTRAINT_UNIQUE`) or one of sqld's statement codes (`ARGS_INVALID`, …). */
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
      return new StmtError(`SQLite error: ${e.message}`, code);
    }
    // The binding's own checks (e.g. a BigInt out of range) are argument problems.
    return new StmtError(`SQLite input error: ${e.message}`, "SQLITE_MISUSE");
  }
  return new StmtError(`SQLite error: ${String(e)}`, "SQLITE_ERROR");
}

/** Whether an engine error means "another connection holds the lock, try again later". */
export function isBusy(e: unknown): boolean {
  return e instanceof Error && (e as Error & { code?: unknown }).code === "SQLITE_BUSY";
}
