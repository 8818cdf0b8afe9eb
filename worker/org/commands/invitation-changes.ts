/**
 * What the commands that change one pending invitation share (edit, resend, extend, revoke,
 * delete): finding it pending, checking the actor's authority over it, writing its changes.
 */
import { and, eq } from "drizzle-orm";
import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { effectiveStatus } from "../../domain/invitations.ts";
import { canGrant } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { invitationView, type CreatedInvitationView, type InvitationView } from "../../views/invitation.ts";
import { planInvite } from "./invite.ts";
import { existingAssignments } from "./invitation-projects.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import type { Statement } from "../../lib/sql/statement.ts";

/** A pending invitation of this organization, or the right refusal. */
export function requirePending(ctx: PlanContext, state: RoomState, id: string): Invitation {
  const invitation = state.index.pending(id);
  if (!invitation) throw new AppError("invitation_not_pending", "This invitation is no longer pending.");
  return invitation;
}

export function isPastDue(ctx: PlanContext, invitation: Invitation): boolean {
  return effectiveStatus(invitation.status, invitation.expiresAt.getTime(), ctx.now) === "expired";
}

/** What a command may change of a pending invitation. */
export type InvitationChanges = Partial<Pick<Invitation, "role" | "projectAssignments" | "message" | "expiresAt" | "tokenHash" | "sendCount" | "lastSentAt" | "delivery" | "lastMailId">>;

/**
 * Changes to a pending invitation, committed and published. Only the changed columns are
 * written: the room's copy of the others may lag the database (the outbox records its
 * mail's `delivery` there first), and writing them back would undo what it recorded.
 */
export function updatePlan<T>(ctx: PlanContext, state: RoomState, actor: Actor, before: Invitation, changes: InvitationChanges, action: string, value: (view: InvitationView) => T, extra: Statement[] = []): RoomPlan<T> {
  const { id, orgId } = before;
  const after: Invitation = { ...before, ...changes };
  state.index.putPending(after);
  const view = invitationView(after, ctx.now);
  return {
    statements: [
      ctx.db.update(invitations).set(changes).where(and(eq(invitations.id, id), eq(invitations.orgId, orgId), eq(invitations.status, "pending"))),
      auditStatement(orgId, actor, ctx.now, { action, targetType: "invitation", targetId: id, data: { sendCount: after.sendCount, expiresAt: after.expiresAt.toISOString() } }),
      ...extra,
    ],
    value: value(view),
    events: [{ type: "invitation.updated", data: { invitation: view } }],
    sendsMail: extra.length > 0,
  };
}

/**
 * An expired invitation re-issued fresh (same invitee, role and projects); it needs a seat.
 * `mail`: whether its link is mailed (a new link asked for to copy is not).
 */
export async function reissue(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation, expiresInDays: number | null, mail: boolean): Promise<RoomPlan<CreatedInvitationView>> {
  // A past-due one still pending is the invitee's pending invitation: planInvite marks it
  // expired in the same transaction, after every check passed.
  // Its projects were granted by whoever made or edited it; those deleted since are dropped.
  return planInvite(ctx, state, actor, {
    email: old.email, username: old.username, inviteeUserId: old.inviteeUserId, role: old.role, projects: existingAssignments(state, old.projectAssignments), message: old.message, expiresInDays, mail, welcomeEmail: old.welcomeEmail,
  }, { reissue: true });
}

/** Admins manage invitations up to their own role, never an owner's. */
export function requireAuthority(actor: Actor, invitation: Invitation): void {
  if (!canGrant(actor.role, invitation.role)) throw new AppError("forbidden", "Admins cannot manage an invitation for an owner.");
}
