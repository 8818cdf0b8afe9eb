import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { assignmentLimits } from "../../domain/projects.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { orgDatabase } from "../../lib/database.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { actorCan } from "../../org/actor.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { ProjectAssignment } from "../../views/invitation.ts";
import { MemberProject, ProjectAssignments } from "../../views/project.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { UserIdParams } from "../members/schemas.ts";
import { memberProjectsPage, ProjectIdParams, projectsOfMembers } from "./schemas.ts";
import { decodePairCursor, encodePairCursor, NextCursor, PageCursor, pageOf } from "../cursor.ts";

const UserId = z.string().min(1).max(64);

const Assign = z
  .object({
    userIds: z.array(UserId).min(1).max(assignmentLimits.users).openapi({ description: `Members to assign (at most ${assignmentLimits.users})` }),
    projects: z
      .array(ProjectAssignment)
      .min(1)
      .max(assignmentLimits.projects)
      .refine((list) => new Set(list.map((p) => p.projectId)).size === list.length, "Name each project once.")
      .openapi({ description: `Projects and the role each user gets in each (at most ${assignmentLimits.projects})` }),
  })
  .strict()
  .openapi("AssignProjects");

const assignRoute = createRoute({
  operationId: "assignProjects",
  method: "post",
  path: "/api/v1/orgs/{org}/projects/assignments",
  tags: ["projects"],
  summary: "Assign many members to many projects in one request (admins)",
  description:
    "Every user gets, in every project listed, the role given for that project (replacing a role they held there). All or nothing: a user who is not a member, or a project not of this organization, refuses the whole request (400 `validation_failed`).",
  security: orgSecurity,
  middleware: [orgAccess("projects:write")] as const,
  request: { params: OrgParams, body: { ...json(Assign), required: true } },
  responses: { 200: json(ProjectAssignments, "Assigned"), ...errors(400, 401, 403, 404) },
});

const Query = z.object({
  userIds: z
    .string()
    .max(100 * 65)
    .transform((text) => [...new Set(text.split(",").map((id) => id.trim()).filter(Boolean))])
    .openapi({ description: "Comma-separated user ids (at most 100)", example: "usr_a,usr_b" }),
});

const listRoute = createRoute({
  operationId: "listProjectAssignments",
  method: "get",
  path: "/api/v1/orgs/{org}/projects/assignments",
  tags: ["projects"],
  summary: "The projects of several members (the members page's column)",
  description: "Needs members:read and projects:read (an API key: both scopes). Only projects you may see are listed, as in the projects list.",
  security: orgSecurity,
  middleware: [orgAccess("members:read")] as const,
  request: { params: OrgParams, query: Query },
  responses: { 200: json(z.object({ assignments: z.array(MemberProject) }), "Their projects and roles"), ...errors(400, 401, 403, 404) },
});

const removeRoute = createRoute({
  operationId: "removeProjectMember",
  method: "delete",
  path: "/api/v1/orgs/{org}/projects/{projectId}/members/{userId}",
  tags: ["projects"],
  summary: "Take a member out of a project (admins)",
  security: orgSecurity,
  middleware: [orgAccess("projects:write")] as const,
  request: { params: OrgParams.merge(ProjectIdParams).merge(UserIdParams) },
  responses: { 204: { description: "Removed from the project" }, ...errors(401, 403, 404) },
});

const memberRoute = createRoute({
  operationId: "listMemberProjects",
  method: "get",
  path: "/api/v1/orgs/{org}/members/{userId}/projects",
  tags: ["projects"],
  summary: "A member's projects and roles",
  description:
    "Your own with projects:read; anyone else's needs members:read. Only projects you may see are listed. " +
    "A page of at most `limit` projects (1,000 by default), by name; `nextCursor` reads the next one.",
  security: orgSecurity,
  middleware: [orgAccess("projects:read")] as const,
  request: {
    params: OrgParams.merge(UserIdParams),
    query: z.object({ cursor: PageCursor, limit: z.coerce.number().int().min(1).max(1000).default(1000) }),
  },
  responses: { 200: json(z.object({ projects: z.array(MemberProject), nextCursor: NextCursor }), "A page of their projects"), ...errors(400, 401, 403, 404) },
});

export function registerProjectAssignments(app: OpenAPIHono<AppEnv>): void {
  app.openapi(assignRoute, async (c) => {
    return c.json(unwrap(await orgRoom(c.env, c.var.org.id).assignProjects(c.var.org.id, c.var.actor, c.req.valid("json"))), 200);
  });
  app.openapi(listRoute, async (c) => {
    const { userIds } = c.req.valid("query");
    // Project names are read with projects:read: members:read alone (a key's scope) is not enough.
    if (!actorCan(c.var.actor, "projects:read")) throw new AppError("forbidden", "Your role does not allow projects:read.", { permission: "projects:read" });
    if (userIds.length > 100) throw new AppError("validation_failed", "At most 100 user ids.", { issues: [{ path: "userIds", message: "At most 100" }] });
    const rows = await projectsOfMembers(orgDatabase(c.env, c.var.org.id), c.var.org.id, c.var.actor, userIds);
    return c.json({ assignments: rows }, 200);
  });
  app.openapi(removeRoute, async (c) => {
    const { projectId, userId } = c.req.valid("param");
    unwrap(await orgRoom(c.env, c.var.org.id).removeProjectMember(c.var.org.id, c.var.actor, projectId, userId));
    return c.body(null, 204);
  });
  app.openapi(memberRoute, async (c) => {
    const { userId } = c.req.valid("param");
    const actor = c.var.actor;
    const self = actor.type === "user" && actor.userId === userId;
    if (!self && !actorCan(actor, "members:read")) throw new AppError("forbidden", "Your role does not allow members:read.", { permission: "members:read" });
    const { cursor, limit } = c.req.valid("query");
    const rows = await memberProjectsPage(orgDatabase(c.env, c.var.org.id), c.var.org.id, actor, userId, cursor ? decodePairCursor(cursor) : undefined, limit);
    const { shown, nextCursor } = pageOf(rows, limit, (last) => encodePairCursor(last.key, last.projectId));
    return c.json({ projects: shown.map(({ key: _key, ...project }) => project), nextCursor }, 200);
  });
}
