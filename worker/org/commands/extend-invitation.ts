import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { expiryFrom } from "../../domain/invitations.ts";
import type { Actor } from "../actor.ts";
import { type RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { requireActive } from "./org-status.ts";
import type { InvitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { requirePending, isPastDue, updatePlan, reissue, requireAuthority } from "./invitation-changes.ts";

/** Extend: push `expiresAt` to `days` from now. An expired invitation is re-issued fresh. */
export async function planExtend(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation, input: { days: number | null }): Promise<RoomPlan<{ invitation: InvitationView; inviteUrl?: string }>> {
  requirePermission(actor, "invitations:write");
  requireActive(state);
  requireAuthority(actor, old);
  if (old.status === "expired" || (old.status === "pending" && isPastDue(ctx, old))) return reissue(ctx, state, actor, old, input.days, true);
  const before = requirePending(ctx, state, old.id);
  // Extending never brings the expiry closer.
  const expiresAt = new Date(Math.max(before.expiresAt.getTime(), expiryFrom(ctx.now, input.days ?? state.org.defaultInviteTtlDays)));
  return updatePlan(ctx, state, actor, before, { expiresAt }, "invitation.extended", (invitation) => ({ invitation }));
}
