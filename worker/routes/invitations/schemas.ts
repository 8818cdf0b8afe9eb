import { z } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { ProjectAssignment } from "../../views/invitation.ts";
import { Role } from "../../views/role.ts";
import { Email, InviteTtlDays, Username } from "../schemas.ts";

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
    projects: z.array(ProjectAssignment).max(50).refine((list) => new Set(list.map((p) => p.projectId)).size === list.length, "Name each project once.").openapi({
      description: "Project roles the invitee gets on accept, each project once. Naming any needs projects:write (an API key: that scope too).",
    }).default([]),
    message: z.string().trim().max(1000).refine(...wellFormed).nullable().optional(),
    expiresInDays: InviteTtlDays.optional(),
    mail: z.boolean().default(true).openapi({
      description:
        "`false`: no mail is sent; hand the answer's `inviteUrl` over yourself. The invitation's `delivery` is `not_mailed` (and `sendCount` 0) until it is resent.",
    }),
    welcomeEmail: z.boolean().default(false).openapi({ description: "`true`: the invitee gets a welcome mail once they join." }),
  })
  .strict();

export const IdParams = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }) });
export const TokenParams = z.object({ token: z.string().min(16).max(200).openapi({ param: { name: "token", in: "path" } }) });
