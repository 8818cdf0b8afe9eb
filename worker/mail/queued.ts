import { z } from "zod";
import type { Mail } from "./mailer.ts";
import {
  invitationAcceptedMail,
  invitationDeclinedMail,
  invitationExtendedMail,
  invitationMail,
  invitationResentMail,
  linkJoinedMail,
  linkVerifyMail,
  signInMail,
  welcomeMail,
} from "./templates.ts";

/** Links in mail are absolute (from `APP_URL`): a relative one is a bug, refused here. */
const Url = z.string().url().refine((url) => /^https?:\/\//.test(url), "an absolute http(s) URL");

const invitationParams = z.object({
  orgName: z.string(),
  inviterName: z.string(),
  role: z.string(),
  message: z.string().nullable(),
  url: Url,
  expiresAt: z.string(),
});
const answerParams = z.object({ orgName: z.string(), inviteeName: z.string(), url: Url });

/**
 * A mail as the outbox keeps it: which template, and its parameters — a few hundred bytes
 * instead of the rendered text and HTML, rendered only when it is sent.
 */
export const QueuedMail = z.discriminatedUnion("template", [
  z.object({ template: z.literal("invitation"), params: invitationParams }),
  z.object({ template: z.literal("invitation_resent"), params: invitationParams }),
  z.object({
    template: z.literal("invitation_extended"),
    params: z.object({ orgName: z.string(), inviterName: z.string(), role: z.string(), expiresAt: z.string(), url: Url }),
  }),
  z.object({ template: z.literal("welcome"), params: z.object({ orgName: z.string(), memberName: z.string(), role: z.string(), url: Url }) }),
  z.object({ template: z.literal("invitation_accepted"), params: answerParams }),
  z.object({ template: z.literal("invitation_declined"), params: answerParams }),
  z.object({
    template: z.literal("link_joined"),
    params: z.object({ orgName: z.string(), memberName: z.string(), memberEmail: z.string(), linkKind: z.enum(["new", "existing"]), linkTag: z.string(), url: Url }),
  }),
  // The deployment's own mail (no organization's outbox: mail/deployment-mail.ts).
  z.object({ template: z.literal("sign_in"), params: z.object({ url: Url, ttlMinutes: z.number() }) }),
  z.object({ template: z.literal("link_verify"), params: z.object({ orgName: z.string(), url: Url, ttlMinutes: z.number() }) }),
]);
export type QueuedMail = z.infer<typeof QueuedMail>;
/** Every template the outbox can queue. */
export type MailTemplate = QueuedMail["template"];

/** Renders a queued mail for `to`; a row that does not parse is a bug, and says so. */
export function render(to: string, template: string, params: unknown): Mail {
  const parsed = QueuedMail.safeParse({ template, params });
  if (!parsed.success) throw new Error(`outbox row with an unknown template or bad parameters: ${template}`);
  const mail = parsed.data;
  switch (mail.template) {
    case "invitation":
      return invitationMail({ to, ...mail.params, expiresAt: new Date(mail.params.expiresAt) });
    case "invitation_resent":
      return invitationResentMail({ to, ...mail.params, expiresAt: new Date(mail.params.expiresAt) });
    case "invitation_extended":
      return invitationExtendedMail({ to, ...mail.params, expiresAt: new Date(mail.params.expiresAt) });
    case "welcome":
      return welcomeMail({ to, ...mail.params });
    case "invitation_accepted":
      return invitationAcceptedMail({ to, ...mail.params });
    case "invitation_declined":
      return invitationDeclinedMail({ to, ...mail.params });
    case "link_joined":
      return linkJoinedMail({ to, ...mail.params });
    case "sign_in":
      return signInMail(to, mail.params.url, mail.params.ttlMinutes);
    case "link_verify":
      return linkVerifyMail(to, mail.params.orgName, mail.params.url, mail.params.ttlMinutes);
  }
}
