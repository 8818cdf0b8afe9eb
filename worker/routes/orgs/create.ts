import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { memberships, organizations, userMemberships } from "../../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { requireUser } from "../../auth/user-session.ts";
import { defaultSeatLimit, seats } from "../../domain/seats.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { abuseLimits } from "../../lib/abuse-limits.ts";
import { isUniqueViolation } from "../../lib/database-errors.ts";
import { orgDatabase } from "../../lib/database.ts";
import { enforceRateLimit } from "../../lib/rate-limiter.ts";
import { auditInsert } from "../../org/audit.ts";
import { orgView, OrgWithSeats } from "../../views/org.ts";
import { errors, json, OrgName, Slug, userSecurity } from "../schemas.ts";

const CreateOrg = z.object({ name: OrgName, slug: Slug }).openapi("CreateOrganization");

const route = createRoute({
  operationId: "createOrganization",
  method: "post",
  path: "/api/v1/orgs",
  tags: ["organizations"],
  summary: "Create an organization",
  description: `The creator becomes its owner and holds one seat. A new organization has ${defaultSeatLimit} seats. Slugs are unique and immutable (409 \`slug_taken\`). Each user may create a limited number of organizations a day (\`ORGS_PER_USER_PER_DAY\`, 10 by default): past it, 429 \`rate_limited\` with \`Retry-After\`.`,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: { ...json(CreateOrg), required: true } },
  responses: { 201: json(OrgWithSeats, "Created"), ...errors(400, 401, 403, 409, 429) },
});

export function registerCreateOrg(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { name, slug } = c.req.valid("json");
    const user = c.var.user;
    const now = c.var.clock.now();
    const perDay = { name: "orgs:user", limit: abuseLimits(c.env).orgsPerUserPerDay, windowMs: 24 * 3_600_000 };
    await enforceRateLimit(c.env, perDay, user.id, now);
    const id = newId("org", now);
    const db = orgDatabase(c.env, id);
    const at = new Date(now);
    const org = { id, slug, name, seatLimit: defaultSeatLimit, createdAt: at, updatedAt: at };
    const owner = { type: "user" as const, userId: user.id, role: "owner" as const, sessionId: "" };
    try {
      const [[created]] = await db.batch([
        db.insert(organizations).values(org).returning(),
        db.insert(memberships).values({
          orgId: id, userId: user.id, role: "owner", userName: user.name, userEmail: user.email, userUsername: user.username, joinedVia: "created", joinedAt: at,
        }),
        db.insert(userMemberships).values({ userId: user.id, orgId: id, orgSlug: slug, orgName: name, role: "owner", joinedAt: at }),
        auditInsert(db, id, owner, now, { action: "org.created", targetType: "org", targetId: id, data: { name, slug } }),
      ]);
      if (!created) throw new AppError("internal_error", "Could not create the organization.");
      return c.json({ org: orgView(created), seats: seats(created.seatLimit, 1, 0) }, 201);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AppError("slug_taken", "This slug is taken.");
      }
      throw error;
    }
  });
}
