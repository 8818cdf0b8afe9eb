import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { notifications } from "../../../db/schema/index.ts";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { Notification, notificationView } from "../../views/me.ts";
import { errors, json, userSecurity } from "../schemas.ts";

const NotificationParams = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }) });

const route = createRoute({
  operationId: "markNotificationRead",
  method: "post",
  path: "/api/v1/me/notifications/{id}/read",
  tags: ["me"],
  summary: "Mark one of your notifications read",
  description: "Marking it again changes nothing (it keeps the time it was first read). Someone else's notification is 404.",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: NotificationParams },
  responses: { 200: json(z.object({ notification: Notification }), "Read"), ...errors(400, 401, 403, 404) },
});

export function registerReadNotification(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await userDatabase(c.env)
      .update(notifications)
      .set({ readAt: sql`coalesce(${notifications.readAt}, ${c.var.clock.now()})` })
      .where(and(eq(notifications.id, id), eq(notifications.userId, c.var.user.id)))
      .returning();
    if (!row) throw new AppError("not_found", "No such notification.");
    return c.json({ notification: notificationView(row) }, 200);
  });
}
