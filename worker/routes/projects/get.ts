import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { actorCan } from "../../org/actor.ts";
import { ProjectDetail, ProjectMember, projectView } from "../../views/project.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { ProjectIdParams, projectMembersOf, visibleProject } from "./schemas.ts";

const getRoute = createRoute({
  operationId: "getProject",
  method: "get",
  path: "/api/v1/orgs/{org}/projects/{projectId}",
  tags: ["projects"],
  summary: "A project and its members with their roles",
  description: "404 for a project you may not see. Without members:read (restricted members) the members list holds only yourself.",
  security: orgSecurity,
  middleware: [orgAccess("projects:read")] as const,
  request: { params: OrgParams.merge(ProjectIdParams) },
  responses: { 200: json(ProjectDetail, "The project"), ...errors(401, 403, 404) },
});

const membersRoute = createRoute({
  operationId: "listProjectMembers",
  method: "get",
  path: "/api/v1/orgs/{org}/projects/{projectId}/members",
  tags: ["projects"],
  summary: "A project's members with their roles, by name",
  description: "404 for a project you may not see. Without members:read (restricted members) the list holds only yourself.",
  security: orgSecurity,
  middleware: [orgAccess("projects:read")] as const,
  request: { params: OrgParams.merge(ProjectIdParams) },
  responses: { 200: json(z.object({ members: z.array(ProjectMember) }), "The project's members"), ...errors(401, 403, 404) },
});

export function registerGetProject(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { projectId } = c.req.valid("param");
    const orgId = c.var.org.id;
    const db = orgDatabase(c.env, orgId);
    const row = await visibleProject(db, orgId, c.var.actor, projectId);
    const members = await projectMembersOf(db, orgId, projectId, c.var.actor, actorCan(c.var.actor, "members:read"));
    return c.json({ project: projectView(row), members }, 200);
  });
  app.openapi(membersRoute, async (c) => {
    const { projectId } = c.req.valid("param");
    const orgId = c.var.org.id;
    const db = orgDatabase(c.env, orgId);
    await visibleProject(db, orgId, c.var.actor, projectId);
    return c.json({ members: await projectMembersOf(db, orgId, projectId, c.var.actor, actorCan(c.var.actor, "members:read")) }, 200);
  });
}
