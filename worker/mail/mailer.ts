import { Resend } from "resend";
import { devMail } from "../../db/schema/index.ts";
import type { MailerKind } from "../domain/mail.ts";
import { newId } from "../lib/ids.ts";
import { isLocalDev, type Bindings } from "../env.ts";
import { userDatabase } from "../lib/database.ts";
import { rowsInsert } from "../lib/sql/row-insert.ts";

/** One mail to one recipient. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: Resend in production, the dev mailbox locally. */
export interface Mailer {
  readonly kind: MailerKind;
  send(mail: Mail, options?: { idempotencyKey?: string }): Promise<void>;
  /** Up to {@link maxBatch} mails in one call, all sent or none; the key covers the batch. */
  sendBatch(mails: Mail[], options: { idempotencyKey: string }): Promise<void>;
}

/** Resend's batch endpoint takes up to 100 mails a call. */
export const maxBatch = 100;

/** An error with the HTTP status Resend answered, so retries can tell 4xx from 5xx. */
class ResendError extends Error {
  readonly statusCode: number | undefined;

  constructor(error: { name: string; message: string; statusCode?: number | null }) {
    super(`Resend refused the mail: ${error.name}: ${error.message}`);
    this.statusCode = error.statusCode ?? undefined;
  }
}

class ResendMailer implements Mailer {
  readonly kind = "resend";
  readonly #client: Resend;
  readonly #from: string;

  constructor(env: Bindings) {
    this.#client = new Resend(env.RESEND_API_KEY, env.RESEND_BASE_URL ? { baseUrl: env.RESEND_BASE_URL } : undefined);
    this.#from = env.EMAIL_FROM;
  }

  async send(mail: Mail, options: { idempotencyKey?: string } = {}): Promise<void> {
    const { error } = await this.#client.emails.send(
      { from: this.#from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html },
      options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : undefined,
    );
    if (error) throw new ResendError(error);
  }

  async sendBatch(mails: Mail[], options: { idempotencyKey: string }): Promise<void> {
    const { error } = await this.#client.batch.send(
      mails.map((mail) => ({ from: this.#from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html })),
      { idempotencyKey: options.idempotencyKey },
    );
    if (error) throw new ResendError(error);
  }
}

/** Local development: mail is kept in the database and read at `GET /api/v1/dev/mailbox`. */
class DevMailbox implements Mailer {
  readonly kind = "dev_mailbox";
  readonly #env: Bindings;

  constructor(env: Bindings) {
    this.#env = env;
  }

  async send(mail: Mail): Promise<void> {
    await this.sendBatch([mail]);
  }

  async sendBatch(mails: Mail[]): Promise<void> {
    const now = new Date();
    const rows = mails.map((mail) => ({ id: newId("mail"), to: mail.to.toLowerCase(), subject: mail.subject, text: mail.text, html: mail.html, createdAt: now }));
    await userDatabase(this.#env).$client.batch(rowsInsert(devMail, rows).map(({ sql, args }) => ({ sql, args })), "write");
  }
}

class UnconfiguredMailer implements Mailer {
  readonly kind = "not_configured";

  async send(mail: Mail): Promise<void> {
    // Never log the mail itself: it holds sign-in links.
    console.error(`[roster] mail is not configured (RESEND_API_KEY); dropped "${mail.subject}"`);
  }

  async sendBatch(mails: Mail[]): Promise<void> {
    for (const mail of mails) await this.send(mail);
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
