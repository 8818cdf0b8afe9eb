import { and, eq, inArray } from "drizzle-orm";
import { invitations, memberships, notifications, projectMembers, userMemberships, type Invitation } from "../../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { effectiveStatus } from "../../domain/invitations.ts";
import { AppError } from "../../errors.ts";
import { outboxInsert } from "../../mail/outbox.ts";
import { auditStatement } from "../audit.ts";
import { rawGuard } from "../../lib/sql/guard.ts";
import { inviteeKey, type RoomState } from "../state.ts";
import { expireStatement } from "./invite.ts";
import { hasPersonalProject, personalProjectEvents, personalProjectStatements } from "./personal-project.ts";
import { invitationView, type InvitationAnswerView } from "../../views/invitation.ts";
import type { PlanContext, RoomEvent, RoomPlan } from "./plan-context.ts";
import type { Statement } from "../../lib/sql/statement.ts";

/** The signed-in invitee, as the Worker read them from the user side. */
export interface Invitee {
  id: string;
  email: string;
  username: string | null;
  name: string;
}

/** Whether the signed-in user is the person the invitation names. */
export function isInvitee(invitation: Invitation, user: Invitee): boolean {
  if (invitation.inviteeUserId) return invitation.inviteeUserId === user.id;
  return invitation.email === user.email.toLowerCase();
}

/**
 * The pending invitation `id`, checked for the user: a past-due one is marked expired
 * (committed) and answered 410; a wrong account gets 403 and the invitation stays pending.
 */
function pendingFor(ctx: PlanContext, state: RoomState, id: string, user: Invitee): { invitation: Invitation } | { expired: Statement[] } {
  const invitation = state.index.pending(id);
  if (!invitation) throw new AppError("invitation_not_pending", "This invitation is no longer pending.");
  if (!isInvitee(invitation, user)) {
    throw new AppError("email_mismatch", "This invitation is for another account. Sign in with the invited email.");
  }
  if (effectiveStatus("pending", invitation.expiresAt.getTime(), ctx.now) === "expired") {
    return { expired: expireStatement(ctx, state, invitation) };
  }
  return { invitation };
}

/** An in-app notification for the person who invited (none when an API key did). */
function notifyInviter(ctx: PlanContext, invitation: Invitation, type: string, data: Record<string, unknown>): Statement[] {
  if (!invitation.createdBy.startsWith("usr_")) return [];
  return [ctx.db.insert(notifications).values({ id: newId("ntf", ctx.now), userId: invitation.createdBy, type, data, createdAt: new Date(ctx.now) })];
}

const expiredError = () => new AppError("invitation_expired", "This invitation has expired. Ask for a new one.");

/**
 * Accepts: the membership, its role, the user-side index and the project assignments commit
 * in one transaction with the invitation's new status. The seat was held by the invitation,
 * so an accept succeeds even if the limit was lowered meanwhile.
 */
export function planAccept(ctx: PlanContext, state: RoomState, id: string, user: Invitee): RoomPlan<InvitationAnswerView> {
  if (state.org.status === "dormant") throw new AppError("org_unavailable", "This organization is dormant.");
  const found = pendingFor(ctx, state, id, user);
  const org = { id: state.org.id, slug: state.org.slug, name: state.org.name };
  if ("expired" in found) return { statements: found.expired, value: null as never, error: expiredError(), seatsChanged: true };
  const { invitation } = found;
  const at = new Date(ctx.now);
  const accepted: Invitation = { ...invitation, status: "accepted", respondedAt: at };
  const statements: Statement[] = [
    ctx.db.update(invitations).set({ status: "accepted", respondedAt: at }).where(and(eq(invitations.id, id), eq(invitations.status, "pending"))),
    // Nobody joins through an invitation the database no longer has pending.
    rawGuard("changes() = 1", [], "invitation_not_pending"),
  ];
  const alreadyMember = (state.index.role(user.id) !== undefined);
  const projectsBefore = hasPersonalProject(state, user.id);
  if (!alreadyMember) {
    statements.push(
      ctx.db.insert(memberships).values({
        orgId: org.id, userId: user.id, role: invitation.role, userName: user.name, userEmail: user.email, userUsername: user.username, joinedVia: "invitation", joinedAt: at,
      }),
      ctx.db.insert(userMemberships).values({ userId: user.id, orgId: org.id, orgSlug: org.slug, orgName: org.name, role: invitation.role, joinedAt: at }),
      ...invitation.projectAssignments.map((p) =>
        ctx.db.insert(projectMembers).values({ projectId: p.projectId, orgId: org.id, userId: user.id, role: p.role, createdAt: at }).onConflictDoNothing(),
      ),
      ...personalProjectStatements(ctx, state, { userId: user.id, name: user.name, email: user.email }),
    );
  }
  const actor = { type: "user" as const, userId: user.id, role: invitation.role, sessionId: "" };
  statements.push(
    auditStatement(org.id, actor, ctx.now, { action: "invitation.accepted", targetType: "invitation", targetId: id, data: { role: invitation.role } }),
  );
  statements.push(...notifyInviter(ctx, invitation, "invitation.accepted", { invitationId: id, org, user: { id: user.id, name: user.name } }));
  if (!alreadyMember) {
    statements.push(auditStatement(org.id, actor, ctx.now, { action: "member.joined", targetType: "member", targetId: user.id, data: { role: invitation.role, via: "invitation" } }));
  }
  if (invitation.welcomeEmail && !alreadyMember) {
    statements.push(
      outboxInsert(user.email, { template: "welcome", params: { orgName: org.name, memberName: user.name, role: invitation.role, url: `${ctx.appUrl}/orgs/${org.slug}` } }, { orgId: org.id, now: ctx.now }),
    );
  }
  const inviterEmail = inviterEmailOf(state, invitation);
  if (inviterEmail) {
    statements.push(
      outboxInsert(inviterEmail, { template: "invitation_accepted", params: { orgName: org.name, inviteeName: user.name || user.email, url: `${ctx.appUrl}/orgs/${org.slug}/members` } }, {
        orgId: org.id,
        now: ctx.now,
      }),
    );
  }
  state.index.dropPending(id);
  // Another invitation still pending for the same person (one by username, one by email)
  // has no one left to answer it: the system revokes it, and its seat is free.
  // (One already past due is left to the alarm, which marks it expired.)
  const superseded = [inviteeKey({ inviteeUserId: user.id, email: "" }), inviteeKey({ inviteeUserId: null, email: user.email.toLowerCase() })]
    .flatMap((key) => state.index.pendingFor(key) ?? [])
    .filter((other) => effectiveStatus("pending", other.expiresAt.getTime(), ctx.now) === "pending");
  if (superseded.length > 0) {
    const ids = superseded.map((other) => other.id);
    statements.push(
      ctx.db.update(invitations).set({ status: "revoked", respondedAt: at }).where(and(inArray(invitations.id, ids), eq(invitations.status, "pending"))),
      ...ids.map((other) => auditStatement(org.id, null, ctx.now, { action: "invitation.revoked", targetType: "invitation", targetId: other, data: { reason: "invitee_joined" } })),
    );
    for (const other of ids) state.index.dropPending(other);
  }
  const supersededViews = superseded.map((other) => invitationView({ ...other, status: "revoked", respondedAt: at }, ctx.now));
  if (!alreadyMember) state.index.putMember({ userId: user.id, role: invitation.role, email: user.email, name: user.name });
  const view = invitationView(accepted, ctx.now);
  return {
    statements,
    value: { invitation: view, org },
    events: [
      { type: "invitation.updated", data: { invitation: view } },
      ...supersededViews.map((other): RoomEvent => ({ type: "invitation.updated", data: { invitation: other } })),
      ...(alreadyMember ? [] : [{ type: "member.joined", data: { userId: user.id, role: invitation.role, via: "invitation" } } as const]),
      ...personalProjectEvents(state, user.id, projectsBefore, ctx.now),
    ],
    seatsChanged: true,
    sendsMail: true,
  };
}

/** The inviter's address, while they are a member (an API key, or someone who left, is mailed nothing). */
function inviterEmailOf(state: RoomState, invitation: Invitation): string | undefined {
  return state.index.member(invitation.createdBy)?.email;
}

/** Declines: the seat is freed and the inviter is told in the app and by mail. */
export function planDecline(ctx: PlanContext, state: RoomState, id: string, user: Invitee): RoomPlan<InvitationAnswerView> {
  const found = pendingFor(ctx, state, id, user);
  const org = { id: state.org.id, slug: state.org.slug, name: state.org.name };
  if ("expired" in found) return { statements: found.expired, value: null as never, error: expiredError(), seatsChanged: true };
  const { invitation } = found;
  const at = new Date(ctx.now);
  const actor = { type: "user" as const, userId: user.id, role: invitation.role, sessionId: "" };
  const inviterEmail = inviterEmailOf(state, invitation);
  state.index.dropPending(id);
  const view = invitationView({ ...invitation, status: "declined", respondedAt: at }, ctx.now);
  return {
    statements: [
      ctx.db.update(invitations).set({ status: "declined", respondedAt: at }).where(and(eq(invitations.id, id), eq(invitations.status, "pending"))),
      rawGuard("changes() = 1", [], "invitation_not_pending"),
      auditStatement(org.id, actor, ctx.now, { action: "invitation.declined", targetType: "invitation", targetId: id }),
      ...notifyInviter(ctx, invitation, "invitation.declined", { invitationId: id, org, user: { id: user.id, name: user.name } }),
      ...(inviterEmail
        ? [
            outboxInsert(inviterEmail, { template: "invitation_declined", params: { orgName: org.name, inviteeName: user.name || user.email, url: `${ctx.appUrl}/orgs/${org.slug}/invitations` } }, {
              orgId: org.id,
              now: ctx.now,
            }),
          ]
        : []),
    ],
    value: { invitation: view, org },
    events: [{ type: "invitation.updated", data: { invitation: view } }],
    seatsChanged: true,
    sendsMail: inviterEmail !== undefined,
  };
}
