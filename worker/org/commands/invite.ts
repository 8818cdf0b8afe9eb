import { and, eq } from "drizzle-orm";
import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { newId, randomToken } from "../../lib/ids.ts";
import { effectiveStatus, expiryFrom } from "../../domain/invitations.ts";
import { canGrant } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import { outboxInsert } from "../../mail/outbox.ts";
import type { Actor } from "../actor.ts";
import { actorId } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import { rowInsert, RowsStatement, rowShape } from "../../lib/sql/row-insert.ts";
import { rawGuard } from "../../lib/sql/guard.ts";
import { inviteeKey, inviterName, seatsOf, type RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { invitationView, inviteUrl, type CreatedInvitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import type { InviteInput } from "../room-client.ts";
import { requireInvitationProjects } from "./invitation-projects.ts";
import type { Statement } from "../../lib/sql/statement.ts";


/**
 * The statement that refuses a new seat when the plan's limit is reached: members plus
 * pending invitations (kept counted by the database, `org_seat_counts`) less the pending
 * ones already past due (few: the alarm expires them), against the limit. No row to read
 * (which cannot be) refuses too.
 */
export function seatGuard(orgId: string, now: number): Statement {
  return rawGuard(
    "(SELECT members + pending FROM org_seat_counts WHERE org_id = ?) - " +
      "(SELECT count(*) FROM invitations WHERE org_id = ? AND status = 'pending' AND expires_at <= ?) " +
      "<= (SELECT seat_limit FROM organizations WHERE id = ?)",
    [orgId, orgId, now, orgId],
    "seats_exhausted",
  );
}

/** A notification row for {@link notifyUser}: `invitee` is the account's id or email. */
const notification = rowShape(["id", "type", "data", "createdAt", "invitee"], "r.value");

/**
 * The in-app notification of an invitation to whoever has the account (no account: no row).
 * The rows drive the join (CROSS JOIN keeps that order), each a lookup by key in users.
 */
const notifyUser = (key: "id" | "email"): string =>
  `INSERT INTO notifications (id, type, data, created_at, user_id) SELECT ${notification.values("id", "type", "data", "createdAt")}, u.id ` +
  `FROM json_each(?) AS r CROSS JOIN users AS u ON u.${key} = ${notification.value("invitee")}`;
const notifyUserById = notifyUser("id");
const notifyUserByEmail = notifyUser("email");

/** The invitation mail to `invitation`'s invitee with `url`, queued in the outbox. */
export function invitationMailInsert(ctx: PlanContext, state: RoomState, actor: Actor, invitation: Invitation, url: string, template: "invitation" | "invitation_resent" = "invitation"): Statement {
  return outboxInsert(
    invitation.email,
    {
      template,
      params: {
        orgName: state.org.name,
        inviterName: inviterName(state, actor),
        role: invitation.role,
        message: invitation.message,
        url,
        expiresAt: invitation.expiresAt.toISOString(),
      },
    },
    { orgId: state.org.id, invitationId: invitation.id, now: ctx.now, id: invitation.lastMailId ?? undefined },
  );
}

/**
 * Refuses invitations the organization's settings forbid: a dormant organization takes
 * nobody (`org_unavailable`); allowed email domains, when set, bind every invitee. An
 * invitation by username is refused outright under a domain rule, with one answer for every
 * account: its email is hidden from the inviter, and a refusal that depended on its domain
 * would tell anyone who can set a rule where any username works.
 */
export function requireInvitable(state: RoomState, invitee: Pick<InviteInput, "email" | "username">): void {
  if (state.org.status === "dormant") throw new AppError("org_unavailable", "This organization is dormant.");
  const domains = state.org.allowedEmailDomains;
  if (domains.length === 0) return;
  if (invitee.username !== null) {
    throw new AppError("domain_not_allowed", "This organization takes invitations only by email address at its allowed domains; invite by email instead.", {
      allowedDomains: domains,
    });
  }
  const domain = invitee.email.slice(invitee.email.lastIndexOf("@") + 1);
  if (!domains.includes(domain)) {
    throw new AppError("domain_not_allowed", `This organization only takes addresses at ${domains.join(", ")}.`, { domain, allowedDomains: domains });
  }
}

/** Refuses when no seat is left: `409 seats_exhausted {limit, used}`. */
export function requireSeat(state: RoomState, now: number): void {
  const seats = seatsOf(state, now);
  if (seats.used >= seats.limit) {
    throw new AppError("seats_exhausted", "No seat is left on this organization's plan.", { limit: seats.limit, used: seats.used });
  }
}

/** Marks a past-due pending invitation expired, as part of the command that met it. */
export function expireStatement(ctx: PlanContext, state: RoomState, invitation: Invitation): Statement[] {
  state.index.dropPending(invitation.id);
  return [
    ctx.db
      .update(invitations)
      .set({ status: "expired" })
      .where(and(eq(invitations.id, invitation.id), eq(invitations.status, "pending"))),
    auditStatement(state.org.id, null, ctx.now, { action: "invitation.expired", targetType: "invitation", targetId: invitation.id }),
  ];
}

/**
 * Plans a new invitation: the invitee must be neither a member nor already invited, the
 * role no higher than the inviter's, and a seat must be free — checked against the room's
 * state and again by the database (the seat guard) in the same transaction.
 */
export async function planInvite(ctx: PlanContext, state: RoomState, actor: Actor, input: InviteInput, options: { reissue?: boolean } = {}): Promise<RoomPlan<CreatedInvitationView>> {
  requirePermission(actor, "invitations:write");
  if (!canGrant(actor.role, input.role)) throw new AppError("forbidden", "Nobody invites with a role above their own.");
  if (input.role === "owner" && actor.type !== "user") throw new AppError("forbidden", "API keys cannot invite owners.");
  if (state.index.memberByEmail(input.email) !== undefined || (input.inviteeUserId && (state.index.role(input.inviteeUserId) !== undefined))) {
    throw new AppError("already_member", "This person is already a member.");
  }
  // A re-issue (invitation-changes.ts) repeats projects granted before, less the deleted ones.
  if (!options.reissue) requireInvitationProjects(state, actor, input.projects);
  requireInvitable(state, input);
  const existing = state.index.pendingFor(inviteeKey(input));
  const existingLive = existing && effectiveStatus("pending", existing.expiresAt.getTime(), ctx.now) === "pending";
  if (existing && existingLive) {
    // A username invitation's answer never names the other invitation (nor its email).
    const private_ = existing.username !== null || input.username !== null;
    throw new AppError("already_invited", "This person already has a pending invitation.", private_ ? undefined : { invitationId: existing.id });
  }
  // Every refusal comes before the state changes: a past-due invitation holds no seat.
  requireSeat(state, ctx.now);
  if (input.mail) ctx.takeMailBudget(1);
  const statements: Statement[] = existing ? expireStatement(ctx, state, existing) : [];

  const token = randomToken(32);
  const now = new Date(ctx.now);
  const invitation: Invitation = {
    id: newId("inv", ctx.now),
    orgId: state.org.id,
    email: input.email,
    username: input.username,
    inviteeUserId: input.inviteeUserId,
    role: input.role,
    projectAssignments: input.projects,
    message: input.message,
    status: "pending",
    delivery: input.mail ? "queued" : "not_mailed",
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(expiryFrom(ctx.now, input.expiresInDays ?? state.org.defaultInviteTtlDays)),
    sendCount: input.mail ? 1 : 0,
    lastSentAt: input.mail ? now : null,
    createdBy: actorId(actor),
    createdAt: now,
    respondedAt: null,
    welcomeEmail: input.welcomeEmail,
    lastMailId: input.mail ? newId("mail", ctx.now) : null,
  };
  const url = inviteUrl(ctx.appUrl, token);
  statements.push(
    rowInsert(invitations, invitation),
    auditStatement(state.org.id, actor, ctx.now, {
      action: "invitation.created",
      targetType: "invitation",
      targetId: invitation.id,
      data: {
        role: invitation.role,
        ...(invitation.username ? { username: invitation.username } : { email: invitation.email }),
        ...(input.mail ? {} : { mailed: false }),
      },
    }),
  );
  if (input.mail) statements.push(invitationMailInsert(ctx, state, actor, invitation, url));
  // The invitee, if they have an account, is told in the app too: by id for an invitation
  // by username, else whoever holds the email (in this transaction, no lookup before it).
  statements.push(
    new RowsStatement(invitation.inviteeUserId ? notifyUserById : notifyUserByEmail, [
      notification.row({
        id: newId("ntf", ctx.now),
        type: "invitation.received",
        data: JSON.stringify({ invitationId: invitation.id, org: { slug: state.org.slug, name: state.org.name }, role: invitation.role }),
        createdAt: ctx.now,
        invitee: invitation.inviteeUserId ?? invitation.email,
      }),
    ]),
  );
  state.index.putPending(invitation);
  const view = invitationView(invitation, ctx.now);
  return {
    statements,
    guard: seatGuard(state.org.id, ctx.now),
    value: { invitation: view, inviteUrl: url },
    events: [{ type: "invitation.created", data: { invitation: view } }],
    seatsChanged: true,
    sendsMail: input.mail,
  };
}
