import { and, eq, sql } from "drizzle-orm";
import { memberships, userMemberships } from "../../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import { guard } from "../../lib/sql/guard.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/** Makes another member owner and the calling owner admin, in one transaction. */
export function planTransferOwnership(ctx: PlanContext, state: RoomState, actor: Actor, userId: string): RoomPlan<{ owner: string; previousOwner: string }> {
  requirePermission(actor, "ownership:transfer");
  if (actor.type !== "user") throw new AppError("forbidden", "API keys cannot transfer ownership.");
  const orgId = state.org.id;
  if (userId === actor.userId) throw new AppError("validation_failed", "You already own this organization.");
  const targetRole = state.index.role(userId);
  if (!targetRole) throw new AppError("not_found", "No such member.");

  const setRole = (id: string, role: "owner" | "admin") => [
    ctx.db.update(memberships).set({ role }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, id))),
    ctx.db.update(userMemberships).set({ role }).where(and(eq(userMemberships.orgId, orgId), eq(userMemberships.userId, id))),
  ];
  state.index.setRole(userId, "owner");
  state.index.setRole(actor.userId, "admin");
  return {
    statements: [
      // The caller must still be an owner when the transaction runs.
      ctx.db.run(guard(sql`EXISTS (SELECT 1 FROM memberships WHERE org_id = ${orgId} AND user_id = ${actor.userId} AND role = 'owner')`, "forbidden")),
      ...setRole(userId, "owner"),
      ...setRole(actor.userId, "admin"),
      auditStatement(orgId, actor, ctx.now, {
        action: "org.ownership_transferred",
        targetType: "member",
        targetId: userId,
        data: { from: actor.userId, to: userId, previousRole: targetRole },
      }),
    ],
    value: { owner: userId, previousOwner: actor.userId },
    events: [
      { type: "member.updated", data: { userId, role: "owner" } },
      { type: "member.updated", data: { userId: actor.userId, role: "admin" } },
    ],
  };
}
