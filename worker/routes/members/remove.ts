import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, OrgParams, orgSecurity } from "../schemas.ts";
import { UserIdParams } from "./schemas.ts";

const route = createRoute({
  operationId: "removeMember",
  method: "delete",
  path: "/api/v1/orgs/{org}/members/{userId}",
  tags: ["members"],
  summary: "Remove a member (or leave, with your own id)",
  description: "Access ends at once. Admins cannot remove owners; the last owner cannot be removed (409 `last_owner`).",
  security: orgSecurity,
  // Anyone may leave; removing somebody else needs members:write (checked in the room).
  middleware: [orgAccess("org:read")] as const,
  request: { params: OrgParams.merge(UserIdParams) },
  responses: { 204: { description: "Removed" }, ...errors(401, 403, 404, 409) },
});

export function registerRemoveMember(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { userId } = c.req.valid("param");
    unwrap(await orgRoom(c.env, c.var.org.id).removeMember(c.var.org.id, c.var.actor, userId));
    return c.body(null, 204);
  });
}
