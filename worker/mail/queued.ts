import { z } from "zod";
import type { Mail } from "./mailer.ts";
import { invitationAcceptedMail, invitationMail, linkJoinedMail } from "./templates.ts";

/**
 * A mail as the outbox keeps it: which template, and its parameters — a few hundred bytes
 * instead of the rendered text and HTML, rendered only when it is sent.
 */
export const QueuedMail = z.discriminatedUnion("template", [
  z.object({
    template: z.literal("invitation"),
    params: z.object({
      orgName: z.string(),
      inviterName: z.string(),
      role: z.string(),
      message: z.string().nullable(),
      url: z.string(),
      expiresAt: z.string(),
    }),
  }),
  z.object({
    template: z.literal("invitation_accepted"),
    params: z.object({ orgName: z.string(), inviteeName: z.string(), url: z.string() }),
  }),
  z.object({
    template: z.literal("link_joined"),
    params: z.object({ orgName: z.string(), memberName: z.string(), memberEmail: z.string(), linkTag: z.string(), url: z.string() }),
  }),
]);
export type QueuedMail = z.infer<typeof QueuedMail>;

/** Renders a queued mail for `to`; a row that does not parse is a bug, and says so. */
export function render(to: string, template: string, params: unknown): Mail {
  const parsed = QueuedMail.safeParse({ template, params });
  if (!parsed.success) throw new Error(`outbox row with an unknown template or bad parameters: ${template}`);
  const mail = parsed.data;
  switch (mail.template) {
    case "invitation":
      return invitationMail({ to, ...mail.params, expiresAt: new Date(mail.params.expiresAt) });
    case "invitation_accepted":
      return invitationAcceptedMail({ to, ...mail.params });
    case "link_joined":
      return linkJoinedMail({ to, ...mail.params });
  }
}
