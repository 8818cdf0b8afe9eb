import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, gt, or } from "drizzle-orm";
import { invitations, notifications, organizations, userMemberships } from "../../../db/schema/index.ts";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { Me, membershipView, notificationView, pendingInvitationView } from "../../views/me.ts";
import { userView } from "../../views/user.ts";
import { errors, json, userSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "getMe",
  method: "get",
  path: "/api/v1/me",
  tags: ["me"],
  summary: "The signed-in user, their memberships, pending invitations and notifications",
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: json(Me, "The signed-in user"), ...errors(401, 403) },
});

export function registerGetMe(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const user = c.var.user;
    const db = userDatabase(c.env);
    const now = new Date(c.var.clock.now());
    const [orgs, notes, pending] = await db.batch([
      db.select().from(userMemberships).where(eq(userMemberships.userId, user.id)).orderBy(userMemberships.orgName),
      db.select().from(notifications).where(eq(notifications.userId, user.id)).orderBy(desc(notifications.createdAt)).limit(50),
      // Invitations live on the organization side; today one query reaches them (the sharding seam, docs/architecture.md:
      // once sharded, the user side keeps its own index, fed through the outbox).
      db
        .select({ id: invitations.id, role: invitations.role, expiresAt: invitations.expiresAt, slug: organizations.slug, name: organizations.name })
        .from(invitations)
        .innerJoin(organizations, eq(organizations.id, invitations.orgId))
        .where(
          and(
            or(eq(invitations.email, user.email), eq(invitations.inviteeUserId, user.id)),
            eq(invitations.status, "pending"),
            gt(invitations.expiresAt, now),
          ),
        )
        .orderBy(desc(invitations.createdAt)),
    ]);
    return c.json(
      {
        user: userView(user),
        memberships: orgs.map(membershipView),
        invitations: pending.map(pendingInvitationView),
        notifications: notes.map(notificationView),
      },
      200,
    );
  });
}
