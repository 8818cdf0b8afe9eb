/**
 * The README's screenshots (`npm run bench -- screenshots`; not a bench, never part of a
 * plain `npm run bench`): the members page, the invitations tab and the invitee's page of an
 * organization seeded with a few people through the API, in the production build of the
 * dashboard on the bench stack (the same setup as screen.ts), headless Chromium, light
 * theme, 1200×800. Written to docs/screenshots/ (BENCH_SCREENSHOTS_DIR elsewhere).
 */
import { mkdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { resolveChromium } from "../e2e/support/chromium-path.ts";
import { buildDashboard, openChromium, ScreenApi, serveDashboard } from "./screen.ts";
import { startBenchStack } from "./stack.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const outDir = process.env.BENCH_SCREENSHOTS_DIR ?? join(root, "docs", "screenshots");

interface Seeded {
  name: string;
  username: string;
  role: "admin" | "member" | "restricted";
  title?: string;
  idle?: boolean;
}

const team: Seeded[] = [
  { name: "Ada Lovelace", username: "ada", role: "admin", title: "Head of Engineering" },
  { name: "Grace Hopper", username: "grace", role: "admin", title: "Platform lead" },
  { name: "Alan Turing", username: "alan", role: "member", title: "Research engineer" },
  { name: "Katherine Johnson", username: "katherine", role: "member", title: "Data scientist" },
  { name: "Margaret Hamilton", username: "margaret", role: "member", title: "Flight software" },
  // Never uses the organization after joining: "Never signed in".
  { name: "Hedy Lamarr", username: "hedy", role: "restricted", title: "Contractor", idle: true },
];

/** `ada@example.com`: short enough for the members table's email column. */
const emailOf = (name: string): string => `${name.split(" ")[0]!.toLowerCase()}@example.com`;

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle").catch(() => undefined);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(300);
}

export async function takeScreenshots(): Promise<Record<string, unknown>> {
  const log = (line: string): void => console.error(`[screenshots] ${line}`);
  const [install, dashboard, stack] = await Promise.all([resolveChromium(), buildDashboard(log), startBenchStack()]);
  const api = new ScreenApi(stack);
  const browsers: Array<{ close(): Promise<void> }> = [];
  let address = 50;
  const nextAddress = (): string => `192.0.2.${address++}`;
  try {
    mkdirSync(outDir, { recursive: true });
    log("seeding…");
    const owner = await api.signIn(emailOf("Maya Chen"), nextAddress(), { name: "Maya Chen", username: "maya" });
    const slug = "northwind";
    await api.must(201, "POST", "/api/v1/orgs", { name: "Northwind Labs", slug }, owner);
    await api.must(200, "PATCH", `/api/v1/orgs/${slug}`, { seatLimit: 20 }, owner);
    await api.must(200, "PATCH", `/api/v1/orgs/${slug}/members/${owner.userId}`, { title: "Founder" }, owner);
    for (const person of team) {
      const joined = await api.signIn(emailOf(person.name), nextAddress(), { name: person.name, username: person.username });
      const { token } = await api.invite(slug, owner, { invitee: emailOf(person.name), role: person.role });
      await api.must(200, "POST", `/api/v1/invitations/${token}/accept`, undefined, joined);
      if (person.title) await api.must(200, "PATCH", `/api/v1/orgs/${slug}/members/${joined.userId}`, { title: person.title }, owner);
      // A read of the organization is a use of it: the members page shows "Active" and a last connection.
      if (!person.idle) await api.must(200, "GET", `/api/v1/orgs/${slug}`, undefined, joined);
    }

    // Invitations in several states.
    const declined = await api.invite(slug, owner, { invitee: emailOf("Tom Baker"), role: "member" });
    const tom = await api.signIn(emailOf("Tom Baker"), nextAddress(), { name: "Tom Baker" });
    await api.must(200, "POST", `/api/v1/invitations/${declined.token}/decline`, undefined, tom);
    const revoked = await api.invite(slug, owner, { invitee: "contractor@example.com", role: "member" });
    await api.must(200, "POST", `/api/v1/orgs/${slug}/invitations/${revoked.id}/revoke`, undefined, owner);
    await api.signIn(emailOf("Jordan Lee"), nextAddress(), { name: "Jordan Lee", username: "jordan" });
    await api.invite(slug, owner, { invitee: "jordan", role: "member" });
    await api.invite(slug, owner, { invitee: emailOf("Lee Wong"), role: "member", mail: false });
    await api.invite(slug, owner, { invitee: emailOf("Priya Patel"), role: "admin", expiresInDays: 3 });
    const sam = await api.signIn(emailOf("Sam Rivera"), nextAddress(), { name: "Sam Rivera", username: "sam" });
    const forSam = await api.invite(slug, owner, {
      invitee: emailOf("Sam Rivera"),
      role: "member",
      message: "Welcome aboard, Sam! You'll be working with the platform team.",
    });

    const files: Array<{ path: string; bytes: number }> = [];
    const shoot = async (page: Page, name: string): Promise<void> => {
      const path = join(outDir, name);
      await page.screenshot({ path, animations: "disabled", caret: "hide" });
      files.push({ path: relative(root, path), bytes: statSync(path).size });
      log(`${path} (${statSync(path).size} bytes)`);
    };

    const ownerBrowser = await openChromium(install, stack.url, { cookie: owner.cookie });
    browsers.push(ownerBrowser);
    await serveDashboard(ownerBrowser.context, stack.url, dashboard);
    const { page } = ownerBrowser;
    await page.goto(`/orgs/${slug}/members`);
    await page.getByRole("table", { name: "Members" }).getByText("Hedy Lamarr").waitFor();
    await page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();
    await settle(page);
    await shoot(page, "members.png");

    await page.getByRole("link", { name: /^Invites/ }).click();
    const invitations = page.getByRole("table", { name: "Invitations" });
    await invitations.getByText(emailOf("Priya Patel")).waitFor();
    await settle(page);
    // The funnel chart, then the list: scrolled to the chart, just under the sticky bar.
    const heading = await page.locator("figure.funnel").boundingBox();
    if (heading) await page.evaluate((by) => window.scrollBy(0, by), heading.y - 100);
    await page.waitForTimeout(200);
    await shoot(page, "invitations.png");

    const samBrowser = await openChromium(install, stack.url, { cookie: sam.cookie });
    browsers.push(samBrowser);
    await serveDashboard(samBrowser.context, stack.url, dashboard);
    await samBrowser.page.goto(`/invitations/${forSam.token}`);
    await samBrowser.page.getByRole("button", { name: "Accept invitation" }).waitFor();
    await settle(samBrowser.page);
    await shoot(samBrowser.page, "invitation.png");

    return { dir: relative(root, outDir), files, page_errors: [...ownerBrowser.errors, ...samBrowser.errors] };
  } finally {
    for (const browser of browsers) await browser.close();
    await api.close();
    await stack.stop();
    dashboard.remove();
  }
}
