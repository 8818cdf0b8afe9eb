import type { InArgs, InStatement } from "@libsql/client/web";
import type { BatchItem } from "drizzle-orm/batch";
import { isRawStatement, type RawStatement } from "./row-insert.ts";

/** One statement of a transaction: a drizzle query, or raw SQL on the measured hot path. */
export type Statement = BatchItem<"sqlite"> | RawStatement;

/** A statement as the libSQL client takes it (drizzle's own batch does the same with its queries). */
export function toInStatement(statement: Statement): InStatement {
  if (isRawStatement(statement)) return { sql: statement.sql, args: statement.args };
  const query = (statement as unknown as { _prepare(): { getQuery(): { sql: string; params: unknown[] } } })._prepare().getQuery();
  return { sql: query.sql, args: query.params as InArgs };
}
