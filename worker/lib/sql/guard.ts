import { sql, type SQL } from "drizzle-orm";
import type { InValue } from "@libsql/client/web";
import { AppError, type ErrorCode } from "../../errors.ts";
import { rawStatement, type RawStatement } from "./row-insert.ts";

const marker = "roster_guard";

/**
 * A statement that fails when `condition` is false, so the batch it is part of rolls back
 * whole. The room checks every invariant against its state first; the guard makes the
 * database itself refuse a write that would break one (last owner, seat limit, an
 * invitation answered twice), even if a second writer slipped past the room.
 */
export function guard(condition: SQL, code: ErrorCode): SQL {
  // json_extract with a path that is not one fails, and the error names the path: the
  // guard's code comes back in the message ("bad JSON path: 'roster_guard:<code>'").
  return sql`SELECT CASE WHEN (${condition}) THEN 1 ELSE json_extract('{}', ${`${marker}:${code}`}) END`;
}

/** {@link guard} as raw SQL: `condition` is SQL text with `?` for `args`. */
export function rawGuard(condition: string, args: InValue[], code: ErrorCode): RawStatement {
  return rawStatement(`SELECT CASE WHEN (${condition}) THEN 1 ELSE json_extract('{}', ?) END`, [...args, `${marker}:${code}`]);
}

const guardFailure = new RegExp(`${marker}:([a-z_]+)`);

/** The code of the guard whose failure `error` is, if it is one. */
export function guardCode(error: unknown): string | null {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return guardFailure.exec(text)?.[1] ?? null;
}

/** What each guard's failure tells the caller; a guard fires only if a second writer slipped past the room. */
const refusals: Partial<Record<ErrorCode, string>> = {
  seats_exhausted: "No seat is left on this organization's plan.",
  invitation_not_pending: "This invitation is no longer pending.",
  last_owner: "The organization must keep an owner.",
  forbidden: "Only an owner can transfer ownership.",
  link_invalid: "This link is not valid: it was regenerated or disabled.",
  // The room's version fence (command-runner.ts): the database moved on without this room.
  database_unavailable: "The organization changed meanwhile; try again.",
};

/** The refusal a failed guard means (an {@link AppError}), or `error` itself when it is no guard's. */
export function guardRefusal(error: unknown): unknown {
  const code = guardCode(error) as ErrorCode | null;
  const message = code ? refusals[code] : undefined;
  return code && message ? new AppError(code, message) : error;
}
