import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, gt, lt, lte, or, type SQL } from "drizzle-orm";
import { invitations } from "../../../db/schema/index.ts";
import { invitationStatuses } from "../../domain/invitations.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { InvitationPage, invitationView } from "../../views/invitation.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "listInvitations",
  method: "get",
  path: "/api/v1/orgs/{org}/invitations",
  tags: ["invitations"],
  summary: "List invitations, newest first, optionally by status",
  description: "A pending invitation past its expiry is listed as `expired` at once, even before the room marks it.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:read")] as const,
  request: {
    params: OrgParams,
    query: z.object({
      status: z.enum(invitationStatuses).optional(),
      cursor: z.string().max(64).optional().openapi({ description: "`nextCursor` of the previous page" }),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: { 200: json(InvitationPage, "A page"), ...errors(400, 401, 403, 404) },
});

/** The filter for an effective status at `now`. */
function statusFilter(status: (typeof invitationStatuses)[number], now: Date): SQL {
  if (status === "pending") return and(eq(invitations.status, "pending"), gt(invitations.expiresAt, now)) as SQL;
  if (status === "expired") return or(eq(invitations.status, "expired"), and(eq(invitations.status, "pending"), lte(invitations.expiresAt, now))) as SQL;
  return eq(invitations.status, status);
}

export function registerListInvitations(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { status, cursor, limit } = c.req.valid("query");
    const now = c.var.clock.now();
    const rows = await orgDatabase(c.env, c.var.org.id)
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.orgId, c.var.org.id),
          status ? statusFilter(status, new Date(now)) : undefined,
          // Ids are time-ordered, so they are the cursor.
          cursor ? lt(invitations.id, cursor) : undefined,
        ),
      )
      .orderBy(desc(invitations.id))
      .limit(limit + 1);
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    return c.json({ invitations: shown.map((i) => invitationView(i, now)), nextCursor: more ? (shown.at(-1)?.id ?? null) : null }, 200);
  });
}
