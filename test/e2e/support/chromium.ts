import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterEach, expect, inject } from "vitest";
import { uniqueAddress } from "./api.ts";

/** Every launch's flags, whichever Chromium it is; the install may add its own. */
const args = [
  // Always, not only as root: no setuid helper ships with the bundled Chromium, and many
  // hosts refuse the user-namespace sandbox; the pages are our own dashboard.
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-sync",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** A browser with a fresh profile, pointed at the app, and what went wrong in its pages. */
export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, to assert none happened. */
  errors: string[];
  /** The client address this browser's requests carry (`CF-Connecting-IP`, see uniqueAddress). */
  address: string;
  close(): Promise<void>;
}

/** Launches the run's Chromium with a fresh temporary user-data-dir; `close` removes it. */
export async function openBrowser(): Promise<Browser> {
  const install = inject("chromium");
  const userDataDir = await mkdtemp(join(tmpdir(), "roster-chromium-"));
  const address = uniqueAddress();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: install.executablePath,
    headless: true,
    args: [...args, ...install.args.filter((flag) => !args.includes(flag))],
    env: { ...process.env, ...install.env },
    baseURL: inject("appUrl"),
    viewport: { width: 1100, height: 760 },
    extraHTTPHeaders: { "cf-connecting-ip": address },
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  context.on("weberror", (error) => errors.push(`page error: ${error.error().message}`));
  page.on("console", (message) => {
    // Chromium logs every error answer (401 from /me when signed out, 409 for a taken
    // slug…); those are the API speaking, and the tests check what the page made of them.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource: the server responded with a status of")) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return {
    context,
    page,
    errors,
    address,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The text of `selector` once it is visible, trimmed. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector);
  await locator.waitFor();
  return ((await locator.textContent()) ?? "").trim();
}

/** Asserts that the page's path (and query) becomes `expected`. */
export async function expectPath(page: Page, expected: string | RegExp): Promise<void> {
  await expect
    .poll(
      () => {
        const url = new URL(page.url());
        return url.pathname + url.search;
      },
      { timeout: 10_000 },
    )
    .toMatch(typeof expected === "string" ? new RegExp(`^${escape(expected)}$`) : expected);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Gives the browser the session of `cookie` (`roster_session=…`, from `signInOverApi`). */
export async function useSession(browser: Browser, cookie: string): Promise<void> {
  const [name, ...value] = cookie.split("=");
  await browser.context.addCookies([{ name: name as string, value: value.join("="), url: inject("appUrl") }]);
}

/**
 * Browsers for a test file where each person has a browser of their own: `open()` one, and
 * after each test they close, each screenshotted first (into the artifacts folder, named
 * `<prefix>-<test>-<n>.png`) if the test failed.
 */
export function browsersPerTest(prefix: string): { open: () => Promise<Browser> } {
  let browsers: Browser[] = [];
  afterEach(async (context) => {
    const failed = context.task.result?.state === "fail";
    for (const [i, browser] of browsers.entries()) {
      if (failed) {
        const name = `${prefix}-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}-${i}.png`;
        await browser.page.screenshot({ path: join(inject("artifactsDir"), name), fullPage: true }).catch(() => undefined);
      }
      await browser.close();
    }
    browsers = [];
  });
  return {
    async open() {
      const browser = await openBrowser();
      browsers.push(browser);
      return browser;
    },
  };
}
