/** A mail in the outbox: queued (and retried) until sent, or failed once given up. */
export const outboxStatuses = ["queued", "sent", "failed"] as const;
