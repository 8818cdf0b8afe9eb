import type { Invitation, ProjectAssignment } from "../../../db/schema/index.ts";
import { effectiveStatus } from "../../domain/invitations.ts";

/** An invitation as the organization's admins see it (dates as ISO strings). */
export interface InvitationView {
  id: string;
  /** Null for an invitation made by username: the account's email is never shown. */
  email: string | null;
  username: string | null;
  role: Invitation["role"];
  projectAssignments: ProjectAssignment[];
  message: string | null;
  status: Invitation["status"];
  delivery: Invitation["delivery"];
  expiresAt: string;
  sendCount: number;
  lastSentAt: string | null;
  createdBy: string;
  createdAt: string;
  respondedAt: string | null;
}

export function invitationView(invitation: Invitation, now: number): InvitationView {
  return {
    id: invitation.id,
    email: invitation.username ? null : invitation.email,
    username: invitation.username,
    role: invitation.role,
    projectAssignments: invitation.projectAssignments,
    message: invitation.message,
    status: effectiveStatus(invitation.status, invitation.expiresAt.getTime(), now),
    delivery: invitation.delivery,
    expiresAt: invitation.expiresAt.toISOString(),
    sendCount: invitation.sendCount,
    lastSentAt: invitation.lastSentAt?.toISOString() ?? null,
    createdBy: invitation.createdBy,
    createdAt: invitation.createdAt.toISOString(),
    respondedAt: invitation.respondedAt?.toISOString() ?? null,
  };
}

/** The invitee's link; the token exists only in this answer and in the mail. */
export function inviteUrl(appUrl: string, token: string): string {
  return `${appUrl}/invitations/${token}`;
}
