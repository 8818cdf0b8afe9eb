import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { notifications } from "../../../db/schema/index.ts";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { errors, json, userSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "markAllNotificationsRead",
  method: "post",
  path: "/api/v1/me/notifications/read",
  tags: ["me"],
  summary: "Mark all your notifications read",
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: json(z.object({ read: z.number().int().openapi({ description: "How many were unread" }) }), "Read"), ...errors(401, 403) },
});

export function registerReadAllNotifications(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const read = await userDatabase(c.env)
      .update(notifications)
      .set({ readAt: new Date(c.var.clock.now()) })
      .where(and(eq(notifications.userId, c.var.user.id), isNull(notifications.readAt)))
      .returning({ id: notifications.id });
    return c.json({ read: read.length }, 200);
  });
}
