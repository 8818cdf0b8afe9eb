import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { expiryFrom } from "../../domain/invitations.ts";
import type { Actor } from "../actor.ts";
import { inviterName, type RoomState } from "../state.ts";
import { outboxInsert } from "../../mail/outbox.ts";
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
  // A mailed invitee is told when the expiry moved (a link-only invitation was never mailed).
  // The mail is a notice, not the invitation's mail: its delivery stays the invitation mail's.
  const moved = expiresAt.getTime() > before.expiresAt.getTime();
  const notice = moved && before.delivery !== "not_mailed";
  if (notice) ctx.takeMailBudget(1);
  const mail = notice
    ? [
        outboxInsert(
          before.email,
          {
            template: "invitation_extended",
            params: { orgName: state.org.name, inviterName: inviterName(state, actor), role: before.role, expiresAt: expiresAt.toISOString(), url: `${ctx.appUrl}/me/invitations/${before.id}` },
          },
          { orgId: state.org.id, now: ctx.now },
        ),
      ]
    : [];
  return updatePlan(ctx, state, actor, before, { expiresAt }, "invitation.extended", (invitation) => ({ invitation }), mail);
}
