/**
 * Organizations arranged for the members page's browser tests: an owner, people who joined
 * through invitations, and invitations in each state. Sign-ins are few (the API allows 60
 * session exchanges per 15 minutes from one address, and the whole run shares 127.0.0.1):
 * people who never open a browser are seeded in the database instead, before the
 * organization's room first loads (a room reads its members once).
 */
import { createClient } from "@libsql/client/web";
import { join as joinPath } from "node:path";
import { expect, inject } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./api.ts";
import { openBrowser, useSession, type Browser } from "./chromium.ts";

export interface Person {
  email: string;
  cookie: string;
  userId: string;
}

export interface ArrangedOrg {
  id: string;
  slug: string;
  name: string;
  owner: Person;
}

/** A member written straight into the database (they never sign in). */
export interface SeededMember {
  name: string;
  email: string;
  role: "owner" | "admin" | "member" | "restricted";
  username?: string;
  title?: string;
}

/** A signed-in person, with a name and username when given. */
export async function person(email: string, profile?: { name?: string; username?: string }): Promise<Person> {
  const cookie = await signInOverApi(email);
  const userId = field<string>((await call("/api/v1/me", { cookie })).body, "user", "id");
  if (profile) expect((await call("/api/v1/me", { cookie, method: "PATCH", body: profile })).status).toBe(200);
  return { email, cookie, userId };
}

/**
 * A new organization owned by a new person. `seatLimit` and `members` are written in the
 * database before anything loads its room, which then counts them like any member.
 */
export async function arrangeOrg(stem: string, options: { seatLimit?: number; members?: SeededMember[] } = {}): Promise<ArrangedOrg> {
  const owner = await person(uniqueEmail(`${stem}-owner`), { name: "Olivia Owner" });
  const slug = `${stem}-${uniqueSuffix()}`;
  const name = `${stem[0]?.toUpperCase()}${stem.slice(1)} ${slug.slice(-6)}`;
  const created = await call("/api/v1/orgs", { cookie: owner.cookie, body: { name, slug } });
  expect(created.status).toBe(201);
  const org = { id: field<string>(created.body, "org", "id"), slug, name, owner };
  if (options.seatLimit !== undefined || options.members?.length) await seed(org, options.seatLimit, options.members ?? []);
  return org;
}

async function seed(org: ArrangedOrg, seatLimit: number | undefined, members: SeededMember[]): Promise<void> {
  const database = inject("database");
  const db = createClient({ url: database.url, authToken: database.authToken });
  const now = Date.now();
  try {
    await db.batch(
      [
        ...(seatLimit === undefined ? [] : [{ sql: "UPDATE organizations SET seat_limit = ? WHERE id = ?", args: [seatLimit, org.id] }]),
        ...members.flatMap((m, i) => {
          const userId = `usr_seed_${uniqueSuffix()}${i}`;
          return [
            { sql: "INSERT INTO users (id, email, name, username, created_at) VALUES (?, ?, ?, ?, ?)", args: [userId, m.email, m.name, m.username ?? null, now] },
            {
              sql: "INSERT INTO memberships (org_id, user_id, role, title, user_name, user_email, user_username, joined_via, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'invitation', ?)",
              args: [org.id, userId, m.role, m.title ?? "", m.name, m.email, m.username ?? null, now - (members.length - i) * 60_000],
            },
            {
              sql: "INSERT INTO user_memberships (user_id, org_id, org_slug, org_name, role, joined_at) VALUES (?, ?, ?, ?, ?, ?)",
              args: [userId, org.id, org.slug, org.name, m.role, now],
            },
          ];
        }),
      ],
      "write",
    );
  } finally {
    db.close();
  }
}

/** An invitation made over the API; answers its id and link. */
export async function inviteOverApi(org: ArrangedOrg, invitee: string, role = "member", by: Person = org.owner): Promise<{ id: string; url: string; token: string }> {
  const made = await call(`/api/v1/orgs/${org.slug}/invitations`, { cookie: by.cookie, body: { invitee, role } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const url = field<string>(made.body, "inviteUrl");
  return { id: field<string>(made.body, "invitation", "id"), url, token: new URL(url).pathname.split("/invitations/")[1] ?? "" };
}

/** A person who signs in, is invited with `role` and accepts (for people who open a browser). */
export async function join(org: ArrangedOrg, email: string, role = "member", profile?: { name?: string; username?: string }): Promise<Person> {
  const joined = await person(email, profile);
  const { token } = await inviteOverApi(org, email, role);
  const accepted = await call(`/api/v1/invitations/${token}/accept`, { cookie: joined.cookie, method: "POST" });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return joined;
}

/** The organization's members as the API lists them (up to 100). */
export async function memberEmails(org: ArrangedOrg): Promise<string[]> {
  const listed = await call(`/api/v1/orgs/${org.slug}/members?limit=100&sort=email`, { cookie: org.owner.cookie });
  expect(listed.status).toBe(200);
  return field<Array<{ email: string }>>(listed.body, "members").map((m) => m.email);
}

/**
 * One browser (fresh profile) per person in a test, each signed in with its cookie; `close`
 * saves a screenshot of each when the test failed, then closes them all.
 */
export function browsersFor(prefix: string) {
  let open: Browser[] = [];
  return {
    async as(who: Person | string): Promise<Browser> {
      const browser = await openBrowser();
      open.push(browser);
      await useSession(browser, typeof who === "string" ? who : who.cookie);
      return browser;
    },
    async close(context: { task: { name: string; result?: { state?: string } } }): Promise<void> {
      const failed = context.task.result?.state === "fail";
      for (const [i, browser] of open.entries()) {
        if (failed) {
          const name = `${prefix}-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}-${i}.png`;
          await browser.page.screenshot({ path: joinPath(inject("artifactsDir"), name), fullPage: true }).catch(() => undefined);
        }
        await browser.close();
      }
      open = [];
    },
  };
}
