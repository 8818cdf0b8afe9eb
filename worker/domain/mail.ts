/** A mail in the outbox: queued (and retried) until sent, or failed once given up. */
export const outboxStatuses = ["queued", "sent", "failed"] as const;

/** Where mail can go: Resend, the dev mailbox (local development only), or nowhere. */
export const mailerKinds = ["resend", "dev_mailbox", "not_configured"] as const;
export type MailerKind = (typeof mailerKinds)[number];

/** A mail's delivery as its invitation shows it, from the outbox and Resend's webhooks. */
export type TrackedDelivery = "sent" | "delivered" | "delayed" | "bounced" | "complained" | "failed";

const deliveryRank: Record<string, number> = { queued: 0, sent: 1, delayed: 2, delivered: 3, bounced: 4, complained: 4, failed: 4 };

/**
 * Whether an invitation's delivery may move from `from` to `to` for the same mail: only
 * forward (queued → sent → delayed → delivered → bounced | complained | failed), since
 * webhooks may arrive out of order; a final state stays. `not_mailed` has no mail to follow.
 */
export function deliveryAdvances(from: string, to: TrackedDelivery): boolean {
  const a = deliveryRank[from];
  const b = deliveryRank[to];
  return a !== undefined && b !== undefined && b > a;
}

/** The states a delivery may move to `to` from (for SQL guards). */
export function deliveryPredecessors(to: TrackedDelivery): string[] {
  return Object.keys(deliveryRank).filter((from) => deliveryAdvances(from, to));
}
