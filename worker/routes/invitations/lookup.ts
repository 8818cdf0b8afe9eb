import { eq } from "drizzle-orm";
import { invitations, organizations, type Invitation, type User } from "../../../db/schema/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { effectiveStatus } from "../../domain/invitations.ts";
import type { Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { orgDatabase, userDatabase } from "../../lib/database.ts";
import { isInvitee, type Invitee } from "../../org/commands/respond.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { invitationView, type InvitationAnswerView } from "../../views/invitation.ts";

/**
 * The invitation a link's token names. Tokens are looked up by hash; an unknown or dead
 * token (resent, re-linked) is simply not found.
 */
export async function invitationByToken(env: Bindings, token: string): Promise<Invitation> {
  // The token does not say which organization it belongs to, so this is a global lookup.
  const [row] = await userDatabase(env).select().from(invitations).where(eq(invitations.tokenHash, await sha256Hex(token)));
  if (!row) throw new AppError("not_found", "This invitation link is not valid (it may have been replaced by a newer one).");
  return row;
}

export async function invitationById(env: Bindings, id: string): Promise<Invitation | undefined> {
  const [row] = await userDatabase(env).select().from(invitations).where(eq(invitations.id, id));
  return row;
}

export function inviteeOf(user: User): Invitee {
  return { id: user.id, email: user.email, username: user.username, name: user.name };
}

/** A deleted organization's invitations answer `org_unavailable`, whatever their status. */
export async function refuseDeletedOrg(env: Bindings, orgId: string): Promise<void> {
  const [org] = await orgDatabase(env, orgId).select({ deletedAt: organizations.deletedAt }).from(organizations).where(eq(organizations.id, orgId));
  if (org?.deletedAt) throw new AppError("org_unavailable", "This organization was deleted.");
}

/**
 * Accepts or declines for the signed-in user. Terminal invitations are answered here;
 * pending ones go through the organization's room, which re-checks everything in order.
 * Accepting twice is harmless: the second answer is the first's.
 */
export async function respond(env: Bindings, invitation: Invitation, user: User, answer: "accept" | "decline", now: number, appUrl: string): Promise<InvitationAnswerView> {
  const invitee = inviteeOf(user);
  const status = effectiveStatus(invitation.status, invitation.expiresAt.getTime(), now);
  // A pending one is refused by its room; a deleted organization revoked the others.
  if (status !== "pending") await refuseDeletedOrg(env, invitation.orgId);
  if (!isInvitee(invitation, invitee)) {
    throw new AppError("email_mismatch", "This invitation is for another account. Sign in with the invited email.");
  }
  if (status === "accepted" && answer === "accept") {
    const [org] = await orgDatabase(env, invitation.orgId)
      .select({ slug: organizations.slug, name: organizations.name })
      .from(organizations)
      .where(eq(organizations.id, invitation.orgId));
    return { invitation: invitationView(invitation, now), org: { id: invitation.orgId, slug: org?.slug ?? "", name: org?.name ?? "" } };
  }
  if (status === "expired" && invitation.status !== "pending") throw new AppError("invitation_expired", "This invitation has expired. Ask for a new one.");
  if (status !== "pending" && status !== "expired") throw new AppError("invitation_not_pending", `This invitation was ${status}.`);
  // Pending (or pending but past due, which the room marks expired and answers 410).
  return unwrap(await orgRoom(env, invitation.orgId).respondToInvitation(invitation.orgId, invitation.id, invitee, answer, appUrl));
}
