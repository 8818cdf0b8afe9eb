import { sql } from "drizzle-orm";
import { check, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { invitationTtlDays } from "../../worker/domain/invitations.ts";
import { orgStatuses } from "../../worker/domain/org.ts";
import { timestamp } from "./columns.ts";

/** An organization: the tenant. URLs name it by `slug`; everything else keys on `id`. */
export const organizations = sqliteTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    plan: text("plan").notNull().default("free"),
    seatLimit: integer("seat_limit").notNull(),
    status: text("status", { enum: orgStatuses }).notNull().default("active"),
    autoPrivateProject: integer("auto_private_project", { mode: "boolean" }).notNull().default(false),
    /** JSON array of lower-cased domains; empty means any domain. */
    allowedEmailDomains: text("allowed_email_domains", { mode: "json" })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    defaultInviteTtlDays: integer("default_invite_ttl_days").notNull().default(7),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    /** Set when an owner deleted it: it answers `org_unavailable` from then on. */
    deletedAt: timestamp("deleted_at"),
    /** Who were its owners when it was deleted: they may still export its audit trail for a while. */
    deletedOwnerIds: text("deleted_owner_ids", { mode: "json" }).$type<string[]>(),
    /**
     * Bumped by every transaction the organization's room commits (worker/org/state.ts): the
     * room's index in its own storage is current when it carries the same number.
     */
    roomVersion: integer("room_version").notNull().default(0),
  },
  (t) => [
    uniqueIndex("organizations_slug_unique").on(t.slug),
    check("organizations_slug_format", sql`${t.slug} GLOB '[a-z0-9]*' AND ${t.slug} NOT GLOB '*[^a-z0-9-]*' AND length(${t.slug}) BETWEEN 2 AND 48`),
    check("organizations_seat_limit_nonnegative", sql`${t.seatLimit} >= 0`),
    check("organizations_status", sql`${t.status} IN ('active', 'dormant')`),
    check("organizations_invite_ttl", sql`${t.defaultInviteTtlDays} BETWEEN ${sql.raw(String(invitationTtlDays.min))} AND ${sql.raw(String(invitationTtlDays.max))}`),
  ],
);

export type Organization = typeof organizations.$inferSelect;
export type NewOrganization = typeof organizations.$inferInsert;
