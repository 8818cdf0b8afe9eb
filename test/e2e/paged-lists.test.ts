import { createClient } from "@libsql/client/web";
import { afterEach, expect, inject, test } from "vitest";
import { call, uniqueSuffix } from "./support/api.ts";
import { arrangeOrg, browsersFor } from "./support/org.ts";
import { seedMembers, seedProjectMembers } from "../support/scale-seed.ts";

/**
 * Lists the API answers a page at a time (docs/decisions/0015-bounded-by-page.md), in
 * Chromium: a project's members past the first 100, and API keys past the first 100, each
 * shown on asking.
 */

const browsers = browsersFor("paged-lists");
afterEach((context) => browsers.close(context));

test("a project of 130 members shows 100, then the rest on asking", async () => {
  const org = await arrangeOrg("paged-project", { seatLimit: 200 });
  const database = inject("database");
  const db = createClient({ url: database.url, authToken: database.authToken });
  const tag = `e${uniqueSuffix()}`;
  const now = Date.now();
  try {
    // Written before anything loads the organization's room.
    await seedMembers(db, { ...org }, 130, { tag, now });
    await db.execute({
      sql: "INSERT INTO projects (id, org_id, name, visibility, created_by, created_at, updated_at) VALUES (?, ?, 'Everyone', 'public', ?, ?, ?)",
      args: [`prj_${tag}`, org.id, org.owner.userId, now, now],
    });
    await seedProjectMembers(db, { ...org }, `prj_${tag}`, 130, { tag, now });
  } finally {
    db.close();
  }
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/projects`);
  await page.getByRole("button", { name: "Members of Everyone" }).click();
  const table = page.getByRole("table", { name: "Members of Everyone" });
  await table.waitFor();
  // Rows with a member's name: the header row has none.
  const rows = table.getByRole("row", { name: /Lovelace|Hopper|Turing|Liskov|Knuth/ });
  await expect.poll(() => rows.count()).toBe(100);
  await page.getByRole("button", { name: "Show more members" }).click();
  await expect.poll(() => rows.count()).toBe(130);
  await page.getByRole("button", { name: "Show more members" }).waitFor({ state: "detached" });
  expect(errors).toEqual([]);
});

test("an owner with 101 API keys sees the newest 100, then the oldest on asking", async () => {
  const org = await arrangeOrg("paged-keys");
  for (let i = 1; i <= 101; i++) {
    const created = await call(`/api/v1/orgs/${org.slug}/api-keys`, { cookie: org.owner.cookie, body: { name: `key ${i}`, scopes: ["org:read"] } });
    expect(created.status).toBe(201);
  }
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/api-keys`);
  const table = page.getByRole("table", { name: /Keys/ });
  await table.waitFor();
  const rows = table.getByRole("row", { name: /^key \d+$/ });
  await expect.poll(() => rows.count()).toBe(100);
  await expect.poll(() => page.getByRole("row", { name: "key 1", exact: true }).count()).toBe(0);
  await page.getByRole("button", { name: "Show older keys" }).click();
  await page.getByRole("row", { name: "key 1", exact: true }).waitFor();
  await expect.poll(() => rows.count()).toBe(101);
  expect(errors).toEqual([]);
});
