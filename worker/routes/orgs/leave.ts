import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "leaveOrganization",
  method: "post",
  path: "/api/v1/orgs/{org}/leave",
  tags: ["organizations"],
  summary: "Leave an organization (the signed-in member)",
  description:
    "Any member may leave, except the last owner (409 `last_owner`: make somebody else owner first, or delete the organization). Access ends at once: the seat is freed, the member's API keys are revoked and their live sockets close (4403). Audited as `member.left`; `member.removed` and `seats.changed` go live. An API key cannot leave (403 `forbidden`). The same as `DELETE /orgs/{org}/members/{your id}`.",
  security: orgSecurity,
  middleware: [orgAccess("org:read")] as const,
  request: { params: OrgParams },
  responses: { 204: { description: "Left" }, ...errors(401, 403, 404, 409) },
});

export function registerLeaveOrg(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const actor = c.var.actor;
    if (actor.type !== "user") throw new AppError("forbidden", "An API key cannot leave an organization; revoke it instead.");
    unwrap(await orgRoom(c.env, c.var.org.id).removeMember(c.var.org.id, actor, actor.userId));
    return c.body(null, 204);
  });
}
