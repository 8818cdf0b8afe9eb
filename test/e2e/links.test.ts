import { expect, test } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";
import { browsersPerTest, expectPath, useSession } from "./support/chromium.ts";

/**
 * Self-registration links in Chromium: a new person registering through the new-user link
 * and confirming by mail, an existing account joining through the existing-user link, and an
 * owner regenerating a link whose old URL then shows a clear page.
 */

const browsers = browsersPerTest("links");
const browserFor = browsers.open;

interface Org {
  slug: string;
  name: string;
  owner: string;
}

async function orgWithOwner(): Promise<Org> {
  const owner = await signInOverApi(uniqueEmail("links-owner"));
  const slug = `links-${uniqueSuffix()}`;
  const name = `Links ${slug}`;
  expect((await call("/api/v1/orgs", { cookie: owner, body: { name, slug } })).status).toBe(201);
  return { slug, name, owner };
}

/** Enables a link over the API; answers its URL's path (`/join/<token>`). */
async function enabledLink(org: Org, kind: "new" | "existing"): Promise<string> {
  const answer = await call(`/api/v1/orgs/${org.slug}/links/${kind}`, { method: "PATCH", cookie: org.owner, body: { enabled: true } });
  expect(answer.status).toBe(200);
  return new URL(field<string>(answer.body, "url")).pathname;
}

async function memberOf(org: Org, email: string): Promise<{ role: string; joinedVia: string; linkTag: string | null } | undefined> {
  const answer = await call(`/api/v1/orgs/${org.slug}/members?q=${encodeURIComponent(email)}`, { cookie: org.owner });
  return field<Array<{ email: string; role: string; joinedVia: string; linkTag: string | null }>>(answer.body, "members").find((m) => m.email === email);
}

const today = () => new Date().toISOString().slice(0, 10);

test("a new person registers through the new-user link, confirms by mail and joins as restricted", async () => {
  const org = await orgWithOwner();
  const path = await enabledLink(org, "new");
  const { page, errors } = await browserFor();
  const email = uniqueEmail("links-newcomer");

  await page.goto(path);
  await page.getByRole("heading", { name: `Join ${org.name}` }).waitFor();
  await page.getByLabel("Name").fill("Nora Newcomer");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Register and join" }).click();
  await page.getByRole("heading", { name: "Check your mail" }).waitFor();

  // The confirmation mail, read from the dev mailbox.
  let link: string | undefined;
  await expect
    .poll(async () => {
      const mailbox = await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
      link = field<Array<{ text: string }>>(mailbox.body, "messages")[0]?.text.match(/https?:\/\/\S+\/join\/\S+\?verify=\S+/)?.[0];
      return link;
    })
    .toBeDefined();
  const confirm = new URL(link as string);
  await page.goto(confirm.pathname + confirm.search);
  // Opening the mailed link changes nothing until the person confirms.
  const button = page.getByRole("button", { name: `Join ${org.name}` });
  await button.waitFor();
  await expect.poll(() => button.isEnabled()).toBe(true);
  expect(await memberOf(org, email)).toBeUndefined();
  await button.click();
  await page.getByRole("heading", { name: `Welcome to ${org.name}` }).waitFor();
  expect(await memberOf(org, email)).toMatchObject({ role: "restricted", joinedVia: "link", linkTag: today() });
  // Signed in now: the page's link opens the organization.
  await page.getByRole("link", { name: `Open ${org.name}` }).click();
  await expectPath(page, `/orgs/${org.slug}`);
  expect(errors).toEqual([]);
});

test("a signed-in person joins through the existing-user link after confirming, and the owner sees the link's tag", async () => {
  const org = await orgWithOwner();
  const path = await enabledLink(org, "existing");
  const email = uniqueEmail("links-existing");
  const joiner = await browserFor();
  await useSession(joiner, await signInOverApi(email));

  await joiner.page.goto(path);
  await joiner.page.getByText(`You are signed in as ${email}`).waitFor();
  expect(await memberOf(org, email)).toBeUndefined();
  await joiner.page.getByRole("button", { name: `Join ${org.name}` }).click();
  await joiner.page.getByRole("heading", { name: `Welcome to ${org.name}` }).waitFor();
  expect(await memberOf(org, email)).toMatchObject({ role: "restricted", joinedVia: "link", linkTag: today() });

  // Opening it again: already a member, no second seat.
  await joiner.page.goto(path);
  await joiner.page.getByRole("button", { name: `Join ${org.name}` }).click();
  await joiner.page.getByRole("heading", { name: `You are already a member of ${org.name}` }).waitFor();

  const owner = await browserFor();
  await useSession(owner, org.owner);
  await owner.page.goto(`/orgs/${org.slug}/members`);
  await owner.page.getByText(`Joined by link, ${today()}`).waitFor();
  expect(joiner.errors).toEqual([]);
  expect(owner.errors).toEqual([]);
});

test("an owner regenerates a link in the dashboard, and its old URL shows a clear page", async () => {
  const org = await orgWithOwner();
  const owner = await browserFor();
  await useSession(owner, org.owner);
  await owner.page.goto(`/orgs/${org.slug}/invitations`);
  await owner.page.getByRole("heading", { name: "Self-registration links" }).waitFor();
  const enabled = owner.page.getByRole("switch", { name: "Existing-user link enabled" });
  await enabled.click();
  await expect.poll(() => enabled.isChecked()).toBe(true);
  await owner.page.getByRole("button", { name: "Copy existing-user link" }).waitFor();
  const url = owner.page.getByRole("textbox", { name: "Existing-user link URL" });
  await expect.poll(() => url.inputValue()).toContain("/join/");
  const before = await url.inputValue();

  await owner.page.getByRole("button", { name: "Regenerate existing-user link" }).click();
  const dialog = owner.page.getByRole("alertdialog", { name: "Regenerate the existing-user link?" });
  await dialog.getByRole("button", { name: "Regenerate" }).click();
  // The live event can come before the answer: the old URL is blanked (never shown as live) until the new one is read.
  await expect.poll(async () => {
    const shown = await url.inputValue();
    return shown.includes("/join/") && shown !== before;
  }).toBe(true);
  const after = await url.inputValue();

  const joiner = await browserFor();
  await useSession(joiner, await signInOverApi(uniqueEmail("links-late")));
  await joiner.page.goto(new URL(before).pathname);
  await joiner.page.getByRole("heading", { name: "This link no longer works" }).waitFor();
  expect(await joiner.page.getByRole("button", { name: `Join ${org.name}` }).count()).toBe(0);
  await joiner.page.goto(new URL(after).pathname);
  await joiner.page.getByRole("button", { name: `Join ${org.name}` }).waitFor();
  expect(owner.errors).toEqual([]);
});

test("a signed-out person with an account signs in from the existing-user link and lands back on it to join", async () => {
  const org = await orgWithOwner();
  const path = await enabledLink(org, "existing");
  const email = uniqueEmail("links-signed-out");
  const { page, errors } = await browserFor();

  await page.goto(path);
  await page.getByRole("link", { name: "Sign in to join" }).click();
  await expectPath(page, `/signin?next=${encodeURIComponent(path)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.getByRole("button", { name: "Open dev mailbox" }).click();
  await page.getByRole("link", { name: "Sign in with this link" }).first().click();

  await expectPath(page, path);
  await page.getByRole("button", { name: `Join ${org.name}` }).click();
  await page.getByRole("heading", { name: `Welcome to ${org.name}` }).waitFor();
  expect(await memberOf(org, email)).toMatchObject({ role: "restricted", joinedVia: "link" });
  expect(errors).toEqual([]);
});

test("a mailed confirmation opened in another browser warns, and one signed in as someone else must choose to switch", async () => {
  const org = await orgWithOwner();
  const path = await enabledLink(org, "new");
  // Someone registers their own address over the API (no browser of theirs holds the nonce)...
  const attacker = uniqueEmail("links-attacker");
  expect((await call(`${path.replace("/join/", "/api/v1/join/")}/register`, { body: { email: attacker, name: "Mallory" } })).status).toBe(202);
  let link: string | undefined;
  await expect
    .poll(async () => {
      const mailbox = await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(attacker)}`);
      link = field<Array<{ text: string }>>(mailbox.body, "messages")[0]?.text.match(/https?:\/\/\S+\/join\/\S+\?verify=\S+/)?.[0];
      return link;
    })
    .toBeDefined();
  const confirm = new URL(link as string);

  // ...and gets someone signed in as themselves to open it.
  const victimEmail = uniqueEmail("links-victim");
  const victim = await browserFor();
  await useSession(victim, await signInOverApi(victimEmail));
  await victim.page.goto(confirm.pathname + confirm.search);
  await victim.page.getByRole("heading", { name: `Join ${org.name} as ${attacker}?` }).waitFor();
  await victim.page.getByText("Continue only if you asked for it yourself").waitFor();
  await victim.page.getByText(`You are signed in as ${victimEmail}; continuing switches this browser to ${attacker}.`).waitFor();
  expect(await victim.page.getByRole("button", { name: `Join ${org.name}`, exact: true }).count()).toBe(0);
  const switchButton = victim.page.getByRole("button", { name: `Switch to ${attacker} and join` });
  expect(await switchButton.isDisabled()).toBe(true);
  await victim.page.getByRole("link", { name: `Stay signed in as ${victimEmail}` }).click();
  await expect.poll(() => victim.page.url()).not.toContain("verify=");
  expect(await memberOf(org, attacker)).toBeUndefined();

  // A browser signed in as nobody is warned too, and the button says whose account it opens.
  const other = await browserFor();
  await other.page.goto(confirm.pathname + confirm.search);
  await other.page.getByText("Continue only if you asked for it yourself").waitFor();
  await other.page.getByRole("button", { name: `Sign in as ${attacker} and join` }).waitFor();
  expect(await memberOf(org, attacker)).toBeUndefined();

  // Choosing to switch, explicitly, is what makes the button work.
  await victim.page.goto(confirm.pathname + confirm.search);
  await victim.page.getByLabel(`Switch this browser from ${victimEmail} to ${attacker}`).check();
  await expect.poll(() => switchButton.isEnabled()).toBe(true);
  await switchButton.click();
  await victim.page.getByRole("heading", { name: `Welcome to ${org.name}` }).waitFor();
  expect(await memberOf(org, attacker)).toMatchObject({ role: "restricted", joinedVia: "link" });
  expect(victim.errors).toEqual([]);
  expect(other.errors).toEqual([]);
});
