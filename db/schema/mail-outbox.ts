import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { outboxStatuses } from "../../worker/domain/mail.ts";
import { timestamp } from "./columns.ts";

/**
 * The transactional outbox: a mail is written in the same transaction as the change that
 * causes it, then sent and retried with backoff until it leaves; nothing is lost when the
 * mail service is down. The idempotency key makes a retry never mail twice. Once the mail
 * left (or was given up), its parameters — which may hold a live link — are cleared.
 */
export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id"),
    invitationId: text("invitation_id"),
    to: text("to").notNull(),
    /** Which template (worker/mail/queued.ts) and its parameters; rendered when sent. */
    template: text("template").notNull(),
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** The batch this mail was claimed for (its Resend idempotency key): a batch that may
     * have left is retried as itself, the same mails under the same key, never regrouped. */
    batchKey: text("batch_key"),
    status: text("status", { enum: outboxStatuses }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: timestamp("created_at").notNull(),
    sentAt: timestamp("sent_at"),
    /** Resend's id of the sent mail: delivery webhooks name the mail by it. */
    providerId: text("provider_id"),
  },
  (t) => [
    index("mail_outbox_due").on(t.orgId, t.status, t.nextAttemptAt),
    index("mail_outbox_provider").on(t.providerId),
    index("mail_outbox_invitation").on(t.invitationId),
    check("mail_outbox_status", sql`${t.status} IN ('queued', 'sent', 'failed')`),
  ],
);

export type OutboxMail = typeof mailOutbox.$inferSelect;
