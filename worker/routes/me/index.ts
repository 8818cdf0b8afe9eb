import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerGetMe } from "./get.ts";
import { registerGetMyInvitation } from "./invitation.ts";
import { registerReadAllNotifications } from "./read-all-notifications.ts";
import { registerReadNotification } from "./read-notification.ts";
import { registerUpdateMe } from "./update.ts";

export function registerMeRoutes(app: OpenAPIHono<AppEnv>): void {
  registerGetMe(app);
  registerUpdateMe(app);
  registerGetMyInvitation(app);
  registerReadAllNotifications(app);
  registerReadNotification(app);
}
