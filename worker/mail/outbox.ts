import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { invitations, mailOutbox, type OutboxMail } from "../../db/schema/index.ts";
import { newId, sha256Hex } from "../auth/tokens.ts";
import type { Database } from "../lib/database.ts";
import { rowInsert, type RawStatement } from "../lib/row-insert.ts";
import { maxBatch, type Mailer } from "./mailer.ts";
import { render, type QueuedMail } from "./queued.ts";

/** Attempts before a mail is given up (with backoff they span ~6 h, well inside Resend's 24 h idempotency window). */
export const maxAttempts = 8;

/** The outbox row for a mail to `to`, to insert in the same transaction as its cause. */
export function outboxInsert(to: string, mail: QueuedMail, options: { orgId: string; invitationId?: string; now: number }): RawStatement {
  const id = newId("mail", options.now);
  return rowInsert(mailOutbox, {
    id,
    orgId: options.orgId,
    invitationId: options.invitationId ?? null,
    to,
    template: mail.template,
    params: mail.params,
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

type Update = BatchItem<"sqlite">;

/** The updates recording that `mails` left, or failed with `error`. */
function outcome(db: Database, mails: OutboxMail[], now: number, error?: unknown): Update[] {
  const ids = mails.map((mail) => mail.id);
  const invitationIds = mails.flatMap((mail) => (mail.invitationId ? [mail.invitationId] : []));
  if (error === undefined) {
    // Once sent, the bodies go: they may hold live invitation or sign-in links, and tokens
    // are kept only as hashes.
    return [
      db.update(mailOutbox).set({ status: "sent", sentAt: new Date(now), attempts: sql`${mailOutbox.attempts} + 1`, params: null }).where(inArray(mailOutbox.id, ids)),
      ...(invitationIds.length
        ? [db.update(invitations).set({ delivery: "sent" }).where(and(inArray(invitations.id, invitationIds), eq(invitations.delivery, "queued")))]
        : []),
    ];
  }
  const attempts = Math.max(...mails.map((mail) => mail.attempts)) + 1;
  const giveUp = !isRetryable(error) || attempts >= maxAttempts;
  return [
    db
      .update(mailOutbox)
      .set({
        status: giveUp ? "failed" : "queued",
        attempts: sql`${mailOutbox.attempts} + 1`,
        lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
        nextAttemptAt: new Date(now + retryDelayMs(attempts)),
        // Given up: the parameters (with their live link) go too.
        ...(giveUp ? { params: null } : {}),
      })
      .where(inArray(mailOutbox.id, ids)),
    ...(giveUp && invitationIds.length ? [db.update(invitations).set({ delivery: "failed" }).where(inArray(invitations.id, invitationIds))] : []),
  ];
}

/**
 * Sends the organization's due mail (up to `limit`) in one batch — Resend's batch endpoint,
 * or one insert into the dev mailbox — marking each sent or scheduling its retry. A batch
 * refused for good (a 4xx) is sent again mail by mail, so one bad address fails alone.
 * Answers when the next attempt is due, if any mail is still queued.
 */
export async function deliverDue(db: Database, mailer: Mailer, orgId: string, now: number, limit = maxBatch): Promise<number | null> {
  const due = await db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"), lte(mailOutbox.nextAttemptAt, new Date(now))))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit);
  const updates: Update[] = [];
  if (due.length > 0) {
    try {
      // The same mails retried form the same batch, so the key makes a retry never mail twice.
      const mails = due.map((row) => render(row.to, row.template, row.params));
      await mailer.sendBatch(mails, { idempotencyKey: `batch-${await sha256Hex(due.map((mail) => mail.id).join(","))}` });
      updates.push(...outcome(db, due, now));
    } catch (error) {
      if (isRetryable(error) || due.length === 1) updates.push(...outcome(db, due, now, error));
      else {
        for (const mail of due) {
          try {
            await mailer.send(render(mail.to, mail.template, mail.params), { idempotencyKey: mail.idempotencyKey });
            updates.push(...outcome(db, [mail], now));
          } catch (single) {
            updates.push(...outcome(db, [mail], now, single));
          }
        }
      }
    }
  }
  const results = await db.batch([
    ...(updates as [Update]),
    db
      .select({ at: sql<number | null>`min(${mailOutbox.nextAttemptAt})` })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"))),
  ]);
  const [next] = results.at(-1) as Array<{ at: number | null }>;
  return next?.at ?? null;
}
