import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { isInvitee } from "../../org/commands/respond.ts";
import { InvitationPreview } from "../../views/invitation-preview.ts";
import { invitationById, inviteeOf } from "../invitations/lookup.ts";
import { invitationPreview } from "../invitations/preview.ts";
import { IdParams } from "../invitations/schemas.ts";
import { errors, json, userSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "getMyInvitation",
  method: "get",
  path: "/api/v1/me/invitations/{id}",
  tags: ["me"],
  summary: "One of your invitations: organization, inviter, role, expiry, status",
  description:
    "What the invitation's link shows (`GET /api/v1/invitations/{token}`), reached by the id that `GET /api/v1/me` and its " +
    "notifications give, for the account it is addressed to. Any status, so a notification of an invitation since revoked " +
    "or expired still opens it. Someone else's invitation is 404, like an unknown id.",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: IdParams },
  responses: { 200: json(InvitationPreview, "The invitation"), ...errors(400, 401, 403, 404, 409) },
});

export function registerGetMyInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const invitation = await invitationById(c.env, c.req.valid("param").id);
    // Someone else's invitation is not found, not forbidden: ids reveal nothing.
    if (!invitation || !isInvitee(invitation, inviteeOf(c.var.user))) throw new AppError("not_found", "No such invitation.");
    return c.json(await invitationPreview(c.env, invitation, c.var.clock.now()), 200);
  });
}
