import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { apiKeys, memberships, userMemberships } from "../../../db/schema/index.ts";
import { canActOn } from "../../domain/roles.ts";
import { AppError, type ErrorCode } from "../../errors.ts";
import { actorId, type Actor } from "../actor.ts";
import { auditInsert } from "../audit.ts";
import { guard, rethrowGuard } from "../sql-guard.ts";
import { dropMember, ownerCount } from "../state.ts";
import { requirePermission, type CommandContext } from "./context.ts";

export type RemovalResult = { userId: string; removed: true } | { userId: string; removed: false; error: { code: ErrorCode; message: string } };

/**
 * Removes members (one, or many in one transaction). Each is checked on its own; those
 * that may be removed go together. Members may always remove themselves (leave), except
 * the last owner.
 */
export async function removeMembers(ctx: CommandContext, actor: Actor, userIds: string[]): Promise<RemovalResult[]> {
  const { db, state } = ctx;
  const orgId = state.org.id;
  const self = actor.type === "user" ? actor.userId : null;
  const onlySelf = userIds.length === 1 && userIds[0] === self;
  if (!onlySelf) requirePermission(actor, "members:write");

  let owners = ownerCount(state);
  const results: RemovalResult[] = [];
  const removing: Array<{ userId: string; role: string }> = [];
  for (const userId of new Set(userIds)) {
    const role = state.members.get(userId);
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
  if (removing.length === 0) return results;

  const ids = removing.map((r) => r.userId);
  try {
    await db.batch([
      db.delete(memberships).where(and(eq(memberships.orgId, orgId), inArray(memberships.userId, ids))),
      db.delete(userMemberships).where(and(eq(userMemberships.orgId, orgId), inArray(userMemberships.userId, ids))),
      // Their API keys die with their membership, for good (not only while they are away).
      db
        .update(apiKeys)
        .set({ revokedAt: new Date(ctx.now) })
        .where(and(eq(apiKeys.orgId, orgId), inArray(apiKeys.createdBy, ids), isNull(apiKeys.revokedAt))),
      db.run(guard(sql`(SELECT count(*) FROM memberships WHERE org_id = ${orgId} AND role = 'owner') >= 1`, "last_owner")),
      ...removing.map((r) =>
        auditInsert(db, orgId, actor, ctx.now, {
          action: r.userId === self ? "member.left" : "member.removed",
          targetType: "member",
          targetId: r.userId,
          data: { role: r.role, by: actorId(actor) },
        }),
      ),
    ]);
  } catch (error) {
    rethrowGuard(error, "last_owner", "The organization's last owner cannot be removed.");
  }
  for (const id of ids) dropMember(state, id);
  for (const [hash, key] of state.keys) if (ids.includes(key.createdBy)) state.keys.delete(hash);
  return results;
}

/** A single removal: the result of {@link removeMembers} as a value or an error. */
export async function removeMember(ctx: CommandContext, actor: Actor, userId: string): Promise<{ userId: string }> {
  const [result] = await removeMembers(ctx, actor, [userId]);
  if (!result) throw new AppError("not_found", "No such member.");
  if (!result.removed) throw new AppError(result.error.code, result.error.message);
  return { userId };
}
