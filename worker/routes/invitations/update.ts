import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { Invitation, ProjectAssignment } from "../../views/invitation.ts";
import { Role } from "../../views/role.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { IdParams } from "./schemas.ts";

const Patch = z
  .object({ role: Role.optional(), projects: z.array(ProjectAssignment).max(50).refine((list) => new Set(list.map((p) => p.projectId)).size === list.length, "Name each project once.").optional(), message: z.string().trim().max(1000).refine(...wellFormed).nullable().optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "Send role, projects or message.")
  .openapi("UpdateInvitation");

const route = createRoute({
  operationId: "updateInvitation",
  method: "patch",
  path: "/api/v1/orgs/{org}/invitations/{id}",
  tags: ["invitations"],
  summary: "Edit a pending invitation's role, projects or message",
  description: "Naming projects (a non-empty `projects`) needs projects:write besides invitations:write; each project once.",
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams.merge(IdParams), body: { ...json(Patch), required: true } },
  responses: { 200: json(z.object({ invitation: Invitation }), "Edited"), ...errors(400, 401, 403, 404, 409, 410) },
});

export function registerUpdateInvitation(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).editInvitation(c.var.org.id, c.var.actor, id, c.req.valid("json"))), 200);
  });
}
