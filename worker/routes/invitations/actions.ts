import { appUrl } from "../../lib/request.ts";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, InviteTtlDays, json, OrgParams, orgSecurity } from "../schemas.ts";
import { CreatedInvitation, Invitation } from "../../views/invitation.ts";
import { IdParams } from "./schemas.ts";

const params = OrgParams.merge(IdParams);
const security = { security: orgSecurity, middleware: orgAccess("invitations:write"), tags: ["invitations"] };

const resend = createRoute({
  ...security,
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/resend",
  summary: "Resend: a new link (the old one dies) and a new mail",
  description: "`sendCount` + 1. On an expired invitation, a fresh pending invitation for the same invitee is made instead (it needs a seat).",
  request: { params },
  responses: { 200: json(CreatedInvitation, "Resent; `inviteUrl` is the new link"), ...errors(401, 403, 404, 409) },
});

const newLink = createRoute({
  ...security,
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/link",
  summary: "A new copyable link, without mail (the old link dies)",
  request: { params },
  responses: { 200: json(CreatedInvitation, "The new link"), ...errors(401, 403, 404, 409) },
});

const extend = createRoute({
  ...security,
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/extend",
  summary: "Extend: expires `days` (default: the organization's) from now",
  description: "On an expired invitation, a fresh pending invitation is made instead (it needs a seat).",
  request: {
    params,
    body: { ...json(z.object({ days: InviteTtlDays.optional() }).strict()), required: false },
  },
  responses: { 200: json(z.object({ invitation: Invitation, inviteUrl: z.string().optional() }), "Extended"), ...errors(400, 401, 403, 404, 409) },
});

const revoke = createRoute({
  ...security,
  method: "post",
  path: "/api/v1/orgs/{org}/invitations/{id}/revoke",
  summary: "Revoke a pending invitation: its link dies and its seat is freed",
  request: { params },
  responses: { 200: json(z.object({ invitation: Invitation }), "Revoked"), ...errors(401, 403, 404, 409) },
});

const remove = createRoute({
  ...security,
  method: "delete",
  path: "/api/v1/orgs/{org}/invitations/{id}",
  summary: "Delete an answered, revoked or expired invitation",
  description: "A pending invitation cannot be deleted (409 `invitation_pending`): revoke it first.",
  request: { params },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404, 409) },
});

export function registerInvitationActions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(resend, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).resendInvitation(c.var.org.id, c.var.actor, id, { mail: true }, appUrl(c))), 200);
  });
  app.openapi(newLink, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).resendInvitation(c.var.org.id, c.var.actor, id, { mail: false }, appUrl(c))), 200);
  });
  app.openapi(extend, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).extendInvitation(c.var.org.id, c.var.actor, id, { days: body.days ?? null }, appUrl(c))), 200);
  });
  app.openapi(revoke, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).revokeInvitation(c.var.org.id, c.var.actor, id)), 200);
  });
  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    unwrap(await orgRoom(c.env, c.var.org.id).deleteInvitation(c.var.org.id, c.var.actor, id));
    return c.body(null, 204);
  });
}
