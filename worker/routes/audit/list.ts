import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, inArray } from "drizzle-orm";
import { apiKeys, auditEvents, invitations, memberships, type AuditEvent as AuditEventRow } from "../../../db/schema/index.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase, type Database } from "../../lib/database.ts";
import { AuditPage, auditEventView, type AuditNameView } from "../../views/audit-event.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { auditFilterFields, auditFilters, rangeIsOrdered } from "./filters.ts";

const Query = z
  .object({
    cursor: z.coerce.number().int().positive().optional().openapi({ description: "`nextCursor` of the previous page" }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    ...auditFilterFields,
  })
  .refine(rangeIsOrdered, { path: ["until"], message: "Must be after the start." });

const route = createRoute({
  operationId: "listAuditEvents",
  method: "get",
  path: "/api/v1/orgs/{org}/audit",
  tags: ["audit"],
  summary: "The audit trail, newest first, filtered by actor, action, target and time",
  description:
    "Filters combine (all must match). An `actor` that names nobody matches nothing. `target` (an id, with `targetType` to be exact) gives one member's, invitation's or API key's history. `names` says who the events' actors and targets are, so a client need not look each id up.",
  security: orgSecurity,
  middleware: [orgAccess("audit:read")] as const,
  request: { params: OrgParams, query: Query },
  responses: {
    200: json(AuditPage, "A page of events"),
    ...errors(400, 401, 403, 404),
  },
});


/** The ids of people, keys and invitations the events name, by kind. */
function namedIds(events: AuditEventRow[]): { users: string[]; keys: string[]; invitations: string[] } {
  const users = new Set<string>();
  const keys = new Set<string>();
  const invites = new Set<string>();
  for (const e of events) {
    if (e.actorType === "user" && e.actorId) users.add(e.actorId);
    if (e.actorType === "api_key" && e.actorId) keys.add(e.actorId);
    if (e.targetId && e.targetType === "member") users.add(e.targetId);
    if (e.targetId && e.targetType === "api_key") keys.add(e.targetId);
    if (e.targetId && e.targetType === "invitation") invites.add(e.targetId);
    // A removal's remover, a transfer's two owners.
    for (const key of ["by", "from", "to"]) {
      const value = e.data[key];
      if (typeof value === "string" && value.startsWith("usr_")) users.add(value);
    }
  }
  return { users: [...users], keys: [...keys], invitations: [...invites] };
}

/** Who the ids are, read from the organization's side only (a former member stays an id). */
async function names(db: Database, orgId: string, events: AuditEventRow[]): Promise<Record<string, AuditNameView>> {
  const ids = namedIds(events);
  const [people, keys, invites] = await Promise.all([
    ids.users.length
      ? db
          .select({ id: memberships.userId, name: memberships.userName, email: memberships.userEmail })
          .from(memberships)
          .where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, ids.users)))
      : [],
    ids.keys.length
      ? db
          .select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix })
          .from(apiKeys)
          .where(and(eq(apiKeys.orgId, orgId), inArray(apiKeys.id, ids.keys)))
      : [],
    ids.invitations.length
      ? db
          .select({ id: invitations.id, email: invitations.email, username: invitations.username })
          .from(invitations)
          .where(and(eq(invitations.orgId, orgId), inArray(invitations.id, ids.invitations)))
      : [],
  ]);
  const named: Record<string, AuditNameView> = {};
  for (const p of people) named[p.id] = { name: p.name || p.email, detail: p.email };
  for (const k of keys) named[k.id] = { name: k.name, detail: k.prefix };
  // An invitation by username keeps the account's email from its inviter, so from the trail too.
  for (const i of invites) named[i.id] = { name: i.username ? `@${i.username}` : i.email, detail: null };
  return named;
}

export function registerListAudit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const orgId = c.var.org.id;
    const db = orgDatabase(c.env, orgId);
    const rows = await db
      .select()
      .from(auditEvents)
      .where(auditFilters(db, orgId, query))
      .orderBy(desc(auditEvents.id))
      .limit(query.limit + 1);
    const more = rows.length > query.limit;
    const shown = more ? rows.slice(0, query.limit) : rows;
    return c.json(
      {
        events: shown.map(auditEventView),
        nextCursor: more ? (shown.at(-1)?.id ?? null) : null,
        names: await names(db, orgId, shown),
      },
      200,
    );
  });
}
