import { appUrl } from "../../lib/request.ts";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { isInvitee } from "../../org/commands/respond.ts";
import { errors, json, userSecurity } from "../schemas.ts";
import { invitationById, invitationByToken, respond } from "./lookup.ts";
import { InvitationAnswer } from "../../views/invitation.ts";
import { IdParams, TokenParams } from "./schemas.ts";

const description =
  "The signed-in user's verified email (or username) must match: a wrong account gets 403 `email_mismatch` and the invitation stays pending. Expired: 410 `invitation_expired`; revoked or declined: 409 `invitation_not_pending`. Accepting twice is harmless.";

function routes(answer: "accept" | "decline") {
  const base = { tags: ["invitations"], security: userSecurity, middleware: requireUser, description };
  const responses = { 200: json(InvitationAnswer, answer === "accept" ? "Accepted: you are a member" : "Declined"), ...errors(400, 401, 403, 404, 409, 410) };
  return {
    byToken: createRoute({ ...base, operationId: `${answer}InvitationByToken`, method: "post", path: `/api/v1/invitations/{token}/${answer}`, summary: `${answer === "accept" ? "Accept" : "Decline"} an invitation by its link's token`, request: { params: TokenParams }, responses }),
    byId: createRoute({ ...base, operationId: `${answer}MyInvitation`, method: "post", path: `/api/v1/me/invitations/{id}/${answer}`, summary: `${answer === "accept" ? "Accept" : "Decline"} one of your pending invitations`, request: { params: IdParams }, responses }),
  };
}

export function registerRespondToInvitation(app: OpenAPIHono<AppEnv>): void {
  for (const answer of ["accept", "decline"] as const) {
    const { byToken, byId } = routes(answer);
    app.openapi(byToken, async (c) => {
      const invitation = await invitationByToken(c.env, c.req.valid("param").token);
      return c.json(await respond(c.env, invitation, c.var.user, answer, c.var.clock.now(), appUrl(c)), 200);
    });
    app.openapi(byId, async (c) => {
      const invitation = await invitationById(c.env, c.req.valid("param").id);
      // Someone else's invitation is not found, not forbidden: ids reveal nothing.
      if (!invitation || !isInvitee(invitation, c.var.user)) {
        throw new AppError("not_found", "No such invitation.");
      }
      return c.json(await respond(c.env, invitation, c.var.user, answer, c.var.clock.now(), appUrl(c)), 200);
    });
  }
}
