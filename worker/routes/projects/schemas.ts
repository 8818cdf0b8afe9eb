import { z } from "@hono/zod-openapi";
import { and, asc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { projectMembers, projects } from "../../../db/schema/index.ts";
import { projectNameLimits, projectVisibilities, seesAllProjects } from "../../domain/projects.ts";
import { AppError } from "../../errors.ts";
import type { Database } from "../../lib/database.ts";
import type { Actor } from "../../org/actor.ts";
import { cleanName, wellFormed } from "../../domain/text.ts";

/**
 * A project's name, cleaned (domain/text.ts `cleanName`: NFKC, no invisible or control
 * characters, white space collapsed, trimmed), then 1 to 100 characters.
 */
export const ProjectName = z
  .string()
  .max(projectNameLimits.max * 4)
  .refine(...wellFormed)
  .transform(cleanName)
  .pipe(z.string().min(projectNameLimits.min, "The name is empty once cleaned of invisible characters.").max(projectNameLimits.max))
  .openapi({ type: "string", example: "Churn model", description: "Cleaned (Unicode NFKC, invisible and control characters removed, white space collapsed), then 1 to 100 characters" });
export const Visibility = z.enum(projectVisibilities);

/** The project a `/projects/{projectId}` route is about. */
export const ProjectIdParams = z.object({
  projectId: z.string().min(1).max(64).openapi({ param: { name: "projectId", in: "path" }, example: "prj_0mf3x2k1a8b7c6d5e4" }),
});

/** The user id whose projects the caller may see, beside the public ones (null: public only). */
function viewerId(actor: Actor): string | null {
  return actor.type === "user" ? actor.userId : null;
}

/**
 * The filter of the projects `actor` may see (domain/projects.ts `seesAllProjects`): all for
 * admins and owners, otherwise the public ones and those they belong to. Always within `orgId`.
 */
export function visibleProjects(orgId: string, actor: Actor): SQL {
  const inOrg = eq(projects.orgId, orgId);
  if (seesAllProjects(actor.role)) return inOrg;
  const self = viewerId(actor);
  const mine = self
    ? sql`${projects.id} IN (SELECT ${projectMembers.projectId} FROM ${projectMembers} WHERE ${projectMembers.orgId} = ${orgId} AND ${projectMembers.userId} = ${self})`
    : sql`0`;
  return and(inOrg, or(eq(projects.visibility, "public"), mine))!;
}

/** The project `projectId` if `actor` may see it; 404 otherwise (another organization's, private, or none). */
export async function visibleProject(db: Database, orgId: string, actor: Actor, projectId: string) {
  const [row] = await db.select().from(projects).where(and(eq(projects.id, projectId), visibleProjects(orgId, actor)));
  if (!row) throw new AppError("not_found", "No such project.");
  return row;
}

/** The projects of `userIds` that `actor` may see, with their roles, by project name. */
export async function projectsOfMembers(db: Database, orgId: string, actor: Actor, userIds: string[]) {
  if (userIds.length === 0) return [];
  return db
    .select({ userId: projectMembers.userId, projectId: projects.id, projectName: projects.name, visibility: projects.visibility, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(and(eq(projectMembers.orgId, orgId), inArray(projectMembers.userId, userIds), visibleProjects(orgId, actor)))
    .orderBy(asc(sql`lower(${projects.name})`));
}

/**
 * A page of one member's projects that `actor` may see, by project name (then id): at most
 * `limit + 1` rows past `after` (`[lower(name), projectId]` of the previous page's last).
 */
export async function memberProjectsPage(db: Database, orgId: string, actor: Actor, userId: string, after: [string, string] | undefined, limit: number) {
  const key = sql<string>`lower(${projects.name})`;
  return db
    .select({ userId: projectMembers.userId, projectId: projects.id, projectName: projects.name, visibility: projects.visibility, role: projectMembers.role, key })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(
      and(
        eq(projectMembers.orgId, orgId),
        eq(projectMembers.userId, userId),
        visibleProjects(orgId, actor),
        after ? sql`(${key} > ${after[0]} OR (${key} = ${after[0]} AND ${projects.id} > ${after[1]}))` : undefined,
      ),
    )
    .orderBy(asc(key), asc(projects.id))
    .limit(limit + 1);
}
