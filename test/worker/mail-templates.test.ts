import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { previewMail, previewNames } from "../../worker/mail/previews.ts";
import { call, createOrg, latestMail, origin, signIn, uniqueEmail } from "./support/client.ts";

const appUrl = "https://app.roster.example";

describe("every mail Roster promises", () => {
  it("renders each in HTML and plain text, every user-supplied string escaped, every link absolute from APP_URL", () => {
    for (const name of previewNames) {
      const mail = previewMail(name, appUrl);
      expect(mail.subject, name).not.toMatch(/[\r\n]/);
      expect(mail.text.length, name).toBeGreaterThan(40);
      expect(mail.html, name).toMatch(/^<!doctype html>/);
      // The samples carry markup where users type: it is never live in the HTML.
      expect(mail.html, name).not.toMatch(/<script|<b>Not bold|<Research>/);
      if (name !== "sign_in") expect(mail.html, name).toContain("Acme &lt;Research&gt; &amp; Co");
      const links = [...mail.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
      expect(links.length, name).toBeGreaterThan(0);
      for (const link of links) expect(link.startsWith(`${appUrl}/`), `${name}: ${link}`).toBe(true);
      for (const link of links) expect(mail.text, `${name}: the text has ${link}`).toContain(link.replaceAll("&amp;", "&"));
    }
  });

  it("gives the invitation its organization, inviter, role, message, expiry, and accept and decline links", () => {
    const mail = previewMail("invitation", appUrl);
    expect(mail.subject).toBe('Grace "Amazing" Hopper invited you to Acme <Research> & Co on Roster');
    for (const part of ["Acme <Research> & Co", 'Grace "Amazing" Hopper', "as admin", "Welcome aboard! <b>Not bold</b>", "Tue, 08 Jan 2030 12:00:00 GMT"]) expect(mail.text).toContain(part);
    expect(mail.text).toContain(`${appUrl}/invitations/preview-token?answer=accept`);
    expect(mail.text).toContain(`${appUrl}/invitations/preview-token?answer=decline`);
    expect(mail.html).toContain("Grace &quot;Amazing&quot; Hopper");
    expect(mail.html).toContain("Welcome aboard! &lt;b&gt;Not bold&lt;/b&gt;");
  });

  it("shows each mail on a dev-only preview page, and nowhere else", async () => {
    const page = await call<string>("GET", "/api/v1/dev/mail-previews");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    for (const name of previewNames) expect(page.body).toContain(`id="${name}"`);
    const text = await call<string>("GET", "/api/v1/dev/mail-previews/link_joined?format=text");
    expect(text.body).toContain("through its self-registration link");
    expect((await call("GET", "/api/v1/dev/mail-previews/nonsense")).status).toBe(400);
    // With a Resend key, or outside explicit local development, or for a foreign host: 404.
    for (const bindings of [{ ...env, RESEND_API_KEY: "re_x" }, { ...env, ROSTER_LOCAL_DEV: undefined }]) {
      expect((await createApp().request("/api/v1/dev/mail-previews", {}, bindings)).status).toBe(404);
      expect((await createApp().request("/api/v1/dev/mail-previews/invitation", {}, bindings)).status).toBe(404);
    }
    expect((await createApp().request("http://rebound.example/api/v1/dev/mail-previews", {}, env)).status).toBe(404);
  });
});

describe("mail sent along the invitation's life", () => {
  async function invited(stem: string, body: Record<string, unknown> = {}) {
    const owner = await signIn(uniqueEmail(`${stem}-owner`));
    const org = await createOrg(owner, stem);
    const email = uniqueEmail(stem);
    const created = await call<{ invitation: { id: string }; inviteUrl: string }>("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: email, message: "Hi <there>", ...body } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = created.body.inviteUrl.split("/invitations/")[1]!;
    return { owner, org, email, token, id: created.body.invitation.id };
  }

  it("mails the invitation with its accept and decline links from APP_URL", async () => {
    const { email, token } = await invited("mail-invite");
    const mail = await latestMail(email, (m) => m.subject.includes("invited you"));
    expect(mail.text).toContain(`${origin}/invitations/${token}?answer=accept`);
    expect(mail.text).toContain(`${origin}/invitations/${token}?answer=decline`);
    expect(mail.html).toContain("Hi &lt;there&gt;");
  });

  it("welcomes the new member when the invitation asked for it, and only then", async () => {
    const asked = await invited("mail-welcome", { welcomeEmail: true });
    const invitee = await signIn(asked.email);
    expect((await call("POST", `/api/v1/invitations/${asked.token}/accept`, { cookie: invitee.cookie })).status).toBe(200);
    const welcome = await latestMail(asked.email, (m) => m.subject.startsWith("Welcome to"));
    expect(welcome.text).toContain(`${origin}/orgs/${asked.org.slug}`);
    // The inviter hears of the accept by mail too.
    expect((await latestMail(asked.owner.email, (m) => m.subject.includes("joined"))).text).toContain(`${origin}/orgs/${asked.org.slug}/members`);

    const silent = await invited("mail-nowelcome");
    const other = await signIn(silent.email);
    expect((await call("POST", `/api/v1/invitations/${silent.token}/accept`, { cookie: other.cookie })).status).toBe(200);
    await latestMail(silent.owner.email, (m) => m.subject.includes("joined"));
    const box = await call<{ messages: Array<{ subject: string }> }>("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(silent.email)}`);
    expect(box.body.messages.some((m) => m.subject.startsWith("Welcome to"))).toBe(false);
  });

  it("tells the inviter of a decline by mail", async () => {
    const { owner, org, email, token } = await invited("mail-decline");
    const invitee = await signIn(email);
    expect((await call("POST", `/api/v1/invitations/${token}/decline`, { cookie: invitee.cookie })).status).toBe(200);
    const mail = await latestMail(owner.email, (m) => m.subject.includes("declined"));
    expect(mail.text).toContain(`${origin}/orgs/${org.slug}/invitations`);
  });

  it("mails the invitee when their invitation is resent (new link) or extended", async () => {
    const { owner, org, email, id } = await invited("mail-resend");
    const resent = await call<{ inviteUrl: string }>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/resend`, { cookie: owner.cookie });
    const reminder = await latestMail(email, (m) => m.subject.startsWith("Reminder:"));
    expect(reminder.text).toContain(`${resent.body.inviteUrl}?answer=accept`);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/extend`, { cookie: owner.cookie, body: { days: 30 } })).status).toBe(200);
    const extended = await latestMail(email, (m) => m.subject.includes("was extended"));
    expect(extended.text).toContain(`${origin}/me/invitations/${id}`);
  });
});
