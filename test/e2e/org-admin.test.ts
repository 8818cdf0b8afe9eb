import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { expectPath, openBrowser, useSession, type Browser } from "./support/chromium.ts";

/**
 * The organization's admin pages in Chromium against `npm run dev`: settings, API keys and
 * the audit trail as an owner, then what an admin sees. Each person has a browser of their
 * own; the steps build on each other in order (one organization).
 */

const browsers: Browser[] = [];
async function browserFor(cookie: string): Promise<Browser> {
  const browser = await openBrowser();
  browsers.push(browser);
  await useSession(browser, cookie);
  return browser;
}

afterEach(async (context) => {
  if (context.task.result?.state === "fail") {
    const name = context.task.name.slice(0, 40).replace(/\W+/g, "-");
    await Promise.all(browsers.map((b, i) => b.page.screenshot({ path: join(inject("artifactsDir"), `org-admin-${name}-${i}.png`), fullPage: true }).catch(() => {})));
  }
  for (const browser of browsers.splice(0)) await browser.close();
});

const suffix = uniqueSuffix();
const slug = `admin-pages-${suffix}`;
let owner: string;
let admin: string;
let ownerEmail: string;

beforeAll(async () => {
  ownerEmail = uniqueEmail("settings-owner");
  owner = await signInOverApi(ownerEmail);
  expect((await call("/api/v1/orgs", { cookie: owner, body: { name: `Admin Pages ${suffix}`, slug } })).status).toBe(201);
  const adminEmail = uniqueEmail("settings-admin");
  admin = await signInOverApi(adminEmail);
  const invited = await call(`/api/v1/orgs/${slug}/invitations`, { cookie: owner, body: { invitee: adminEmail, role: "admin" } });
  expect(invited.status).toBe(201);
  const token = new URL(field<string>(invited.body, "inviteUrl")).pathname.split("/invitations/")[1];
  expect((await call(`/api/v1/invitations/${token}/accept`, { cookie: admin, method: "POST" })).status).toBe(200);
});

/** The row of the API keys table named `name`. */
const keyRow = (page: Page, name: string) => page.getByRole("row", { name });

describe("an organization's admin pages", () => {
  test("an owner changes the name and the default expiry and finds them kept after a reload; a seat limit above the cap is refused with the reason", async () => {
    const { page, errors } = await browserFor(owner);
    const renamed = `Renamed ${suffix}`;
    await page.goto(`/orgs/${slug}/settings`);
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    const name = page.getByLabel("Organization name");
    const expiry = page.getByLabel("Default invitation expiry (days)");
    expect(await name.inputValue()).toBe(`Admin Pages ${suffix}`);
    expect(await expiry.inputValue()).toBe("7");
    const save = page.getByRole("button", { name: "Save changes" });
    expect(await save.isDisabled()).toBe(true);

    // Checked before sending: a day count outside 1–30, next to its field.
    await expiry.fill("45");
    await save.click();
    await page.getByText("Enter a number of days from 1 to 30.").waitFor();
    expect(await expiry.getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).toBe("true");

    await name.fill(renamed);
    await expiry.fill("14");
    await page.getByLabel("Add a domain").fill("@Example.COM");
    await page.getByLabel("Add a domain").press("Enter");
    await page.getByRole("list", { name: "Allowed domains" }).getByText("example.com").waitFor();
    await page.getByText("3 unsaved changes.").waitFor();
    await save.click();
    await page.getByText("Settings saved.").waitFor();
    await page.getByText("No unsaved changes.").waitFor();

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    await expect.poll(() => page.getByLabel("Organization name").inputValue()).toBe(renamed);
    expect(await page.getByLabel("Default invitation expiry (days)").inputValue()).toBe("14");
    expect(await page.getByRole("list", { name: "Allowed domains" }).textContent()).toContain("example.com");
    // The organization's bar follows the new name.
    await page.getByRole("link", { name: renamed }).waitFor();

    // Above the deployment's cap: the API's refusal, beside the seat limit, with a way out.
    const seats = page.getByRole("spinbutton", { name: "Seat limit" });
    await seats.fill("5000");
    await save.click();
    await page.getByText(/at most 2000 seats/).waitFor();
    expect(await seats.getAttribute("aria-invalid")).toBe("true");
    expect(await seats.getAttribute("aria-describedby")).toBeTruthy();
    await page.getByRole("button", { name: "Use the maximum, 2,000 seats" }).click();
    expect(await seats.inputValue()).toBe("2000");
    await page.getByRole("button", { name: "Discard" }).click();
    expect(await seats.inputValue()).toBe("5");

    // Usable on a small phone: nothing wider than the screen.
    await page.setViewportSize({ width: 360, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(errors).toEqual([]);
  });

  test("an owner creates an API key, sees its secret once, uses it, sees its last use, and revokes it", async () => {
    const { page, context, errors } = await browserFor(owner);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto(`/orgs/${slug}/api-keys`);
    await page.getByText("No API keys yet.").waitFor();

    await page.getByRole("button", { name: "New API key" }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Create key" }).click();
    await dialog.getByText("Choose at least one scope.").waitFor();
    await dialog.getByLabel("Name").fill("provisioner");
    await dialog.getByRole("checkbox", { name: /invitations:write/ }).check();
    await dialog.getByRole("checkbox", { name: /members:read/ }).check();
    await dialog.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByRole("dialog", { name: "Copy your new API key" });
    await shown.waitFor();
    await shown.getByText("This is the only time the secret is shown.", { exact: false }).waitFor();
    const secret = await shown.getByLabel("Secret of provisioner").inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await shown.getByRole("button", { name: "Copy secret" }).click();
    await shown.getByText("Copied", { exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await shown.getByRole("button", { name: "I have copied it" }).click();
    await shown.waitFor({ state: "hidden" });

    const row = keyRow(page, "provisioner");
    await row.getByText("Never used").waitFor();
    expect(await row.textContent()).toContain("invitations:write");
    expect(await row.textContent()).toContain("You");
    // Shown once: the page no longer holds it.
    expect(await page.content()).not.toContain(secret);

    // The key works through the API; its use appears once written (off the request's path).
    expect((await call(`/api/v1/orgs/${slug}/members`, { bearer: secret })).status).toBe(200);
    expect((await call(`/api/v1/orgs/${slug}/invitations`, { bearer: secret, body: { invitee: uniqueEmail("keyed") } })).status).toBe(201);
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return row.textContent();
        },
        { timeout: 10_000 },
      )
      .toMatch(/Used/);

    // From the keyboard: the confirmation starts on Cancel, Escape closes it and focus goes back.
    // (The locator's own press focuses and presses in one step: the list the polling above
    // refreshed may still swap the row's elements under a separate focus() and keypress.)
    // The refresh the polling started must have landed: it replaces the rows.
    await page.getByRole("button", { name: "Refresh", exact: true }).waitFor();
    await row.getByRole("button", { name: "Revoke provisioner" }).press("Enter");
    const confirm = page.getByRole("alertdialog", { name: "Revoke provisioner?" });
    await confirm.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Cancel");
    await page.keyboard.press("Escape");
    await confirm.waitFor({ state: "hidden" });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label")), { timeout: 3000 }).toBe("Revoke provisioner");
    await page.keyboard.press("Enter");
    await confirm.getByRole("button", { name: "Revoke key" }).click();
    await confirm.waitFor({ state: "hidden" });
    await row.getByText("Revoked").waitFor();
    expect(await row.getByRole("button", { name: "Revoke provisioner" }).count()).toBe(0);
    expect((await call(`/api/v1/orgs/${slug}/members`, { bearer: secret })).status).toBe(401);

    await page.setViewportSize({ width: 360, height: 740 });
    await row.getByText("Revoked").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(errors).toEqual([]);
  });

  test("the audit trail lists those changes with who made them, and filters by action, actor and target", async () => {
    const { page, errors } = await browserFor(owner);
    await page.goto(`/orgs/${slug}/audit`);
    const events = page.getByRole("table", { name: "Events" });
    await events.waitFor();
    for (const text of ["Changed the settings", "Created an API key", "Revoked an API key", "Invited", "Created the organization"]) {
      await events.getByText(text, { exact: true }).first().waitFor();
    }
    // Who, and what changed.
    await events.getByText(`${ownerEmail} (you)`).first().waitFor();
    await events.getByText("Default invitation expiry (days): 7 → 14").waitFor();
    await events.getByText("API key “provisioner”").first().waitFor();

    await page.getByLabel("Action", { exact: true }).selectOption("api_key.created");
    await expectPath(page, `/orgs/${slug}/audit?action=api_key.created`);
    await expect.poll(() => events.locator("tbody tr").count()).toBe(1);
    expect(await events.locator("tbody").textContent()).toContain("Created an API key");

    // The filter is in the URL: a reload keeps it.
    await page.reload();
    await expect.poll(() => page.getByLabel("Action", { exact: true }).inputValue()).toBe("api_key.created");
    await expect.poll(() => page.getByRole("table", { name: "Events" }).locator("tbody tr").count()).toBe(1);

    // The export downloads the whole filtered trail.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${slug}-audit-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const csv = (await readFile((await download.path())!, "utf8")).trimEnd().split("\r\n");
    expect(csv[0]).toBe("id,at,actorType,actorId,action,targetType,targetId,data");
    expect(csv.slice(1).map((line) => line.split(",")[4])).toEqual(["api_key.created"]);

    // A family: every api_key.* action.
    await page.getByLabel("Action", { exact: true }).selectOption("api_key");
    await expect.poll(() => events.locator("tbody tr").count()).toBe(2);

    // By actor: what the key did.
    await page.getByLabel("Action", { exact: true }).selectOption("");
    await page.getByLabel("Actor", { exact: true }).fill("provisioner");
    await page.getByLabel("Actor", { exact: true }).press("Enter");
    await expect.poll(() => events.locator("tbody tr").count()).toBe(1);
    expect(await events.locator("tbody").textContent()).toContain("Invited");

    // By target: one thing's history, from an event's History button; the field shows its id.
    await page.getByLabel("Actor", { exact: true }).fill("");
    await page.getByLabel("Actor", { exact: true }).press("Enter");
    await expect.poll(() => events.locator("tbody tr").count()).toBeGreaterThan(5);
    await events.getByRole("button", { name: "Only the history of API key “provisioner”" }).first().click();
    await expect.poll(() => new URL(page.url()).searchParams.get("target")).toMatch(/^key_/);
    await expect.poll(() => events.locator("tbody tr").count()).toBe(2);
    expect(await events.locator("tbody").textContent()).toContain("Revoked an API key");
    await expect.poll(() => page.getByLabel("Target", { exact: true }).inputValue()).toMatch(/^key_/);
    await page.getByText("History of provisioner").waitFor();
    const [targetDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    const targetCsv = (await readFile((await targetDownload.path())!, "utf8")).trimEnd().split("\r\n");
    expect(targetCsv.slice(1).map((line) => line.split(",")[4])).toEqual(["api_key.revoked", "api_key.created"]);

    // A range that holds nothing says so, and clearing brings everything back.
    await page.getByLabel("From", { exact: true }).fill("2001-01-01");
    await page.getByLabel("To", { exact: true }).fill("2001-01-31");
    await page.getByText("No events match these filters.").waitFor();
    await page.getByRole("search", { name: "Filter the audit trail" }).getByRole("button", { name: "Clear filters" }).click();
    await expectPath(page, `/orgs/${slug}/audit`);
    await expect.poll(() => events.locator("tbody tr").count()).toBeGreaterThan(5);

    await page.setViewportSize({ width: 360, height: 740 });
    await events.getByText("Created the organization").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(errors).toEqual([]);
  });

  test("an admin has no API keys tab and is refused the API keys page", async () => {
    const { page, errors } = await browserFor(admin);
    await page.goto(`/orgs/${slug}`);
    const tabs = page.getByRole("navigation", { name: "Organization" });
    await tabs.getByRole("link", { name: "Audit" }).waitFor();
    expect(await tabs.getByRole("link", { name: "API keys" }).count()).toBe(0);

    await page.goto(`/orgs/${slug}/api-keys`);
    await page.getByRole("heading", { name: "Not available to your role" }).waitFor();
    expect(await page.getByRole("button", { name: "New API key" }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  // Admins see the settings their invitations follow, read-only.
  test("an admin reads the settings without the seat limit control", async () => {
    const { page, errors } = await browserFor(admin);
    const name = field<string>((await call(`/api/v1/orgs/${slug}`, { cookie: admin })).body, "org", "name");
    await page.goto(`/orgs/${slug}/settings`);
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    await page.getByText("Only owners can change these settings.").waitFor();
    await page.locator("dl.readonly").getByText(name, { exact: true }).waitFor();
    expect(await page.getByRole("spinbutton", { name: "Seat limit" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Save changes" }).count()).toBe(0);
    await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Settings" }).waitFor();
    expect(errors).toEqual([]);
  });
});

test("the dev mailbox page lists the mail with its links clickable", async () => {
  const browser = await openBrowser();
  browsers.push(browser);
  const { page, errors } = browser;
  const email = uniqueEmail("mailbox-reader");
  expect((await call("/api/v1/auth/magic-link", { body: { email } })).status).toBe(202);
  await page.goto("/dev/mailbox");
  await page.getByRole("heading", { level: 1, name: "Dev mailbox" }).waitFor();
  await page.getByLabel("Recipient").fill(email);
  const mail = page.getByRole("list", { name: "Mail" });
  await mail.getByText(`To ${email}`).waitFor();
  await mail.getByRole("link", { name: "Sign in with this link" }).first().click();
  await expectPath(page, /^\/(auth\/callback|orgs\/new)/);
  expect(errors).toEqual([]);
});
