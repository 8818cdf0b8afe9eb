import { sql } from "drizzle-orm";
import { check, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { linkKinds } from "../../worker/domain/links.ts";
import { timestamp } from "./columns.ts";
import { organizations } from "./organizations.ts";

/**
 * An organization's self-registration link of one kind (`new`: register and join;
 * `existing`: sign in and join). The URL itself is never stored: it is derived from the
 * server secret, the organization, the kind and `generation` (an HMAC), so regenerating
 * (generation + 1) kills the old URL at once. `tag` is the generation's date, stored on
 * every membership made through it.
 */
export const orgLinks = sqliteTable(
  "org_links",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: linkKinds }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(false),
    generation: integer("generation").notNull().default(1),
    tag: text("tag").notNull(),
    rotatedAt: timestamp("rotated_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.kind] }), check("org_links_kind", sql`${t.kind} IN ('new', 'existing')`)],
);

export type OrgLink = typeof orgLinks.$inferSelect;
