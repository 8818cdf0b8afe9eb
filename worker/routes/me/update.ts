import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, ne, sql } from "drizzle-orm";
import { memberships, userMemberships, users } from "../../../db/schema/index.ts";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { isUniqueViolation } from "../../lib/database-errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { orgRoom } from "../../org/room-client.ts";
import { User, userView } from "../../views/user.ts";
import { DisplayName, errors, json, Username, userSecurity } from "../schemas.ts";

const Patch = z
  .object({ name: DisplayName().optional(), username: Username.nullable().optional() })
  .strict()
  .refine((p) => p.name !== undefined || p.username !== undefined, "Send name or username.");

const route = createRoute({
  operationId: "updateMe",
  method: "patch",
  path: "/api/v1/me",
  tags: ["me"],
  summary: "Change your name or username",
  description: "Usernames are unique, compared case-insensitively (409 `username_taken`).",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: { ...json(Patch), required: true } },
  responses: { 200: json(z.object({ user: User }), "Updated"), ...errors(400, 401, 403, 409) },
});

export function registerUpdateMe(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const patch = c.req.valid("json");
    const user = c.var.user;
    const db = userDatabase(c.env);
    if (patch.username) {
      const [taken] = await db
        .select({ id: users.id })
        .from(users)
        .where(and(sql`lower(${users.username}) = lower(${patch.username})`, ne(users.id, user.id)));
      if (taken) throw new AppError("username_taken", "This username is taken.");
    }
    try {
      const [[updated], , orgs] = await db.batch([
        db.update(users).set(patch).where(eq(users.id, user.id)).returning(),
        // Memberships keep their own copy of the name and username for search and sort (the sharding seam, docs/architecture.md).
        db.update(memberships).set({ userName: patch.name ?? user.name, userUsername: patch.username === undefined ? user.username : patch.username }).where(eq(memberships.userId, user.id)),
        db.select({ orgId: userMemberships.orgId }).from(userMemberships).where(eq(userMemberships.userId, user.id)),
      ]);
      if (!updated) throw new AppError("unauthenticated", "Your account no longer exists.");
      if (patch.name !== undefined && patch.name !== user.name) {
        // Each room keeps members' names in its index (for mail and live events): tell them.
        await Promise.all(orgs.map(({ orgId }) => orgRoom(c.env, orgId).memberRenamed(user.id, updated.name)));
      }
      return c.json({ user: userView(updated) }, 200);
    } catch (error) {
      // Two concurrent claims of one username: the unique index decides.
      if (isUniqueViolation(error)) {
        throw new AppError("username_taken", "This username is taken.");
      }
      throw error;
    }
  });
}
