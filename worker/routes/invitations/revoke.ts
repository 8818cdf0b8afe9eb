import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { Invitation } from "../../views/invitation.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { IdParams } from "./schemas.ts";

const route = createRoute({
  operationId: "revokeInvitation",
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/revoke",
  tags: ["invitations"],
  summary: "Revoke a pending invitation: its link dies and its seat is freed",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams.merge(IdParams) },
  responses: { 200: json(z.object({ invitation: Invitation }), "Revoked"), ...errors(401, 403, 404, 409) },
});

export function registerRevokeInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).revokeInvitation(c.var.org.id, c.var.actor, id)), 200);
  });
}
