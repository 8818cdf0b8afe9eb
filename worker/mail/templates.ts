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
