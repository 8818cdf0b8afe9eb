import { and, eq, isNull, sql } from "drizzle-orm";
import { apiKeys, invitations, mailOutbox, memberships, organizations, orgLinks, userMemberships, type Organization } from "../../../db/schema/index.ts";
import { confirmsDeletion } from "../../domain/org-lifecycle.ts";
import { AppError } from "../../errors.ts";
import { actorId, type Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { deletedOrgView, type DeletedOrgView } from "../../views/deleted-org.ts";

/**
 * Deletes the organization (owners, who typed its slug to confirm). In one transaction,
 * with its `org.deleted` audit entry: every membership ends (both sides of the seam), every
 * API key is revoked, every pending invitation is revoked (its seat freed, its queued mail
 * cancelled), the self-registration links are disabled and rotated, and the organization
 * is marked deleted with the owners of that moment (who may still export its audit trail
 * for a while: domain/org-lifecycle.ts). The room's state is emptied as it plans, so a
 * command queued behind the deletion — an invitation, an accept — is refused
 * (`org_unavailable`); once it committed the room closes every socket (4410) and refuses
 * every call, as a room that loads the organization afresh does.
 */
export function planDeleteOrg(ctx: PlanContext, state: RoomState, actor: Actor, confirm: string | undefined): RoomPlan<DeletedOrgView> {
  requirePermission(actor, "org:update");
  const before = state.org;
  if (!confirmsDeletion(before.slug, confirm)) {
    throw new AppError("confirmation_mismatch", `Type the organization's slug (${before.slug}) to confirm its deletion.`, { expected: "slug" });
  }
  const orgId = before.id;
  const at = new Date(ctx.now);
  const owners = state.index.owners().map((owner) => owner.userId);
  const counts = { members: state.index.memberCount(), pendingInvitations: state.index.pendingSeats(ctx.now), apiKeys: state.index.keyCount() };

  const org: Organization = { ...before, deletedAt: at, deletedOwnerIds: owners, updatedAt: at };
  // The index is left as it is: a deleted organization's room refuses every call (room-state.ts).
  state.org = org;

  return {
    statements: [
      ctx.db
        .update(organizations)
        .set({ deletedAt: at, deletedOwnerIds: owners, updatedAt: at })
        .where(and(eq(organizations.id, orgId), isNull(organizations.deletedAt))),
      ctx.db
        .update(invitations)
        .set({ status: "revoked", respondedAt: at })
        .where(and(eq(invitations.orgId, orgId), eq(invitations.status, "pending"))),
      ctx.db
        .update(mailOutbox)
        .set({ status: "failed", lastError: "The organization was deleted." })
        .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"))),
      ctx.db.delete(memberships).where(eq(memberships.orgId, orgId)),
      ctx.db.delete(userMemberships).where(eq(userMemberships.orgId, orgId)),
      ctx.db.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt))),
      // Disabled, and a new generation: the old URLs die even if a link were enabled again.
      ctx.db
        .update(orgLinks)
        .set({ enabled: false, generation: sql`${orgLinks.generation} + 1`, updatedAt: at })
        .where(eq(orgLinks.orgId, orgId)),
      auditStatement(orgId, actor, ctx.now, {
        action: "org.deleted",
        targetType: "org",
        targetId: orgId,
        data: { slug: before.slug, name: before.name, owners, by: actorId(actor), ...counts },
      }),
    ],
    value: deletedOrgView({ id: orgId, slug: before.slug, deletedAt: at }),
  };
}
