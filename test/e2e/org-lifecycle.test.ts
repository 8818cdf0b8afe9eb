import { afterEach, describe, expect, test } from "vitest";
import { call, field, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { expectPath } from "./support/chromium.ts";
import { arrangeOrg, browsersFor, join, memberEmails } from "./support/org.ts";

/**
 * The organization's life cycle in Chromium against `npm run dev`: an owner makes an
 * organization dormant and wakes it, then deletes it by typing its slug; a member leaves.
 */

const browsers = browsersFor("org-lifecycle");
afterEach((context) => browsers.close(context));

describe("the organization's life cycle", () => {
  test("an owner makes the organization dormant and wakes it, then deletes it by typing its slug, and it is gone from their list", async () => {
    const doomed = await arrangeOrg("doomed");
    const kept = { name: `Kept ${uniqueSuffix()}`, slug: `kept-${uniqueSuffix()}` };
    expect((await call("/api/v1/orgs", { cookie: doomed.owner.cookie, body: kept })).status).toBe(201);
    const member = await join(doomed, uniqueEmail("doomed-member"), "member");
    const watching = await browsers.as(member);
    await watching.page.goto(`/orgs/${doomed.slug}`);
    await watching.page.getByRole("heading", { level: 1, name: doomed.name }).waitFor();
    const { page, errors } = await browsers.as(doomed.owner);

    await page.goto(`/orgs/${doomed.slug}/settings`);
    const danger = page.getByRole("region", { name: "Danger zone" });
    await danger.waitFor();

    // Dormant, asked first; then woken again.
    await danger.getByRole("button", { name: "Make organization dormant" }).click();
    const asleep = page.getByRole("alertdialog", { name: `Make ${doomed.name} dormant?` });
    await asleep.getByRole("button", { name: "Make dormant" }).click();
    await danger.getByRole("button", { name: "Wake organization" }).waitFor();
    expect(field<string>((await call(`/api/v1/orgs/${doomed.slug}`, { cookie: doomed.owner.cookie })).body, "org", "status")).toBe("dormant");
    await danger.getByRole("button", { name: "Wake organization" }).click();
    await page.getByRole("alertdialog", { name: `Wake ${doomed.name}?` }).getByRole("button", { name: "Wake" }).click();
    await danger.getByRole("button", { name: "Make organization dormant" }).waitFor();
    expect(field<string>((await call(`/api/v1/orgs/${doomed.slug}`, { cookie: doomed.owner.cookie })).body, "org", "status")).toBe("active");

    // Delete: the button stays disabled until the slug is typed exactly.
    await danger.getByRole("button", { name: "Delete organization" }).click();
    const dialog = page.getByRole("alertdialog", { name: `Delete ${doomed.name}?` });
    const confirm = dialog.getByLabel(`Type ${doomed.slug} to confirm`);
    const remove = dialog.getByRole("button", { name: "Delete this organization" });
    await confirm.waitFor();
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill(doomed.slug.slice(0, -1));
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill(`${doomed.slug}x`);
    expect(await remove.isDisabled()).toBe(true);
    // Exactly: not with spaces around it, not in another case.
    await confirm.fill(` ${doomed.slug.toUpperCase()} `);
    expect(await remove.isDisabled()).toBe(true);
    await confirm.fill(doomed.slug);
    await expect.poll(() => remove.isDisabled()).toBe(false);
    await remove.click();

    // Home, which opens the organization left; the deleted one is gone from the list.
    await expectPath(page, `/orgs/${kept.slug}`);
    const switcher = page.getByLabel("Organization", { exact: true });
    await expect.poll(async () => (await switcher.locator("option").allTextContents()).join("|")).toContain(kept.name);
    expect((await switcher.locator("option").allTextContents()).join("|")).not.toContain(doomed.name);
    const gone = await call(`/api/v1/orgs/${doomed.slug}`, { cookie: doomed.owner.cookie });
    expect(gone.status).toBe(409);
    expect(field<string>(gone.body, "error", "code")).toBe("org_unavailable");
    // A member who had it open is told at once (the live socket closed with 4410).
    await watching.page.getByRole("heading", { name: `${doomed.name} was deleted` }).waitFor();
    await watching.page.reload();
    await watching.page.getByRole("heading", { name: "This organization was deleted" }).waitFor();
    // After a reload too: the list comes from the server.
    await page.reload();
    await expect.poll(async () => (await switcher.locator("option").allTextContents()).join("|")).toContain(kept.name);
    expect((await switcher.locator("option").allTextContents()).join("|")).not.toContain(doomed.name);
    expect(errors).toEqual([]);
  });

  test("a member leaves from the overview after confirming, and lands home without the organization", async () => {
    const org = await arrangeOrg("leaving");
    const email = uniqueEmail("leaver");
    const leaver = await join(org, email, "member");
    const { page, errors } = await browsers.as(leaver);

    await page.goto(`/orgs/${org.slug}`);
    await page.getByRole("heading", { level: 1, name: org.name }).waitFor();
    await page.getByRole("button", { name: "Leave organization" }).click();
    const dialog = page.getByRole("alertdialog", { name: `Leave ${org.name}?` });
    // Cancel first: nothing happens.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await memberEmails(org)).toContain(email);

    await page.getByRole("button", { name: "Leave organization" }).click();
    await dialog.getByRole("button", { name: "Leave", exact: true }).click();
    // No organization left: home sends them to create one.
    await expectPath(page, "/orgs/new");
    expect(await memberEmails(org)).not.toContain(email);
    expect((await call(`/api/v1/orgs/${org.slug}`, { cookie: leaver.cookie })).status).toBe(404);
    expect(errors).toEqual([]);
  });
});
