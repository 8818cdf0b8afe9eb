import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, lt } from "drizzle-orm";
import { apiKeys } from "../../../db/schema/index.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { ApiKey, apiKeyView } from "../../views/api-key.ts";
import { NextCursor, pageOf } from "../cursor.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const Query = z.object({
  cursor: z.string().max(64).optional().openapi({ description: "`nextCursor` of the previous page" }),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});

const route = createRoute({
  operationId: "listApiKeys",
  method: "get",
  path: "/api/v1/orgs/{org}/api-keys",
  tags: ["api-keys"],
  summary: "List API keys (owners), revoked ones included, newest first",
  description: "A page of at most `limit` keys (100 by default); `nextCursor` reads the next one.",
  security: orgSecurity,
  middleware: [orgAccess("api_keys:manage")] as const,
  request: { params: OrgParams, query: Query },
  responses: { 200: json(z.object({ apiKeys: z.array(ApiKey), nextCursor: NextCursor }), "A page of keys"), ...errors(400, 401, 403, 404) },
});

export function registerListApiKeys(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const rows = await orgDatabase(c.env, c.var.org.id)
      .select()
      .from(apiKeys)
      // Ids are time-ordered, so they are the order and the cursor.
      .where(and(eq(apiKeys.orgId, c.var.org.id), cursor ? lt(apiKeys.id, cursor) : undefined))
      .orderBy(desc(apiKeys.id))
      .limit(limit + 1);
    const { shown, nextCursor } = pageOf(rows, limit, (last) => last.id);
    return c.json({ apiKeys: shown.map(apiKeyView), nextCursor }, 200);
  });
}
