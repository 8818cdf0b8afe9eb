import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { orgDatabase, type Database } from "../../lib/database.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { actorCan, type Actor } from "../../org/actor.ts";
import { ProjectDetail, ProjectMemberPage, projectView } from "../../views/project.ts";
import { decodePairCursor, encodePairCursor, PageCursor, pageOf } from "../cursor.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { projectMembersPage } from "./members-page.ts";
import { ProjectIdParams, visibleProject } from "./schemas.ts";

/** Members in the project's own answer; the members route pages through the rest. */
const detailMembers = 100;

const getRoute = createRoute({
  operationId: "getProject",
  method: "get",
  path: "/api/v1/orgs/{org}/projects/{projectId}",
  tags: ["projects"],
  summary: "A project and the first page of its members with their roles",
  description:
    `404 for a project you may not see. \`members\` holds the first ${detailMembers} by name; \`membersNextCursor\` continues with GET …/projects/{projectId}/members. ` +
    "Without members:read (restricted members) the members list holds only yourself.",
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
  summary: "A project's members with their roles, by name, a page at a time",
  description:
    "404 for a project you may not see. A page of at most `limit` members (100 by default), by name (then user id); `nextCursor` reads the next one. " +
    "Without members:read (restricted members) the list holds only yourself.",
  security: orgSecurity,
  middleware: [orgAccess("projects:read")] as const,
  request: {
    params: OrgParams.merge(ProjectIdParams),
    query: z.object({ cursor: PageCursor, limit: z.coerce.number().int().min(1).max(1000).default(100) }),
  },
  responses: { 200: json(ProjectMemberPage, "A page of the project's members"), ...errors(400, 401, 403, 404) },
});

/** A page of the project's members for `actor` (only themselves without members:read). */
async function membersPage(db: Database, orgId: string, projectId: string, actor: Actor, cursor: string | undefined, limit: number) {
  const only = actorCan(actor, "members:read") ? null : actor.type === "user" ? actor.userId : "";
  const rows = await projectMembersPage(db, { orgId, projectId, only, after: cursor ? decodePairCursor(cursor) : undefined, limit });
  const { shown, nextCursor } = pageOf(rows, limit, (last) => encodePairCursor(last.key, last.member.userId));
  return { members: shown.map((row) => row.member), nextCursor };
}

export function registerGetProject(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { projectId } = c.req.valid("param");
    const orgId = c.var.org.id;
    const db = orgDatabase(c.env, orgId);
    const row = await visibleProject(db, orgId, c.var.actor, projectId);
    const page = await membersPage(db, orgId, projectId, c.var.actor, undefined, detailMembers);
    return c.json({ project: projectView(row), members: page.members, membersNextCursor: page.nextCursor }, 200);
  });
  app.openapi(membersRoute, async (c) => {
    const { projectId } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const orgId = c.var.org.id;
    const db = orgDatabase(c.env, orgId);
    await visibleProject(db, orgId, c.var.actor, projectId);
    return c.json(await membersPage(db, orgId, projectId, c.var.actor, cursor, limit), 200);
  });
}
