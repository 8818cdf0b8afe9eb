import { afterEach, expect, test } from "vitest";
import { call, field, uniqueEmail } from "./support/api.ts";
import { arrangeOrg, browsersFor, person } from "./support/org.ts";

/**
 * Projects in Chromium: creating, editing and deleting on the projects page, and bulk
 * assignment of members selected on the members page. Arrangements go over the API.
 */

const browsers = browsersFor("projects");
afterEach((context) => browsers.close(context));

test("an owner creates a project on the projects page, is refused a taken name, renames it and deletes it after confirming", async () => {
  const org = await arrangeOrg("projects-page");
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/members`);
  await page.getByRole("navigation", { name: "Organization pages" }).getByRole("link", { name: "Projects" }).click();
  await page.getByRole("heading", { level: 1, name: "Projects" }).waitFor();
  await page.getByText("No projects yet.").waitFor();

  await page.getByRole("button", { name: "New project" }).click();
  const dialog = page.getByRole("dialog", { name: "New project" });
  await dialog.getByLabel("Project name").fill("  Churn model ");
  await dialog.getByLabel("Visibility").selectOption("public");
  await dialog.getByRole("button", { name: "Create project" }).click();
  const row = page.getByRole("row", { name: "Churn model" });
  await row.waitFor();
  expect(await row.textContent()).toContain("Public");
  await dialog.waitFor({ state: "hidden" });

  // The same name, in other case: refused next to the field.
  await page.getByRole("button", { name: "New project" }).click();
  await dialog.getByLabel("Project name").fill("CHURN MODEL");
  await dialog.getByRole("button", { name: "Create project" }).click();
  await dialog.getByText("Another project of this organization has that name.").waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: "Edit Churn model" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Churn model" });
  await edit.getByLabel("Project name").fill("Churn model v2");
  await edit.getByLabel("Visibility").selectOption("private");
  await edit.getByRole("button", { name: "Save" }).click();
  const renamed = page.getByRole("row", { name: "Churn model v2" });
  await renamed.waitFor();
  await expect.poll(() => renamed.textContent()).toContain("Private");

  await page.getByRole("button", { name: "Delete Churn model v2" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete Churn model v2?" });
  await confirm.getByRole("button", { name: "Delete project" }).click();
  await page.getByText("No projects yet.").waitFor();
  const listed = await call(`/api/v1/orgs/${org.slug}/projects`, { cookie: org.owner.cookie });
  expect(field<unknown[]>(listed.body, "projects")).toEqual([]);
  expect(errors).toEqual([]);
});

test("the owner selects two members on the members page and assigns them to a project with a role; the project then shows them", async () => {
  const org = await arrangeOrg("projects-bulk", {
    members: [
      { name: "Bob Builder", email: uniqueEmail("bob"), role: "member" },
      { name: "Cyd Charisse", email: uniqueEmail("cyd"), role: "member" },
      { name: "Dee Dee", email: uniqueEmail("dee"), role: "member" },
    ],
  });
  for (const name of ["Forecasting", "Side quest"]) {
    const made = await call(`/api/v1/orgs/${org.slug}/projects`, { cookie: org.owner.cookie, body: { name, visibility: "private" } });
    expect(made.status).toBe(201);
  }
  const { page, errors } = await browsers.as(org.owner);
  await page.goto(`/orgs/${org.slug}/members`);
  const table = page.getByRole("table", { name: "Members" });
  await table.waitFor();
  await page.getByRole("checkbox", { name: "Select Bob Builder" }).check();
  await page.getByRole("checkbox", { name: "Select Cyd Charisse" }).check();
  await page.getByRole("region", { name: "Selected members" }).getByRole("button", { name: "Assign to project…" }).click();

  const dialog = page.getByRole("dialog", { name: "Assign 2 members to projects" });
  await dialog.getByRole("checkbox", { name: "Assign to Forecasting" }).check();
  await dialog.getByRole("combobox", { name: "Role in Forecasting" }).selectOption("admin");
  await dialog.getByRole("button", { name: "Assign", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });

  // The rows' Projects column shows it for the two, not for the third.
  const rowOf = (name: string) => table.getByRole("row").filter({ hasText: name });
  await expect.poll(() => rowOf("Bob Builder").textContent()).toContain("Forecasting");
  await expect.poll(() => rowOf("Cyd Charisse").textContent()).toContain("Forecasting");
  expect(await rowOf("Dee Dee").textContent()).not.toContain("Forecasting");

  await page.getByRole("navigation", { name: "Organization pages" }).getByRole("link", { name: "Projects" }).click();
  await page.getByRole("button", { name: "Members of Forecasting" }).click();
  const members = page.getByRole("table", { name: "Members of Forecasting" });
  await members.waitFor();
  await expect.poll(async () => (await members.getByRole("row").allTextContents()).slice(1).map((t) => t.replace(/\s+/g, " ").trim())).toEqual([
    expect.stringMatching(/^Bob Builder .*Admin.*Member/),
    expect.stringMatching(/^Cyd Charisse .*Admin.*Member/),
  ]);
  expect(errors).toEqual([]);
});

test("the owner turns on private projects for new members, invites with a project and a role, edits the pending invitation's projects; accepting applies them", async () => {
  const org = await arrangeOrg("projects-invite");
  const made = await call(`/api/v1/orgs/${org.slug}/projects`, { cookie: org.owner.cookie, body: { name: "Research", visibility: "public" } });
  expect(made.status).toBe(201);
  const researchId = field<string>(made.body, "project", "id");
  const { page, errors } = await browsers.as(org.owner);

  await page.goto(`/orgs/${org.slug}/settings`);
  await page.getByLabel("Give every new member a private project").check();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Settings saved.").waitFor();

  await page.goto(`/orgs/${org.slug}/invitations`);
  await page.getByRole("button", { name: "Invite people" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite people" });
  const email = uniqueEmail("eve");
  await dialog.getByLabel("Email or username").fill(email);
  await dialog.getByRole("checkbox", { name: "Assign to Research" }).check();
  await dialog.getByRole("combobox", { name: "Role in Research" }).selectOption("viewer");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await dialog.waitFor({ state: "hidden" });
  const invitations = async () => field<Array<{ id: string; email: string; projectAssignments: unknown[] }>>((await call(`/api/v1/orgs/${org.slug}/invitations?limit=10`, { cookie: org.owner.cookie })).body, "invitations");
  await expect.poll(async () => (await invitations()).find((i) => i.email === email)?.projectAssignments).toEqual([{ projectId: researchId, role: "viewer" }]);

  // The pending invitation's projects are edited from its menu.
  await page.getByRole("button", { name: `Actions for the invitation to ${email}` }).click();
  await page.getByRole("menuitem", { name: "Edit…" }).click();
  const edit = page.getByRole("dialog", { name: `Edit the invitation to ${email}` });
  expect(await edit.getByRole("checkbox", { name: "Assign to Research" }).isChecked()).toBe(true);
  expect(await edit.getByRole("combobox", { name: "Role in Research" }).inputValue()).toBe("viewer");
  await edit.getByRole("combobox", { name: "Role in Research" }).selectOption("use");
  await edit.getByRole("button", { name: "Save" }).click();
  await edit.waitFor({ state: "hidden" });
  await expect.poll(async () => (await invitations()).find((i) => i.email === email)?.projectAssignments).toEqual([{ projectId: researchId, role: "use" }]);

  // Eve accepts (over the API): Research as "use", and a private project of her own.
  const eve = await person(email, { name: "Eve Example" });
  const invitation = (await invitations()).find((i) => i.email === email)!;
  expect((await call(`/api/v1/me/invitations/${invitation.id}/accept`, { cookie: eve.cookie, method: "POST" })).status).toBe(200);
  const mine = field<Array<{ projectName: string; role: string }>>((await call(`/api/v1/orgs/${org.slug}/members/${eve.userId}/projects`, { cookie: eve.cookie })).body, "projects");
  expect(mine.map((p) => [p.projectName, p.role])).toEqual([
    ["Eve Example's project", "owner"],
    ["Research", "use"],
  ]);

  // The owner's projects page lists her private project.
  await page.goto(`/orgs/${org.slug}/projects`);
  await page.getByRole("row", { name: "Eve Example's project" }).waitFor();
  expect(errors).toEqual([]);
});
