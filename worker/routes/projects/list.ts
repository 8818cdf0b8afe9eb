import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, sql } from "drizzle-orm";
import { projects } from "../../../db/schema/index.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { Project, projectView } from "../../views/project.ts";
import { decodePairCursor, encodePairCursor, NextCursor, PageCursor, pageOf } from "../cursor.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { visibleProjects } from "./schemas.ts";

const Query = z.object({
  cursor: PageCursor,
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

const route = createRoute({
  operationId: "listProjects",
  method: "get",
  path: "/api/v1/orgs/{org}/projects",
  tags: ["projects"],
  summary: "List the projects you may see, by name",
  description:
    "Admins and owners see every project; members and restricted members see the public ones and those they belong to. " +
    "A page of at most `limit` projects (1,000 by default); `nextCursor` reads the next one.",
  security: orgSecurity,
  middleware: [orgAccess("projects:read")] as const,
  request: { params: OrgParams, query: Query },
  responses: { 200: json(z.object({ projects: z.array(Project), nextCursor: NextCursor }), "A page of projects"), ...errors(400, 401, 403, 404) },
});

export function registerListProjects(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const after = cursor ? decodePairCursor(cursor) : undefined;
    const key = sql<string>`lower(${projects.name})`;
    const rows = await orgDatabase(c.env, c.var.org.id)
      .select({ project: projects, key })
      .from(projects)
      .where(
        and(
          visibleProjects(c.var.org.id, c.var.actor),
          // Seek on (org_id, lower(name)) (projects_org_name): the first term bounds the range.
          after ? sql`${key} >= ${after[0]}` : undefined,
          after ? sql`(${key} > ${after[0]} OR ${projects.id} > ${after[1]})` : undefined,
        ),
      )
      .orderBy(asc(key), asc(projects.id))
      .limit(limit + 1);
    const { shown, nextCursor } = pageOf(rows, limit, (last) => encodePairCursor(last.key, last.project.id));
    return c.json({ projects: shown.map((row) => projectView(row.project)), nextCursor }, 200);
  });
}
