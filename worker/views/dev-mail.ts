import { z } from "@hono/zod-openapi";
import type { devMail } from "../../db/schema/index.ts";

/** One mail the dev mailbox received (local development only). */
const DevMail = z.object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), html: z.string(), createdAt: z.string() });
export type DevMailView = z.infer<typeof DevMail>;

/** `GET /api/v1/dev/mailbox`: the mail sent locally, newest first. */
export const DevMailbox = z.object({ messages: z.array(DevMail) }).openapi("DevMailbox");
export type DevMailboxView = z.infer<typeof DevMailbox>;

export function devMailView(m: typeof devMail.$inferSelect): DevMailView {
  return { id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, createdAt: m.createdAt.toISOString() };
}
