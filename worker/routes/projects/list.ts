import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { asc, sql } from "drizzle-orm";
import { projects } from "../../../db/schema/index.ts";
import type { AppEnv } from "../../env.ts";
import { orgDatabase } from "../../lib/database.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { Project, projectView } from "../../views/project.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { visibleProjects } from "./schemas.ts";

const route = createRoute({
  operationId: "listProjects",
  method: "get",
  path: "/api/v1/orgs/{org}/projects",
  tags: ["projects"],
  summary: "List the projects you may see, by name",
  description: "Admins and owners see every project; members and restricted members see the public ones and those they belong to.",
  security: orgSecurity,
  middleware: [orgAccess("projects:read")] as const,
  request: { params: OrgParams },
  responses: { 200: json(z.object({ projects: z.array(Project) }), "The projects"), ...errors(401, 403, 404) },
});

export function registerListProjects(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const rows = await orgDatabase(c.env, c.var.org.id)
      .select()
      .from(projects)
      .where(visibleProjects(c.var.org.id, c.var.actor))
      .orderBy(asc(sql`lower(${projects.name})`))
      .limit(1000);
    return c.json({ projects: rows.map(projectView) }, 200);
  });
}
