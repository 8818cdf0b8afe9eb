import { join } from "node:path";
import { afterEach, beforeEach, expect, inject, test } from "vitest";
import { uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { expectPath, openBrowser, textOf, type Browser } from "./support/chromium.ts";

let browser: Browser;
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async () => {
  await browser.close();
});

test("a person signs in through the dev mailbox, creates two organizations and switches between them", async () => {
  const { page } = browser;
  const email = uniqueEmail("ada");
  const suffix = uniqueSuffix();
  const first = { name: `Acme Rockets ${suffix}`, slug: `acme-rockets-${suffix}` };
  const second = { name: `Beta Labs ${suffix}`, slug: `beta-${suffix}` };

  // Signed out, the dashboard's front door is the sign-in page.
  await page.goto("/");
  await expectPath(page, "/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
  expect(await textOf(page, ".sent")).toContain(email);

  // The dev mailbox lists the mail with a clickable sign-in link.
  const mailbox = page.getByRole("button", { name: "Open dev mailbox" });
  expect(await mailbox.getAttribute("aria-expanded")).toBe("false");
  await mailbox.click();
  expect(await page.getByRole("button", { name: "Close dev mailbox" }).getAttribute("aria-expanded")).toBe("true");
  await page.getByRole("link", { name: "Sign in with this link" }).first().click();

  // A first sign-in without organizations lands on the create form.
  await expectPath(page, "/orgs/new");
  await page.getByRole("heading", { name: "Create an organization" }).waitFor();
  expect(await textOf(page, ".account .email")).toBe(email);

  // The slug follows the name until edited, and is checked before sending.
  await page.getByLabel("Name").fill(first.name);
  expect(await page.getByLabel("URL slug").inputValue()).toBe(first.slug);
  await page.getByLabel("URL slug").fill("a");
  await page.getByRole("button", { name: "Create organization" }).click();
  expect(await textOf(page, "#org-slug-error")).toBe("Use at least 2 characters.");
  expect(await page.getByLabel("URL slug").getAttribute("aria-invalid")).toBe("true");
  await page.getByLabel("URL slug").fill("");
  expect(await page.getByLabel("URL slug").inputValue()).toBe(first.slug);
  await page.getByRole("button", { name: "Create organization" }).click();

  // Its overview: the name, the owner's role and one seat used of the five.
  await expectPath(page, `/orgs/${first.slug}`);
  await page.getByRole("heading", { level: 1, name: first.name }).waitFor();
  expect(await textOf(page, '[data-testid="seats-used"]')).toBe("1");
  expect(await textOf(page, '[data-testid="seats-limit"]')).toBe("5");
  expect(await textOf(page, '[data-testid="seats-members"]')).toBe("1");
  expect(await textOf(page, '[data-testid="seats-pending"]')).toBe("0");
  expect(await textOf(page, '[data-testid="seats-available"]')).toBe("4");
  expect(await textOf(page, '[data-testid="role"]')).toBe("Your role: Owner");
  await page.locator('[data-testid="health"] .dot.up').waitFor();
  await page.screenshot({ path: join(inject("artifactsDir"), "org-overview.png"), fullPage: true });

  // A taken slug is refused by the server, and the form says so next to the field.
  await page.getByRole("link", { name: "New organization" }).click();
  await expectPath(page, "/orgs/new");
  await page.getByLabel("Name").fill(first.name);
  await page.getByRole("button", { name: "Create organization" }).click();
  expect(await textOf(page, "#org-slug-error")).toBe("This slug is taken. Choose another.");
  expect(await page.getByLabel("URL slug").getAttribute("aria-describedby")).toContain("org-slug-error");
  await expectPath(page, "/orgs/new");

  await page.getByLabel("Name").fill(second.name);
  await page.getByLabel("URL slug").fill(second.slug);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expectPath(page, `/orgs/${second.slug}`);
  await page.getByRole("heading", { level: 1, name: second.name }).waitFor();

  // The switcher lists both and opens the one chosen.
  const switcher = page.getByLabel("Organization", { exact: true });
  expect(await switcher.locator("option").allTextContents()).toEqual([first.name, second.name]);
  expect(await switcher.inputValue()).toBe(second.slug);
  await switcher.selectOption(first.slug);
  await expectPath(page, `/orgs/${first.slug}`);
  await page.getByRole("heading", { level: 1, name: first.name }).waitFor();
  expect(await switcher.inputValue()).toBe(first.slug);
  await switcher.selectOption(second.slug);
  await page.getByRole("heading", { level: 1, name: second.name }).waitFor();

  // Back goes to the previous organization, and `/` remembers the last one opened.
  await page.goBack();
  await page.getByRole("heading", { level: 1, name: first.name }).waitFor();
  await page.goto("/");
  await expectPath(page, `/orgs/${first.slug}`);
  await page.getByRole("heading", { level: 1, name: first.name }).waitFor();
  expect(browser.errors).toEqual([]);
});
