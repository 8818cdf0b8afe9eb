import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { memberships, organizations } from "../../../db/schema/index.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { InvitationPreview, invitationPreviewView } from "../../views/invitation-preview.ts";
import { errors, json } from "../schemas.ts";
import { invitationByToken } from "./lookup.ts";
import { TokenParams } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/api/v1/invitations/{token}",
  tags: ["invitations"],
  summary: "What an invitation link offers: organization, inviter, role, expiry, status — nothing more",
  request: { params: TokenParams },
  responses: { 200: json(InvitationPreview, "The invitation"), ...errors(400, 404) },
});

export function registerInvitationPreview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const invitation = await invitationByToken(c.env, c.req.valid("param").token);
    const db = orgDatabase(c.env, invitation.orgId);
    const [[org], [inviter]] = await db.batch([
      db.select({ name: organizations.name, slug: organizations.slug }).from(organizations).where(eq(organizations.id, invitation.orgId)),
      db
        .select({ name: memberships.userName })
        .from(memberships)
        .where(and(eq(memberships.orgId, invitation.orgId), eq(memberships.userId, invitation.createdBy))),
    ]);
    return c.json(invitationPreviewView(invitation, org, inviter, c.var.clock.now()), 200);
  });
}
