import { afterEach, beforeEach, expect, test } from "vitest";
import { openBrowser, textOf, type Browser } from "./support/chromium.ts";

let browser: Browser;
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async () => {
  await browser.close();
});

test("the dashboard shows the API healthy, its database reachable and mail going to the dev mailbox", async () => {
  await browser.page.goto("/signin");
  await browser.page.locator('[data-testid="health"] .dot.up').waitFor();
  const badge = await textOf(browser.page, '[data-testid="health"]');
  expect(badge).toMatch(/API healthy · database reachable \(\d+(\.\d+)? ms\) · mail: dev mailbox/);
  expect(await browser.page.getByRole("status").filter({ hasText: "API healthy" }).count()).toBe(1);
  expect(browser.errors).toEqual([]);
});
