import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { scopes } from "../../domain/scopes.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { CreatedApiKey } from "../../views/api-key.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const CreateKey = z
  .object({ name: z.string().trim().min(1).max(100).refine(...wellFormed), scopes: z.array(z.enum(scopes)).min(1) })
  .openapi("CreateApiKey");

const route = createRoute({
  operationId: "createApiKey",
  method: "post",
  path: "/api/v1/orgs/{org}/api-keys",
  tags: ["api-keys"],
  summary: "Create an API key (owners)",
  description:
    "The secret is in this answer only; Roster keeps its SHA-256. Send it as `Authorization: Bearer <secret>`. A key acts with its scopes, never beyond its creator's role, and never for owner-only actions.",
  security: orgSecurity,
  middleware: [orgAccess("api_keys:manage")] as const,
  request: { params: OrgParams, body: { ...json(CreateKey), required: true } },
  responses: {
    201: json(CreatedApiKey, "Created; the secret is shown once"),
    ...errors(400, 401, 403, 404),
  },
});

export function registerCreateApiKey(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const input = c.req.valid("json");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).createApiKey(c.var.org.id, c.var.actor, input)), 201);
  });
}
