import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { OrgWithSeats } from "../../views/org.ts";
import { Role } from "../../views/role.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const route = createRoute({
  operationId: "getOrganization",
  method: "get",
  path: "/api/v1/orgs/{org}",
  tags: ["organizations"],
  summary: "Read an organization and its seats",
  description: "`seats.used` = members + pending invitations not yet expired; `available` = limit − used, never below 0.",
  security: orgSecurity,
  middleware: [orgAccess("org:read")] as const,
  request: { params: OrgParams },
  responses: { 200: json(OrgWithSeats.extend({ role: Role.openapi({ description: "The caller's role here (an API key's effective role)" }) }), "The organization"), ...errors(401, 403, 404) },
});

export function registerGetOrg(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { org, seats } = unwrap(await orgRoom(c.env, c.var.org.id).getOrg(c.var.org.id));
    return c.json({ org, seats, role: c.var.actor.role }, 200);
  });
}
