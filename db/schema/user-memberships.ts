import { sql } from "drizzle-orm";
import { check, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { roles } from "../../worker/domain/roles.ts";
import { timestamp } from "./columns.ts";
import { users } from "./users.ts";

/**
 * The user side's index of a user's memberships, what `/me` and the organization
 * switcher read without touching organization-scoped tables (the sharding seam, docs/architecture.md). Written in the
 * same transaction as the membership it mirrors.
 */
export const userMemberships = sqliteTable(
  "user_memberships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    orgSlug: text("org_slug").notNull(),
    orgName: text("org_name").notNull(),
    role: text("role", { enum: roles }).notNull(),
    joinedAt: timestamp("joined_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.orgId] }),
    check("user_memberships_role", sql`${t.role} IN ('owner', 'admin', 'member', 'restricted')`),
  ],
);
