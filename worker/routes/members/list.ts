import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { roles } from "../../domain/roles.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { orgDatabase } from "../../lib/database.ts";
import { MemberPage, memberView } from "../../views/member.ts";
import { queryMembers } from "./search.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";

const Query = z.object({
  q: z.string().trim().max(100).refine(...wellFormed).optional().openapi({ description: "Case-insensitive substring search over name, email, username and title (ASCII case folding)" }),
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

export function registerListMembers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { q, role, sort, order, cursor, limit } = c.req.valid("query");
    const db = orgDatabase(c.env, c.var.org.id);
    const { rows, total, totalExact } = await queryMembers(db, { orgId: c.var.org.id, q, role, sort, order, after: cursor ? decodeCursor(cursor) : undefined, limit });
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown.at(-1);
    return c.json(
      {
        members: shown.map((r) => memberView(r.member)),
        total,
        totalExact,
        nextCursor: more && last ? encodeCursor(last.key, last.member.userId) : null,
      },
      200,
    );
  });
}
