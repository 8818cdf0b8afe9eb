import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import type { OrgStatus } from "../../domain/org.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { OrgWithSeats } from "../../views/org.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

function statusRoute(status: OrgStatus) {
  const dormant = status === "dormant";
  return createRoute({
    operationId: dormant ? "makeOrganizationDormant" : "wakeOrganization",
    method: "post",
    path: dormant ? "/api/v1/orgs/{org}/dormant" : "/api/v1/orgs/{org}/wake",
    tags: ["organizations"],
    summary: dormant ? "Make an organization dormant: it takes nobody new" : "Wake a dormant organization",
    description: dormant
      ? "Owners only (API keys never). While dormant, creating, resending, extending and accepting invitations and joining through a self-registration link answer 409 `org_unavailable`; everything else goes on (members read and manage members, API keys work). Pending invitations keep their seats. Audited as `org.dormant`; `org.updated` goes live. Already dormant: answered as is, nothing recorded. `PATCH /orgs/{org} {status}` does the same."
      : "Owners only (API keys never). Invitations and link joins work again. Audited as `org.woken`; `org.updated` goes live. Already active: answered as is, nothing recorded.",
    security: orgSecurity,
    middleware: [orgAccess("org:read")] as const,
    request: { params: OrgParams },
    responses: { 200: json(OrgWithSeats, dormant ? "Dormant" : "Active"), ...errors(401, 403, 404, 409) },
  });
}

export function registerOrgStatus(app: OpenAPIHono<AppEnv>): void {
  for (const status of ["dormant", "active"] as const) {
    app.openapi(statusRoute(status), async (c) => {
      const room = orgRoom(c.env, c.var.org.id);
      const org = unwrap(await room.setOrgStatus(c.var.org.id, c.var.actor, status));
      const { seats } = unwrap(await room.getOrg(c.var.org.id));
      return c.json({ org, seats }, 200);
    });
  }
}
