import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { orgAccess } from "../../middleware/org-access.ts";
import { orgStatuses } from "../../domain/org.ts";
import { maxSeatLimit } from "../../domain/seats.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { OrgWithSeats } from "../../views/org.ts";
import { errors, InviteTtlDays, json, OrgName, OrgParams, orgSecurity } from "../schemas.ts";

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "Not a domain name.");

const UpdateOrg = z
  .object({
    name: OrgName,
    seatLimit: z.number().int().min(0).max(maxSeatLimit),
    autoPrivateProject: z.boolean(),
    allowedEmailDomains: z.array(Domain).max(50),
    defaultInviteTtlDays: InviteTtlDays,
    status: z.enum(orgStatuses),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "Send at least one field.")
  .openapi("UpdateOrganization");

const route = createRoute({
  operationId: "updateOrganization",
  method: "patch",
  path: "/api/v1/orgs/{org}",
  tags: ["organizations"],
  summary: "Change an organization's name, settings or seat limit",
  description:
    "Owners only. `seatLimit` stands in for billing; lowering it below the seats in use removes nobody, it only blocks new seats. Raising it above the deployment's cap (`SEAT_LIMIT_CAP`, 2,000 by default) answers 403 `seat_limit_cap` with `{cap}`.",
  security: orgSecurity,
  middleware: [orgAccess("org:read")] as const,
  request: { params: OrgParams, body: { ...json(UpdateOrg), required: true } },
  responses: { 200: json(OrgWithSeats, "Updated"), ...errors(400, 401, 403, 404) },
});

export function registerUpdateOrg(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const patch = c.req.valid("json");
    if (patch.allowedEmailDomains) patch.allowedEmailDomains = [...new Set(patch.allowedEmailDomains)];
    const room = orgRoom(c.env, c.var.org.id);
    const org = unwrap(await room.updateOrg(c.var.org.id, c.var.actor, patch));
    const { seats } = unwrap(await room.getOrg(c.var.org.id));
    return c.json({ org, seats }, 200);
  });
}
