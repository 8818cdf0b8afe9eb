import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { actorTypes } from "../../worker/domain/audit.ts";
import { timestamp } from "./columns.ts";
import { organizations } from "./organizations.ts";

/**
 * The append-only audit trail of an organization. `id` increases with time, so it is the
 * cursor for pagination.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    actorType: text("actor_type", { enum: actorTypes }).notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    at: timestamp("at").notNull(),
  },
  (t) => [
    index("audit_events_org").on(t.orgId, t.id),
    index("audit_events_org_target").on(t.orgId, t.targetId, t.id),
    index("audit_events_org_actor").on(t.orgId, t.actorId, t.id),
    check("audit_events_actor_type", sql`${t.actorType} IN ('user', 'api_key', 'system')`),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
