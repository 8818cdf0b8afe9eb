import { z } from "@hono/zod-openapi";
import { invitationStatuses, type InvitationStatus } from "../domain/invitations.ts";

const count = z.number().int().min(0);

/**
 * The organization's invitation funnel: how many invitations were made (and are still kept:
 * a deleted invitation leaves it) and where each stands now, by the status everyone sees (a
 * pending invitation past its expiry counts as expired at once).
 */
export const InvitationFunnel = z
  .object({
    sent: count.openapi({ description: "Every kept invitation: the sum of the five statuses" }),
    ...(Object.fromEntries(invitationStatuses.map((s) => [s, count])) as Record<InvitationStatus, typeof count>),
  })
  .openapi("InvitationFunnel");
export type InvitationFunnelView = z.infer<typeof InvitationFunnel>;

/** The funnel from counts by stored status, with the pending ones already past due counted apart. */
export function invitationFunnelView(rows: ReadonlyArray<{ status: InvitationStatus; n: number; pastDue: number }>): InvitationFunnelView {
  const funnel: InvitationFunnelView = { sent: 0, pending: 0, accepted: 0, declined: 0, revoked: 0, expired: 0 };
  for (const { status, n, pastDue } of rows) {
    funnel.sent += n;
    if (status === "pending") {
      funnel.pending += n - pastDue;
      funnel.expired += pastDue;
    } else funnel[status] += n;
  }
  return funnel;
}
