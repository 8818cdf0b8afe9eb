import { AppError, type ErrorCode, type ErrorDetails } from "../errors.ts";
import { databaseUnavailable, describeFailure, isDatabaseUnavailable } from "../lib/database-errors.ts";

/**
 * What a room call answers. Errors thrown inside a Durable Object lose their class on the
 * way back through RPC, so the room returns them as data and the Worker rethrows them.
 */
export type RoomResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: ErrorCode; message: string; details?: ErrorDetails } };

/**
 * Runs `fn` and turns an {@link AppError} into a failed result, and a failure to reach the
 * database (lib/database-errors.ts) into `database_unavailable` — a 503 the caller may
 * retry, not a 500: thrown across RPC it would arrive as a bare Error, its code lost.
 * Anything else (a bug) propagates, and answers 500.
 */
export async function asResult<T>(fn: () => Promise<T> | T): Promise<RoomResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof AppError) {
      return {
        ok: false,
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      };
    }
    if (isDatabaseUnavailable(error)) {
      console.warn(`[roster] OrgRoom: the database is unavailable: ${describeFailure(error)}`);
      const unavailable = databaseUnavailable();
      return { ok: false, error: { code: unavailable.code, message: unavailable.message, details: unavailable.details } };
    }
    throw error;
  }
}

/** The Worker's side: the value, or the room's error rethrown as an {@link AppError}. */
export function unwrap<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  throw new AppError(result.error.code, result.error.message, result.error.details);
}

/**
 * An error as a refusal to answer with: an {@link AppError} as it is, a database outage as
 * `database_unavailable`, anything else (a bug, logged) as `internal_error`.
 */
export function refusalOf(error: unknown, where: string): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  console.error(`[roster] ${where} failed:`, error);
  return new AppError("internal_error", "Something went wrong on our side.");
}
