import { sql, type SQL } from "drizzle-orm";
import type { InValue } from "@libsql/client/web";
import { AppError, type ErrorCode, type ErrorDetails } from "../errors.ts";
import { rawStatement, type RawStatement } from "../lib/row-insert.ts";

const marker = "roster_guard";

/**
 * A statement that fails when `condition` is false, so the batch it is part of rolls back
 * whole. The room checks every invariant against its state first; the guard makes the
 * database itself refuse a write that would break one (last owner, seat limit), even if a
 * second writer slipped past the room.
 */
export function guard(condition: SQL, code: ErrorCode): SQL {
  // json() of text that is not JSON raises "malformed JSON"; the text names the guard.
  return sql`SELECT CASE WHEN (${condition}) THEN 1 ELSE json(${`${marker}:${code}`}) END`;
}

/** {@link guard} as raw SQL: `condition` is SQL text with `?` for `args`. */
export function rawGuard(condition: string, args: InValue[], code: ErrorCode): RawStatement {
  return rawStatement(`SELECT CASE WHEN (${condition}) THEN 1 ELSE json(?) END`, [...args, `${marker}:${code}`]);
}

/** Rethrows a database error raised by a {@link guard} as the guard's AppError. */
export function rethrowGuard(error: unknown, code: ErrorCode, message: string, details?: ErrorDetails): never {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  if (/malformed JSON/i.test(text)) throw new AppError(code, message, details);
  throw error;
}
