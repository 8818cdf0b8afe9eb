import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { organizations } from "./organizations.ts";

/**
 * An organization's members and pending invitations (past due or not), counted by the
 * database itself: triggers on `memberships` and `invitations` keep the row exact whatever
 * statement changes them (migration 0003). The seat guard reads it instead of counting
 * thousands of rows in every transaction that takes a seat; only the pending invitations
 * already past due are counted then, and the alarm keeps those few.
 *
 * drizzle-kit does not model triggers: a migration that makes it rebuild `memberships`,
 * `invitations` or `organizations` (a new table copied over) drops them with the old
 * table, and must create them again (test/unit/seat-counts.test.ts checks they exist).
 */
export const orgSeatCounts = sqliteTable("org_seat_counts", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  members: integer("members").notNull().default(0),
  pending: integer("pending").notNull().default(0),
});
