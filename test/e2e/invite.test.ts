import { createClient } from "@libsql/client/web";
import { afterEach, expect, inject, test } from "vitest";
import { call, field, uniqueEmail } from "./support/api.ts";
import { arrangeOrg, browsersFor, inviteOverApi, join, type ArrangedOrg } from "./support/org.ts";

/**
 * Inviting from the dashboard and the Invites tab in Chromium: the invite dialog (one
 * person, a link instead of a mail, many at once), the button at zero seats, each status's
 * actions, and a revoke seen live by a second admin. A browser per person.
 */

const browsers = browsersFor("invite");
afterEach((context) => browsers.close(context));

/** The messages the dev mailbox holds for `email`. */
async function mailsTo(email: string): Promise<Array<{ subject: string; text: string }>> {
  return field<Array<{ subject: string; text: string }>>((await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body, "messages");
}

async function statusOf(org: ArrangedOrg, invitee: string): Promise<{ id: string; status: string; delivery: string; role: string } | undefined> {
  const listed = await call(`/api/v1/orgs/${org.slug}/invitations?limit=100`, { cookie: org.owner.cookie });
  return field<Array<{ id: string; email: string | null; status: string; delivery: string; role: string }>>(listed.body, "invitations").find((i) => i.email === invitee);
}

test("an owner invites from the dashboard: the invitation is mailed, listed and counted at once", async () => {
  const org = await arrangeOrg("invite");
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/invitations`);
  await page.getByRole("table", { name: "Invitations" }).getByText("No invitations yet.").waitFor();

  await page.getByRole("button", { name: "Invite people" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite people" });
  // Focus starts in the invitee field; the roles stop at the inviter's own.
  expect(await dialog.getByLabel("Email or username").evaluate((el) => el === document.activeElement)).toBe(true);
  expect(await dialog.getByLabel("Role").locator("option").allTextContents()).toEqual(["Owner", "Admin", "Member", "Restricted"]);
  expect(await dialog.getByLabel("Expires after (days)").inputValue()).toBe("7");
  // A malformed invitee is caught before sending.
  await dialog.getByLabel("Email or username").fill("not an address");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await dialog.getByText("Not a username (or an email address).").waitFor();

  const ada = uniqueEmail("ada");
  await dialog.getByLabel("Email or username").fill(ada);
  await dialog.getByLabel("Role").selectOption("admin");
  await dialog.getByLabel("Message (optional)").fill("Welcome aboard");
  await dialog.getByLabel("Expires after (days)").fill("3");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("status").getByText(`Invitation sent to ${ada}.`).waitFor();

  const row = page.getByRole("table", { name: "Invitations" }).getByRole("row").filter({ hasText: ada });
  await row.waitFor();
  expect(await row.textContent()).toMatch(/Admin.*in 3 days.*(Sending…|Awaiting response)/);
  // Once the outbox reports the mail sent (its own live event; slower when the machine is busy).
  await row.getByText("Awaiting response").waitFor({ timeout: 15_000 });
  await page.getByText("2 of 5 seats used — 3 left").waitFor();
  await page.getByRole("link", { name: "Invites (1)" }).waitFor();
  await expect.poll(async () => (await mailsTo(ada)).length).toBe(1);
  expect((await mailsTo(ada))[0]?.text).toContain("Welcome aboard");

  // The funnel counts it, in its picture's words too.
  const funnel = page.getByRole("img", { name: "Invitation funnel" });
  await expect.poll(async () => funnel.locator("desc").textContent()).toBe("Of 1 invitation sent: 0 accepted (0%), 1 pending (100%), 0 declined (0%), 0 expired (0%), 0 revoked (0%).");

  // The API's refusal shows in the dialog and in a toast.
  await page.getByRole("button", { name: "Invite people" }).click();
  await dialog.getByLabel("Email or username").fill(ada);
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await dialog.getByRole("alert").getByText("This person already has a pending invitation.").waitFor();
  await page.getByRole("status").getByText("This person already has a pending invitation.").waitFor();
  // Escape closes it.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  expect(errors).toEqual([]);
});

test("an invite link can be copied instead of mailed: nothing is mailed, and the link works", async () => {
  const org = await arrangeOrg("link");
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/invitations`);
  await page.getByRole("table", { name: "Invitations" }).waitFor();
  await page.getByRole("button", { name: "Invite people" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite people" });
  const bo = uniqueEmail("bo");
  await dialog.getByLabel("Email or username").fill(bo);
  await dialog.getByLabel("Don't send a mail — copy the invite link instead").check();
  await dialog.getByRole("button", { name: "Create invite link" }).click();
  const link = await dialog.getByLabel("Invite link", { exact: true }).inputValue();
  expect(link).toMatch(/\/invitations\/[A-Za-z0-9_-]{20,}$/);
  await dialog.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("table", { name: "Invitations" }).getByRole("row").filter({ hasText: bo });
  await row.getByText("Link only, not mailed").waitFor();
  expect(await row.textContent()).toContain("Awaiting response");
  expect(await statusOf(org, bo)).toMatchObject({ status: "pending", delivery: "not_mailed" });
  // Nothing is mailed, and the link is the invitation's.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await mailsTo(bo)).toEqual([]);
  const preview = await call(`/api/v1/invitations/${new URL(link).pathname.split("/invitations/")[1]}`);
  expect(preview.status).toBe(200);
  expect(field(preview.body, "status")).toBe("pending");
  expect(errors).toEqual([]);
});

test("the invite button is disabled at zero seats and says why; an owner is offered the seat limit, and it comes back when a seat frees", async () => {
  const org = await arrangeOrg("full", { seatLimit: 3 });
  const ada = await join(org, uniqueEmail("ada"), "admin", { name: "Ada Admin" });
  const pending = await inviteOverApi(org, uniqueEmail("pending"));

  const owner = await browsers.as(org.owner);
  await owner.page.goto(`/orgs/${org.slug}/members`);
  const button = owner.page.getByRole("button", { name: "Invite people" });
  await owner.page.getByText("No seats left — 3 of 3 used.").waitFor();
  expect(await button.isDisabled()).toBe(true);
  // The reason is the button's description for a screen reader too.
  const describedBy = await button.getAttribute("aria-describedby");
  expect(await owner.page.locator(`[id="${describedBy}"]`).textContent()).toContain("No seats left — 3 of 3 used.");
  const raise = owner.page.getByRole("link", { name: "Raise the seat limit" });
  expect(await raise.getAttribute("href")).toBe(`/orgs/${org.slug}/settings`);

  const admin = await browsers.as(ada);
  await admin.page.goto(`/orgs/${org.slug}/invitations`);
  await admin.page.getByText("No seats left — 3 of 3 used. An owner can raise the seat limit.").waitFor();
  expect(await admin.page.getByRole("button", { name: "Invite people" }).isDisabled()).toBe(true);
  expect(await admin.page.getByRole("link", { name: "Raise the seat limit" }).count()).toBe(0);

  // A seat frees (revoked over the API): both buttons come back without reload.
  expect((await call(`/api/v1/orgs/${org.slug}/invitations/${pending.id}/revoke`, { cookie: org.owner.cookie, method: "POST" })).status).toBe(200);
  await expect.poll(() => button.isDisabled(), { timeout: 5000 }).toBe(false);
  await expect.poll(() => admin.page.getByRole("button", { name: "Invite people" }).isDisabled(), { timeout: 5000 }).toBe(false);

  // The owner's link leads to the seat limit.
  await owner.page.goto(`/orgs/${org.slug}/members`);
  expect((await inviteOverApi(org, uniqueEmail("again"))).id).toBeTruthy();
  await raise.click();
  await expect.poll(() => new URL(owner.page.url()).pathname).toBe(`/orgs/${org.slug}/settings`);
  expect([...owner.errors, ...admin.errors]).toEqual([]);
});

test("a bulk invite sends 1,000 rows a call with a progress bar, and answers every row: invited, or why not", async () => {
  const org = await arrangeOrg("bulk", { seatLimit: 1201 });
  const { page, errors } = await browsers.as(org.owner);
  const calls: number[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname.endsWith("/invitations/bulk")) {
      calls.push((JSON.parse(request.postData() ?? "{}") as { invitations: unknown[] }).invitations.length);
    }
  });
  await page.goto(`/orgs/${org.slug}/invitations`);
  await page.getByRole("table", { name: "Invitations" }).waitFor();

  // 1,202 good rows for 1,200 free seats, and two lines that will not be sent.
  const stem = uniqueEmail("bulk").replace("@example.com", "");
  const lines = ["email,role", ...Array.from({ length: 1202 }, (_, i) => `${stem}-${i}@example.com${i % 100 === 0 ? ",admin" : ""}`)];
  lines.splice(3, 0, "not-an-address@", `${stem}-0@example.com`);
  await page.getByRole("button", { name: "Invite people" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite people" });
  await dialog.getByLabel("Many (paste or CSV)").check();
  await dialog.getByLabel("Invitees, one per line").fill(lines.join("\n"));
  await dialog.getByText("1,202 rows to invite, 2 lines with problems (not sent).").waitFor();
  await dialog.getByText("Only 1,200 seats left: the first 1,200 rows get them, and the rest are refused.").waitFor();
  // Not mailed: 1,202 mails would spend most of the owner's hourly mail.
  await dialog.getByLabel("Don't send a mail — copy the invite link instead").check();
  await dialog.getByRole("button", { name: "Invite 1,202 rows" }).click();
  await dialog.getByRole("progressbar", { name: /Inviting… .* of 1,202/ }).waitFor();

  await dialog.getByRole("status").getByText("1,200 invited, 4 not invited.").waitFor({ timeout: 30_000 });
  expect(calls).toEqual([1000, 202]);
  const results = dialog.getByRole("table", { name: "Bulk invitation results" });
  const byLine = async (line: number) => (await results.getByRole("row").filter({ hasText: new RegExp(`^${line}\\D`) }).first().textContent()) ?? "";
  expect(await byLine(2)).toBe(`2${stem}-0@example.comInvited as Admin`);
  expect(await byLine(4)).toBe("4not-an-address@Not sent: Not an email address.");
  expect(await byLine(5)).toBe(`5${stem}-0@example.comNot sent: Listed already on line 2.`);
  expect(await byLine(1205)).toBe(`1205${stem}-1201@example.comNo seat is left on this organization's plan.`);
  expect(await results.getByRole("row").count()).toBe(1 + 1204);
  await dialog.getByRole("button", { name: "Done" }).click();
  await page.getByText("1201 of 1201 seats used — 0 left").waitFor();
  await page.getByRole("link", { name: "Invites (1200)" }).waitFor();
  expect(errors).toEqual([]);
});

test("a revoke in one admin's dashboard shows as Revoked on another admin's open invitations page within a second", async () => {
  const org = await arrangeOrg("revoke");
  const [alice, bob] = await Promise.all([join(org, uniqueEmail("alice"), "admin", { name: "Alice Admin" }), join(org, uniqueEmail("bob"), "admin", { name: "Bob Admin" })]);
  const carol = uniqueEmail("carol");
  await inviteOverApi(org, carol, "member", alice);

  const b = await browsers.as(bob);
  await b.page.goto(`/orgs/${org.slug}/invitations`);
  const bRow = b.page.getByRole("table", { name: "Invitations" }).getByRole("row").filter({ hasText: carol });
  await bRow.getByText("Awaiting response").waitFor({ timeout: 5000 });
  await b.page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();

  const a = await browsers.as(alice);
  await a.page.goto(`/orgs/${org.slug}/invitations`);
  await a.page.getByRole("button", { name: `Actions for the invitation to ${carol}` }).click();
  expect(await a.page.getByRole("menu").getByRole("menuitem").allTextContents()).toEqual(["Resend", "Copy link", "Extend…", "Edit…", "Revoke…"]);
  await a.page.getByRole("menuitem", { name: "Revoke…" }).click();
  const confirm = a.page.getByRole("alertdialog", { name: "Revoke this invitation?" });
  await confirm.getByRole("button", { name: "Revoke" }).click();
  const revokedAt = Date.now();
  await bRow.getByText("Revoked", { exact: true }).waitFor({ timeout: 1000 });
  expect(Date.now() - revokedAt).toBeLessThan(1000);
  await b.page.getByRole("link", { name: "Invites (0)" }).waitFor();
  // A's own page shows it too, and its menu now offers only Delete.
  const aRow = a.page.getByRole("table", { name: "Invitations" }).getByRole("row").filter({ hasText: carol });
  await aRow.getByText("Revoked", { exact: true }).waitFor();
  await a.page.getByRole("button", { name: `Actions for the invitation to ${carol}` }).click();
  expect(await a.page.getByRole("menu").getByRole("menuitem").allTextContents()).toEqual(["Delete…"]);
  expect([...a.errors, ...b.errors]).toEqual([]);
});

test("each status offers only its actions: a fresh link, an edit and an extension while pending; renewal once expired; deletion once over", async () => {
  const org = await arrangeOrg("statuses");
  const [pendingEmail, expiredEmail, revokedEmail] = [uniqueEmail("pending"), uniqueEmail("expired"), uniqueEmail("revoked")];
  const pending = await inviteOverApi(org, pendingEmail);
  const expired = await inviteOverApi(org, expiredEmail);
  const revoked = await inviteOverApi(org, revokedEmail);
  expect((await call(`/api/v1/orgs/${org.slug}/invitations/${revoked.id}/revoke`, { cookie: org.owner.cookie, method: "POST" })).status).toBe(200);
  // Past due: the API cannot shorten an invitation, so the test moves its expiry in the database.
  const database = inject("database");
  const db = createClient({ url: database.url, authToken: database.authToken });
  await db.execute({ sql: "UPDATE invitations SET expires_at = ? WHERE id = ?", args: [Date.now() - 60_000, expired.id] });
  db.close();

  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/invitations`);
  const table = page.getByRole("table", { name: "Invitations" });
  const rowOf = (email: string) => table.getByRole("row").filter({ hasText: email });
  await rowOf(expiredEmail).getByText("Expired", { exact: true }).waitFor();
  const menuOf = async (email: string) => {
    await page.getByRole("button", { name: `Actions for the invitation to ${email}` }).click();
    const items = await page.getByRole("menu").getByRole("menuitem").allTextContents();
    return items;
  };
  expect(await menuOf(expiredEmail)).toEqual(["Resend as a new invitation", "Copy link of a new invitation", "Extend as a new invitation…", "Delete…"]);
  await page.keyboard.press("Escape");

  // Copy link: a fresh link, and the old one dies.
  expect(await menuOf(pendingEmail)).toEqual(["Resend", "Copy link", "Extend…", "Edit…", "Revoke…"]);
  await page.getByRole("menuitem", { name: "Copy link" }).click();
  const linkDialog = page.getByRole("dialog", { name: "Invite link" });
  const fresh = await linkDialog.getByLabel("Invite link", { exact: true }).inputValue();
  expect(fresh).toMatch(/\/invitations\//);
  expect(fresh).not.toBe(pending.url);
  expect((await call(`/api/v1/invitations/${pending.token}`)).status).toBe(404);
  await linkDialog.getByRole("button", { name: "Done" }).click();

  // Edit: role and message.
  await menuOf(pendingEmail);
  await page.getByRole("menuitem", { name: "Edit…" }).click();
  const edit = page.getByRole("dialog", { name: `Edit the invitation to ${pendingEmail}` });
  await edit.getByLabel("Role").selectOption("admin");
  await edit.getByLabel("Message").fill("Come help");
  await edit.getByRole("button", { name: "Save" }).click();
  await edit.waitFor({ state: "hidden" });
  await rowOf(pendingEmail).getByText("Admin").waitFor();

  // Extend: 30 days from now.
  await menuOf(pendingEmail);
  await page.getByRole("menuitem", { name: "Extend…" }).click();
  const extend = page.getByRole("dialog", { name: `Extend the invitation to ${pendingEmail}` });
  await extend.getByLabel("Expires in (days from now)").fill("30");
  await extend.getByRole("button", { name: "Extend" }).click();
  await rowOf(pendingEmail).getByText(/in (4 weeks|30 days|last month|next month|1 month)/).waitFor();

  // Revoked: only deletion, after a confirmation; the row leaves the list.
  expect(await menuOf(revokedEmail)).toEqual(["Delete…"]);
  await page.getByRole("menuitem", { name: "Delete…" }).click();
  await page.getByRole("alertdialog", { name: "Delete this invitation?" }).getByRole("button", { name: "Delete" }).click();
  await rowOf(revokedEmail).waitFor({ state: "detached" });
  expect(await statusOf(org, revokedEmail)).toBeUndefined();
  expect(await statusOf(org, pendingEmail)).toMatchObject({ status: "pending", role: "admin" });
  expect(errors).toEqual([]);
});
