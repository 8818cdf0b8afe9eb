import { afterEach, beforeEach, expect, test } from "vitest";
import { call, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { expectPath, openBrowser, textOf, useSession, type Browser } from "./support/chromium.ts";

let browser: Browser;
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async () => {
  await browser.close();
});

test("every path of the route table opens its page, and any other path the not-found page", async () => {
  const { page } = browser;
  const owner = await signInOverApi(uniqueEmail("routes"));
  const slug = `routes-${uniqueSuffix()}`;
  expect((await call("/api/v1/orgs", { cookie: owner, body: { name: `Routes ${slug}`, slug } })).status).toBe(201);

  // Signed out.
  const publicPages: Array<[string, string]> = [
    ["/signin", "Sign in to Roster"],
    ["/auth/callback", "This sign-in link no longer works"],
    ["/invitations/some-token-0123456789", "This invitation link does not work"],
    ["/me/invitations/inv_someone", "Sign in to see this invitation"],
    ["/dev/mailbox", "Dev mailbox"],
    ["/nowhere/at-all", "Page not found"],
    [`/orgs/${slug}/no-such-tab`, "Page not found"],
  ];
  for (const [path, heading] of publicPages) {
    await page.goto(path);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  }
  expect(await textOf(page, "main code")).toBe(`/orgs/${slug}/no-such-tab`);

  // Signed in: the organization's pages share their frame (the switcher is in it).
  await useSession(browser, owner);
  const orgPages: Array<[string, string]> = [
    ["/orgs/new", "Create an organization"],
    [`/orgs/${slug}`, `Routes ${slug}`],
    [`/orgs/${slug}/members`, "Members"],
    [`/orgs/${slug}/invitations`, "Members"],
    [`/orgs/${slug}/settings`, "Settings"],
    [`/orgs/${slug}/api-keys`, "API keys"],
    [`/orgs/${slug}/audit`, "Audit trail"],
  ];
  for (const [path, heading] of orgPages) {
    await page.goto(path);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await expectPath(page, path);
    if (path !== "/orgs/new") expect(await page.getByLabel("Organization", { exact: true }).inputValue()).toBe(slug);
  }
  expect(browser.errors).toEqual([]);
});

test("links change pages without reloading, and Back and Forward restore them", async () => {
  const { page } = browser;
  await page.goto("/nowhere/at-all");
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  await page.evaluate(() => Object.assign(window, { loadMarker: "still here" }));

  await page.getByRole("link", { name: "Go to your dashboard" }).click();
  // Signed out, `/` sends the person on to sign in, replacing itself in the history.
  await expectPath(page, "/signin");
  expect(await page.evaluate(() => (window as unknown as { loadMarker?: string }).loadMarker)).toBe("still here");

  await page.goBack();
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  await expectPath(page, "/nowhere/at-all");
  await page.goForward();
  await page.getByRole("heading", { name: "Sign in to Roster" }).waitFor();
  expect(await page.evaluate(() => (window as unknown as { loadMarker?: string }).loadMarker)).toBe("still here");
  expect(browser.errors).toEqual([]);
});

test("pages load on first visit: opening sign-in fetches none of the organization's pages", async () => {
  const { page } = browser;
  const fetched: string[] = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  await page.goto("/signin");
  await page.getByRole("heading", { name: "Sign in to Roster" }).waitFor();
  expect(fetched).toContain("/src/pages/SignIn.tsx");
  expect(fetched.filter((path) => /\/src\/(pages\/(OrgOverview|Members|NewOrg|Audit)|components\/OrgLayout)\.tsx$/.test(path))).toEqual([]);

  await page.goto("/nowhere");
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  expect(fetched).toContain("/src/pages/NotFound.tsx");
  expect(browser.errors).toEqual([]);
});
