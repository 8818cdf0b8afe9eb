/** A mail in the outbox: queued (and retried) until sent, or failed once given up. */
export const outboxStatuses = ["queued", "sent", "failed"] as const;

/** Where mail can go: Resend, the dev mailbox (local development only), or nowhere. */
export const mailerKinds = ["resend", "dev_mailbox", "not_configured"] as const;
export type MailerKind = (typeof mailerKinds)[number];
