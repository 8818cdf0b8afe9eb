import { and, eq, isNull, lt } from "drizzle-orm";
import { mailOutbox } from "../../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { userDatabase } from "../lib/database.ts";
import { newId } from "../lib/ids.ts";
import { mailerFor } from "./mailer.ts";
import { deliverDue, outboxInsert } from "./outbox.ts";
import type { QueuedMail } from "./queued.ts";

/**
 * Sign-in links and join confirmations live 15 minutes (`loginTokenTtlMs`): their mail is
 * given up once it could only carry a dead link.
 */
export const linkMailMaxAgeMs = 15 * 60_000;

/** Pages (of up to 100 mails) one delivery pass sends at most, so a pass stays short. */
const maxPagesPerPass = 10;

/**
 * The deployment's own mail: sign-in links and join confirmations, which belong to no
 * organization and so to no room. They go through the same outbox as an organization's
 * mail, in rows whose `org_id` is NULL (decision 13): written before the request answers,
 * tried at once, and retried (after a 5xx, a 429, or this deployment's pace saying wait) by
 * the Worker's cron trigger, every minute ({@link deliverDeploymentMail}). A mail is never
 * lost to a failed call, and what a burst of sign-in requests could not send at once goes out
 * in batches of up to 100.
 */
export async function queueDeploymentMail(env: Bindings, to: string, mail: QueuedMail, now: number): Promise<void> {
  const id = newId("mail", now);
  const { sql, args } = outboxInsert(to, mail, { orgId: null, now, id });
  await userDatabase(env).$client.execute({ sql, args });
  try {
    // This mail alone, under its own key: a request sends only what it wrote (and waits for
    // the pace at most 5 s); what cannot leave now, the cron trigger sends in batches.
    await deliverDue(userDatabase(env), mailerFor(env), null, now, 1, { maxAgeMs: linkMailMaxAgeMs, freshOnly: true, only: id });
  } catch (error) {
    // The row is written: the next pass sends it. The answer must not depend on the mail.
    console.error("[roster] deployment mail: the first attempt failed; the cron trigger retries:", error instanceof Error ? error.message : error);
  }
}

/**
 * Sends the deployment's due mail (the cron trigger's pass, and anyone who wants it sent
 * now): page after page while mail is due, at most {@link maxPagesPerPass}. Answers when
 * the next queued mail is due, if any is.
 */
export async function deliverDeploymentMail(env: Bindings, now: number): Promise<number | null> {
  let next: number | null = now;
  for (let page = 0; page < maxPagesPerPass && next !== null && next <= now; page++) {
    ({ next } = await deliverDue(userDatabase(env), mailerFor(env), null, now, undefined, { maxAgeMs: linkMailMaxAgeMs, freshOnly: true }));
  }
  return next;
}

/**
 * Gives up the deployment's mail that is still queued after its link died (the cron
 * trigger's pass): it is never sent (see `freshOnly`), and its parameters hold the dead link.
 */
export async function forgetDeadLinkMail(env: Bindings, now: number): Promise<void> {
  const db = userDatabase(env);
  await db
    .update(mailOutbox)
    .set({ status: "failed", params: null, lastError: "given up: its link expired before it could leave" })
    .where(and(isNull(mailOutbox.orgId), eq(mailOutbox.status, "queued"), lt(mailOutbox.createdAt, new Date(now - linkMailMaxAgeMs))));
}
