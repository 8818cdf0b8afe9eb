import { afterEach, expect, inject, test } from "vitest";
import { signedWebhook } from "../support/webhooks.ts";
import { call, field, uniqueEmail } from "./support/api.ts";
import { arrangeOrg, browsersFor, inviteOverApi, person } from "./support/org.ts";

/**
 * Delivery webhooks end to end: a signed `email.bounced` posted to the dev server (whose
 * RESEND_WEBHOOK_SECRET the e2e setup sets) shows on an open invitations tab, live.
 */

const browsers = browsersFor("mail-delivery");
afterEach((context) => browsers.close(context));

test("a signed email.bounced webhook shows 'Bounced — check the address' live on the open invitations tab", async () => {
  const org = await arrangeOrg("bounce");
  const { page } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/invitations`);
  await page.getByRole("table", { name: "Invitations" }).getByText("No invitations yet.").waitFor();

  const invitee = uniqueEmail("bounce");
  await inviteOverApi(org, invitee);
  const row = page.getByRole("row").filter({ hasText: invitee });
  await row.getByText("Awaiting response").waitFor({ timeout: 15_000 });

  // The dev mailbox keeps an outbox mail under its outbox id: the id Resend's tags would carry.
  const messages = field<Array<{ id: string; subject: string }>>((await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(invitee)}`)).body, "messages");
  const mail = messages.find((m) => m.subject.includes("invited you"));
  expect(mail).toBeDefined();
  const webhook = await signedWebhook({ type: "email.bounced", emailId: mail!.id, tags: { org: org.id, mail: mail!.id } });
  const answer = await fetch(new URL("/api/v1/webhooks/resend", inject("appUrl")), { method: "POST", headers: webhook.headers, body: webhook.body });
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ received: true, applied: true });

  // No reload: the room published the change to the open page.
  await row.getByText("Bounced — check the address").waitFor({ timeout: 10_000 });
});

test("the mailed decline link opens the confirmation and answers nothing until it is clicked; the inviter is mailed the decline", async () => {
  const org = await arrangeOrg("decline-link");
  const invitee = uniqueEmail("decline-link");
  const who = await person(invitee);
  const invited = await inviteOverApi(org, invitee);
  const mailsTo = async (email: string) => field<Array<{ subject: string; text: string }>>((await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`)).body, "messages");
  let declineLink: string | undefined;
  await expect
    .poll(async () => (declineLink = /(\S+\?answer=decline)/.exec((await mailsTo(invitee)).find((m) => m.subject.includes("invited you"))?.text ?? "")?.[1]), { timeout: 10_000 })
    .toBeDefined();
  expect(declineLink).toBe(`${invited.url}?answer=decline`);

  const { page } = await browsers.as(who);
  const link = new URL(declineLink!);
  await page.goto(`${link.pathname}${link.search}`);
  await page.getByText("Decline the invitation to join").waitFor();
  const statusOf = async () =>
    field<Array<{ id: string; status: string }>>((await call(`/api/v1/orgs/${org.slug}/invitations`, { cookie: org.owner.cookie })).body, "invitations").find((i) => i.id === invited.id)?.status;
  expect(await statusOf()).toBe("pending");
  await page.getByRole("button", { name: "Decline invitation" }).click();
  await expect.poll(statusOf, { timeout: 10_000 }).toBe("declined");
  await expect.poll(async () => (await mailsTo(org.owner.email)).some((m) => m.subject.includes("declined your invitation")), { timeout: 10_000 }).toBe(true);
});
