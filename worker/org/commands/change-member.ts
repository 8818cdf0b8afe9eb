import { and, eq, sql } from "drizzle-orm";
import { memberships, userMemberships } from "../../../db/schema/index.ts";
import { canActOn, canGrant, leavesNoOwner, type Role } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditInsert } from "../audit.ts";
import { guard, rethrowGuard } from "../sql-guard.ts";
import { ownerCount } from "../state.ts";
import { requirePermission, type CommandContext } from "./context.ts";

export interface ChangeMemberInput {
  userId: string;
  role?: Role;
  title?: string;
}

export interface ChangedMember {
  userId: string;
  role: Role;
  title: string;
}

/** Changes a member's role and/or title. The last owner can never be demoted. */
export async function changeMember(ctx: CommandContext, actor: Actor, input: ChangeMemberInput): Promise<ChangedMember> {
  requirePermission(actor, "members:write");
  const { db, state } = ctx;
  const orgId = state.org.id;
  const current = state.members.get(input.userId);
  if (!current) throw new AppError("not_found", "No such member.");
  const role = input.role ?? current;
  if (leavesNoOwner(current, role, ownerCount(state))) {
    throw new AppError("last_owner", "The organization's last owner cannot be demoted.");
  }
  if (!canActOn(actor.role, current)) throw new AppError("forbidden", "Admins cannot change owners.");
  if (!canGrant(actor.role, role)) throw new AppError("forbidden", "Nobody grants a role above their own.");
  const where = and(eq(memberships.orgId, orgId), eq(memberships.userId, input.userId));
  if (role === current && input.title === undefined) {
    // Nothing changes, so nothing is written or audited.
    const [row] = await db.select({ title: memberships.title }).from(memberships).where(where);
    return { userId: input.userId, role, title: row?.title ?? "" };
  }

  const set = { role, ...(input.title !== undefined ? { title: input.title } : {}) };
  let updated: Array<{ title: string }>;
  try {
    [updated] = await db.batch([
      db.update(memberships).set(set).where(where).returning({ title: memberships.title }),
      db.update(userMemberships).set({ role }).where(and(eq(userMemberships.userId, input.userId), eq(userMemberships.orgId, orgId))),
      db.run(guard(sql`(SELECT count(*) FROM memberships WHERE org_id = ${orgId} AND role = 'owner') >= 1`, "last_owner")),
      auditInsert(db, orgId, actor, ctx.now, {
        action: role !== current ? "member.role_changed" : "member.updated",
        targetType: "member",
        targetId: input.userId,
        data: { from: current, to: role, ...(input.title !== undefined ? { title: input.title } : {}) },
      }),
    ]);
  } catch (error) {
    rethrowGuard(error, "last_owner", "The organization's last owner cannot be demoted.");
  }
  const row = updated[0];
  if (!row) throw new AppError("not_found", "No such member.");
  state.members.set(input.userId, role);
  return { userId: input.userId, role, title: row.title };
}
