import { z } from "@hono/zod-openapi";
import { deliveryStates, invitationStatuses } from "../../domain/invitations.ts";
import { projectRoles } from "../../domain/projects.ts";
import { Email, InviteTtlDays, Role, Username } from "../schemas.ts";

export const ProjectAssignment = z.object({ projectId: z.string().min(1).max(64), role: z.enum(projectRoles) }).openapi("ProjectAssignment");

/** An invitee: an email address, or the username of an existing account. */
export const Invitee = z
  .string()
  .trim()
  .min(1)
  .max(254)
  .transform((value, ctx) => {
    const parsed = value.includes("@") ? Email.safeParse(value) : Username.safeParse(value);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: value.includes("@") ? "Not an email address." : "Not a username (or an email address)." });
      return z.NEVER;
    }
    return value.includes("@") ? { email: parsed.data } : { username: parsed.data };
  })
  .openapi({ type: "string", description: "An email address, or the username of an existing account", example: "ada@example.com" });

export const InvitationInput = z
  .object({
    invitee: Invitee,
    role: Role.default("member"),
    projects: z.array(ProjectAssignment).max(50).default([]),
    message: z.string().trim().max(1000).nullable().optional(),
    expiresInDays: InviteTtlDays.optional(),
  })
  .strict();

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

export const CreatedInvitation = z
  .object({ invitation: Invitation, inviteUrl: z.string().openapi({ description: "Shown only here and on resend / new link" }) })
  .openapi("CreatedInvitation");

export const IdParams = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }) });
export const TokenParams = z.object({ token: z.string().min(16).max(200).openapi({ param: { name: "token", in: "path" } }) });
