import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, OrgParams, orgSecurity } from "../schemas.ts";
import { IdParams } from "./schemas.ts";

const route = createRoute({
  operationId: "deleteInvitation",
  method: "delete",
  path: "/api/v1/orgs/{org}/invitations/{id}",
  tags: ["invitations"],
  summary: "Delete an answered, revoked or expired invitation",
  description: "A pending invitation cannot be deleted (409 `invitation_pending`): revoke it first.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams.merge(IdParams) },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404, 409) },
});

export function registerDeleteInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    unwrap(await orgRoom(c.env, c.var.org.id).deleteInvitation(c.var.org.id, c.var.actor, id));
    return c.body(null, 204);
  });
}
