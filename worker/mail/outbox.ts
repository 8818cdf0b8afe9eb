import { and, asc, eq, lte, sql } from "drizzle-orm";
import { invitations, mailOutbox } from "../../db/schema/index.ts";
import { newId } from "../auth/tokens.ts";
import type { Database } from "../lib/database.ts";
import type { Mail, Mailer } from "./mailer.ts";

/** Attempts before a mail is given up (with backoff they span ~6 h, well inside Resend's 24 h idempotency window). */
export const maxAttempts = 8;

/** The outbox row for `mail`, to insert in the same transaction as its cause. */
export function outboxInsert(db: Database, mail: Mail, options: { orgId: string; invitationId?: string; now: number }) {
  const id = newId("mail", options.now);
  return db.insert(mailOutbox).values({
    id,
    orgId: options.orgId,
    invitationId: options.invitationId ?? null,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    idempotencyKey: id,
    nextAttemptAt: new Date(options.now),
    createdAt: new Date(options.now),
  });
}

/** Backoff before attempt `n + 1`: 30 s, 1 min, 2 min … capped at 2 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 2 * 60 * 60_000);
}

/** Whether a failure is worth retrying: network errors, 5xx and 429; never other 4xx. */
export function isRetryable(error: unknown): boolean {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  return status === undefined || status === 429 || status >= 500;
}

/**
 * Sends the organization's due mail (up to `limit`), marking each sent or scheduling its
 * retry. Answers when the next attempt is due, if any mail is still queued.
 */
export async function deliverDue(db: Database, mailer: Mailer, orgId: string, now: number, limit = 100): Promise<number | null> {
  const due = await db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"), lte(mailOutbox.nextAttemptAt, new Date(now))))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit);
  const updates = [];
  for (const mail of due) {
    try {
      await mailer.send(mail, { idempotencyKey: mail.idempotencyKey });
      // Once sent, the body goes: it may hold a live invitation or sign-in link, and tokens
      // are kept only as hashes.
      updates.push(
        db
          .update(mailOutbox)
          .set({ status: "sent", sentAt: new Date(now), attempts: mail.attempts + 1, text: "", html: "" })
          .where(eq(mailOutbox.id, mail.id)),
      );
      if (mail.invitationId) {
        updates.push(
          db.update(invitations).set({ delivery: "sent" }).where(and(eq(invitations.id, mail.invitationId), eq(invitations.delivery, "queued"))),
        );
      }
    } catch (error) {
      const attempts = mail.attempts + 1;
      const giveUp = !isRetryable(error) || attempts >= maxAttempts;
      updates.push(
        db
          .update(mailOutbox)
          .set({
            status: giveUp ? "failed" : "queued",
            attempts,
            lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
            nextAttemptAt: new Date(now + retryDelayMs(attempts)),
          })
          .where(eq(mailOutbox.id, mail.id)),
      );
      if (giveUp && mail.invitationId) {
        updates.push(db.update(invitations).set({ delivery: "failed" }).where(eq(invitations.id, mail.invitationId)));
      }
    }
  }
  const [first, ...rest] = updates;
  if (first) await db.batch([first, ...rest]);
  const [next] = await db
    .select({ at: sql<number>`min(${mailOutbox.nextAttemptAt})` })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued")));
  return next?.at ?? null;
}
