import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { memberships, organizations } from "../../../db/schema/index.ts";
import { effectiveStatus, invitationStatuses } from "../../domain/invitations.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { errors, json, Role } from "../schemas.ts";
import { invitationByToken } from "./lookup.ts";
import { TokenParams } from "./schemas.ts";

const Preview = z
  .object({
    org: z.object({ name: z.string(), slug: z.string() }),
    inviter: z.object({ name: z.string() }),
    role: Role,
    expiresAt: z.string(),
    status: z.enum(invitationStatuses),
  })
  .openapi("InvitationPreview");

const route = createRoute({
  method: "get",
  path: "/api/v1/invitations/{token}",
  tags: ["invitations"],
  summary: "What an invitation link offers: organization, inviter, role, expiry, status — nothing more",
  request: { params: TokenParams },
  responses: { 200: json(Preview, "The invitation"), ...errors(400, 404) },
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
    return c.json(
      {
        org: { name: org?.name ?? "", slug: org?.slug ?? "" },
        inviter: { name: inviter?.name || org?.name || "" },
        role: invitation.role,
        expiresAt: invitation.expiresAt.toISOString(),
        status: effectiveStatus(invitation.status, invitation.expiresAt.getTime(), c.var.clock.now()),
      },
      200,
    );
  });
}
