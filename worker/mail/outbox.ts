import { and, asc, eq, inArray, isNotNull, isNull, lte, ne, notExists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { invitations, mailOutbox, type OutboxMail } from "../../db/schema/index.ts";
import { newId } from "../lib/ids.ts";
import type { Database } from "../lib/database.ts";
import { rowInsert, type RawStatement } from "../lib/sql/row-insert.ts";
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

/** What a delivery run did: the writes recording it, and the invitations whose mail it settled. */
interface RunRecord {
  updates: Update[];
  /** Invitations whose mail left (their `delivery` becomes `sent` if it was `queued`). */
  sent: string[];
  /** Invitations whose mail was given up (their `delivery` becomes `failed`). */
  failed: string[];
}

/** Records in `run` that `mails` left, or failed with `error`. */
function outcome(db: Database, run: RunRecord, mails: OutboxMail[], now: number, error?: unknown, options: { alone?: boolean } = {}): void {
  const ids = mails.map((mail) => mail.id);
  const invitationIds = mails.flatMap((mail) => (mail.invitationId ? [mail.invitationId] : []));
  if (error === undefined) {
    // Once sent, the bodies go: they may hold live invitation or sign-in links, and tokens
    // are kept only as hashes.
    run.updates.push(
      db.update(mailOutbox).set({ status: "sent", sentAt: new Date(now), attempts: sql`${mailOutbox.attempts} + 1`, params: null }).where(inArray(mailOutbox.id, ids)),
      ...(invitationIds.length
        ? [db.update(invitations).set({ delivery: "sent" }).where(and(inArray(invitations.id, invitationIds), eq(invitations.delivery, "queued")))]
        : []),
    );
    run.sent.push(...invitationIds);
    return;
  }
  const attempts = Math.max(...mails.map((mail) => mail.attempts)) + 1;
  const giveUp = !isRetryable(error) || attempts >= maxAttempts;
  if (giveUp) run.failed.push(...invitationIds);
  run.updates.push(
    db
      .update(mailOutbox)
      .set({
        status: giveUp ? "failed" : "queued",
        attempts: sql`${mailOutbox.attempts} + 1`,
        lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
        nextAttemptAt: new Date(now + retryDelayMs(attempts)),
        // Given up: the parameters (with their live link) go too.
        ...(giveUp ? { params: null } : {}),
        // Tried alone: retried alone, under the key it was sent with.
        ...(options.alone && mails.length === 1 ? { batchKey: mails[0]!.idempotencyKey } : {}),
      })
      .where(inArray(mailOutbox.id, ids)),
    ...(giveUp && invitationIds.length ? [db.update(invitations).set({ delivery: "failed" }).where(inArray(invitations.id, invitationIds))] : []),
  );
}

/**
 * The mail to send next, claimed in one write transaction: a batch that was tried before
 * and is due again (every mail still queued under its key, whatever has queued since), or
 * else up to `limit` due mails that belong to no batch yet, marked with a new key before
 * anything is sent. A retry is thereby always the same mails, in the same order, under the
 * same idempotency key, so a batch that left although its answer was lost is never sent
 * twice. (A mail that was sent alone keeps its own key as its batch's: see `deliverDue`.)
 */
async function claimBatch(db: Database, orgId: string, now: number, limit: number): Promise<{ key: string; mails: OutboxMail[] }> {
  const due = and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"), lte(mailOutbox.nextAttemptAt, new Date(now)));
  const key = `batch-${crypto.randomUUID()}`;
  const triedKey = db
    .select({ key: mailOutbox.batchKey })
    .from(mailOutbox)
    .where(and(due, isNotNull(mailOutbox.batchKey), ne(mailOutbox.batchKey, key)))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(1);
  const fresh = db
    .select({ id: mailOutbox.id })
    .from(mailOutbox)
    .where(and(due, isNull(mailOutbox.batchKey)))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit);
  // The write comes first, so the transaction holds the write lock from its first
  // statement (a read first would have to upgrade, and fail if another commit came between).
  const [claimed, tried] = await db.batch([
    db
      .update(mailOutbox)
      .set({ batchKey: key })
      .where(and(inArray(mailOutbox.id, fresh), notExists(triedKey)))
      .returning(),
    db
      .select()
      .from(mailOutbox)
      .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"), sql`${mailOutbox.batchKey} = (${triedKey})`)),
  ]);
  // Ids are time-ordered and never change: the order of a batch is the same on every try.
  const byId = (a: OutboxMail, b: OutboxMail) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (tried.length > 0) return { key: tried[0]!.batchKey!, mails: tried.sort(byId) };
  return { key, mails: claimed.sort(byId) };
}

/** Sends one mail on its own, under its own key; if it fails, it is retried alone too. */
async function sendAlone(db: Database, run: RunRecord, mailer: Mailer, mail: OutboxMail, now: number): Promise<void> {
  try {
    await mailer.send(render(mail.to, mail.template, mail.params), { idempotencyKey: mail.idempotencyKey });
    outcome(db, run, [mail], now);
  } catch (error) {
    outcome(db, run, [mail], now, error, { alone: true });
  }
}

/** What {@link deliverDue} did. */
export interface DeliveryRun {
  /** When the next queued mail of the organization is due, if any is. */
  next: number | null;
  /** Invitations whose mail left in this run, and those whose mail was given up. */
  sent: string[];
  failed: string[];
}

/**
 * Sends the organization's next batch of due mail (up to `limit`) — Resend's batch
 * endpoint, or one insert into the dev mailbox — marking each sent or scheduling its retry.
 * A batch refused for good (a 4xx) is sent again mail by mail, so one bad address fails
 * alone. Answers when the next attempt is due, if any mail is still queued, and which
 * invitations' mail it settled (their room keeps its copy of `delivery` in step).
 */
export async function deliverDue(db: Database, mailer: Mailer, orgId: string, now: number, limit = maxBatch): Promise<DeliveryRun> {
  const { key, mails: due } = await claimBatch(db, orgId, now, limit);
  const run: RunRecord = { updates: [], sent: [], failed: [] };
  if (due.length === 1 && key === due[0]!.idempotencyKey) {
    // A mail that already went alone once goes alone again, under its own key.
    await sendAlone(db, run, mailer, due[0]!, now);
  } else if (due.length > 0) {
    try {
      await mailer.sendBatch(
        due.map((row) => render(row.to, row.template, row.params)),
        { idempotencyKey: key },
      );
      outcome(db, run, due, now);
    } catch (error) {
      if (isRetryable(error) || due.length === 1) outcome(db, run, due, now, error);
      else {
        // Sent one by one now, each under its own key: each becomes a batch of its own.
        for (const mail of due) await sendAlone(db, run, mailer, mail, now);
      }
    }
  }
  const results = await db.batch([
    ...(run.updates as [Update]),
    db
      .select({ at: sql<number | null>`min(${mailOutbox.nextAttemptAt})` })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued"))),
  ]);
  const [next] = results.at(-1) as Array<{ at: number | null }>;
  return { next: next?.at ?? null, sent: run.sent, failed: run.failed };
}
