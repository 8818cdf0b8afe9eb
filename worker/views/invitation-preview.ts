import { z } from "@hono/zod-openapi";
import type { Invitation } from "../../db/schema/index.ts";
import { effectiveStatus, invitationStatuses } from "../domain/invitations.ts";
import { Role } from "./role.ts";

/** What an invitation link offers, to whoever holds it: nothing more than this. */
export const InvitationPreview = z
  .object({
    org: z.object({ name: z.string(), slug: z.string() }),
    inviter: z.object({ name: z.string() }),
    role: Role,
    expiresAt: z.string(),
    status: z.enum(invitationStatuses),
  })
  .openapi("InvitationPreview");
export type InvitationPreviewView = z.infer<typeof InvitationPreview>;

/** `org` and `inviter` as read beside the invitation (either may be gone). */
export function invitationPreviewView(
  invitation: Invitation,
  org: { name: string; slug: string } | undefined,
  inviter: { name: string } | undefined,
  now: number,
): InvitationPreviewView {
  return {
    org: { name: org?.name ?? "", slug: org?.slug ?? "" },
    // An inviter without a name (or gone) shows as the organization.
    inviter: { name: inviter?.name || org?.name || "" },
    role: invitation.role,
    expiresAt: invitation.expiresAt.toISOString(),
    status: effectiveStatus(invitation.status, invitation.expiresAt.getTime(), now),
  };
}
