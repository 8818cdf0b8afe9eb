import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamp } from "./columns.ts";

/**
 * An `Idempotency-Key` a client sent with a POST, kept for 24 hours per scope (the
 * organization, or the user for routes outside one) and principal (the user or API key
 * that sent it): one caller's key never collides with another's. `fingerprint` is the
 * SHA-256 of the method, path, caller's authority and body; a repeat with another is
 * refused. While the first request runs, `status` is null; then it holds the answer that
 * every repeat replays (or, with `body` null, only its status: not replayable).
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    principal: text("principal").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    status: integer("status"),
    body: text("body"),
    contentType: text("content_type"),
    createdAt: timestamp("created_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.principal, t.key] }), index("idempotency_keys_expiry").on(t.expiresAt)],
);

export type IdempotencyKey = typeof idempotencyKeys.$inferSelect;
