import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { Project } from "../../views/project.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { ProjectIdParams, ProjectName, Visibility } from "./schemas.ts";

const CreateProject = z.object({ name: ProjectName, visibility: Visibility.default("private") }).strict().openapi("CreateProject");

const UpdateProject = z
  .object({ name: ProjectName.optional(), visibility: Visibility.optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "Send name or visibility.")
  .openapi("UpdateProject");

const createRouteDef = createRoute({
  operationId: "createProject",
  method: "post",
  path: "/api/v1/orgs/{org}/projects",
  tags: ["projects"],
  summary: "Create a project (admins)",
  description: "Names are unique per organization ignoring case (409 `project_name_taken`). Visibility defaults to private.",
  security: orgSecurity,
  middleware: [orgAccess("projects:write")] as const,
  request: { params: OrgParams, body: { ...json(CreateProject), required: true } },
  responses: { 201: json(z.object({ project: Project }), "Created"), ...errors(400, 401, 403, 404, 409) },
});

const updateRoute = createRoute({
  operationId: "updateProject",
  method: "patch",
  path: "/api/v1/orgs/{org}/projects/{projectId}",
  tags: ["projects"],
  summary: "Rename a project or change its visibility (admins)",
  security: orgSecurity,
  middleware: [orgAccess("projects:write")] as const,
  request: { params: OrgParams.merge(ProjectIdParams), body: { ...json(UpdateProject), required: true } },
  responses: { 200: json(z.object({ project: Project }), "Changed"), ...errors(400, 401, 403, 404, 409) },
});

const deleteRoute = createRoute({
  operationId: "deleteProject",
  method: "delete",
  path: "/api/v1/orgs/{org}/projects/{projectId}",
  tags: ["projects"],
  summary: "Delete a project and its members' roles in it (admins)",
  description: "Pending invitations that would have assigned the project lose that assignment and stay pending.",
  security: orgSecurity,
  middleware: [orgAccess("projects:write")] as const,
  request: { params: OrgParams.merge(ProjectIdParams) },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

export function registerProjectWrites(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRouteDef, async (c) => {
    const project = unwrap(await orgRoom(c.env, c.var.org.id).createProject(c.var.org.id, c.var.actor, c.req.valid("json")));
    return c.json({ project }, 201);
  });
  app.openapi(updateRoute, async (c) => {
    const { projectId } = c.req.valid("param");
    const project = unwrap(await orgRoom(c.env, c.var.org.id).updateProject(c.var.org.id, c.var.actor, projectId, c.req.valid("json")));
    return c.json({ project }, 200);
  });
  app.openapi(deleteRoute, async (c) => {
    const { projectId } = c.req.valid("param");
    unwrap(await orgRoom(c.env, c.var.org.id).deleteProject(c.var.org.id, c.var.actor, projectId));
    return c.body(null, 204);
  });
}
