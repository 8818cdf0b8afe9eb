import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { apiKeys } from "../../../db/schema/index.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { ApiKey, apiKeyView } from "../../views/api-key.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "listApiKeys",
  method: "get",
  path: "/api/v1/orgs/{org}/api-keys",
  tags: ["api-keys"],
  summary: "List API keys (owners), revoked ones included",
  security: orgSecurity,
  middleware: [orgAccess("api_keys:manage")] as const,
  request: { params: OrgParams },
  responses: { 200: json(z.object({ apiKeys: z.array(ApiKey) }), "The keys"), ...errors(401, 403, 404) },
});

export function registerListApiKeys(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const rows = await orgDatabase(c.env, c.var.org.id)
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.orgId, c.var.org.id))
      .orderBy(desc(apiKeys.createdAt));
    return c.json({ apiKeys: rows.map(apiKeyView) }, 200);
  });
}
