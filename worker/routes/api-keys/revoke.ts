import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { errors, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "revokeApiKey",
  method: "delete",
  path: "/api/v1/orgs/{org}/api-keys/{keyId}",
  tags: ["api-keys"],
  summary: "Revoke an API key; it stops working at once",
  security: orgSecurity,
  middleware: [orgAccess("api_keys:manage")] as const,
  request: { params: OrgParams.extend({ keyId: z.string().min(1).max(64).openapi({ param: { name: "keyId", in: "path" } }) }) },
  responses: { 204: { description: "Revoked" }, ...errors(401, 403, 404) },
});

export function registerRevokeApiKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { keyId } = c.req.valid("param");
    unwrap(await orgRoom(c.env, c.var.org.id).revokeApiKey(c.var.org.id, c.var.actor, keyId));
    return c.body(null, 204);
  });
}
