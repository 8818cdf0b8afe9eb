import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerListLinks } from "./list.ts";
import { registerRegenerateLink } from "./regenerate.ts";
import { registerUpdateLink } from "./update.ts";

/** Owners' and admins' management of the self-registration links. */
export function registerLinkRoutes(app: OpenAPIHono<AppEnv>): void {
  registerListLinks(app);
  registerUpdateLink(app);
  registerRegenerateLink(app);
}
