import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, count, desc, eq, or, sql, type SQL } from "drizzle-orm";
import { memberships } from "../../../db/schema/index.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { roles } from "../../domain/roles.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { orgDatabase } from "../../lib/database.ts";
import { MemberPage, memberView } from "../../views/member.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const Query = z.object({
  q: z.string().trim().max(100).optional().openapi({ description: "Case-insensitive search over name, email, username and title" }),
  role: z.enum(roles).optional(),
  sort: z.enum(["name", "email"]).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const route = createRoute({
  operationId: "listMembers",
  method: "get",
  path: "/api/v1/orgs/{org}/members",
  tags: ["members"],
  summary: "List, search, filter and sort members",
  security: orgSecurity,
  middleware: [orgAccess("members:read")] as const,
  request: { params: OrgParams, query: Query },
  responses: { 200: json(MemberPage, "A page of members"), ...errors(400, 401, 403, 404) },
});

const Cursor = z.tuple([z.string(), z.string()]);

function encodeCursor(key: string, userId: string): string {
  return btoa(encodeURIComponent(JSON.stringify([key, userId])));
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed = Cursor.safeParse(JSON.parse(decodeURIComponent(atob(cursor))));
    if (parsed.success) return parsed.data;
  } catch {
    // Fall through to the error below.
  }
  throw new AppError("validation_failed", "The cursor is not valid.", { issues: [{ path: "cursor", message: "Invalid cursor" }] });
}

/** `%` and `_` in a search are literal. */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export function registerListMembers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { q, role, sort, order, cursor, limit } = c.req.valid("query");
    const orgId = c.var.org.id;
    const db = orgDatabase(c.env, orgId);
    const key = sort === "name" ? sql<string>`lower(${memberships.userName})` : sql<string>`${memberships.userEmail}`;

    const filters: SQL[] = [eq(memberships.orgId, orgId)];
    if (role) filters.push(eq(memberships.role, role));
    if (q) {
      const pattern = likePattern(q);
      // SQLite's LIKE ignores ASCII case, as its lower() folds only ASCII: no lower() per row.
      filters.push(
        or(
          sql`${memberships.userName} LIKE ${pattern} ESCAPE '\\'`,
          sql`${memberships.userEmail} LIKE ${pattern} ESCAPE '\\'`,
          sql`${memberships.title} LIKE ${pattern} ESCAPE '\\'`,
          sql`${memberships.userUsername} LIKE ${pattern} ESCAPE '\\'`,
        ) as SQL,
      );
    }
    const page = [...filters];
    if (cursor) {
      const [after, afterId] = decodeCursor(cursor);
      page.push(order === "asc" ? sql`(${key}, ${memberships.userId}) > (${after}, ${afterId})` : sql`(${key}, ${memberships.userId}) < (${after}, ${afterId})`);
    }
    const direction = order === "asc" ? asc : desc;
    const sorted = [direction(key), direction(memberships.userId)] as const;
    let rows: Array<{ member: typeof memberships.$inferSelect; key: string }>;
    let total: number;
    if ((q || role) && !cursor) {
      // A search or a filter reads every member of the organization (no index narrows
      // `LIKE '%…%'`): its first page counts the matches in the same pass, not in a second one.
      const counted = await db
        .select({ member: memberships, key, total: sql<number>`count(*) OVER ()` })
        .from(memberships)
        .where(and(...page))
        .orderBy(...sorted)
        .limit(limit + 1);
      rows = counted;
      total = counted[0]?.total ?? 0;
    } else {
      const [found, [counted]] = await db.batch([
        db.select({ member: memberships, key }).from(memberships).where(and(...page)).orderBy(...sorted).limit(limit + 1),
        db.select({ n: count() }).from(memberships).where(and(...filters)),
      ]);
      rows = found;
      total = counted?.n ?? 0;
    }
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown.at(-1);
    return c.json(
      {
        members: shown.map((r) => memberView(r.member)),
        total,
        nextCursor: more && last ? encodeCursor(last.key, last.member.userId) : null,
      },
      200,
    );
  });
}
