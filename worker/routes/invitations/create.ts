import { appUrl } from "../../lib/request.ts";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { targetOf } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { describeIssues } from "../../middleware/validation.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { resolveInvitees } from "./invitee.ts";
import { CreatedInvitation } from "../../views/invitation.ts";
import { InvitationInput } from "./schemas.ts";

const route = createRoute({
  operationId: "createInvitation",
  method: "post",
  path: "/api/v1/orgs/{org}/invitations",
  tags: ["invitations"],
  summary: "Invite someone by email or username",
  description:
    "Mails the invitee a link (with `mail: false`, none: the answer's `inviteUrl` is the only copy). Takes a seat until answered, revoked or expired (409 `seats_exhausted` with `{limit, used}` when none is left). Errors: `already_member`, `already_invited` (a pending invitation of the same kind: by email for an address, by username for an account; the two kinds are never compared, and joining through one revokes the other), `user_not_found` (unknown username), `forbidden` (role above your own), `domain_not_allowed`, `org_unavailable`, `rate_limited` (the organization's hourly invitation mail). `inviteUrl` is shown only here and on resend.",
  security: orgSecurity,
  request: { params: OrgParams, body: { ...json(InvitationInput), required: true } },
  responses: { 201: json(CreatedInvitation, "Invited"), ...errors(400, 401, 403, 404, 409, 429) },
});

/**
 * The hot path: the room authorizes and invites in one call. Input is therefore checked
 * here rather than by a validator ahead of authorization — and any refusal found before
 * the room is asked waits for the room's verdict on the caller first, so nobody outside
 * the organization learns from a 400 or a 404 that it exists.
 */
export function registerCreateInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(route);
  app.post("/api/v1/orgs/:org/invitations", async (c) => {
    const { orgId, credential } = await targetOf(c);
    const room = orgRoom(c.env, orgId);
    const refuse = async (error: AppError): Promise<never> => {
      unwrap(await room.authorize(orgId, credential));
      throw error;
    };
    const parsed = InvitationInput.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return refuse(new AppError("validation_failed", "The request is invalid.", { issues: describeIssues(parsed.error) }));
    }
    const input = parsed.data;
    const [invitee] = await resolveInvitees(c.env, [input.invitee]);
    if (!invitee || invitee instanceof AppError) return refuse(invitee ?? new AppError("user_not_found", "Unknown invitee."));
    const created = await room.inviteAs(orgId, credential, {
      ...invitee,
      role: input.role,
      projects: input.projects,
      message: input.message ?? null,
      expiresInDays: input.expiresInDays ?? null,
      mail: input.mail,
      welcomeEmail: input.welcomeEmail,
    }, appUrl(c));
    return c.json(unwrap(created), 201);
  });
}
