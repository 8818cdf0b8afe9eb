import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../auth/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { resolveInvitees } from "./invitee.ts";
import { CreatedInvitation, InvitationInput } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/api/v1/orgs/{org}/invitations",
  tags: ["invitations"],
  summary: "Invite someone by email or username",
  description:
    "Takes a seat until answered, revoked or expired (409 `seats_exhausted` with `{limit, used}` when none is left). Errors: `already_member`, `already_invited`, `user_not_found` (unknown username), `forbidden` (role above your own). `inviteUrl` is shown only here and on resend.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams, body: { ...json(InvitationInput), required: true } },
  responses: { 201: json(CreatedInvitation, "Invited"), ...errors(400, 401, 403, 404, 409) },
});

export function registerCreateInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const input = c.req.valid("json");
    const [invitee] = await resolveInvitees(c.env, [input.invitee]);
    if (!invitee || invitee instanceof Error) throw invitee ?? new Error("unresolved invitee");
    const created = await orgRoom(c.env, c.var.org.id).invite(c.var.org.id, c.var.actor, {
      ...invitee,
      role: input.role,
      projects: input.projects,
      message: input.message ?? null,
      expiresInDays: input.expiresInDays ?? null,
    });
    return c.json(unwrap(created), 201);
  });
}
