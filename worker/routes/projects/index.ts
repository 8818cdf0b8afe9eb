import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { registerProjectAssignments } from "./assignments.ts";
import { registerGetProject } from "./get.ts";
import { registerListProjects } from "./list.ts";
import { registerProjectWrites } from "./write.ts";

/** `/orgs/{org}/projects…`: the assignments routes first, so `assignments` is never read as a project id. */
export function registerProjectRoutes(app: OpenAPIHono<AppEnv>): void {
  registerProjectAssignments(app);
  registerListProjects(app);
  registerGetProject(app);
  registerProjectWrites(app);
}
