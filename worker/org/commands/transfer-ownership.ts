import { and, eq, sql } from "drizzle-orm";
import { memberships, userMemberships } from "../../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditInsert } from "../audit.ts";
import { guard, rethrowGuard } from "../sql-guard.ts";
import { requirePermission, type CommandContext } from "./context.ts";

/** Makes another member owner and the calling owner admin, in one transaction. */
export async function transferOwnership(ctx: CommandContext, actor: Actor, userId: string): Promise<{ owner: string; previousOwner: string }> {
  requirePermission(actor, "ownership:transfer");
  if (actor.type !== "user") throw new AppError("forbidden", "API keys cannot transfer ownership.");
  const { db, state } = ctx;
  const orgId = state.org.id;
  if (userId === actor.userId) throw new AppError("validation_failed", "You already own this organization.");
  const targetRole = state.members.get(userId);
  if (!targetRole) throw new AppError("not_found", "No such member.");

  const setRole = (id: string, role: "owner" | "admin") => [
    db.update(memberships).set({ role }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, id))),
    db.update(userMemberships).set({ role }).where(and(eq(userMemberships.orgId, orgId), eq(userMemberships.userId, id))),
  ] as const;
  try {
    await db.batch([
      // The caller must still be an owner when the transaction runs.
      db.run(guard(sql`EXISTS (SELECT 1 FROM memberships WHERE org_id = ${orgId} AND user_id = ${actor.userId} AND role = 'owner')`, "forbidden")),
      ...setRole(userId, "owner"),
      ...setRole(actor.userId, "admin"),
      auditInsert(db, orgId, actor, ctx.now, {
        action: "org.ownership_transferred",
        targetType: "member",
        targetId: userId,
        data: { from: actor.userId, to: userId, previousRole: targetRole },
      }),
    ]);
  } catch (error) {
    rethrowGuard(error, "forbidden", "Only an owner can transfer ownership.");
  }
  state.members.set(userId, "owner");
  state.members.set(actor.userId, "admin");
  return { owner: userId, previousOwner: actor.userId };
}
