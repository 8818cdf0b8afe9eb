import { afterEach, expect, test } from "vitest";
import { call, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { arrangeOrg, browsersFor, inviteOverApi, join, memberEmails, person, type SeededMember } from "./support/org.ts";

/**
 * The members page in Chromium (the Users tab): live arrivals, search, filter, order and
 * paging from the server, row menus that offer what the role allows, and removals.
 * Each person has a browser of their own; arrangements go over the API.
 */

const browsers = browsersFor("members");
afterEach((context) => browsers.close(context));

test("the owner's open members page shows a new member and the new seat count without reload", async () => {
  const org = await arrangeOrg("arrivals");
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/members`);
  const table = page.getByRole("table", { name: "Members" });
  await table.waitFor();
  await page.getByRole("status").filter({ hasText: /^\s*Live$/ }).waitFor();
  await page.evaluate(() => Object.assign(window, { loadMarker: "still here" }));
  expect(await page.getByRole("link", { name: "Users (1)" }).count()).toBe(1);

  // Grace is invited and accepts in her own session, over the API.
  const grace = await person(uniqueEmail("grace"), { name: "Grace Hopper" });
  const { url } = await inviteOverApi(org, grace.email, "admin");
  await page.getByText("2 of 5 seats used — 3 left").waitFor({ timeout: 5000 });
  await page.getByRole("link", { name: "Invites (1)" }).waitFor();
  const token = new URL(url).pathname.split("/invitations/")[1];
  expect((await call(`/api/v1/invitations/${token}/accept`, { cookie: grace.cookie, method: "POST" })).status).toBe(200);

  const row = table.getByRole("row").filter({ hasText: "Grace Hopper" });
  await row.waitFor({ timeout: 5000 });
  expect(await row.textContent()).toContain("Admin");
  expect(await row.textContent()).toContain("Never signed in");
  await page.getByRole("link", { name: "Users (2)" }).waitFor();
  await page.getByRole("link", { name: "Invites (0)" }).waitFor();
  expect(await page.getByText("2 of 5 seats used — 3 left").count()).toBe(1);
  expect(await page.getByText("Showing 1–2 of 2").count()).toBe(1);
  expect(await page.evaluate(() => (window as unknown as { loadMarker?: string }).loadMarker)).toBe("still here");
  expect(errors).toEqual([]);
});

test("searches as you type, clears on Escape, filters by role, sorts both ways and pages from the server's cursor", async () => {
  const suffix = uniqueSuffix();
  const names = ["Ada Lovelace", "Barbara Liskov", "Claude Shannon", "Dennis Ritchie", "Edsger Dijkstra", "Frances Allen", "Grace Hopper", "Hedy Lamarr", "Ivan Sutherland", "Joan Clarke", "Ken Thompson"];
  const members = names.map((name, i): SeededMember => {
    const first = name.split(" ")[0]?.toLowerCase() ?? "x";
    return { name, email: uniqueEmail(first), username: `${first}-${suffix}`, role: i < 2 ? "admin" : "member", title: i === 6 ? "Night shift lead" : "" };
  });
  const org = await arrangeOrg("paging", { seatLimit: 20, members });
  // The owner, Olivia Owner, sorts last by name.
  const everyone = [...names, "Olivia Owner"];

  const { page, errors } = await browsers.as(org.owner);
  const listReads: URL[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === `/api/v1/orgs/${org.slug}/members` && url.searchParams.get("role") !== "owner") listReads.push(url);
  });
  await page.goto(`/orgs/${org.slug}/members`);
  const table = page.getByRole("table", { name: "Members" });
  await page.getByText("Showing 1–12 of 12").waitFor();
  const rowNames = async () => (await table.getByRole("row").filter({ hasText: "@" }).allTextContents()).map((t) => everyone.find((n) => t.includes(n)));

  // Ten a page: the server's cursor, never the whole list.
  await page.getByLabel("Per page").selectOption("10");
  await page.getByText("Showing 1–10 of 12").waitFor();
  expect(await rowNames()).toEqual(everyone.slice(0, 10));
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("Showing 11–12 of 12").waitFor();
  expect(await rowNames()).toEqual(everyone.slice(10));
  expect(listReads.at(-1)?.searchParams.get("cursor")).toBeTruthy();
  expect(listReads.every((url) => url.searchParams.get("limit") !== null && Number(url.searchParams.get("limit")) <= 50)).toBe(true);
  await page.getByRole("button", { name: "Previous" }).click();
  await page.getByText("Showing 1–10 of 12").waitFor();

  // Typing searches once it pauses (one read, not one per key), whatever the case, titles too.
  const before = listReads.length;
  await page.getByLabel("Search members").pressSequentially("NIGHT", { delay: 40 });
  await page.getByText("Showing 1–1 of 1").waitFor();
  expect(await rowNames()).toEqual(["Grace Hopper"]);
  expect(listReads.slice(before).map((url) => url.searchParams.get("q"))).toEqual(["NIGHT"]);
  // Usernames and addresses match too.
  await page.getByLabel("Search members").fill(`ken-${suffix}`);
  await page.getByText("Showing 1–1 of 1").waitFor();
  await table.getByRole("row").filter({ hasText: "Ken Thompson" }).waitFor();
  await page.getByLabel("Search members").fill("nobody-here");
  await page.getByText("No members match “nobody-here”.").waitFor();
  // Escape clears the search at once.
  await page.getByLabel("Search members").press("Escape");
  await page.getByText("Showing 1–10 of 12").waitFor();
  expect(await page.getByLabel("Search members").inputValue()).toBe("");

  await page.getByLabel("Role", { exact: true }).selectOption("admin");
  await page.getByText("Showing 1–2 of 2").waitFor();
  expect(await rowNames()).toEqual(["Ada Lovelace", "Barbara Liskov"]);
  await page.getByLabel("Role", { exact: true }).selectOption("");
  await page.getByText("Showing 1–10 of 12").waitFor();

  // Names Z to A from the column header; its state is announced (aria-sort).
  await table.getByRole("button", { name: /^Name/ }).click();
  await expect.poll(rowNames).toEqual([...everyone].reverse().slice(0, 10));
  expect(await table.getByRole("columnheader", { name: /^Name/ }).getAttribute("aria-sort")).toBe("descending");
  // Emails both ways from the select.
  await page.getByLabel("Sort by").selectOption("email-asc");
  const emails = [org.owner.email, ...members.map((m) => m.email)].sort();
  const shownEmails = async () => (await table.getByRole("row").filter({ hasText: "@" }).allTextContents()).map((t) => emails.find((e) => t.includes(e)));
  await expect.poll(shownEmails).toEqual(emails.slice(0, 10));
  await page.getByLabel("Sort by").selectOption("email-desc");
  await expect.poll(shownEmails).toEqual([...emails].reverse().slice(0, 10));
  expect(errors).toEqual([]);
});

test("row menus offer only what the viewer may do, from the keyboard; the owner edits a member and removes one, then two in bulk with a result per row", async () => {
  const seeded: SeededMember[] = [
    { name: "Ada Lovelace", email: uniqueEmail("ada"), role: "admin" },
    { name: "Bob Builder", email: uniqueEmail("bob"), role: "member" },
    { name: "Cyd Charisse", email: uniqueEmail("cyd"), role: "member" },
    { name: "Dee Dee", email: uniqueEmail("dee"), role: "restricted" },
  ];
  const org = await arrangeOrg("menus", { members: seeded });
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/members`);
  const table = page.getByRole("table", { name: "Members" });
  await page.getByText("Showing 1–5 of 5").waitFor();
  const menuItems = async () => page.getByRole("menu").getByRole("menuitem").allTextContents();

  // The keyboard opens the menu on its first item, arrows move, Escape closes and returns focus.
  const adaMenu = page.getByRole("button", { name: "Actions for Ada Lovelace" });
  // Pressed through the locator (focus and key in one step), and the menu waited for.
  await adaMenu.press("Enter");
  await page.getByRole("menu").getByRole("menuitem").first().waitFor();
  expect(await menuItems()).toEqual(["Edit role and title…", "Transfer ownership…", "Remove from organization…"]);
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Edit role and title…");
  await page.keyboard.press("ArrowDown");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Transfer ownership…");
  await page.keyboard.press("End");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Remove from organization…");
  await page.keyboard.press("Escape");
  expect(await page.getByRole("menu").count()).toBe(0);
  expect(await adaMenu.evaluate((el) => el === document.activeElement)).toBe(true);
  expect(await adaMenu.getAttribute("aria-expanded")).toBe("false");

  // The only owner's own row: a title, but no other role and no leaving.
  const ownerRow = table.getByRole("row").filter({ hasText: "Olivia Owner" });
  await ownerRow.getByRole("button", { name: /^Actions for/ }).click();
  expect(await menuItems()).toEqual(["Edit title…"]);
  await page.keyboard.press("Escape");
  // Owners and oneself cannot be selected for removal.
  expect(await ownerRow.getByRole("checkbox").isDisabled()).toBe(true);

  // Edit Ada: role and title in a dialog, shown in the row once saved.
  await adaMenu.click();
  await page.getByRole("menuitem", { name: "Edit role and title…" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Ada Lovelace" });
  expect(await edit.getByLabel("Role").locator("option").allTextContents()).toEqual(["Owner", "Admin", "Member", "Restricted"]);
  await edit.getByLabel("Role").selectOption("member");
  await edit.getByLabel("Title").fill("Analyst");
  await edit.getByRole("button", { name: "Save" }).click();
  await edit.waitFor({ state: "hidden" });
  const adaRow = table.getByRole("row").filter({ hasText: "Ada Lovelace" });
  await expect.poll(async () => adaRow.textContent()).toMatch(/Member.*Analyst/);

  // Remove Dee, after a confirmation.
  await page.getByRole("button", { name: "Actions for Dee Dee" }).click();
  await page.getByRole("menuitem", { name: "Remove from organization…" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Remove Dee Dee?" });
  await confirm.getByRole("button", { name: "Remove" }).click();
  await table.getByRole("row").filter({ hasText: "Dee Dee" }).waitFor({ state: "detached" });
  await page.getByRole("link", { name: "Users (4)" }).waitFor();

  // Bob and Cyd together: selected, confirmed, and a result for each.
  await page.getByRole("checkbox", { name: "Select Bob Builder" }).check();
  await page.getByRole("checkbox", { name: "Select Cyd Charisse" }).check();
  await page.getByRole("region", { name: "Selected members" }).getByText("2 members selected").waitFor();
  await page.getByRole("button", { name: "Remove selected…" }).click();
  const bulk = page.getByRole("alertdialog", { name: "Remove 2 members?" });
  expect(await bulk.textContent()).toContain("Bob Builder, Cyd Charisse");
  await bulk.getByRole("button", { name: "Remove 2 members" }).click();
  const results = page.getByRole("dialog", { name: "Removal results" });
  await results.getByRole("listitem").first().waitFor();
  const resultRows = await results.getByRole("listitem").allTextContents();
  expect(resultRows).toHaveLength(2);
  expect(resultRows.every((r) => r.endsWith("Removed"))).toBe(true);
  await results.getByRole("button", { name: "Done" }).click();
  await page.getByText("Showing 1–2 of 2").waitFor();
  await page.getByRole("link", { name: "Users (2)" }).waitFor();
  expect(await memberEmails(org)).toEqual([org.owner.email, seeded[0]?.email].sort());
  expect(errors).toEqual([]);
});

test("an admin's menus stop at owners and their own role; a member's page has only their own way out", async () => {
  const org = await arrangeOrg("admin-view", { members: [{ name: "Una Owner", email: uniqueEmail("una"), role: "owner" }] });
  const ada = await join(org, uniqueEmail("ada"), "admin", { name: "Ada Lovelace" });
  const max = await join(org, uniqueEmail("max"), "member", { name: "Max Member" });

  const admin = await browsers.as(ada);
  await admin.page.goto(`/orgs/${org.slug}/members`);
  const table = admin.page.getByRole("table", { name: "Members" });
  await admin.page.getByText("Showing 1–4 of 4").waitFor();
  // Owners: no menu, no checkbox.
  expect(await admin.page.getByRole("button", { name: "Actions for Una Owner" }).count()).toBe(0);
  expect(await admin.page.getByRole("checkbox", { name: "Select Una Owner" }).isDisabled()).toBe(true);
  await admin.page.getByRole("button", { name: "Actions for Max Member" }).click();
  expect(await admin.page.getByRole("menu").getByRole("menuitem").allTextContents()).toEqual(["Edit role and title…", "Remove from organization…"]);
  await admin.page.getByRole("menuitem", { name: "Edit role and title…" }).click();
  const edit = admin.page.getByRole("dialog", { name: "Edit Max Member" });
  expect(await edit.getByLabel("Role").locator("option").allTextContents()).toEqual(["Admin", "Member", "Restricted"]);
  await edit.getByRole("button", { name: "Cancel" }).click();
  await edit.waitFor({ state: "hidden" });
  expect(await table.getByRole("row").count()).toBe(5);

  const member = await browsers.as(max);
  await member.page.goto(`/orgs/${org.slug}/members`);
  await member.page.getByText("Showing 1–4 of 4").waitFor();
  expect(await member.page.getByRole("button", { name: /^Actions for/ }).count()).toBe(1);
  await member.page.getByRole("button", { name: "Actions for Max Member" }).click();
  expect(await member.page.getByRole("menu").getByRole("menuitem").allTextContents()).toEqual(["Leave organization…"]);
  expect(await member.page.getByRole("button", { name: "Invite people" }).count()).toBe(0);
  expect(await member.page.getByRole("checkbox", { disabled: false }).count()).toBe(0);
  expect([...admin.errors, ...member.errors]).toEqual([]);
});

test("at 360 px wide each member is a card and nothing scrolls sideways", async () => {
  const org = await arrangeOrg("narrow", { members: [{ name: "Ada Lovelace", email: uniqueEmail("ada"), role: "admin", username: `ada-${uniqueSuffix()}`, title: "Chief engineer" }] });
  const { page, errors } = await browsers.as(org.owner);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`/orgs/${org.slug}/members`);
  const row = page.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: "Ada Lovelace" });
  await row.waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const box = await row.boundingBox();
  expect(box?.width).toBeLessThanOrEqual(340);
  expect(box?.height).toBeGreaterThan(120);
  await row.getByRole("button", { name: "Actions for Ada Lovelace" }).click();
  const menu = await page.getByRole("menu").boundingBox();
  expect((menu?.x ?? -1) >= 0 && (menu?.x ?? 0) + (menu?.width ?? 0) <= 360).toBe(true);
  expect(errors).toEqual([]);
});
