import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerLogout } from "./logout.ts";
import { registerMagicLink } from "./magic-link.ts";
import { registerSessionPreview } from "./preview.ts";
import { registerSession } from "./session.ts";

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>): void {
  registerMagicLink(app);
  registerSessionPreview(app);
  registerSession(app);
  registerLogout(app);
}
