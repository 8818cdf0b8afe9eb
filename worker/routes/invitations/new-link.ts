import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { CreatedInvitation } from "../../views/invitation.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { IdParams } from "./schemas.ts";

const route = createRoute({
  operationId: "createInvitationLink",
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/link",
  tags: ["invitations"],
  summary: "A new copyable link, without mail (the old link dies)",
  description: "On an expired invitation, a fresh pending invitation for the same invitee is made instead (it needs a seat), not mailed either.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams.merge(IdParams) },
  responses: { 200: json(CreatedInvitation, "The new link"), ...errors(401, 403, 404, 409) },
});

export function registerNewInvitationLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).resendInvitation(c.var.org.id, c.var.actor, id, { mail: false }, appUrl(c))), 200);
  });
}
