import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamp } from "./columns.ts";

/** Mail delivered to the dev mailbox (local development only; never read in production). */
export const devMail = sqliteTable(
  "dev_mail",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("dev_mail_to").on(t.to, t.seq)],
);
