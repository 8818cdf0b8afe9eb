import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { count, eq, sql } from "drizzle-orm";
import { invitations } from "../../../db/schema/index.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { InvitationFunnel, invitationFunnelView } from "../../views/invitation-funnel.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "getInvitationFunnel",
  method: "get",
  path: "/api/v1/orgs/{org}/invitations/funnel",
  tags: ["invitations"],
  summary: "The invitation funnel: how many were sent, and how many are accepted, declined, revoked, expired or pending",
  description:
    "Counts every invitation the organization keeps (a deleted one no longer counts), by the status the list shows: a pending invitation past its expiry counts as expired at once. One indexed count, whatever the number of invitations.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:read")] as const,
  request: { params: OrgParams },
  responses: { 200: json(InvitationFunnel, "The funnel"), ...errors(401, 403, 404) },
});

export function registerInvitationFunnel(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const now = c.var.clock.now();
    const rows = await orgDatabase(c.env, c.var.org.id)
      .select({
        status: invitations.status,
        n: count(),
        pastDue: sql<number>`coalesce(sum(${invitations.expiresAt} <= ${now}), 0)`.mapWith(Number),
      })
      .from(invitations)
      .where(eq(invitations.orgId, c.var.org.id))
      .groupBy(invitations.status);
    return c.json(invitationFunnelView(rows), 200);
  });
}
