import { z } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { and, eq, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { apiKeys, auditEvents, memberships } from "../../../db/schema/index.ts";
import { auditActionFilterShape } from "../../domain/audit-actions.ts";
import type { Database } from "../../lib/database.ts";

/**
 * The audit trail's filters (action, actor, target, since, until): one definition for the list
 * (list.ts) and the export (export.ts).
 */
export const auditFilterFields = {
  action: z
    .string()
    .trim()
    .regex(auditActionFilterShape, "Use an action such as member.removed, or a family such as member.")
    .optional()
    .openapi({ description: "One action (`member.removed`) or a family of them (`member` for every `member.*`)", example: "invitation" }),
  actor: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .refine(...wellFormed)
    .optional()
    .openapi({
      description:
        "Who acted: `system` (Roster itself, e.g. expiries), a user or API key id, a current member's email or username (`@` optional), or an API key's name",
      example: "ada@example.com",
    }),
  target: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine(...wellFormed)
    .optional()
    .openapi({
      description: "What was acted on, by id: a member's user id, an invitation, an API key, or the organization's own id (`targetId` of the events)",
      example: "inv_01JF3Z6Q8W2D5K9V7X4T1B0N3M",
    }),
  targetType: z
    .string()
    .trim()
    .regex(/^[a-z][a-z_]{0,31}$/, "Use a target type such as member, invitation, api_key or org.")
    .optional()
    .openapi({ description: "What kind of thing was acted on (`targetType` of the events): `member`, `invitation`, `api_key`, `org`…", example: "invitation" }),
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: "Events at or after this time (ISO 8601)" }),
  until: z.iso.datetime({ offset: true }).optional().openapi({ description: "Events before this time (ISO 8601)" }),
};

export interface AuditFilterValues {
  cursor?: number;
  action?: string;
  actor?: string;
  target?: string;
  targetType?: string;
  since?: string;
  until?: string;
}

/** `until` must come after `since`. */
export function rangeIsOrdered(q: AuditFilterValues): boolean {
  return !q.since || !q.until || Date.parse(q.since) < Date.parse(q.until);
}

/** The events' conditions for the filters asked for; `cursor` keeps events older (smaller id) than it. */
export function auditFilters(db: Database, orgId: string, query: AuditFilterValues): SQL | undefined {
  const { cursor, action, actor, target, targetType, since, until } = query;
  return and(
    eq(auditEvents.orgId, orgId),
    cursor ? lt(auditEvents.id, cursor) : undefined,
    // A family is a range of names ("member." up to "member/"), so `_` in it stays literal.
    action?.includes(".") ? eq(auditEvents.action, action) : undefined,
    action && !action.includes(".") ? and(gte(auditEvents.action, `${action}.`), lt(auditEvents.action, `${action}/`)) : undefined,
    actor ? actorFilter(db, orgId, actor) : undefined,
    // (org_id, target_id, id) is indexed (audit_events_org_target): one target's history reads only its rows.
    target ? eq(auditEvents.targetId, target) : undefined,
    targetType ? eq(auditEvents.targetType, targetType) : undefined,
    since ? gte(auditEvents.at, new Date(since)) : undefined,
    until ? lt(auditEvents.at, new Date(until)) : undefined,
  );
}

function actorFilter(db: Database, orgId: string, actor: string): SQL | undefined {
  if (actor.toLowerCase() === "system") return eq(auditEvents.actorType, "system");
  const handle = actor.replace(/^@/, "").toLowerCase();
  const members = db
    .select({ id: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), or(eq(memberships.userEmail, actor.toLowerCase()), sql`lower(${memberships.userUsername}) = ${handle}`)));
  const keys = db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.name, actor)));
  return or(eq(auditEvents.actorId, actor), inArray(auditEvents.actorId, members), inArray(auditEvents.actorId, keys));
}
