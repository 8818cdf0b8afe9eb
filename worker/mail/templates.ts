import type { Mail } from "./mailer.ts";

/** HTML-escapes a user-supplied string (names, messages, organization names, addresses). */
export const escape = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

/** A subject is one line: control characters (a newline in an organization's name) become spaces. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();

interface Action {
  label: string;
  url: string;
  /** The main action is a filled button; others are outlined. */
  secondary?: boolean;
}

function layout(title: string, body: string, actions: Action[], footer?: string): string {
  const buttons = actions
    .map((action) =>
      action.secondary
        ? `<a href="${escape(action.url)}" style="display:inline-block;border:1px solid #4f46e5;color:#4f46e5;padding:9px 15px;border-radius:6px;text-decoration:none;margin:0 8px 8px 0">${escape(action.label)}</a>`
        : `<a href="${escape(action.url)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none;margin:0 8px 8px 0">${escape(action.label)}</a>`,
    )
    .join("");
  const links = actions.map((action) => `${escape(action.label)}: ${escape(action.url)}`).join("<br>");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:520px;margin:auto;padding:24px;color:#111827">
<h2 style="color:#4f46e5">${escape(title)}</h2>${body}
${actions.length ? `<p>${buttons}</p>\n<p style="color:#6b7280;font-size:13px">Or paste a link into your browser:<br>${links}</p>` : ""}
${footer ? `<p style="color:#6b7280;font-size:13px">${footer}</p>` : ""}
</body></html>`;
}

/** Text lines for the actions, as the plain-text part shows them. */
const textActions = (actions: Action[]) => actions.map((action) => `${action.label}:\n${action.url}`).join("\n\n");

const dateOf = (at: Date) => at.toUTCString();

/** The sign-in link mail. */
export function signInMail(to: string, url: string, ttlMinutes: number): Mail {
  const note = `The link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.`;
  return {
    to,
    subject: "Your Roster sign-in link",
    text: `Sign in to Roster:\n\n${url}\n\n${note}`,
    html: layout("Sign in to Roster", `<p>${escape(note)}</p>`, [{ label: "Sign in", url }]),
  };
}

/** What an invitation mail (first, resent) says. */
export interface InvitationMailInput {
  to: string;
  orgName: string;
  inviterName: string;
  role: string;
  message: string | null;
  /** The invitation page (`/invitations/<token>`): it asks before acting, so a mail scanner opening a link answers nothing. */
  url: string;
  expiresAt: Date;
}

function invitationBody(input: InvitationMailInput, lead: string, resent: boolean): Mail {
  const who = input.inviterName || "Someone";
  const expires = dateOf(input.expiresAt);
  const actions: Action[] = [
    { label: "Accept the invitation", url: `${input.url}?answer=accept` },
    { label: "Decline", url: `${input.url}?answer=decline`, secondary: true },
  ];
  const note = input.message ? `\n\n${input.inviterName || "They"} wrote:\n“${input.message}”` : "";
  const older = resent ? "\n\nThis link replaces the one in any earlier invitation mail, which no longer works." : "";
  return {
    to: input.to,
    subject: oneLine(resent ? `Reminder: ${who} invited you to ${input.orgName} on Roster` : `${who} invited you to ${input.orgName} on Roster`),
    text: `${lead}\n\n${who} invited you to join ${input.orgName} as ${input.role}.${note}\n\n${textActions(actions)}\n\nThe invitation expires ${expires}.${older}`,
    html: layout(
      `Join ${input.orgName} on Roster`,
      `<p>${escape(lead)}</p><p>${escape(who)} invited you to join <b>${escape(input.orgName)}</b> as <b>${escape(input.role)}</b>.</p>` +
        (input.message ? `<p>${escape(input.inviterName || "They")} wrote:</p><blockquote style="border-left:3px solid #c7d2fe;margin:0;padding:4px 12px">${escape(input.message)}</blockquote>` : "") +
        `<p style="color:#6b7280">The invitation expires ${escape(expires)}.${resent ? " This link replaces the one in any earlier invitation mail, which no longer works." : ""}</p>`,
      actions,
    ),
  };
}

/** The invitation mail. */
export function invitationMail(input: InvitationMailInput): Mail {
  return invitationBody(input, "You have an invitation.", false);
}

/** The invitation sent again (resend): a new link; the old one died. */
export function invitationResentMail(input: InvitationMailInput): Mail {
  return invitationBody(input, "Your invitation was sent again with a new link.", true);
}

/** The invitee is told their invitation now runs longer. The link in the earlier mail still works. */
export function invitationExtendedMail(input: { to: string; orgName: string; inviterName: string; role: string; expiresAt: Date; url: string }): Mail {
  const who = input.inviterName || "Someone";
  const expires = dateOf(input.expiresAt);
  const action: Action = { label: "Open the invitation", url: input.url };
  return {
    to: input.to,
    subject: oneLine(`Your invitation to ${input.orgName} was extended`),
    text: `${who} extended your invitation to join ${input.orgName} as ${input.role}. It now expires ${expires}.\n\nThe link in the invitation mail still works, or sign in and open it here:\n${input.url}`,
    html: layout(
      `Your invitation to ${input.orgName} was extended`,
      `<p>${escape(who)} extended your invitation to join <b>${escape(input.orgName)}</b> as <b>${escape(input.role)}</b>. It now expires ${escape(expires)}.</p><p>The link in the invitation mail still works, or sign in and open it here.</p>`,
      [action],
    ),
  };
}

/** Welcome after joining, when the invitation asked for it. */
export function welcomeMail(input: { to: string; orgName: string; memberName: string; role: string; url: string }): Mail {
  const hello = input.memberName ? `Welcome, ${input.memberName}!` : "Welcome!";
  return {
    to: input.to,
    subject: oneLine(`Welcome to ${input.orgName}`),
    text: `${hello}\n\nYou joined ${input.orgName} on Roster as ${input.role}.\n\nOpen ${input.orgName}:\n${input.url}`,
    html: layout(`Welcome to ${input.orgName}`, `<p>${escape(hello)}</p><p>You joined <b>${escape(input.orgName)}</b> on Roster as <b>${escape(input.role)}</b>.</p>`, [
      { label: `Open ${input.orgName}`, url: input.url },
    ]),
  };
}

/** Tells the inviter that their invitation was accepted. */
export function invitationAcceptedMail(input: { to: string; orgName: string; inviteeName: string; url: string }): Mail {
  return {
    to: input.to,
    subject: oneLine(`${input.inviteeName} joined ${input.orgName}`),
    text: `${input.inviteeName} accepted your invitation and joined ${input.orgName}.\n\nOpen the members:\n${input.url}`,
    html: layout(`${input.inviteeName} joined ${input.orgName}`, `<p>${escape(input.inviteeName)} accepted your invitation and joined <b>${escape(input.orgName)}</b>.</p>`, [
      { label: "Open members", url: input.url },
    ]),
  };
}

/** Tells the inviter that their invitation was declined (its seat is free again). */
export function invitationDeclinedMail(input: { to: string; orgName: string; inviteeName: string; url: string }): Mail {
  return {
    to: input.to,
    subject: oneLine(`${input.inviteeName} declined your invitation to ${input.orgName}`),
    text: `${input.inviteeName} declined your invitation to join ${input.orgName}. Its seat is free again.\n\nOpen the invitations:\n${input.url}`,
    html: layout(
      `${input.inviteeName} declined your invitation`,
      `<p>${escape(input.inviteeName)} declined your invitation to join <b>${escape(input.orgName)}</b>. Its seat is free again.</p>`,
      [{ label: "Open invitations", url: input.url }],
    ),
  };
}

/** Tells an owner that someone joined through a self-registration link (as `restricted`). */
export function linkJoinedMail(input: { to: string; orgName: string; memberName: string; memberEmail: string; linkKind: "new" | "existing"; linkTag: string; url: string }): Mail {
  const who = input.memberName ? `${input.memberName} (${input.memberEmail})` : input.memberEmail;
  const how = input.linkKind === "new" ? "registered and joined" : "joined";
  return {
    to: input.to,
    subject: oneLine(`${input.memberName || input.memberEmail} joined ${input.orgName} through a link`),
    text: `${who} ${how} ${input.orgName} through its self-registration link (${input.linkKind === "new" ? "new accounts" : "existing accounts"}, tag ${input.linkTag}), with the restricted role.\n\nReview the members:\n${input.url}`,
    html: layout(
      `${input.memberName || input.memberEmail} joined ${input.orgName}`,
      `<p>${escape(who)} ${how} <b>${escape(input.orgName)}</b> through its self-registration link (${input.linkKind === "new" ? "new accounts" : "existing accounts"}, tag ${escape(input.linkTag)}), with the <b>restricted</b> role.</p>`,
      [{ label: "Review the members", url: input.url }],
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
    subject: oneLine(`Confirm your email to join ${orgName} on Roster`),
    text: `Confirm this address to join ${orgName} on Roster:\n\n${url}\n\nThe link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.`,
    html: layout(
      `Join ${orgName} on Roster`,
      `<p>Confirm this address to join <b>${escape(orgName)}</b>. The link works once and expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this mail.</p>`,
      [{ label: "Confirm and join", url }],
    ),
  };
}
