import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { apiKeys, memberships, projectMembers, userMemberships } from "../../../db/schema/index.ts";
import { canActOn } from "../../domain/roles.ts";
import { AppError, type ErrorCode } from "../../errors.ts";
import { actorId, type Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import { guard } from "../../lib/sql/guard.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

export type RemovalResult = { userId: string; removed: true } | { userId: string; removed: false; error: { code: ErrorCode; message: string } };

/**
 * Removes members (one, or many in one transaction). Each is checked on its own; those
 * that may be removed go together. Members may always remove themselves (leave), except
 * the last owner. Their API keys die with their membership, and `member.removed` closes
 * their sockets before anyone hears of it.
 */
export function planRemoveMembers(ctx: PlanContext, state: RoomState, actor: Actor, userIds: string[]): RoomPlan<RemovalResult[]> {
  const orgId = state.org.id;
  const self = actor.type === "user" ? actor.userId : null;
  const onlySelf = userIds.length === 1 && userIds[0] === self;
  if (!onlySelf) requirePermission(actor, "members:write");

  let owners = state.index.ownerCount();
  const results: RemovalResult[] = [];
  const removing: Array<{ userId: string; role: string }> = [];
  for (const userId of new Set(userIds)) {
    const role = state.index.role(userId);
    const refuse = (code: ErrorCode, message: string) => results.push({ userId, removed: false, error: { code, message } });
    if (!role) refuse("not_found", "No such member.");
    else if (role === "owner" && owners <= 1) refuse("last_owner", "The organization's last owner cannot be removed.");
    else if (userId !== self && !canActOn(actor.role, role)) refuse("forbidden", "Admins cannot remove owners.");
    else {
      if (role === "owner") owners--;
      removing.push({ userId, role });
      results.push({ userId, removed: true });
    }
  }
  if (removing.length === 0) return { statements: [], value: results };

  const ids = removing.map((r) => r.userId);
  for (const hash of state.index.keysCreatedBy(ids)) state.index.dropKey(hash);
  for (const id of ids) state.index.dropMember(id);
  return {
    statements: [
      ctx.db.delete(memberships).where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, ids))),
      ctx.db.delete(userMemberships).where(and(eq(userMemberships.orgId, orgId), inArray(userMemberships.userId, ids))),
      // Their project roles go with the membership (an automatic private project stays, theirs again if they come back).
      ctx.db.delete(projectMembers).where(and(eq(projectMembers.orgId, orgId), inArray(projectMembers.userId, ids))),
      ctx.db
        .update(apiKeys)
        .set({ revokedAt: new Date(ctx.now) })
        .where(and(eq(apiKeys.orgId, orgId), inArray(apiKeys.createdBy, ids), isNull(apiKeys.revokedAt))),
      ctx.db.run(guard(sql`(SELECT count(*) FROM memberships WHERE org_id = ${orgId} AND role = 'owner') >= 1`, "last_owner")),
      ...removing.map((r) =>
        auditStatement(orgId, actor, ctx.now, {
          action: r.userId === self ? "member.left" : "member.removed",
          targetType: "member",
          targetId: r.userId,
          data: { role: r.role, by: actorId(actor) },
        }),
      ),
    ],
    value: results,
    events: ids.map((userId) => ({ type: "member.removed", data: { userId } })),
    seatsChanged: true,
  };
}

/** A single removal: {@link planRemoveMembers}'s result as a value or an error. */
export function planRemoveMember(ctx: PlanContext, state: RoomState, actor: Actor, userId: string): RoomPlan<{ userId: string }> {
  const plan = planRemoveMembers(ctx, state, actor, [userId]);
  const [result] = plan.value;
  if (!result) throw new AppError("not_found", "No such member.");
  if (!result.removed) throw new AppError(result.error.code, result.error.message);
  return { ...plan, value: { userId } };
}
