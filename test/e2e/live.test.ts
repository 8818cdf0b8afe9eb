import { join } from "node:path";
import { afterEach, beforeEach, expect, inject, test } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { openBrowser, useSession, type Browser } from "./support/chromium.ts";

let browser: Browser;
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    await browser.page.screenshot({ path: join(inject("artifactsDir"), `live-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}.png`), fullPage: true });
  }
  await browser.close();
});

/** An organization with an owner and a second person of `role`; answers its slug, both sessions and the second's user id. */
async function orgWithTwo(role: "owner" | "admin" | "member"): Promise<{ slug: string; first: string; second: string; secondId: string }> {
  const first = await signInOverApi(uniqueEmail("live-owner"));
  const secondEmail = uniqueEmail(`live-${role}`);
  const second = await signInOverApi(secondEmail);
  const slug = `live-${uniqueSuffix()}`;
  expect((await call("/api/v1/orgs", { cookie: first, body: { name: `Live ${slug}`, slug } })).status).toBe(201);
  const invited = await call(`/api/v1/orgs/${slug}/invitations`, { cookie: first, body: { invitee: secondEmail, role } });
  expect(invited.status).toBe(201);
  const token = new URL(field<string>(invited.body, "inviteUrl")).pathname.split("/invitations/")[1];
  expect((await call(`/api/v1/invitations/${token}/accept`, { cookie: second, method: "POST" })).status).toBe(200);
  const secondId = field<string>((await call("/api/v1/me", { cookie: second })).body, "user", "id");
  return { slug, first, second, secondId };
}

async function invite(slug: string, cookie: string, email: string): Promise<void> {
  expect((await call(`/api/v1/orgs/${slug}/invitations`, { cookie, body: { invitee: email } })).status).toBe(201);
}

test("an owner's open page shows another owner's invitation and the seats it took without reload, and catches up after going offline", async () => {
  const { page, context } = browser;
  const { slug, first, second } = await orgWithTwo("owner");
  await useSession(browser, first);

  const framesSent: string[] = [];
  page.on("websocket", (socket) => {
    if (socket.url().endsWith(`/orgs/${slug}/live`)) socket.on("framesent", (frame) => framesSent.push(String(frame.payload)));
  });
  const listReads: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    // The invitation funnel's counts follow the seats; only the lists matter here.
    if (path.startsWith(`/api/v1/orgs/${slug}/`) && !path.endsWith("/invitations/funnel")) listReads.push(request.url());
  });

  await page.goto(`/orgs/${slug}/invitations`);
  await page.getByText("2 of 5 seats used — 3 left").waitFor();
  await page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();
  await page.evaluate(() => Object.assign(window, { loadMarker: "still here" }));

  // The second owner invites through the API: the seats meter and the list follow.
  const carol = uniqueEmail("carol");
  await invite(slug, second, carol);
  await page.getByText("3 of 5 seats used — 2 left").waitFor({ timeout: 5000 });
  await page.getByRole("table", { name: "Invitations" }).getByText(carol).waitFor({ timeout: 5000 });
  expect(await page.getByRole("link", { name: "Invites (1)" }).count()).toBe(1);

  // The socket drops: the page says so, and something happens meanwhile.
  await context.setOffline(true);
  await page.getByText("Offline — reconnecting…").waitFor({ timeout: 5000 });
  const dave = uniqueEmail("dave");
  await invite(slug, second, dave);

  // Back online, it reconnects, resumes from its last seq and shows what it missed.
  const readsBefore = listReads.length;
  await context.setOffline(false);
  await page.getByText("4 of 5 seats used — 1 left").waitFor({ timeout: 10_000 });
  await page.getByRole("table", { name: "Invitations" }).getByText(dave).waitFor();
  await page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();
  // The rows of invitations (the header row names no address).
  const listed = await page.getByRole("table", { name: "Invitations" }).getByRole("row").filter({ hasText: "@" }).allTextContents();
  expect(listed.filter((text) => text.includes(carol) || text.includes(dave))).toHaveLength(2);
  expect(listed[0]).toContain(dave);
  // From the replay of what it missed, not by reading the lists again.
  expect(framesSent.map((frame) => JSON.parse(frame) as { type: string; since?: number }).filter((f) => f.type === "resume")).toEqual([
    { type: "resume", since: expect.any(Number) },
  ]);
  expect(listReads.slice(readsBefore)).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { loadMarker?: string }).loadMarker)).toBe("still here");
  expect(browser.errors).toEqual([]);
});

test("a member removed while their page is open sees at once that they are no longer a member", async () => {
  const { page } = browser;
  const { slug, first, second, secondId } = await orgWithTwo("member");
  await useSession(browser, second);
  await page.goto(`/orgs/${slug}/members`);
  await page.getByRole("table", { name: "Members" }).waitFor();
  await page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();

  const removedAt = Date.now();
  expect((await call(`/api/v1/orgs/${slug}/members/${secondId}`, { cookie: first, method: "DELETE" })).status).toBe(204);
  // From the closing frame, not the close event (which reaches Chromium ~2 s later through the dev stack).
  await page.getByRole("heading", { name: `You are no longer a member of Live ${slug}` }).waitFor({ timeout: 5000 });
  expect(Date.now() - removedAt).toBeLessThan(1500);
  expect(await page.getByRole("table", { name: "Members" }).count()).toBe(0);
  expect(await page.getByLabel("Organization", { exact: true }).locator("option", { hasText: `Live ${slug}` }).count()).toBe(0);
  expect(browser.errors).toEqual([]);
});

test("an admin demoted while the invitations page is open loses the page and its tab at once", async () => {
  const { page } = browser;
  const { slug, first, second, secondId } = await orgWithTwo("admin");
  await useSession(browser, second);
  await page.goto(`/orgs/${slug}/invitations`);
  await page.getByRole("table", { name: "Invitations" }).waitFor();
  const tabs = page.getByRole("navigation", { name: "Organization pages" });
  expect(await tabs.getByRole("link").allTextContents()).toEqual(["Overview", "Members", "Projects", "Invitations", "Settings", "Audit"]);

  expect((await call(`/api/v1/orgs/${slug}/members/${secondId}`, { cookie: first, method: "PATCH", body: { role: "member" } })).status).toBe(200);
  await page.getByRole("heading", { name: "Not available to your role" }).waitFor({ timeout: 5000 });
  expect(await tabs.getByRole("link").allTextContents()).toEqual(["Overview", "Members", "Projects"]);
  expect(browser.errors).toEqual([]);
});
