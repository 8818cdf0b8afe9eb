import { and, eq } from "drizzle-orm";
import { invitations } from "../../../db/schema/index.ts";
import { cancelQueuedMail } from "../../mail/outbox.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { invitationView, type InvitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { requirePending, requireAuthority } from "./invitation-changes.ts";

/** Revoke a pending invitation: its link dies and its seat is freed. */
export function planRevoke(ctx: PlanContext, state: RoomState, actor: Actor, id: string): RoomPlan<{ invitation: InvitationView }> {
  requirePermission(actor, "invitations:write");
  const before = requirePending(ctx, state, id);
  requireAuthority(actor, before);
  state.index.dropPending(id);
  const view = invitationView({ ...before, status: "revoked", respondedAt: new Date(ctx.now) }, ctx.now);
  return {
    statements: [
      ctx.db.update(invitations).set({ status: "revoked", respondedAt: new Date(ctx.now) }).where(and(eq(invitations.id, id), eq(invitations.status, "pending"))),
      // Its link is dead: a mail still waiting (a retry after a 5xx) is never sent.
      cancelQueuedMail(ctx.db, id, "its invitation was revoked"),
      auditStatement(state.org.id, actor, ctx.now, { action: "invitation.revoked", targetType: "invitation", targetId: id }),
    ],
    value: { invitation: view },
    events: [{ type: "invitation.updated", data: { invitation: view } }],
    seatsChanged: true,
  };
}
