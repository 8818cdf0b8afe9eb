import { and, eq, inArray } from "drizzle-orm";
import { invitations, memberships, notifications, userMemberships } from "../../../db/schema/index.ts";
import { effectiveStatus } from "../../domain/invitations.ts";
import { linkJoinRole, type LinkKind } from "../../domain/links.ts";
import { AppError } from "../../errors.ts";
import { linkInvalidError } from "../../lib/link-token.ts";
import { newId } from "../../lib/ids.ts";
import { rawGuard } from "../../lib/sql/guard.ts";
import type { Statement } from "../../lib/sql/statement.ts";
import { outboxInsert } from "../../mail/outbox.ts";
import { invitationView } from "../../views/invitation.ts";
import type { LinkJoinView } from "../../views/link.ts";
import { auditStatement } from "../audit.ts";
import { roomLink } from "../links.ts";
import { inviteeKey, type RoomState } from "../state.ts";
import { requireSeat, seatGuard } from "./invite.ts";
import { hasPersonalProject, personalProjectEvents, personalProjectStatements } from "./personal-project.ts";
import type { PlanContext, RoomEvent, RoomPlan } from "./plan-context.ts";
import type { Invitee } from "./respond.ts";

/** A join through a self-registration link: who (as the Worker read them, email verified) and which link generation. */
export interface LinkJoinInput {
  user: Invitee;
  kind: LinkKind;
  generation: number;
}

/** Refuses a join the organization cannot take now: gone or dormant, or the link is not its live one. */
export async function requireLiveLink(ctx: PlanContext, state: RoomState, kind: LinkKind, generation: number): Promise<{ tag: string }> {
  if (state.org.deletedAt || state.org.status === "dormant") throw new AppError("org_unavailable", "This organization is not taking new members.");
  const link = await roomLink(ctx, state, kind);
  if (!link.enabled || link.generation !== generation || link.tag === null) throw linkInvalidError();
  return { tag: link.tag };
}

/** Refuses an address outside the organization's allowed email domains (when it has any). */
export function requireLinkDomain(state: RoomState, email: string): void {
  const domains = state.org.allowedEmailDomains;
  const domain = email.toLowerCase().slice(email.lastIndexOf("@") + 1);
  if (domains.length > 0 && !domains.includes(domain)) {
    throw new AppError("domain_not_allowed", `This organization only takes addresses at ${domains.join(", ")}.`, { domain, allowedDomains: domains });
  }
}

/** The owners' ids and emails, from the room's copy of the members. */
function owners(state: RoomState): Array<{ userId: string; email: string }> {
  return state.index.owners().map(({ userId, email }) => ({ userId, email }));
}

/**
 * Joins `user` through a link: a `restricted` membership that records the link's tag, its
 * seat taken like an invitation's (checked against the room's state, and again by the seat
 * guard in the same transaction), the owners told by mail and in the app, and the
 * automatic private project when the organization gives one. A member already is answered
 * as such, and takes no second seat. Pending invitations of the same person are revoked:
 * they have nobody left to answer them.
 */
export async function planJoinByLink(ctx: PlanContext, state: RoomState, input: LinkJoinInput): Promise<RoomPlan<LinkJoinView>> {
  const { user } = input;
  const { tag } = await requireLiveLink(ctx, state, input.kind, input.generation);
  const org = { id: state.org.id, slug: state.org.slug, name: state.org.name };
  const current = state.index.role(user.id);
  if (current) return { statements: [], value: { status: "already_member", org, role: current, linkTag: null } };
  const email = user.email.toLowerCase();
  requireLinkDomain(state, email);
  const superseded = [inviteeKey({ inviteeUserId: user.id, email: "" }), inviteeKey({ inviteeUserId: null, email })]
    .flatMap((key) => state.index.pendingFor(key) ?? [])
    .filter((other) => effectiveStatus("pending", other.expiresAt.getTime(), ctx.now) === "pending");
  const heldSeats = superseded.length;
  if (heldSeats === 0) requireSeat(state, ctx.now);

  const at = new Date(ctx.now);
  const actor = { type: "user" as const, userId: user.id, role: linkJoinRole, sessionId: "" };
  const name = user.name || user.email;
  const statements: Statement[] = [];
  if (heldSeats > 0) {
    const ids = superseded.map((other) => other.id);
    statements.push(
      ctx.db.update(invitations).set({ status: "revoked", respondedAt: at }).where(and(inArray(invitations.id, ids), eq(invitations.status, "pending"))),
      ...ids.map((id) => auditStatement(org.id, null, ctx.now, { action: "invitation.revoked", targetType: "invitation", targetId: id, data: { reason: "invitee_joined" } })),
    );
    for (const id of ids) state.index.dropPending(id);
  }
  const projectsBefore = hasPersonalProject(state, user.id);
  statements.push(
    // The link must still be the live one when this commits (the room checked it in order; the database agrees).
    rawGuard("EXISTS (SELECT 1 FROM org_links WHERE org_id = ? AND kind = ? AND enabled = 1 AND generation = ?)", [org.id, input.kind, input.generation], "link_invalid"),
    ctx.db.insert(memberships).values({
      orgId: org.id, userId: user.id, role: linkJoinRole, userName: user.name, userEmail: email, userUsername: user.username, joinedVia: "link", linkTag: tag, joinedAt: at,
    }),
    ctx.db.insert(userMemberships).values({ userId: user.id, orgId: org.id, orgSlug: org.slug, orgName: org.name, role: linkJoinRole, joinedAt: at }),
    auditStatement(org.id, actor, ctx.now, { action: "member.joined", targetType: "member", targetId: user.id, data: { role: linkJoinRole, via: "link", linkTag: tag, kind: input.kind } }),
    ...personalProjectStatements(ctx, state, { userId: user.id, name: user.name, email }),
  );
  const membersUrl = `${ctx.appUrl}/orgs/${org.slug}/members`;
  for (const owner of owners(state)) {
    statements.push(
      ctx.db.insert(notifications).values({
        id: newId("ntf", ctx.now),
        userId: owner.userId,
        type: "member.joined_by_link",
        data: { org, user: { id: user.id, name }, linkTag: tag, kind: input.kind },
        createdAt: at,
      }),
      outboxInsert(owner.email, { template: "link_joined", params: { orgName: org.name, memberName: name, memberEmail: email, linkKind: input.kind, linkTag: tag, url: membersUrl } }, { orgId: org.id, now: ctx.now }),
    );
  }
  state.index.putMember({ userId: user.id, role: linkJoinRole, email, name: user.name });
  const events: RoomEvent[] = [
    ...superseded.map((other): RoomEvent => ({ type: "invitation.updated", data: { invitation: invitationView({ ...other, status: "revoked", respondedAt: at }, ctx.now) } })),
    { type: "member.joined", data: { userId: user.id, role: linkJoinRole, via: "link", linkTag: tag } },
    ...personalProjectEvents(state, user.id, projectsBefore, ctx.now),
  ];
  return {
    statements,
    // A join that takes over an invitation's seat adds none (as an accept): no seat guard, so an
    // organization over a lowered limit still takes the person it invited.
    ...(heldSeats > 0 ? {} : { guard: seatGuard(org.id, ctx.now) }),
    value: { status: "joined", org, role: linkJoinRole, linkTag: tag },
    events,
    seatsChanged: true,
    sendsMail: true,
  };
}
