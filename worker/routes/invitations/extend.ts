import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { ExtendedInvitation } from "../../views/invitation.ts";
import { errors, InviteTtlDays, json, OrgParams, orgSecurity } from "../schemas.ts";
import { IdParams } from "./schemas.ts";

const route = createRoute({
  operationId: "extendInvitation",
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/extend",
  tags: ["invitations"],
  summary: "Extend: expires `days` (default: the organization's) from now",
  description: "On an expired invitation, a fresh pending invitation is made instead (it needs a seat).",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: {
    params: OrgParams.merge(IdParams),
    body: { ...json(z.object({ days: InviteTtlDays.optional() }).strict()), required: false },
  },
  responses: { 200: json(ExtendedInvitation, "Extended"), ...errors(400, 401, 403, 404, 409) },
});

export function registerExtendInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    // The body is optional: without one, the organization's default applies.
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).extendInvitation(c.var.org.id, c.var.actor, id, { days: body.days ?? null }, appUrl(c))), 200);
  });
}
