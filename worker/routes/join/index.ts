import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerJoinByLink } from "./join.ts";
import { registerPreviewLink } from "./preview.ts";
import { registerRegisterByLink } from "./register.ts";
import { registerVerifyLinkRegistration } from "./verify.ts";

/** The public side of the self-registration links: preview, join, register and verify. */
export function registerJoinRoutes(app: OpenAPIHono<AppEnv>): void {
  registerPreviewLink(app);
  registerJoinByLink(app);
  registerRegisterByLink(app);
  registerVerifyLinkRegistration(app);
}
