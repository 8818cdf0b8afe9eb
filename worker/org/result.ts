import { AppError, type ErrorCode, type ErrorDetails } from "../errors.ts";

/**
 * What a room call answers. Errors thrown inside a Durable Object lose their class on the
 * way back through RPC, so the room returns them as data and the Worker rethrows them.
 */
export type RoomResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: ErrorCode; message: string; details?: ErrorDetails } };

/** Whether an error came from reaching libSQL (the client's errors, a failed fetch). */
function isDatabaseError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  const cause = (error as { cause?: { name?: string } } | null)?.cause?.name ?? "";
  return /Libsql|Hrana/i.test(`${name} ${cause}`) || (error instanceof TypeError && /fetch|network/i.test(error.message));
}

/**
 * Runs `fn` and turns an {@link AppError} into a failed result, and a database failure into
 * `database_unavailable` (a 503 the caller may retry, not a 500); anything else propagates.
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
    if (isDatabaseError(error)) {
      console.error("[roster] OrgRoom: the database failed:", error);
      return { ok: false, error: { code: "database_unavailable", message: "The database is unavailable; try again." } };
    }
    throw error;
  }
}

/** The Worker's side: the value, or the room's error rethrown as an {@link AppError}. */
export function unwrap<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  throw new AppError(result.error.code, result.error.message, result.error.details);
}
