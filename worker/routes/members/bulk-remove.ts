import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { MemberRemovals } from "../../views/member.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const BulkRemove = z.object({ userIds: z.array(z.string().min(1).max(64)).min(1).max(100) }).openapi("BulkRemoveMembers");

const route = createRoute({
  operationId: "bulkRemoveMembers",
  method: "post",
  path: "/api/v1/orgs/{org}/members/bulk-remove",
  tags: ["members"],
  summary: "Remove many members at once",
  description: "A result per user: removed, or why not (`not_found`, `forbidden`, `last_owner`). The removals commit together.",
  security: orgSecurity,
  middleware: [orgAccess("members:write")] as const,
  request: { params: OrgParams, body: { ...json(BulkRemove), required: true } },
  responses: { 200: json(MemberRemovals, "A result per user"), ...errors(400, 401, 403, 404) },
});

export function registerBulkRemoveMembers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { userIds } = c.req.valid("json");
    const results = unwrap(await orgRoom(c.env, c.var.org.id).removeMembers(c.var.org.id, c.var.actor, userIds));
    return c.json({ results }, 200);
  });
}
