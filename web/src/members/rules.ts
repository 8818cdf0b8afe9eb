/**
 * What the members page offers whom: the Worker's own rules (worker/domain/roles.ts and
 * invitations.ts), applied to one row so that a menu shows only what the API would allow.
 * Pure: tested on its own (test/unit/members-rules.test.ts).
 */
import { effectiveStatus } from "../../../worker/domain/invitations.ts";
import { canActOn, canGrant, roleCan, roles, type Role } from "../../../worker/domain/roles.ts";
import type { InvitationView, MemberView } from "../../../worker/views/index.ts";

/** Who looks at the page. */
export interface Looker {
  userId: string;
  role: Role;
}

/** What the viewer may do to one member, as the room would judge it. */
export interface MemberActions {
  /** Roles the viewer may give this member (empty: the role cannot be changed). */
  roles: Role[];
  /** Whether the title can be edited. */
  title: boolean;
  /** Remove (or, on one's own row, leave). */
  remove: boolean;
  /** Make them the owner (the viewer, an owner, becomes an admin). */
  transfer: boolean;
  /** Whether the row's checkbox may select them for bulk removal (never owners, never oneself). */
  select: boolean;
  /** The viewer's own row. */
  self: boolean;
}

/**
 * The actions on `member` open to `viewer`, with `owners` the organization's number of owners
 * (null while unknown: the last-owner rule is then left to the API's answer).
 */
export function memberActions(viewer: Looker, member: Pick<MemberView, "userId" | "role">, owners: number | null): MemberActions {
  const self = viewer.userId === member.userId;
  const lastOwner = member.role === "owner" && owners !== null && owners <= 1;
  const writes = roleCan(viewer.role, "members:write") && canActOn(viewer.role, member.role);
  const grantable = writes ? roles.filter((r) => canGrant(viewer.role, r) && !(lastOwner && r !== "owner")) : [];
  return {
    // Only a change of role is worth offering: a list holding the current role alone is none.
    roles: grantable.length > 1 || (grantable.length === 1 && grantable[0] !== member.role) ? grantable : [],
    title: writes,
    // Anyone may leave, but the last owner; removing others is members:write over their role.
    remove: !lastOwner && (self || writes),
    transfer: !self && roleCan(viewer.role, "ownership:transfer") && member.role !== "owner",
    select: !self && writes && member.role !== "owner",
    self,
  };
}

/** Whether a row offers anything at all. */
export function hasAnyAction(actions: MemberActions): boolean {
  return actions.roles.length > 0 || actions.title || actions.remove || actions.transfer;
}

/** The actions an invitation may take, in the order its menu lists them. */
export const invitationActionNames = ["resend", "link", "extend", "edit", "revoke", "delete"] as const;
export type InvitationAction = (typeof invitationActionNames)[number];

/**
 * What `viewer` may do to `invitation` at `now`: a pending one can be resent, re-linked,
 * extended, edited and revoked; an expired one resent, re-linked or extended (each makes a
 * fresh invitation) or deleted; an answered or revoked one only deleted. Admins manage
 * invitations up to their own role, never an owner's.
 */
export function invitationActions(viewerRole: Role, invitation: Pick<InvitationView, "status" | "role" | "expiresAt">, now: number): InvitationAction[] {
  if (!roleCan(viewerRole, "invitations:write") || !canGrant(viewerRole, invitation.role)) return [];
  const status = effectiveStatus(invitation.status, Date.parse(invitation.expiresAt), now);
  if (status === "pending") return ["resend", "link", "extend", "edit", "revoke"];
  if (status === "expired") return ["resend", "link", "extend", "delete"];
  return ["delete"];
}

/** How an invitation's status reads, with its mail's delivery, and the tone it is shown in. */
export interface StatusLabel {
  label: string;
  tone: "progress" | "waiting" | "bad" | "done" | "ended";
  /** A second line, when the label alone would mislead. */
  detail?: string;
}

/** "Sending…", "Awaiting response", "Expired", "Declined", "Revoked", "Failed", "Accepted". */
export function invitationStatus(invitation: Pick<InvitationView, "status" | "delivery" | "expiresAt">, now: number): StatusLabel {
  const status = effectiveStatus(invitation.status, Date.parse(invitation.expiresAt), now);
  switch (status) {
    case "pending":
      switch (invitation.delivery) {
        case "queued":
          return { label: "Sending…", tone: "progress" };
        case "bounced":
          return { label: "Bounced — check the address", tone: "bad", detail: "The invitee's mail server refused the mail" };
        case "complained":
          return { label: "Failed", tone: "bad", detail: "The invitee marked the mail as spam" };
        case "failed":
          return { label: "Failed", tone: "bad", detail: "The mail could not be delivered" };
        case "delayed":
          return { label: "Awaiting response", tone: "waiting", detail: "Delivery delayed; Resend keeps trying" };
        case "delivered":
          return { label: "Awaiting response", tone: "waiting", detail: "Delivered" };
        case "not_mailed":
          return { label: "Awaiting response", tone: "waiting", detail: "Link only, not mailed" };
        default:
          return { label: "Awaiting response", tone: "waiting" };
      }
    case "accepted":
      return { label: "Accepted", tone: "done" };
    case "declined":
      return { label: "Declined", tone: "ended" };
    case "revoked":
      return { label: "Revoked", tone: "ended" };
    case "expired":
      return { label: "Expired", tone: "ended" };
  }
}

/** Initials for an avatar: "Ada Lovelace" → "AL", "ada@example.com" → "A". */
export function initials(name: string, fallback = "?"): string {
  const words = name
    .replace(/@.*/, "")
    .split(/[\s._-]+/)
    .filter((w) => /\p{L}|\p{N}/u.test(w));
  const letters = words.length > 1 ? [words[0], words.at(-1)] : words.slice(0, 1);
  const text = letters.map((w) => Array.from(w ?? "")[0] ?? "").join("").toUpperCase();
  return text || fallback;
}

/** How a member joined, in words. */
export const joinedLabel: Record<MemberView["joinedVia"], string> = {
  created: "Created the organization",
  invitation: "Invitation",
  link: "Invite link",
  api: "API",
};

/** A member's name, or for an account without one the start of their address. */
export function displayName(member: Pick<MemberView, "name" | "email">): string {
  return member.name.trim() || (member.email.split("@")[0] ?? member.email);
}
