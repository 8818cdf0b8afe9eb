import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { ErrorResponse } from "../../views/error.ts";
import { json } from "../schemas.ts";

/**
 * Every route of an organization answers `409 org_unavailable` once it was deleted
 * (routes/orgs/delete.ts): documented here for all of them at once, after they are
 * registered, so a new route cannot forget it. A route that already documents a 409 keeps
 * its own description.
 */
export function documentDeletedOrgs(app: OpenAPIHono<AppEnv>): void {
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route" || !definition.route.path.startsWith("/api/v1/orgs/{org}")) continue;
    definition.route.responses[409] ??= json(ErrorResponse, "Error; see `error.code` (`org_unavailable`: the organization was deleted)");
  }
}
