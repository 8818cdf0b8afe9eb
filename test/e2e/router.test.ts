import { afterEach, beforeEach, expect, test } from "vitest";
import { expectPath, openBrowser, type Browser } from "./support/chromium.ts";

let browser: Browser;
beforeEach(async () => {
  browser = await openBrowser();
});
afterEach(async () => {
  await browser.close();
});

test("route patterns match literal segments, decode params and take a trailing rest", async () => {
  await browser.page.goto("/signin");
  // The router module as Vite serves it to the dashboard (the same instance the app uses).
  // Passed as source text: the test runner would rewrite a dynamic import in a function.
  const cases: Array<[string, string]> = [
    ["/", "/"],
    ["/orgs/new", "/orgs/new"],
    ["/orgs/:slug", "/orgs/acme"],
    ["/orgs/:slug", "/orgs/caf%C3%A9%20co/"],
    ["/orgs/:slug", "/orgs"],
    ["/orgs/:slug", "/orgs/acme/members"],
    ["/signin", "/sign"],
    ["/files/*", "/files/a/b%2Fc"],
    ["/orgs/:slug", "/orgs/%E0%A4%A"],
  ];
  const results: unknown = await browser.page.evaluate(
    `import("/src/router.tsx").then(({ matchPath }) => ${JSON.stringify(cases)}.map(([pattern, path]) => matchPath(pattern, path)))`,
  );
  expect(results).toEqual([
    {},
    {},
    { slug: "acme" },
    { slug: "café co" },
    null,
    null,
    null,
    { "*": "a/b/c" },
    { slug: "%E0%A4%A" },
  ]);
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
