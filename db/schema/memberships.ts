import { sql } from "drizzle-orm";
import { check, index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamp } from "./columns.ts";
import { joinedVia } from "../../worker/domain/memberships.ts";
import { roles } from "../../worker/domain/roles.ts";
import { organizations } from "./organizations.ts";

/**
 * A user's membership of an organization. It keeps its own copy of the user's name, email
 * and username (the sharding seam, docs/architecture.md) so member search and sort never join across the org/user line.
 */
export const memberships = sqliteTable(
  "memberships",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    // No foreign key to users: users live on the user side of the sharding seam (the sharding seam, docs/architecture.md).
    userId: text("user_id").notNull(),
    role: text("role", { enum: roles }).notNull(),
    title: text("title").notNull().default(""),
    userName: text("user_name").notNull().default(""),
    userEmail: text("user_email").notNull(),
    userUsername: text("user_username"),
    joinedVia: text("joined_via", { enum: joinedVia }).notNull(),
    linkTag: text("link_tag"),
    joinedAt: timestamp("joined_at").notNull(),
    lastActiveAt: timestamp("last_active_at"),
  },
  (t) => [
    // One membership per user and organization, by construction.
    primaryKey({ columns: [t.orgId, t.userId] }),
    index("memberships_user").on(t.userId),
    index("memberships_org_name").on(t.orgId, sql`lower(${t.userName})`, t.userId),
    index("memberships_org_email").on(t.orgId, t.userEmail, t.userId),
    // A role filter seeks its role's rows in the order of the page, instead of walking the organization.
    index("memberships_org_role_name").on(t.orgId, t.role, sql`lower(${t.userName})`, t.userId),
    index("memberships_org_role_email").on(t.orgId, t.role, t.userEmail, t.userId),
    check("memberships_role", sql`${t.role} IN ('owner', 'admin', 'member', 'restricted')`),
    check("memberships_joined_via", sql`${t.joinedVia} IN ('created', 'invitation', 'link', 'api')`),
  ],
);

export type Membership = typeof memberships.$inferSelect;
export type NewMembership = typeof memberships.$inferInsert;
