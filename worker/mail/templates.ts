import type { Mail } from "./mailer.ts";

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

function layout(title: string, body: string, action: { label: string; url: string }): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:520px;margin:auto;padding:24px">
<h2 style="color:#4f46e5">${escape(title)}</h2>${body}
<p><a href="${escape(action.url)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escape(action.label)}</a></p>
<p style="color:#6b7280;font-size:13px">Or paste this link into your browser:<br>${escape(action.url)}</p>
</body></html>`;
}

/** The sign-in link mail. */
export function signInMail(to: string, url: string, ttlMinutes: number): Mail {
  return {
    to,
    subject: "Your Roster sign-in link",
    text: `Sign in to Roster:\n\n${url}\n\nThe link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.`,
    html: layout(
      "Sign in to Roster",
      `<p>The link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.</p>`,
      { label: "Sign in", url },
    ),
  };
}

/** The invitation mail. */
export function invitationMail(input: {
  to: string;
  orgName: string;
  inviterName: string;
  role: string;
  message: string | null;
  url: string;
  expiresAt: Date;
}): Mail {
  const who = input.inviterName || "Someone";
  const expires = input.expiresAt.toUTCString();
  const note = input.message ? `\n\n${input.inviterName || "They"} wrote: “${input.message}”` : "";
  return {
    to: input.to,
    subject: `${who} invited you to ${input.orgName} on Roster`,
    text: `${who} invited you to join ${input.orgName} as ${input.role}.${note}\n\nAccept or decline:\n${input.url}\n\nThe invitation expires ${expires}.`,
    html: layout(
      `Join ${input.orgName} on Roster`,
      `<p>${escape(who)} invited you to join <b>${escape(input.orgName)}</b> as <b>${escape(input.role)}</b>.</p>` +
        (input.message ? `<blockquote>${escape(input.message)}</blockquote>` : "") +
        `<p style="color:#6b7280">The invitation expires ${escape(expires)}.</p>`,
      { label: "Open the invitation", url: input.url },
    ),
  };
}

/** Tells the inviter that their invitation was accepted. */
export function invitationAcceptedMail(input: { to: string; orgName: string; inviteeName: string; url: string }): Mail {
  return {
    to: input.to,
    subject: `${input.inviteeName} joined ${input.orgName}`,
    text: `${input.inviteeName} accepted your invitation and joined ${input.orgName}.\n\n${input.url}`,
    html: layout(`${input.inviteeName} joined ${input.orgName}`, `<p>${escape(input.inviteeName)} accepted your invitation.</p>`, {
      label: "Open members",
      url: input.url,
    }),
  };
}

/** Tells an owner that someone joined through a self-registration link. */
export function linkJoinedMail(input: { to: string; orgName: string; memberName: string; memberEmail: string; linkTag: string; url: string }): Mail {
  return {
    to: input.to,
    subject: `${input.memberName} joined ${input.orgName} through a self-registration link`,
    text:
      `${input.memberName} <${input.memberEmail}> joined ${input.orgName} through its self-registration link (tag ${input.linkTag}) ` +
      `and is a restricted member.\n\nSee the members:\n${input.url}`,
    html: layout(
      `${input.memberName} joined ${input.orgName}`,
      `<p>${escape(input.memberName)} &lt;${escape(input.memberEmail)}&gt; joined <b>${escape(input.orgName)}</b> through its self-registration link ` +
        `(tag <b>${escape(input.linkTag)}</b>) and is a <b>restricted</b> member.</p>`,
      { label: "Open members", url: input.url },
    ),
  };
}

/**
 * The mail a self-registration link's `new` form sends: one link that verifies the address,
 * signs in (creating the account if there is none) and joins. It reads the same whether or
 * not the address has an account: only its holder sees it, but nothing else may differ.
 */
export function linkVerifyMail(to: string, orgName: string, url: string, ttlMinutes: number): Mail {
  return {
    to,
    subject: `Confirm your email to join ${orgName} on Roster`,
    text: `Confirm this address to join ${orgName} on Roster:\n\n${url}\n\nThe link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.`,
    html: layout(
      `Join ${orgName} on Roster`,
      `<p>Confirm this address to join <b>${escape(orgName)}</b>. The link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.</p>`,
      { label: "Confirm and join", url },
    ),
  };
}
