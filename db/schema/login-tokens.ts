import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamp } from "./columns.ts";

/**
 * A mailed sign-in link. Only the SHA-256 of its token is stored; it is single-use
 * (`usedAt`) and short-lived (`expiresAt`). `nonceHash` is the SHA-256 of the nonce cookie
 * of the browser that asked for it (null for links from before it existed): only that
 * browser may exchange the link without first confirming whose account it opens.
 */
export const loginTokens = sqliteTable(
  "login_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    email: text("email").notNull(),
    createdAt: timestamp("created_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
    nonceHash: text("nonce_hash"),
    /** What signing in with this link also does, e.g. joining through a self-registration link (JSON, see auth). */
    intent: text("intent", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("login_tokens_email").on(t.email)],
);
