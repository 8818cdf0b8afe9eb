import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamp } from "./columns.ts";

/**
 * Delivery webhooks already taken (their `svix-id`), so a replayed message is refused. A
 * message older than the signature's five-minute tolerance is refused anyway, so rows are
 * dropped after ten minutes.
 */
export const webhookMessages = sqliteTable(
  "webhook_messages",
  {
    id: text("id").primaryKey(),
    receivedAt: timestamp("received_at").notNull(),
  },
  (t) => [index("webhook_messages_received").on(t.receivedAt)],
);

/**
 * The deployment's pace of requests to Resend: one row per sending account, holding the
 * earliest time the next request may start. Every room claims its slot here (one atomic
 * update), so all organizations together stay within the account's rate.
 */
export const mailPace = sqliteTable("mail_pace", {
  id: text("id").primaryKey(),
  nextAt: integer("next_at").notNull(),
});
