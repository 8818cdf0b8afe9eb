import { and, eq } from "drizzle-orm";
import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { cancelQueuedMail } from "../../mail/outbox.ts";
import { effectiveStatus, isTerminal } from "../../domain/invitations.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { requireAuthority } from "./invitation-changes.ts";

/** Delete a terminal invitation (expired, revoked, declined, accepted). */
export function planDelete(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation): RoomPlan<{ id: string }> {
  requirePermission(actor, "invitations:write");
  requireAuthority(actor, old);
  const status = effectiveStatus(old.status, old.expiresAt.getTime(), ctx.now);
  if (!isTerminal(status)) throw new AppError("invitation_pending", "Only answered, revoked or expired invitations can be deleted; revoke it first.");
  state.index.dropPending(old.id);
  return {
    statements: [
      ctx.db.delete(invitations).where(and(eq(invitations.id, old.id), eq(invitations.orgId, state.org.id))),
      cancelQueuedMail(ctx.db, old.id, "its invitation was deleted"),
      auditStatement(state.org.id, actor, ctx.now, { action: "invitation.deleted", targetType: "invitation", targetId: old.id, data: { status } }),
    ],
    value: { id: old.id },
    events: [{ type: "invitation.updated", data: { invitation: { id: old.id, deleted: true } } }],
    seatsChanged: old.status === "pending",
  };
}
