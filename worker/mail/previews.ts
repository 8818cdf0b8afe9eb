import type { Mail } from "./mailer.ts";
import { render, type MailTemplate, type QueuedMail } from "./queued.ts";
import { signInMail } from "./templates.ts";

/** Every mail Roster sends, by the name its preview goes by. */
export const previewNames = ["sign_in", "invitation", "invitation_resent", "invitation_extended", "welcome", "invitation_accepted", "invitation_declined", "link_joined"] as const;
export type PreviewName = (typeof previewNames)[number];

/**
 * Each mail rendered with sample data, for a designer to look at (the dev-only preview page).
 * The samples carry markup and quotes where a user may type them, so the page also shows
 * that they are escaped. Links are absolute, from `appUrl`.
 */
export function previewMail(name: PreviewName, appUrl: string): Mail {
  const to = "ada@example.com";
  if (name === "sign_in") return signInMail(to, `${appUrl}/auth/callback?token=preview-token`, 15);
  const expiresAt = new Date(Date.UTC(2030, 0, 8, 12)).toISOString();
  const orgName = "Acme <Research> & Co";
  const samples: { [K in MailTemplate]: Extract<QueuedMail, { template: K }>["params"] } = {
    invitation: { orgName, inviterName: "Grace \"Amazing\" Hopper", role: "admin", message: "Welcome aboard! <b>Not bold</b> — see you Monday.", url: `${appUrl}/invitations/preview-token`, expiresAt },
    invitation_resent: { orgName, inviterName: "Grace Hopper", role: "member", message: null, url: `${appUrl}/invitations/preview-token-2`, expiresAt },
    invitation_extended: { orgName, inviterName: "Grace Hopper", role: "member", expiresAt, url: `${appUrl}/me/invitations/inv_preview` },
    welcome: { orgName, memberName: "Ada Lovelace", role: "member", url: `${appUrl}/orgs/acme` },
    invitation_accepted: { orgName, inviteeName: "Ada <script>alert(1)</script> Lovelace", url: `${appUrl}/orgs/acme/members` },
    invitation_declined: { orgName, inviteeName: "Ada Lovelace", url: `${appUrl}/orgs/acme/invitations` },
    link_joined: { orgName, memberName: "Ada Lovelace", memberEmail: "ada@example.com", linkKind: "new", linkTag: "2026-12-02", url: `${appUrl}/orgs/acme/members` },
    sign_in: { url: `${appUrl}/auth/callback?token=preview-token`, ttlMinutes: 15 },
    link_verify: { orgName, url: `${appUrl}/join/preview-link?verify=preview-token`, ttlMinutes: 15 },
  };
  return render(to, name, samples[name]);
}
