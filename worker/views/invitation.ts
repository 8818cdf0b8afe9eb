import { z } from "@hono/zod-openapi";
import type { Invitation as InvitationRow } from "../../db/schema/index.ts";
import { deliveryStates, effectiveStatus, invitationStatuses } from "../domain/invitations.ts";
import { projectRoles } from "../domain/projects.ts";
import { Role } from "./role.ts";

/** A project an invitation adds its invitee to, with their role there (also an input). */
export const ProjectAssignment = z.object({ projectId: z.string().min(1).max(64), role: z.enum(projectRoles) }).openapi("ProjectAssignment");

/** An invitation as the organization's admins see it (dates as ISO strings). */
export const Invitation = z
  .object({
    id: z.string(),
    email: z.string().nullable().openapi({ description: "Null for an invitation made by username" }),
    username: z.string().nullable(),
    role: Role,
    projectAssignments: z.array(ProjectAssignment),
    message: z.string().nullable(),
    status: z.enum(invitationStatuses),
    delivery: z.enum(deliveryStates),
    expiresAt: z.string(),
    sendCount: z.number().int(),
    lastSentAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    respondedAt: z.string().nullable(),
  })
  .openapi("Invitation");
export type InvitationView = z.infer<typeof Invitation>;

/** A new (or resent, or re-linked) invitation and its link: the only answer that carries the link. */
export const CreatedInvitation = z
  .object({ invitation: Invitation, inviteUrl: z.string().openapi({ description: "Shown only here and on resend / new link" }) })
  .openapi("CreatedInvitation");
export type CreatedInvitationView = z.infer<typeof CreatedInvitation>;

/** `GET /orgs/:org/invitations`: a page of invitations, newest first. */
export const InvitationPage = z
  .object({ invitations: z.array(Invitation), nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }) })
  .openapi("InvitationPage");
export type InvitationPageView = z.infer<typeof InvitationPage>;

/** `POST …/extend`: the invitation; on an expired one, the fresh invitation made instead and its link. */
export const ExtendedInvitation = z
  .object({ invitation: Invitation, inviteUrl: z.string().optional().openapi({ description: "Only when a fresh invitation was made" }) })
  .openapi("ExtendedInvitation");
export type ExtendedInvitationView = z.infer<typeof ExtendedInvitation>;

/** One row of a bulk invitation: made (with its invitation and link), or why not. */
export const BulkInvitationResult = z
  .object({
    row: z.number().int(),
    ok: z.boolean(),
    invitation: Invitation.optional(),
    inviteUrl: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).optional(),
  })
  .openapi("BulkInvitationResult");
export type BulkInvitationResultView = z.infer<typeof BulkInvitationResult>;

/** `POST /orgs/:org/invitations/bulk`: a result per row, in the rows' order, and the tallies. */
export const BulkInvitationResults = z
  .object({ results: z.array(BulkInvitationResult), created: z.number().int(), failed: z.number().int() })
  .openapi("BulkInvitationResults");
export type BulkInvitationResultsView = z.infer<typeof BulkInvitationResults>;

/** The invitee's answer (accept or decline): the invitation, and the organization it is for. */
export const InvitationAnswer = z
  .object({ invitation: Invitation, org: z.object({ id: z.string(), slug: z.string(), name: z.string() }) })
  .openapi("InvitationAnswer");
export type InvitationAnswerView = z.infer<typeof InvitationAnswer>;

/** Its status as of `now`: a pending invitation past its expiry shows as `expired`. */
export function invitationView(invitation: InvitationRow, now: number): InvitationView {
  return {
    id: invitation.id,
    // An invitation by username never shows the account's email.
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

/** The invitee's link; the token exists only in a {@link CreatedInvitation} answer and in the mail. */
export function inviteUrl(appUrl: string, token: string): string {
  return `${appUrl}/invitations/${token}`;
}
