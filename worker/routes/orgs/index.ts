import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerCreateOrg } from "./create.ts";
import { registerGetOrg } from "./get.ts";
import { registerUpdateOrg } from "./update.ts";
import { registerDeleteOrg } from "./delete.ts";
import { registerLeaveOrg } from "./leave.ts";
import { registerOrgStatus } from "./status.ts";

export function registerOrgRoutes(app: OpenAPIHono<AppEnv>): void {
  registerCreateOrg(app);
  registerGetOrg(app);
  registerUpdateOrg(app);
  registerOrgStatus(app);
  registerLeaveOrg(app);
  registerDeleteOrg(app);
}
