import { and, eq } from "drizzle-orm";
import { invitations, type Invitation, type ProjectAssignment } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { randomToken } from "../../lib/ids.ts";
import { effectiveStatus, expiryFrom, isTerminal } from "../../domain/invitations.ts";
import { canGrant, type Role } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import { addPending, dropPending, type RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { invitationMailInsert, planInvite, type CreatedInvitation } from "./invite.ts";
import { invitationView, inviteUrl, type InvitationView } from "./invitation-view.ts";
import type { PlanContext, RoomPlan, Statement } from "./plan-context.ts";

/** A pending invitation of this organization, or the right refusal. */
function requirePending(ctx: PlanContext, state: RoomState, id: string): Invitation {
  const invitation = state.pending.get(id);
  if (!invitation) throw new AppError("invitation_not_pending", "This invitation is no longer pending.");
  return invitation;
}

function isPastDue(ctx: PlanContext, invitation: Invitation): boolean {
  return effectiveStatus(invitation.status, invitation.expiresAt.getTime(), ctx.now) === "expired";
}

/** What a command may change of a pending invitation. */
type InvitationChanges = Partial<Pick<Invitation, "role" | "projectAssignments" | "message" | "expiresAt" | "tokenHash" | "sendCount" | "lastSentAt" | "delivery">>;

/**
 * Changes to a pending invitation, committed and published. Only the changed columns are
 * written: the room's copy of the others may lag the database (the outbox records its
 * mail's `delivery` there first), and writing them back would undo what it recorded.
 */
function updatePlan<T>(ctx: PlanContext, state: RoomState, actor: Actor, before: Invitation, changes: InvitationChanges, action: string, value: (view: InvitationView) => T, extra: Statement[] = []): RoomPlan<T> {
  const { id, orgId } = before;
  const after: Invitation = { ...before, ...changes };
  addPending(state, after);
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

/** An expired invitation re-issued fresh (same invitee, role and projects); it needs a seat. */
async function reissue(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation, expiresInDays: number | null): Promise<RoomPlan<CreatedInvitation>> {
  // A past-due one still pending is the invitee's pending invitation: planInvite marks it
  // expired in the same transaction, after every check passed.
  return planInvite(ctx, state, actor, {
    email: old.email, username: old.username, inviteeUserId: old.inviteeUserId, role: old.role, projects: old.projectAssignments, message: old.message, expiresInDays,
  });
}

/** Admins manage invitations up to their own role, never an owner's. */
function requireAuthority(actor: Actor, invitation: Invitation): void {
  if (!canGrant(actor.role, invitation.role)) throw new AppError("forbidden", "Admins cannot manage an invitation for an owner.");
}

/**
 * Resend: a new token (the old link dies), `sendCount + 1`, a new mail. With `mail: false`
 * it is "new link": the token changes, nothing is mailed. An expired invitation is
 * re-issued fresh instead (a new pending invitation; the expired one stays as history).
 */
export async function planResend(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation, input: { mail: boolean }): Promise<RoomPlan<CreatedInvitation>> {
  requirePermission(actor, "invitations:write");
  requireAuthority(actor, old);
  if (old.status === "expired" || (old.status === "pending" && isPastDue(ctx, old))) return reissue(ctx, state, actor, old, null);
  const before = requirePending(ctx, state, old.id);
  if (input.mail) ctx.takeMailBudget(1);
  const token = randomToken(32);
  const url = inviteUrl(ctx.appUrl, token);
  const changes: InvitationChanges = {
    tokenHash: await sha256Hex(token),
    ...(input.mail ? { sendCount: before.sendCount + 1, lastSentAt: new Date(ctx.now), delivery: "queued" as const } : {}),
  };
  const mail = input.mail ? [invitationMailInsert(ctx, state, actor, { ...before, ...changes }, url)] : [];
  return updatePlan(ctx, state, actor, before, changes, input.mail ? "invitation.resent" : "invitation.link_renewed", (invitation) => ({ invitation, inviteUrl: url }), mail);
}

/** Extend: push `expiresAt` to `days` from now. An expired invitation is re-issued fresh. */
export async function planExtend(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation, input: { days: number | null }): Promise<RoomPlan<{ invitation: InvitationView; inviteUrl?: string }>> {
  requirePermission(actor, "invitations:write");
  requireAuthority(actor, old);
  if (old.status === "expired" || (old.status === "pending" && isPastDue(ctx, old))) return reissue(ctx, state, actor, old, input.days);
  const before = requirePending(ctx, state, old.id);
  // Extending never brings the expiry closer.
  const expiresAt = new Date(Math.max(before.expiresAt.getTime(), expiryFrom(ctx.now, input.days ?? state.org.defaultInviteTtlDays)));
  return updatePlan(ctx, state, actor, before, { expiresAt }, "invitation.extended", (invitation) => ({ invitation }));
}

/** Edit role, projects and message of a pending invitation. */
export function planEdit(ctx: PlanContext, state: RoomState, actor: Actor, id: string, patch: { role?: Role; projects?: ProjectAssignment[]; message?: string | null }): RoomPlan<{ invitation: InvitationView }> {
  requirePermission(actor, "invitations:write");
  const before = requirePending(ctx, state, id);
  if (isPastDue(ctx, before)) throw new AppError("invitation_expired", "This invitation has expired.");
  if (patch.role && !canGrant(actor.role, patch.role)) throw new AppError("forbidden", "Nobody invites with a role above their own.");
  requireAuthority(actor, before);
  for (const p of patch.projects ?? []) {
    if (!state.projects.has(p.projectId)) throw new AppError("validation_failed", "Unknown project.", { issues: [{ path: "projects", message: `No project ${p.projectId}` }] });
  }
  const changes: InvitationChanges = {
    ...(patch.role ? { role: patch.role } : {}),
    ...(patch.projects ? { projectAssignments: patch.projects } : {}),
    ...(patch.message !== undefined ? { message: patch.message } : {}),
  };
  return updatePlan(ctx, state, actor, before, changes, "invitation.edited", (invitation) => ({ invitation }));
}

/** Revoke a pending invitation: its link dies and its seat is freed. */
export function planRevoke(ctx: PlanContext, state: RoomState, actor: Actor, id: string): RoomPlan<{ invitation: InvitationView }> {
  requirePermission(actor, "invitations:write");
  const before = requirePending(ctx, state, id);
  requireAuthority(actor, before);
  dropPending(state, id);
  const view = invitationView({ ...before, status: "revoked", respondedAt: new Date(ctx.now) }, ctx.now);
  return {
    statements: [
      ctx.db.update(invitations).set({ status: "revoked", respondedAt: new Date(ctx.now) }).where(and(eq(invitations.id, id), eq(invitations.status, "pending"))),
      auditStatement(state.org.id, actor, ctx.now, { action: "invitation.revoked", targetType: "invitation", targetId: id }),
    ],
    value: { invitation: view },
    events: [{ type: "invitation.updated", data: { invitation: view } }],
    seatsChanged: true,
  };
}

/** Delete a terminal invitation (expired, revoked, declined, accepted). */
export function planDelete(ctx: PlanContext, state: RoomState, actor: Actor, old: Invitation): RoomPlan<{ id: string }> {
  requirePermission(actor, "invitations:write");
  requireAuthority(actor, old);
  const status = effectiveStatus(old.status, old.expiresAt.getTime(), ctx.now);
  if (!isTerminal(status)) throw new AppError("invitation_pending", "Only answered, revoked or expired invitations can be deleted; revoke it first.");
  dropPending(state, old.id);
  return {
    statements: [
      ctx.db.delete(invitations).where(and(eq(invitations.id, old.id), eq(invitations.orgId, state.org.id))),
      auditStatement(state.org.id, actor, ctx.now, { action: "invitation.deleted", targetType: "invitation", targetId: old.id, data: { status } }),
    ],
    value: { id: old.id },
    events: [{ type: "invitation.updated", data: { invitation: { id: old.id, deleted: true } } }],
    seatsChanged: old.status === "pending",
  };
}
