import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, gt, or } from "drizzle-orm";
import { invitations, notifications, organizations, userMemberships } from "../../../db/schema/index.ts";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { errors, json, Role, User, userSecurity } from "../schemas.ts";
import { userView } from "../views.ts";

const Me = z
  .object({
    user: User,
    memberships: z.array(z.object({ org: z.object({ id: z.string(), slug: z.string(), name: z.string() }), role: Role, joinedAt: z.string() })),
    invitations: z.array(z.object({ id: z.string(), org: z.object({ slug: z.string(), name: z.string() }), role: Role, expiresAt: z.string() })),
    notifications: z.array(z.object({ id: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()), createdAt: z.string(), read: z.boolean() })),
  })
  .openapi("Me");

const route = createRoute({
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
        memberships: orgs.map((m) => ({ org: { id: m.orgId, slug: m.orgSlug, name: m.orgName }, role: m.role, joinedAt: m.joinedAt.toISOString() })),
        invitations: pending.map((i) => ({ id: i.id, org: { slug: i.slug, name: i.name }, role: i.role, expiresAt: i.expiresAt.toISOString() })),
        notifications: notes.map((n) => ({ id: n.id, type: n.type, data: n.data, createdAt: n.createdAt.toISOString(), read: n.readAt !== null })),
      },
      200,
    );
  });
}
