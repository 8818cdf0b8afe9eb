import { Resend } from "resend";
import { devMail } from "../../db/schema/index.ts";
import type { MailerKind } from "../domain/mail.ts";
import { newId } from "../lib/ids.ts";
import { isLocalDev, type Bindings } from "../env.ts";
import { userDatabase } from "../lib/database.ts";
import { rowsInsert } from "../lib/sql/row-insert.ts";
import { claimSlot, maxWaitMs } from "./pace.ts";

/** One mail to one recipient. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where a sent mail can be found again: Resend's id for it (null where there is none). */
export type SentId = string | null;

/** Tags Resend keeps on a mail and hands back in its delivery webhooks. */
export interface MailTags {
  org: string;
  mail: string;
}

/** Where mail goes: Resend in production, the dev mailbox locally. */
export interface Mailer {
  readonly kind: MailerKind;
  send(mail: Mail, options?: { idempotencyKey?: string; tags?: MailTags }): Promise<SentId>;
  /** Up to {@link maxBatch} mails in one call, all sent or none; the key covers the batch. Answers their ids in order. */
  sendBatch(mails: Mail[], options: { idempotencyKey: string; tags?: Array<MailTags | undefined> }): Promise<SentId[]>;
}

/** Resend's batch endpoint takes up to 100 mails a call. */
export const maxBatch = 100;

/** An error with the HTTP status Resend answered, so retries can tell 4xx from 5xx, and when to retry. */
export class ResendError extends Error {
  readonly statusCode: number | undefined;
  /** From `Retry-After` (a 429 or 503), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(error: { name: string; message: string; statusCode?: number | null }, options: { retryAfterMs?: number } = {}) {
    super(`Resend refused the mail: ${error.name}: ${error.message}`);
    this.statusCode = error.statusCode ?? undefined;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** `Retry-After` in ms: delta-seconds or an HTTP date. */
export function retryAfterMs(headers: Record<string, string> | null | undefined, now = Date.now()): number | undefined {
  const value = headers?.["retry-after"];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const tagList = (tags: MailTags | undefined) => (tags ? [{ name: "org", value: tags.org }, { name: "mail", value: tags.mail }] : undefined);

class ResendMailer implements Mailer {
  readonly kind = "resend";
  readonly #client: Resend;
  readonly #from: string;
  readonly #env: Bindings;

  constructor(env: Bindings) {
    this.#client = new Resend(env.RESEND_API_KEY, env.RESEND_BASE_URL ? { baseUrl: env.RESEND_BASE_URL } : undefined);
    this.#from = env.EMAIL_FROM;
    this.#env = env;
  }

  async send(mail: Mail, options: { idempotencyKey?: string; tags?: MailTags } = {}): Promise<SentId> {
    await this.#pace();
    const { data, error, headers } = await this.#client.emails.send(
      { from: this.#from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, tags: tagList(options.tags) },
      options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : undefined,
    );
    if (error) throw new ResendError(error, { retryAfterMs: retryAfterMs(headers) });
    return data?.id ?? null;
  }

  async sendBatch(mails: Mail[], options: { idempotencyKey: string; tags?: Array<MailTags | undefined> }): Promise<SentId[]> {
    await this.#pace();
    const { data, error, headers } = await this.#client.batch.send(
      mails.map((mail, i) => ({ from: this.#from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, tags: tagList(options.tags?.[i]) })),
      { idempotencyKey: options.idempotencyKey },
    );
    if (error) throw new ResendError(error, { retryAfterMs: retryAfterMs(headers) });
    return mails.map((_, i) => data?.data[i]?.id ?? null);
  }

  /** Waits for this deployment's next request slot (mail/pace.ts); too long a wait is a local 429. */
  async #pace(): Promise<void> {
    const wait = await claimSlot(this.#env, this.#env.RESEND_API_KEY!, Date.now());
    if (wait > maxWaitMs) {
      throw new ResendError({ name: "paced", message: "this deployment's Resend request rate is used up", statusCode: 429 }, { retryAfterMs: wait });
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Local development: mail is kept in the database and read at `GET /api/v1/dev/mailbox`. */
class DevMailbox implements Mailer {
  readonly kind = "dev_mailbox";
  readonly #env: Bindings;

  constructor(env: Bindings) {
    this.#env = env;
  }

  async send(mail: Mail, options: { tags?: MailTags } = {}): Promise<SentId> {
    return (await this.sendBatch([mail], { tags: options.tags ? [options.tags] : undefined }))[0] ?? null;
  }

  /** A mail from the outbox keeps its outbox id in the mailbox (so a local webhook can name it). */
  async sendBatch(mails: Mail[], options: { tags?: Array<MailTags | undefined> } = {}): Promise<SentId[]> {
    const now = new Date();
    const rows = mails.map((mail, i) => ({ id: options.tags?.[i]?.mail ?? newId("mail"), to: mail.to.toLowerCase(), subject: mail.subject, text: mail.text, html: mail.html, createdAt: now }));
    await userDatabase(this.#env).$client.batch(rowsInsert(devMail, rows).map(({ sql, args }) => ({ sql, args })), "write");
    return rows.map((row) => row.id);
  }
}

class UnconfiguredMailer implements Mailer {
  readonly kind = "not_configured";

  async send(mail: Mail): Promise<SentId> {
    // Never log the mail itself: it holds sign-in links.
    console.error(`[roster] mail is not configured (RESEND_API_KEY); dropped "${mail.subject}"`);
    return null;
  }

  async sendBatch(mails: Mail[]): Promise<SentId[]> {
    for (const mail of mails) await this.send(mail);
    return mails.map(() => null);
  }
}

/** The mailer for this deployment. The dev mailbox exists only in explicit local development. */
export function mailerFor(env: Bindings): Mailer {
  if (env.RESEND_API_KEY) return new ResendMailer(env);
  if (isLocalDev(env)) return new DevMailbox(env);
  return new UnconfiguredMailer();
}

/** Whether `GET /api/v1/dev/mailbox` exists. */
export function devMailboxEnabled(env: Bindings): boolean {
  return mailerFor(env).kind === "dev_mailbox";
}
