import { and, eq, sql } from "drizzle-orm";
import { memberships, userMemberships } from "../../../db/schema/index.ts";
import { canActOn, canGrant, leavesNoOwner, type Role } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import { guard } from "../../lib/sql/guard.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { ChangedMemberView } from "../../views/member.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

export interface ChangeMemberInput {
  userId: string;
  role?: Role;
  title?: string;
}

/** Changes a member's role and/or title. The last owner can never be demoted. */
export async function planChangeMember(ctx: PlanContext, state: RoomState, actor: Actor, input: ChangeMemberInput): Promise<RoomPlan<ChangedMemberView>> {
  requirePermission(actor, "members:write");
  const orgId = state.org.id;
  const current = state.index.role(input.userId);
  if (!current) throw new AppError("not_found", "No such member.");
  const role = input.role ?? current;
  if (leavesNoOwner(current, role, state.index.ownerCount())) {
    throw new AppError("last_owner", "The organization's last owner cannot be demoted.");
  }
  if (!canActOn(actor.role, current)) throw new AppError("forbidden", "Admins cannot change owners.");
  if (!canGrant(actor.role, role)) throw new AppError("forbidden", "Nobody grants a role above their own.");
  const where = and(eq(memberships.orgId, orgId), eq(memberships.userId, input.userId));
  // The room keeps roles, not titles: an answer without a new title reads the current one.
  const title = input.title ?? (await ctx.read().select({ title: memberships.title }).from(memberships).where(where))[0]?.title ?? "";
  const changed: ChangedMemberView = { userId: input.userId, role, title };
  const events = [{ type: "member.updated", data: changed } as const];
  // Nothing changes, so nothing is written or audited; the event still confirms the member's state.
  if (role === current && input.title === undefined) return { statements: [], value: changed, events };

  state.index.setRole(input.userId, role);
  return {
    statements: [
      ctx.db.update(memberships).set({ role, ...(input.title !== undefined ? { title: input.title } : {}) }).where(where),
      ctx.db.update(userMemberships).set({ role }).where(and(eq(userMemberships.userId, input.userId), eq(userMemberships.orgId, orgId))),
      ctx.db.run(guard(sql`(SELECT count(*) FROM memberships WHERE org_id = ${orgId} AND role = 'owner') >= 1`, "last_owner")),
      auditStatement(orgId, actor, ctx.now, {
        action: role !== current ? "member.role_changed" : "member.updated",
        targetType: "member",
        targetId: input.userId,
        data: { from: current, to: role, ...(input.title !== undefined ? { title: input.title } : {}) },
      }),
    ],
    value: changed,
    events,
  };
}
