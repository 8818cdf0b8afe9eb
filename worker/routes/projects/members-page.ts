/**
 * A page of a project's members, by name, at any project and organization size
 * (docs/decisions/0015-bounded-by-page.md). The order is the members list's name order,
 * `lower(name)` then user id, which the index memberships_org_name holds, so the page seeks
 * from its cursor in one of two ways:
 *
 * - a project of at most {@link smallProject} members: its rows (project_members by its
 *   primary key) joined to their memberships and sorted, past the cursor: a few thousand
 *   rows at most;
 * - a larger one: a walk of the organization's name index from the cursor, keeping the
 *   members found in the project (one primary-key probe each), which fills a page soon
 *   because the project holds a good share of the organization.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Role } from "../../domain/roles.ts";
import type { ProjectRole } from "../../domain/projects.ts";
import type { Database } from "../../lib/database.ts";
import type { ProjectMemberView } from "../../views/project.ts";

/** Up to this many members, a project's page is read by sorting its members. */
export const smallProject = 2000;

export interface ProjectMembersQuery {
  orgId: string;
  projectId: string;
  /** Only this user's own entry (a caller who may not read the member list); null: everyone. */
  only: string | null;
  /** `[lower(name), userId]` of the last row of the previous page. */
  after?: [string, string] | undefined;
  limit: number;
}

interface Row {
  user_id: string;
  name: string;
  email: string;
  org_role: Role;
  role: ProjectRole;
  added_at: number;
  k: string;
}

/** `limit + 1` rows past the cursor (the extra one says a next page exists), with their sort keys. */
export async function projectMembersPage(db: Database, query: ProjectMembersQuery): Promise<Array<{ member: ProjectMemberView; key: string }>> {
  const { orgId, projectId, only, after, limit } = query;
  const seek: SQL = after ? sql`AND lower(m.user_name) >= ${after[0]} AND (lower(m.user_name) > ${after[0]} OR m.user_id > ${after[1]})` : sql``;
  const columns = sql`m.user_id, m.user_name AS name, m.user_email AS email, m.role AS org_role, pm.role, pm.created_at AS added_at, lower(m.user_name) AS k`;
  let rows: Row[];
  if (only !== null) {
    rows = await db.all<Row>(sql`SELECT ${columns} FROM project_members pm JOIN memberships m ON m.org_id = pm.org_id AND m.user_id = pm.user_id
      WHERE pm.project_id = ${projectId} AND pm.org_id = ${orgId} AND pm.user_id = ${only} ${seek}`);
  } else {
    const [size] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM project_members WHERE project_id = ${projectId} LIMIT ${smallProject + 1})`);
    rows =
      (size?.n ?? 0) <= smallProject
        ? await db.all<Row>(sql`SELECT ${columns} FROM project_members pm JOIN memberships m ON m.org_id = pm.org_id AND m.user_id = pm.user_id
            WHERE pm.project_id = ${projectId} AND pm.org_id = ${orgId} ${seek}
            ORDER BY lower(m.user_name), m.user_id LIMIT ${limit + 1}`)
        : // CROSS JOIN keeps memberships outside: SQLite walks its name index in order, no sort.
          await db.all<Row>(sql`SELECT ${columns} FROM memberships m CROSS JOIN project_members pm
            WHERE m.org_id = ${orgId} ${seek} AND pm.project_id = ${projectId} AND pm.user_id = m.user_id AND pm.org_id = m.org_id
            ORDER BY lower(m.user_name), m.user_id LIMIT ${limit + 1}`);
  }
  return rows.map((row) => ({
    key: row.k,
    member: { userId: row.user_id, name: row.name, email: row.email, orgRole: row.org_role, role: row.role, addedAt: new Date(Number(row.added_at)).toISOString() },
  }));
}
