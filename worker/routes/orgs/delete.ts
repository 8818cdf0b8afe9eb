import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { deletedOrgExportDays } from "../../domain/org-lifecycle.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { DeletedOrg } from "../../views/deleted-org.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const DeleteOrg = z
  .object({ confirm: z.string().max(200).refine(...wellFormed).optional().openapi({ description: "The organization's slug, typed by the owner", example: "acme" }) })
  .strict()
  .openapi("DeleteOrganization");

const route = createRoute({
  operationId: "deleteOrganization",
  method: "delete",
  path: "/api/v1/orgs/{org}",
  tags: ["organizations"],
  summary: "Delete an organization (owners, confirming with its slug)",
  description: [
    "Owners only (API keys never: 403). `confirm` must be the organization's slug; missing or different: 422 `confirmation_mismatch`, and nothing changes.",
    "In one transaction, with its `org.deleted` audit entry: every membership ends, every API key is revoked, every pending invitation is revoked (its seat freed), and the self-registration links are disabled.",
    "It runs in the organization's room like invitations and accepts, so none of those queued behind it commits. Every open live socket then closes with code 4410.",
    `From then on every route of the organization answers 409 \`org_unavailable\` (the invitation pages and the live socket too), except that its former owners may still export the audit trail (\`GET /orgs/{org}/audit/export\`) for ${deletedOrgExportDays} days.`,
    "The slug stays reserved.",
  ].join(" "),
  security: orgSecurity,
  middleware: [orgAccess("org:read")] as const,
  request: { params: OrgParams, body: { ...json(DeleteOrg), required: false } },
  responses: { 200: json(DeletedOrg, "Deleted"), ...errors(400, 401, 403, 404, 409, 422) },
});

export function registerDeleteOrg(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = (c.req.valid("json") as z.infer<typeof DeleteOrg> | undefined) ?? {};
    const deleted = unwrap(await orgRoom(c.env, c.var.org.id).deleteOrg(c.var.org.id, c.var.actor, body.confirm));
    return c.json(deleted, 200);
  });
}
