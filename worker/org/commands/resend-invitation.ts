import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { newId, randomToken } from "../../lib/ids.ts";
import { cancelQueuedMail } from "../../mail/outbox.ts";
import type { Actor } from "../actor.ts";
import { type RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { requireActive } from "./org-status.ts";
import { inviteUrl, type CreatedInvitationView } from "../../views/invitation.ts";
import { invitationMailInsert } from "./invite.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { requirePending, isPastDue, type InvitationChanges, updatePlan, reissue, requireAuthority } from "./invitation-changes.ts";

/**
 * Resend: a new token (the old link dies), `sendCount + 1`, a new mail. With `mail: false`
 * it is "new link": the token changes, nothing is mailed. An expired invitation is
 * re-issued fresh instead (a new pending invitation, mailed or not alike; the expired one
 * stays as history).
 */
export async function planResend(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation, input: { mail: boolean }): Promise<RoomPlan<CreatedInvitationView>> {
  requirePermission(actor, "invitations:write");
  requireActive(state);
  requireAuthority(actor, old);
  if (old.status === "expired" || (old.status === "pending" && isPastDue(ctx, old))) return reissue(ctx, state, actor, old, null, input.mail);
  const before = requirePending(ctx, state, old.id);
  if (input.mail) ctx.takeMailBudget(1);
  const token = randomToken(32);
  const url = inviteUrl(ctx.appUrl, token);
  const changes: InvitationChanges = {
    tokenHash: await sha256Hex(token),
    ...(input.mail ? { sendCount: before.sendCount + 1, lastSentAt: new Date(ctx.now), delivery: "queued" as const, lastMailId: newId("mail", ctx.now) } : {}),
  };
  // The older mail's link dies with this token (mailed or not): a copy still waiting is cancelled.
  const mail = input.mail
    ? [cancelQueuedMail(ctx.db, before.id), invitationMailInsert(ctx, state, actor, { ...before, ...changes }, url, "invitation_resent")]
    : [cancelQueuedMail(ctx.db, before.id, "its invitation's link was renewed")];
  return updatePlan(ctx, state, actor, before, changes, input.mail ? "invitation.resent" : "invitation.link_renewed", (invitation) => ({ invitation, inviteUrl: url }), mail);
}
