import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerCreateOrg } from "./create.ts";
import { registerGetOrg } from "./get.ts";
import { registerUpdateOrg } from "./update.ts";

export function registerOrgRoutes(app: OpenAPIHono<AppEnv>): void {
  registerCreateOrg(app);
  registerGetOrg(app);
  registerUpdateOrg(app);
}
