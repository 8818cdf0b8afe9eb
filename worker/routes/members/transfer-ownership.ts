import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { OwnershipTransfer } from "../../views/member.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "transferOwnership",
  method: "post",
  path: "/api/v1/orgs/{org}/transfer-ownership",
  tags: ["members"],
  summary: "Make another member owner; you become admin",
  security: orgSecurity,
  middleware: [orgAccess("ownership:transfer")] as const,
  request: { params: OrgParams, body: { ...json(z.object({ userId: z.string().min(1).max(64) })), required: true } },
  responses: {
    200: json(OwnershipTransfer, "Transferred"),
    ...errors(400, 401, 403, 404),
  },
});

export function registerTransferOwnership(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { userId } = c.req.valid("json");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).transferOwnership(c.var.org.id, c.var.actor, userId)), 200);
  });
}
