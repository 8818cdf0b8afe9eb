/** Where an invitation stands: pending until answered, revoked or past its expiry. */
export const invitationStatuses = ["pending", "accepted", "declined", "revoked", "expired"] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

/**
 * What became of an invitation's mail, as the mail service reports it; `not_mailed` for an
 * invitation made to hand its link over by other means (until it is resent by mail).
 */
export const deliveryStates = ["queued", "sent", "delivered", "delayed", "bounced", "complained", "failed", "not_mailed"] as const;

export const dayMs = 24 * 60 * 60_000;

/** The most rows one bulk invitation call takes (`POST /orgs/:org/invitations/bulk`); the dashboard sends bigger lists in chunks of this size. */
export const maxBulkRows = 1000;

/** Invitations live 1–30 days; the organization's default is 7. */
export const invitationTtlDays = { min: 1, max: 30 } as const;

/** The status everyone sees: a pending invitation past its expiry is expired at once. */
export function effectiveStatus(status: InvitationStatus, expiresAt: number, now: number): InvitationStatus {
  return status === "pending" && expiresAt <= now ? "expired" : status;
}

/** Whether an invitation still holds a seat. */
export function holdsSeat(status: InvitationStatus, expiresAt: number, now: number): boolean {
  return effectiveStatus(status, expiresAt, now) === "pending";
}

/** Terminal states never change: only a pending invitation moves (to any of the others). */
export function isTerminal(status: InvitationStatus): boolean {
  return status !== "pending";
}

/** When an invitation created or extended at `now` for `days` days expires. */
export function expiryFrom(now: number, days: number): number {
  return now + days * dayMs;
}
