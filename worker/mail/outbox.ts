import { and, asc, eq, gte, inArray, isNotNull, isNull, lte, ne, notExists, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { invitations, mailOutbox, type Invitation, type OutboxMail } from "../../db/schema/index.ts";
import { deliveryPredecessors } from "../domain/mail.ts";
import { newId } from "../lib/ids.ts";
import type { Database } from "../lib/database.ts";
import { rowInsert, type RawStatement } from "../lib/sql/row-insert.ts";
import { maxBatch, type Mailer } from "./mailer.ts";
import { render, type QueuedMail } from "./queued.ts";

/** Attempts before a mail is given up (with backoff they span ~6 h, well inside Resend's 24 h idempotency window). */
export const maxAttempts = 8;

/** The outbox row for a mail to `to`, to insert in the same transaction as its cause. */
export function outboxInsert(to: string, mail: QueuedMail, options: { orgId: string | null; invitationId?: string; now: number; id?: string }): RawStatement {
  const id = options.id ?? newId("mail", options.now);
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

/** A mail still queued this long after it was written is given up: well inside Resend's 24 h idempotency window. */
export const maxAgeMs = 12 * 60 * 60_000;

/** How long a claimed batch is its run's before it is due again (a run that died midway). */
export const claimLeaseMs = 60_000;

/** Whether a failure is worth retrying: network errors, 5xx and 429; never other 4xx. */
export function isRetryable(error: unknown): boolean {
  const status = (error as { statusCode?: number } | null)?.statusCode;
  return status === undefined || status === 429 || status >= 500;
}

/** A 429: Resend (or this deployment's pace) asked to wait; the mail itself is fine. */
const isRateLimited = (error: unknown): boolean => (error as { statusCode?: number } | null)?.statusCode === 429;
const retryAfterOf = (error: unknown): number | undefined => (error as { retryAfterMs?: number } | null)?.retryAfterMs;

/**
 * Cancels the queued mail of an invitation whose link died: it was resent or renewed (a new
 * token), revoked, or deleted. A mail waiting alone (never claimed, or retried alone under
 * its own key) goes. A mail claimed into a batch of several stays: the batch may have left
 * although its answer was lost, and its retry must be the same mails under the same key
 * (Resend refuses a key reused with another payload, and dropping one would make the retry
 * a different request that sends the others twice). Such a mail carries a link that no
 * longer works, and its outcome no longer touches the invitation, which follows only its
 * latest mail.
 */
export function cancelQueuedMail(db: Database, invitationId: string, reason = "a newer mail of its invitation replaced it"): Update {
  return db
    .update(mailOutbox)
    .set({ status: "failed", lastError: `cancelled: ${reason}`, params: null })
    .where(
      and(
        eq(mailOutbox.invitationId, invitationId),
        eq(mailOutbox.status, "queued"),
        or(isNull(mailOutbox.batchKey), eq(mailOutbox.batchKey, mailOutbox.idempotencyKey)),
      ),
    );
}

type Update = BatchItem<"sqlite">;

/** What an outcome makes of an invitation's delivery, for its latest mail. */
export interface Settled {
  invitationId: string;
  mailId: string;
  delivery: "sent" | "failed";
}

/** What a delivery run did: the writes recording it, and the invitations whose mail it settled. */
interface RunRecord {
  updates: Update[];
  settled: Settled[];
  /** A mail still queued this long after it was written is given up. */
  maxAgeMs: number;
}

/**
 * The outbox a run works on: an organization's, or (null) the deployment's own
 * (mail/deployment-mail.ts); with `freshFor`, only mail written within it (older mail would
 * carry a dead link, and is never sent).
 */
function outboxOf(orgId: string | null, now: number, freshFor: number | undefined): SQL | undefined {
  const owner = orgId === null ? isNull(mailOutbox.orgId) : eq(mailOutbox.orgId, orgId);
  return freshFor === undefined ? owner : and(owner, gte(mailOutbox.createdAt, new Date(now - freshFor)));
}

/**
 * The invitation update for outcomes of `mails`: each invitation takes `delivery` only from
 * its latest mail (`last_mail_id`), and only forward (`sent` over `queued`; `failed` over
 * `queued` or `sent`). A resend that committed meanwhile named a newer mail: nothing changes.
 */
function invitationOutcome(db: Database, mails: OutboxMail[], delivery: "sent" | "failed"): Update[] {
  const ids = mails.flatMap((mail) => (mail.invitationId ? [mail.id] : []));
  if (ids.length === 0) return [];
  return [
    db
      .update(invitations)
      .set({ delivery })
      .where(and(inArray(invitations.lastMailId, ids), inArray(invitations.delivery, deliveryPredecessors(delivery) as Array<Invitation["delivery"]>))),
  ];
}

/** Records in `run` that `mails` left (with Resend's ids), or failed with `error`. */
function outcome(db: Database, run: RunRecord, mails: OutboxMail[], now: number, result: { error?: unknown; providerIds?: Array<string | null> }, options: { alone?: boolean } = {}): void {
  const ids = mails.map((mail) => mail.id);
  const settle = (delivery: "sent" | "failed") =>
    run.settled.push(...mails.flatMap((mail) => (mail.invitationId ? [{ invitationId: mail.invitationId, mailId: mail.id, delivery }] : [])));
  const { error } = result;
  if (error === undefined) {
    const providerIds = JSON.stringify(mails.map((mail, i) => ({ i: mail.id, p: result.providerIds?.[i] ?? null })));
    // Once sent, the bodies go: they may hold live invitation or sign-in links, and tokens
    // are kept only as hashes.
    run.updates.push(
      db
        .update(mailOutbox)
        .set({
          status: "sent",
          sentAt: new Date(now),
          attempts: sql`${mailOutbox.attempts} + 1`,
          params: null,
          providerId: sql`(SELECT json_extract(value, '$.p') FROM json_each(${providerIds}) WHERE json_extract(value, '$.i') = ${mailOutbox.id})`,
        })
        .where(inArray(mailOutbox.id, ids)),
      ...invitationOutcome(db, mails, "sent"),
    );
    settle("sent");
    return;
  }
  // A 429 is Resend's pace, not the mail's fault: it waits as asked and is not counted.
  const limited = isRateLimited(error);
  const attempts = Math.max(...mails.map((mail) => mail.attempts)) + (limited ? 0 : 1);
  const oldest = Math.min(...mails.map((mail) => mail.createdAt.getTime()));
  const giveUp = !isRetryable(error) || attempts >= maxAttempts || now - oldest >= run.maxAgeMs;
  if (giveUp) settle("failed");
  const wait = retryAfterOf(error) ?? retryDelayMs(Math.max(1, attempts));
  run.updates.push(
    db
      .update(mailOutbox)
      .set({
        status: giveUp ? "failed" : "queued",
        attempts: limited ? sql`${mailOutbox.attempts}` : sql`${mailOutbox.attempts} + 1`,
        lastError: error instanceof Error ? error.message.slice(0, 500) : String(error),
        nextAttemptAt: new Date(now + wait),
        // Given up: the parameters (with their live link) go too.
        ...(giveUp ? { params: null } : {}),
        // Only ever refused for pace (a 429 is refused before anything is sent): the mails
        // never left, so they may join any batch. Otherwise, tried alone: retried alone,
        // under the key it was sent with.
        ...(limited && mails.every((mail) => mail.attempts === 0)
          ? { batchKey: null }
          : options.alone && mails.length === 1
            ? { batchKey: mails[0]!.idempotencyKey }
            : {}),
      })
      .where(inArray(mailOutbox.id, ids)),
    ...(giveUp ? invitationOutcome(db, mails, "failed") : []),
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
async function claimBatch(db: Database, scope: SQL | undefined, now: number, limit: number, key = `batch-${crypto.randomUUID()}`): Promise<{ key: string; mails: OutboxMail[] }> {
  const due = and(scope, eq(mailOutbox.status, "queued"), lte(mailOutbox.nextAttemptAt, new Date(now)));
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
  // A claim is a lease: its mails are not due again until the run records its outcome (which
  // sets their next attempt), or the lease runs out because the run died (then the batch is
  // retried as itself). Two runs at once (the deployment's outbox has no room to serialize
  // them) thereby never take the same mails.
  const lease = new Date(now + claimLeaseMs);
  const [claimed, tried] = await db.batch([
    db
      .update(mailOutbox)
      .set({ batchKey: key, nextAttemptAt: lease })
      .where(and(inArray(mailOutbox.id, fresh), notExists(triedKey)))
      .returning(),
    db
      .update(mailOutbox)
      .set({ nextAttemptAt: lease })
      .where(and(scope, eq(mailOutbox.status, "queued"), sql`${mailOutbox.batchKey} = (${triedKey})`))
      .returning(),
  ]);
  // Ids are time-ordered and never change: the order of a batch is the same on every try.
  const byId = (a: OutboxMail, b: OutboxMail) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (tried.length > 0) return { key: tried[0]!.batchKey!, mails: tried.sort(byId) };
  return { key, mails: claimed.sort(byId) };
}

/** Sends one mail on its own, under its own key; if it fails, it is retried alone too. */
async function sendAlone(db: Database, run: RunRecord, mailer: Mailer, mail: OutboxMail, now: number): Promise<void> {
  try {
    const id = await mailer.send(render(mail.to, mail.template, mail.params), { idempotencyKey: mail.idempotencyKey, tags: tagsOf(mail) });
    outcome(db, run, [mail], now, { providerIds: [id] });
  } catch (error) {
    outcome(db, run, [mail], now, { error }, { alone: true });
  }
}

/** The tags a mail carries to Resend, so its delivery webhooks find it (routes/webhooks/resend.ts). */
const tagsOf = (mail: OutboxMail) => (mail.orgId ? { org: mail.orgId, mail: mail.id } : undefined);

/** What {@link deliverDue} did. */
export interface DeliveryRun {
  /** When the next queued mail of the organization is due, if any is. */
  next: number | null;
  /** Invitations whose mail left in this run, or was given up, with the mail's id. */
  settled: Settled[];
}

/**
 * Sends the organization's next batch of due mail (up to `limit`) — Resend's batch
 * endpoint, or one insert into the dev mailbox — marking each sent or scheduling its retry.
 * A batch refused for good (a 4xx) is sent again mail by mail, so one bad address fails
 * alone. Answers when the next attempt is due, if any mail is still queued, and which
 * invitations' mail it settled (their room keeps its copy of `delivery` in step).
 */
export async function deliverDue(
  db: Database,
  mailer: Mailer,
  orgId: string | null,
  now: number,
  limit = maxBatch,
  options: { maxAgeMs?: number; freshOnly?: boolean; only?: OutboxMail["id"] } = {},
): Promise<DeliveryRun> {
  const owned = outboxOf(orgId, now, options.freshOnly ? (options.maxAgeMs ?? maxAgeMs) : undefined);
  // One mail (`only`): claimed under its own key, so it goes (and is retried) alone.
  const scope = options.only === undefined ? owned : and(owned, eq(mailOutbox.id, options.only), eq(mailOutbox.idempotencyKey, options.only));
  const { key, mails: due } = await claimBatch(db, scope, now, limit, options.only);
  const run: RunRecord = { updates: [], settled: [], maxAgeMs: options.maxAgeMs ?? maxAgeMs };
  if (due.length === 1 && key === due[0]!.idempotencyKey) {
    // A mail that already went alone once goes alone again, under its own key.
    await sendAlone(db, run, mailer, due[0]!, now);
  } else if (due.length > 0) {
    try {
      const providerIds = await mailer.sendBatch(
        due.map((row) => render(row.to, row.template, row.params)),
        { idempotencyKey: key, tags: due.map(tagsOf) },
      );
      outcome(db, run, due, now, { providerIds });
    } catch (error) {
      if (isRetryable(error) || due.length === 1) outcome(db, run, due, now, { error });
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
      .where(and(owned, eq(mailOutbox.status, "queued"))),
  ]);
  const [next] = results.at(-1) as Array<{ at: number | null }>;
  return { next: next?.at ?? null, settled: run.settled };
}
