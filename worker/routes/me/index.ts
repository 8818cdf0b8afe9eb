import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerGetMe } from "./get.ts";
import { registerUpdateMe } from "./update.ts";

export function registerMeRoutes(app: OpenAPIHono<AppEnv>): void {
  registerGetMe(app);
  registerUpdateMe(app);
}
