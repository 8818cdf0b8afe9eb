import { createClient } from "@libsql/client/web";
import { expect, inject, test } from "vitest";
import { call, field, latestSignInLink, requestSignInLink, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { browsersPerTest, expectPath, useSession } from "./support/chromium.ts";

/**
 * The invitee's side in Chromium: the mailed link, signed out and signed in with the wrong
 * account, the pages of links that no longer work, and the header's inbox. Each person
 * has a browser of their own; the owner acts over the API.
 */

const browsers = browsersPerTest("invitee");
const browserFor = browsers.open;

interface Org {
  slug: string;
  name: string;
  /** The owner's session cookie. */
  owner: string;
  ownerEmail: string;
}

/** An organization whose owner (signed in over the API, named `Olivia Owner`) invites people. */
async function orgWithOwner(): Promise<Org> {
  const ownerEmail = uniqueEmail("invitee-owner");
  const owner = await signInOverApi(ownerEmail);
  expect((await call("/api/v1/me", { method: "PATCH", cookie: owner, body: { name: "Olivia Owner" } })).status).toBe(200);
  const slug = `invitee-${uniqueSuffix()}`;
  const name = `Invitee ${slug}`;
  expect((await call("/api/v1/orgs", { cookie: owner, body: { name, slug } })).status).toBe(201);
  return { slug, name, owner, ownerEmail };
}

/** The owner invites `email`; answers the invitation's id and link. */
async function invite(org: Org, email: string, role = "member"): Promise<{ id: string; url: string; token: string }> {
  const created = await call(`/api/v1/orgs/${org.slug}/invitations`, { cookie: org.owner, body: { invitee: email, role } });
  expect(created.status).toBe(201);
  const url = field<string>(created.body, "inviteUrl");
  return { id: field<string>(created.body, "invitation", "id"), url, token: new URL(url).pathname.split("/invitations/")[1] ?? "" };
}

/** The invitation link in the newest invitation mail the dev mailbox holds for `email`. */
async function mailedInvitationLink(email: string): Promise<string> {
  await expect
    .poll(async () => field<Array<{ text: string }>>((await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body, "messages").length)
    .toBeGreaterThan(0);
  const messages = field<Array<{ subject: string; text: string }>>((await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body, "messages");
  const link = messages.map((m) => m.text.match(/https?:\/\/\S+\/invitations\/[A-Za-z0-9_-]+/)?.[0]).find(Boolean);
  expect(link, `an invitation link in the dev mailbox of ${email}`).toBeDefined();
  return link as string;
}

/** The invitation's status as its organization's admins see it. */
async function statusOf(org: Org, id: string): Promise<string> {
  const list = await call(`/api/v1/orgs/${org.slug}/invitations?limit=100`, { cookie: org.owner });
  expect(list.status).toBe(200);
  const found = field<Array<{ id: string; status: string }>>(list.body, "invitations").find((i) => i.id === id);
  return found?.status ?? "missing";
}

test("an invitee opens the mailed link signed out, signs in through the dev mailbox, comes back to the invitation, accepts and lands on the members page; the owner's joined mail opens it too", async () => {
  const org = await orgWithOwner();
  const email = uniqueEmail("invitee-ada");
  const invitation = await invite(org, email, "admin");
  const link = await mailedInvitationLink(email);
  expect(link).toBe(invitation.url);

  const { page, errors } = await browserFor();
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: `Join ${org.name} on Roster` }).waitFor();
  const facts = page.locator("dl");
  await expect.poll(() => facts.textContent()).toContain("Olivia Owner");
  expect(await facts.textContent()).toMatch(/RoleAdmin/);
  expect(await facts.textContent()).toMatch(/Expiresin 7 days/);
  expect(await page.getByRole("button", { name: "Accept invitation" }).count()).toBe(0);

  await page.getByRole("link", { name: "Sign in to accept" }).click();
  await expectPath(page, `/signin?next=${encodeURIComponent(`/invitations/${invitation.token}`)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  // The mailed link itself says where to return, so it works when opened in another tab:
  // this tab's memory of it is not needed.
  expect(new URL(await latestSignInLink(email)).searchParams.get("next")).toBe(`/invitations/${invitation.token}`);
  await page.evaluate(() => sessionStorage.clear());
  await page.getByRole("button", { name: "Open dev mailbox" }).click();
  await page.getByRole("link", { name: "Sign in with this link" }).first().click();

  // Back on the invitation, signed in as the invited account.
  await expectPath(page, `/invitations/${invitation.token}`);
  await page.getByText(`Signed in as ${email}`).waitFor();
  await page.getByRole("button", { name: "Accept invitation" }).click();

  await expectPath(page, `/orgs/${org.slug}/members`);
  await page.getByRole("heading", { level: 1, name: "Members" }).waitFor();
  expect(await statusOf(org, invitation.id)).toBe("accepted");
  const me = await page.evaluate(async () => (await fetch("/api/v1/me")).json());
  expect(field<Array<{ org: { slug: string }; role: string }>>(me, "memberships").map((m) => [m.org.slug, m.role])).toContainEqual([org.slug, "admin"]);
  expect(errors).toEqual([]);

  // The owner's "joined" mail links to the members page, which opens in the owner's browser.
  let joined: string | undefined;
  await expect
    .poll(async () => {
      const messages = field<Array<{ subject: string; text: string }>>((await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(org.ownerEmail)}`)).body, "messages");
      joined = messages.find((m) => m.subject.includes(`joined ${org.name}`))?.text.match(/https?:\/\/\S+\/orgs\/\S+/)?.[0];
      return joined;
    })
    .toBeDefined();
  expect(new URL(joined as string).pathname).toBe(`/orgs/${org.slug}/members`);
  const ownerBrowser = await browserFor();
  await useSession(ownerBrowser, org.owner);
  await ownerBrowser.page.goto(joined as string);
  await ownerBrowser.page.getByRole("heading", { level: 1, name: "Members" }).waitFor();
  await expectPath(ownerBrowser.page, `/orgs/${org.slug}/members`);
  expect(ownerBrowser.errors).toEqual([]);
});

test("signed in with another account, Accept is refused: the page says so, names that account, and the invitation stays pending", async () => {
  const org = await orgWithOwner();
  const invitedEmail = uniqueEmail("invitee-grace");
  const invitation = await invite(org, invitedEmail);
  const otherEmail = uniqueEmail("invitee-mallory");
  const browser = await browserFor();
  const { page, errors } = browser;
  await useSession(browser, await signInOverApi(otherEmail));

  await page.goto(invitation.url);
  await page.getByRole("heading", { level: 1, name: `Join ${org.name} on Roster` }).waitFor();
  await page.getByText(`Signed in as ${otherEmail}`).waitFor();
  const answered = page.waitForResponse((r) => r.url().endsWith(`/invitations/${invitation.token}/accept`));
  await page.getByRole("button", { name: "Accept invitation" }).click();
  expect((await answered).status()).toBe(403);

  const alert = page.getByRole("alert");
  await alert.getByRole("heading", { name: "This invitation is for a different account" }).waitFor();
  const said = (await alert.textContent()) ?? "";
  expect(said).toContain(`You are signed in as ${otherEmail}`);
  // Whom it was for is not the holder's to learn.
  expect(said).not.toContain(invitedEmail);
  expect(await page.getByRole("button", { name: "Accept invitation" }).count()).toBe(0);
  expect(await statusOf(org, invitation.id)).toBe("pending");
  expect(field<string>((await call(`/api/v1/invitations/${invitation.token}`)).body, "status")).toBe("pending");

  // Switching signs out and comes back here through sign-in.
  await page.getByRole("button", { name: "Switch account" }).click();
  await expectPath(page, `/signin?next=${encodeURIComponent(`/invitations/${invitation.token}`)}`);
  await page.getByText("Use the email address your invitation was sent to.").waitFor();
  expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
  expect(await statusOf(org, invitation.id)).toBe("pending");
  expect(errors).toEqual([]);
});

test("a revoked link, an expired link and a link that names nothing each say what happened", async () => {
  const org = await orgWithOwner();
  const revoked = await invite(org, uniqueEmail("invitee-revoked"));
  expect((await call(`/api/v1/orgs/${org.slug}/invitations/${revoked.id}/revoke`, { cookie: org.owner, method: "POST" })).status).toBe(200);
  const expired = await invite(org, uniqueEmail("invitee-expired"));
  // Past due now: the API cannot shorten an invitation, so the test moves its expiry.
  const database = inject("database");
  const db = createClient({ url: database.url, authToken: database.authToken });
  await db.execute({ sql: "UPDATE invitations SET expires_at = ? WHERE id = ?", args: [Date.now() - 60_000, expired.id] });
  db.close();

  const { page, errors } = await browserFor();
  await page.goto(revoked.url);
  await page.getByRole("heading", { level: 1, name: "This invitation was withdrawn" }).waitFor();
  expect(await page.locator("main").textContent()).toContain(`${org.name} revoked this invitation`);
  expect(await page.getByRole("button", { name: "Accept invitation" }).count()).toBe(0);
  expect(await page.getByRole("link", { name: "Sign in to accept" }).count()).toBe(0);
  expect(await page.title()).toBe("Invitation withdrawn · Roster");

  await page.goto(expired.url);
  await page.getByRole("heading", { level: 1, name: "This invitation has expired" }).waitFor();
  expect(await page.locator("main").textContent()).toContain("Ask Olivia Owner to send you a new one.");
  expect(await page.getByRole("link", { name: "Sign in to accept" }).count()).toBe(0);

  await page.goto(`/invitations/no-such-token-${uniqueSuffix()}-0123456789`);
  await page.getByRole("heading", { level: 1, name: "This invitation link does not work" }).waitFor();
  expect(await page.title()).toBe("Invitation not found · Roster");
  expect(errors).toEqual([]);
});

test("the header counts my pending invitations and unread notifications; opening a notification marks it read and leads to the invitation", async () => {
  const org = await orgWithOwner();
  const email = uniqueEmail("invitee-linus");
  const cookie = await signInOverApi(email);
  // An account already: the invitation also makes a notification.
  const invitation = await invite(org, email);
  const browser = await browserFor();
  const { page, errors } = browser;
  await useSession(browser, cookie);

  await page.goto("/orgs/new");
  const inbox = page.getByRole("button", { name: "Inbox: 1 pending invitation, 1 unread notification" });
  await inbox.click();
  const panel = page.getByRole("region", { name: "Inbox" });
  await panel.getByRole("link", { name: new RegExp(`^Join ${org.name} as a member\\b`) }).waitFor();
  await panel.getByRole("link", { name: new RegExp(`^You were invited to join ${org.name} as a member \\(unread\\)`) }).click();

  await expectPath(page, `/me/invitations/${invitation.id}`);
  await page.getByRole("heading", { level: 1, name: `Join ${org.name} on Roster` }).waitFor();
  await expect
    .poll(async () => field<Array<{ read: boolean }>>((await call("/api/v1/me", { cookie })).body, "notifications").map((n) => n.read))
    .toEqual([true]);

  await page.getByRole("button", { name: "Accept invitation" }).click();
  await expectPath(page, `/orgs/${org.slug}/members`);
  await page.getByRole("button", { name: "Inbox", exact: true }).click();
  await page.getByRole("region", { name: "Inbox" }).getByText("No pending invitations.").waitFor();
  await page.keyboard.press("Escape");
  expect(await page.getByRole("region", { name: "Inbox" }).count()).toBe(0);
  expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-controls"))).toBe("inbox-panel");
  expect(await statusOf(org, invitation.id)).toBe("accepted");
  expect(errors).toEqual([]);
});

test("a sign-in link whose return path would leave the site signs in and stays on the site", async () => {
  const email = uniqueEmail("invitee-ret");
  await requestSignInLink(email);
  const link = new URL(await latestSignInLink(email));
  const { page, errors } = await browserFor();
  for (const next of ["//evil.example/", "/\\evil.example/", "https://evil.example/"]) {
    link.searchParams.set("next", next);
    await page.goto(link.pathname + link.search);
    await page.getByRole("heading", { name: `Sign in as ${email}?` }).waitFor();
    // Cancel keeps nobody's path but the site's.
    expect(await page.getByRole("link", { name: "Cancel" }).getAttribute("href")).toBe("/signin");
  }
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expectPath(page, "/orgs/new");
  expect(new URL(page.url()).origin).toBe(inject("appUrl"));
  expect(errors).toEqual([]);
});
