import { afterEach, beforeEach, expect, inject, test } from "vitest";
import { call, latestSignInLink, requestSignInLink, uniqueEmail } from "./support/api.ts";
import { expectPath, openBrowser, textOf, type Browser } from "./support/chromium.ts";

let browser: Browser;
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async () => {
  await browser.close();
});

test("a used sign-in link shows the error page with a way back to sign in", async () => {
  const { page } = browser;
  const email = uniqueEmail("grace");
  await requestSignInLink(email);
  const link = await latestSignInLink(email);

  await page.goto(link);
  // Asked for over the API, not in this browser: the page asks first.
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expectPath(page, "/orgs/new");

  await page.goto(link);
  await page.getByRole("heading", { name: "This sign-in link no longer works" }).waitFor();
  expect(await textOf(page, '[role="alert"]')).toContain("used already");
  await page.getByRole("link", { name: "Get a new sign-in link" }).click();
  await expectPath(page, "/signin");
  expect(browser.errors).toEqual([]);
});

test("signing in from a page that needed it returns there afterwards", async () => {
  const { page } = browser;
  const email = uniqueEmail("linus");
  await page.goto("/orgs/somewhere-else");
  await expectPath(page, "/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("button", { name: "Open dev mailbox" }).click();
  await page.getByRole("link", { name: "Sign in with this link" }).first().click();

  await expectPath(page, "/orgs/somewhere-else");
  await page.getByRole("heading", { name: "No organization here" }).waitFor();
  expect(browser.errors).toEqual([]);
});

test("asking for too many sign-in links says when to try again", async () => {
  const { page } = browser;
  const email = uniqueEmail("barbara");
  // Asked from this browser's address: the limit is per email and address.
  for (let i = 0; i < 5; i++) await requestSignInLink(email, browser.address);

  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  expect((await alert.textContent())?.trim()).toMatch(/^Too many sign-in links were asked for\. Try again in \d+ minutes?\.$/);
  expect(await page.getByRole("heading", { name: "Check your inbox" }).count()).toBe(0);
  // The refusal came from the server, which still refuses.
  expect((await call("/api/v1/auth/magic-link", { body: { email }, address: browser.address })).status).toBe(429);
});

test("signing out returns to the sign-in page and the session no longer works", async () => {
  const { page, context } = browser;
  const email = uniqueEmail("edsger");
  await requestSignInLink(email);
  await page.goto(await latestSignInLink(email));
  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expectPath(page, "/orgs/new");
  const session = (await context.cookies()).find((c) => c.name === "roster_session");
  expect(session, "the session cookie").toBeDefined();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expectPath(page, "/signin");
  await page.getByRole("heading", { name: "Sign in to Roster" }).waitFor();
  expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
  // The page signed out of is not remembered as where to return after the next sign-in.
  expect(await page.evaluate(() => sessionStorage.getItem("roster.next"))).toBeNull();
  // Ended on the server, not only forgotten by the browser.
  expect((await call("/api/v1/me", { cookie: `roster_session=${session?.value}` })).status).toBe(401);

  await page.goto("/orgs/new");
  await expectPath(page, "/signin");
  expect(browser.errors).toEqual([]);
});

test("a link asked for in this browser signs in at once, without asking", async () => {
  const { page, context } = browser;
  const email = uniqueEmail("ada");
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  expect((await context.cookies()).map((c) => c.name)).toContain("roster_signin");

  // As if the person clicked the mailed link in this browser.
  await page.goto(await latestSignInLink(email));
  await expectPath(page, "/orgs/new");
  const cookies = (await context.cookies()).map((c) => c.name);
  expect(cookies).toContain("roster_session");
  expect(cookies, "the nonce is spent").not.toContain("roster_signin");
  expect(browser.errors).toEqual([]);
});

test("a link asked for elsewhere names the account and signs in nobody until confirmed", async () => {
  const { page, context } = browser;
  // The attacker's own link (or the person's, asked for on another device).
  const email = uniqueEmail("mallory");
  await requestSignInLink(email);
  await page.goto(await latestSignInLink(email));

  await page.getByRole("heading", { name: `Sign in as ${email}?` }).waitFor();
  expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
  expect((await context.cookies()).map((c) => c.name)).not.toContain("roster_session");

  await page.getByRole("button", { name: `Sign in as ${email}` }).click();
  await expectPath(page, "/orgs/new");
  expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(200);
  expect(browser.errors).toEqual([]);
});

test("the sign-in callback page refuses framing and sends no Referer", async () => {
  const appUrl = inject("appUrl");
  const callback = await fetch(new URL("/auth/callback?token=secret-token-in-the-url", appUrl));
  await callback.text();
  expect(callback.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(callback.headers.get("x-frame-options")).toBe("DENY");
  expect(callback.headers.get("x-content-type-options")).toBe("nosniff");
  expect(callback.headers.get("referrer-policy")).toBe("no-referrer");
  const home = await fetch(new URL("/", appUrl));
  await home.text();
  expect(home.headers.get("x-frame-options")).toBe("DENY");
});
