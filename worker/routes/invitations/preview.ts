import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { memberships, organizations, type Invitation } from "../../../db/schema/index.ts";
import type { AppEnv, Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { orgDatabase } from "../../lib/database.ts";
import { InvitationPreview, invitationPreviewView, type InvitationPreviewView } from "../../views/invitation-preview.ts";
import { errors, json } from "../schemas.ts";
import { invitationByToken } from "./lookup.ts";
import { TokenParams } from "./schemas.ts";

const route = createRoute({
  operationId: "previewInvitation",
  security: [],
  method: "get",
  path: "/api/v1/invitations/{token}",
  tags: ["invitations"],
  summary: "What an invitation link offers: organization, inviter, role, expiry, status — nothing more",
  request: { params: TokenParams },
  responses: { 200: json(InvitationPreview, "The invitation"), ...errors(400, 404, 409) },
});

/** What `invitation` offers its invitee: its organization and inviter read beside it (one round trip). */
export async function invitationPreview(env: Bindings, invitation: Invitation, now: number): Promise<InvitationPreviewView> {
  const db = orgDatabase(env, invitation.orgId);
  const [[org], [inviter]] = await db.batch([
    db.select({ name: organizations.name, slug: organizations.slug, deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, invitation.orgId)),
    db
      .select({ name: memberships.userName })
      .from(memberships)
      .where(and(eq(memberships.orgId, invitation.orgId), eq(memberships.userId, invitation.createdBy))),
  ]);
  if (org?.deletedAt) throw new AppError("org_unavailable", "This organization was deleted.");
  return invitationPreviewView(invitation, org, inviter, now);
}

export function registerInvitationPreview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const invitation = await invitationByToken(c.env, c.req.valid("param").token);
    return c.json(await invitationPreview(c.env, invitation, c.var.clock.now()), 200);
  });
}
