import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, lt } from "drizzle-orm";
import { auditEvents } from "../../../db/schema/index.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { AuditEvent, auditEventView } from "../../views/audit-event.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/audit",
  tags: ["audit"],
  summary: "The audit trail, newest first",
  security: orgSecurity,
  middleware: [orgAccess("audit:read")] as const,
  request: {
    params: OrgParams,
    query: z.object({
      cursor: z.coerce.number().int().positive().optional().openapi({ description: "`nextCursor` of the previous page" }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: json(z.object({ events: z.array(AuditEvent), nextCursor: z.number().int().nullable() }), "A page of events"),
    ...errors(400, 401, 403, 404),
  },
});

export function registerListAudit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const orgId = c.var.org.id;
    const rows = await orgDatabase(c.env, orgId)
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), cursor ? lt(auditEvents.id, cursor) : undefined))
      .orderBy(desc(auditEvents.id))
      .limit(limit + 1);
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    return c.json(
      {
        events: shown.map(auditEventView),
        nextCursor: more ? (shown.at(-1)?.id ?? null) : null,
      },
      200,
    );
  });
}
