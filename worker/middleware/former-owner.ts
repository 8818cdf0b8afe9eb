import { createMiddleware } from "hono/factory";
import { and, eq, isNull } from "drizzle-orm";
import { organizations, sessions } from "../../db/schema/index.ts";
import { mayExportDeleted } from "../domain/org-lifecycle.ts";
import type { Permission } from "../domain/roles.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { userDatabase } from "../lib/database.ts";
import { orgAccess } from "./org-access.ts";

/**
 * {@link orgAccess}, and for a deleted organization (`org_unavailable`) one exception: a
 * signed-in user who was one of its owners when it was deleted passes, for
 * `deletedOrgExportDays` after the deletion (domain/org-lifecycle.ts). Only the audit
 * export uses it: nothing else of a deleted organization is served to anyone.
 */
export function orgAccessOrFormerOwner(permission: Permission) {
  const access = orgAccess(permission);
  return createMiddleware<AppEnv>(async (c, next) => {
    let admitted = false;
    try {
      await access(c, async () => {
        admitted = true;
        await next();
      });
      return;
    } catch (error) {
      // Only a refusal of the organization itself falls through, never the route's own errors.
      if (admitted || !(error instanceof AppError) || error.code !== "org_unavailable") throw error;
      const credential = c.var.credential;
      if (credential?.kind !== "session") throw error;
      const db = userDatabase(c.env);
      const slug = (c.req.param("org") ?? "").toLowerCase();
      const [[org], [session]] = await db.batch([
        db
          .select({ id: organizations.id, slug: organizations.slug, deletedAt: organizations.deletedAt, deletedOwnerIds: organizations.deletedOwnerIds })
          .from(organizations)
          .where(eq(organizations.slug, slug)),
        db
          .select({ id: sessions.id })
          .from(sessions)
          .where(and(eq(sessions.id, credential.sessionId), eq(sessions.userId, credential.userId), isNull(sessions.revokedAt))),
      ]);
      if (!org || !session || !mayExportDeleted(org, credential.userId, c.var.clock.now())) throw error;
      c.set("org", { id: org.id, slug: org.slug });
      c.set("actor", { type: "user", userId: credential.userId, role: "owner", sessionId: credential.sessionId });
    }
    await next();
  });
}
