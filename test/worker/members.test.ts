import { createClient } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createOrg as createOrgOf, env, forgetOrgCreations, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

interface Person {
  userId: string;
  email: string;
  name: string;
  title: string;
  role: string;
}

let personCounter = 0;

/**
 * Members who never sign in, made straight in the database with a name and title (one
 * batch), before the organization's room first loads.
 */
async function seedPeople(org: { id: string; slug: string }, people: Array<Partial<Person> & { name: string }>): Promise<Person[]> {
  const now = Date.now();
  const made = people.map((p) => {
    personCounter++;
    return {
      userId: `usr_member_${now.toString(36)}_${personCounter}`,
      email: p.email ?? uniqueEmail("person"),
      name: p.name,
      title: p.title ?? "",
      role: p.role ?? "member",
    };
  });
  await db.batch(
    made.flatMap((p) => [
      { sql: "INSERT INTO users (id, email, name, created_at) VALUES (?, ?, ?, ?)", args: [p.userId, p.email, p.name, now] },
      {
        sql: "INSERT INTO memberships (org_id, user_id, role, title, user_name, user_email, joined_via, joined_at) VALUES (?, ?, ?, ?, ?, ?, 'api', ?)",
        args: [org.id, p.userId, p.role, p.title, p.name, p.email, now],
      },
      {
        sql: "INSERT INTO user_memberships (user_id, org_id, org_slug, org_name, role, joined_at) VALUES (?, ?, ?, ?, ?, ?)",
        args: [p.userId, org.id, org.slug, org.slug, p.role, now],
      },
    ]),
    "write",
  );
  return made;
}

async function rolesIn(orgId: string): Promise<Map<string, string>> {
  const rows = await db.execute({ sql: "SELECT user_id, role FROM memberships WHERE org_id = ?", args: [orgId] });
  return new Map(rows.rows.map((r) => [String(r.user_id), String(r.role)]));
}

async function auditCount(orgId: string): Promise<number> {
  const rows = await db.execute({ sql: "SELECT count(*) AS n FROM audit_events WHERE org_id = ?", args: [orgId] });
  return Number(rows.rows[0]?.n);
}

interface Member {
  userId: string;
  name: string;
  email: string;
  username: string | null;
  role: string;
  title: string;
  status: string;
  lastActiveAt: string | null;
}
interface Page {
  members: Member[];
  total: number;
  nextCursor: string | null;
}

// Signed in once for the whole file: people may belong to many organizations.
let alice: SignedIn;
let bob: SignedIn;
let carol: SignedIn;
let dave: SignedIn;

/** Alice owns every organization here: more than a user may create a day. */
async function createOrg(owner: SignedIn, stem: string): Promise<{ slug: string; id: string }> {
  await forgetOrgCreations(owner);
  return createOrgOf(owner, stem);
}

beforeAll(async () => {
  [alice, bob, carol, dave] = (await Promise.all(["alice", "bob", "carol", "dave"].map((s) => signIn(uniqueEmail(s))))) as [SignedIn, SignedIn, SignedIn, SignedIn];
});

describe("listing members", () => {
  let org: { id: string; slug: string };
  let people: Person[];
  const list = (query: string) => call<Page>("GET", `/api/v1/orgs/${org.slug}/members?${query}`, { cookie: alice.cookie });

  beforeAll(async () => {
    org = await createOrg(alice, "list");
    people = await seedPeople(org, [
      { name: "Ada Lovelace", title: "Analyst" },
      { name: "Grace Hopper", email: uniqueEmail("grace.hopper"), title: "Rear Admiral", role: "admin" },
      { name: "alan turing", title: "Cryptanalyst" },
      { name: "100% Done", title: "Finisher" },
      { name: "snake_case", title: "Linter" },
      { name: "Sam Same" },
      { name: "sam same", role: "restricted" },
      { name: "Zoe Zed", email: uniqueEmail("aaa-first"), role: "admin" },
    ]);
    // Dave joins nameless, then names himself: the membership's copy of his name follows.
    await seedMember(org, dave, "member");
    const renamed = await call("PATCH", "/api/v1/me", { cookie: dave.cookie, body: { name: "Dave Quokka" } });
    if (renamed.status !== 200) throw new Error(`rename answered ${renamed.status}`);
  });

  const names = (page: Page) => page.members.map((m) => m.name).sort();

  it("searches names case-insensitively", async () => {
    const answer = await list("q=ADA");
    expect(answer.status).toBe(200);
    expect(names(answer.body)).toEqual(["Ada Lovelace"]);
    expect(answer.body.total).toBe(1);
    expect(names((await list("q=Alan%20T")).body)).toEqual(["alan turing"]);
  });

  it("searches emails case-insensitively", async () => {
    expect(names((await list("q=GRACE.HOPPER")).body)).toEqual(["Grace Hopper"]);
  });

  it("searches titles case-insensitively", async () => {
    // "analyst" is in two titles, and in no name or email.
    expect(names((await list("q=ANALYST")).body)).toEqual(["Ada Lovelace", "alan turing"]);
    expect(names((await list("q=rear%20admiral")).body)).toEqual(["Grace Hopper"]);
  });

  it("treats % and _ in a search as plain characters", async () => {
    expect(names((await list(`q=${encodeURIComponent("%")}`)).body)).toEqual(["100% Done"]);
    expect(names((await list(`q=${encodeURIComponent("_")}`)).body)).toEqual(["snake_case"]);
    expect(names((await list(`q=${encodeURIComponent("0% d")}`)).body)).toEqual(["100% Done"]);
    expect((await list(`q=${encodeURIComponent("a_a")}`)).body.members).toEqual([]);
  });

  it("finds a member by the name they gave themselves after joining", async () => {
    const found = await list("q=QUOKKA");
    expect(found.body.members.map((m) => [m.userId, m.name])).toEqual([[dave.userId, "Dave Quokka"]]);
  });

  it("shows each member's username and whether they have used the organization, and finds them by username", async () => {
    const handle = `quokka-${Date.now().toString(36)}`;
    expect((await call("PATCH", "/api/v1/me", { cookie: dave.cookie, body: { username: handle } })).status).toBe(200);
    const found = (await list(`q=${handle.toUpperCase()}`)).body;
    expect(found.members.map((m) => m.userId)).toEqual([dave.userId]);
    expect(found.members[0]).toMatchObject({ username: handle, status: "never_signed_in", lastActiveAt: null });
    const ada = (await list("q=lovelace")).body.members[0];
    expect(ada).toMatchObject({ username: null, status: "never_signed_in" });
  });

  it("records a member's last activity when they use the organization, at most about once a minute", async () => {
    const own = await createOrg(alice, "active");
    await seedMember(own, carol, "member");
    const lastActive = async () =>
      (await db.execute({ sql: "SELECT last_active_at FROM memberships WHERE org_id = ? AND user_id = ?", args: [own.id, carol.userId] })).rows[0]?.last_active_at ?? null;
    expect(await lastActive()).toBeNull();
    const before = Date.now();
    expect((await call("GET", `/api/v1/orgs/${own.slug}/members`, { cookie: carol.cookie })).status).toBe(200);
    // Written after the answer: wait for it.
    let first: unknown = null;
    for (let i = 0; i < 100 && first === null; i++) {
      first = await lastActive();
      if (first === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(Number(first)).toBeGreaterThanOrEqual(before);
    const shown = (await call<Page>("GET", `/api/v1/orgs/${own.slug}/members?q=${encodeURIComponent(carol.email)}`, { cookie: alice.cookie })).body.members[0];
    expect(shown).toMatchObject({ status: "active", lastActiveAt: new Date(Number(first)).toISOString() });
    // Used again within the minute: not written again.
    await new Promise((r) => setTimeout(r, 5));
    expect((await call("GET", `/api/v1/orgs/${own.slug}`, { cookie: carol.cookie })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(await lastActive()).toBe(first);
  });

  it("filters by role", async () => {
    const admins = await list("role=admin");
    expect(admins.body.members.map((m) => m.role)).toEqual(["admin", "admin"]);
    expect(names(admins.body)).toEqual(["Grace Hopper", "Zoe Zed"]);
    expect(admins.body.total).toBe(2);
    expect(names((await list("role=admin&q=zoe")).body)).toEqual(["Zoe Zed"]);
    expect((await list("role=superuser")).status).toBe(400);
  });

  const everyone = () => [
    { userId: alice.userId, name: "", email: alice.email },
    { userId: dave.userId, name: "Dave Quokka", email: dave.email },
    ...people.map((p) => ({ userId: p.userId, name: p.name, email: p.email })),
  ];
  const byKey = (key: (m: { name: string; email: string }) => string) => (a: { userId: string; name: string; email: string }, b: typeof a) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
  const orders = [
    { sort: "name", order: "asc" },
    { sort: "name", order: "desc" },
    { sort: "email", order: "asc" },
    { sort: "email", order: "desc" },
  ] as const;

  it.each(orders)("sorts by $sort $order, ties broken by id", async ({ sort, order }) => {
    const expected = everyone().sort(byKey(sort === "name" ? (m) => m.name.toLowerCase() : (m) => m.email));
    if (order === "desc") expected.reverse();
    const answer = await list(`sort=${sort}&order=${order}&limit=100`);
    expect(answer.status).toBe(200);
    expect(answer.body.members.map((m) => m.userId)).toEqual(expected.map((m) => m.userId));
    expect(answer.body.nextCursor).toBeNull();
  });

  it.each(orders)("walks every page of 2 by $sort $order with no member twice and none left out", async ({ sort, order }) => {
    const whole = (await list(`sort=${sort}&order=${order}&limit=100`)).body.members.map((m) => m.userId);
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer: { status: number; body: Page } = await list(`sort=${sort}&order=${order}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(answer.status).toBe(200);
      expect(answer.body.members.length).toBeLessThanOrEqual(2);
      expect(answer.body.total).toBe(whole.length);
      walked.push(...answer.body.members.map((m) => m.userId));
      cursor = answer.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(walked).toEqual(whole);
    expect(new Set(walked).size).toBe(whole.length);
    expect(pages).toBe(Math.ceil(whole.length / 2));
  });

  it("pages through search results too", async () => {
    const first = await list("q=sam&limit=1");
    expect(first.body.members).toHaveLength(1);
    expect(first.body.total).toBe(2);
    const second = await list(`q=sam&limit=1&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`);
    expect(second.body.members).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([first.body.members[0]?.userId, second.body.members[0]?.userId]).size).toBe(2);
  });

  it.each(["limit=101", "limit=0", "limit=abc", "sort=role", "order=up", "cursor=not-a-cursor"])("refuses %s with 400 validation_failed", async (query) => {
    const answer = await list(query);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("accepts a limit of 100", async () => {
    expect((await list("limit=100")).status).toBe(200);
  });
});

describe("changing a member", () => {
  let org: { id: string; slug: string };
  let people: Person[];
  let member: Person;
  let secondOwner: Person;
  let otherMember: Person;

  beforeAll(async () => {
    org = await createOrg(alice, "change");
    await seedMember(org, carol, "admin");
    people = await seedPeople(org, [{ name: "Mia Member" }, { name: "Otto Owner", role: "owner" }, { name: "Pat Plain" }]);
    [member, secondOwner, otherMember] = people as [Person, Person, Person];
  });

  const patch = (who: SignedIn, userId: string, body: unknown) => call("PATCH", `/api/v1/orgs/${org.slug}/members/${userId}`, { cookie: who.cookie, body });

  it("changes a member's role and title, and the list shows it", async () => {
    const answer = await patch(alice, member.userId, { role: "admin", title: "  Team lead  " });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ userId: member.userId, role: "admin", title: "Team lead" });
    const listed = await call<Page>("GET", `/api/v1/orgs/${org.slug}/members?q=mia`, { cookie: alice.cookie });
    expect(listed.body.members[0]).toMatchObject({ role: "admin", title: "Team lead" });
    const titleOnly = await patch(alice, member.userId, { title: "Lead" });
    expect(titleOnly.body).toEqual({ userId: member.userId, role: "admin", title: "Lead" });
  });

  it("refuses an empty or unknown change with 400 and a missing member with 404", async () => {
    expect((await patch(alice, member.userId, {})).status).toBe(400);
    expect((await patch(alice, member.userId, { role: "king" })).status).toBe(400);
    expect((await patch(alice, member.userId, { role: "member", extra: 1 })).status).toBe(400);
    const missing = await patch(alice, "usr_nobody", { role: "member" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });

  it("never lets an admin change, demote or remove an owner", async () => {
    for (const body of [{ role: "admin" }, { role: "member" }, { title: "Not yours" }]) {
      const answer = await patch(carol, secondOwner.userId, body);
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe("forbidden");
    }
    const removal = await call("DELETE", `/api/v1/orgs/${org.slug}/members/${secondOwner.userId}`, { cookie: carol.cookie });
    expect(removal.status).toBe(403);
    expect(removal.body.error.code).toBe("forbidden");
    expect((await rolesIn(org.id)).get(secondOwner.userId)).toBe("owner");
  });

  it("never lets anyone grant a role above their own", async () => {
    const promoted = await patch(carol, otherMember.userId, { role: "owner" });
    expect(promoted.status).toBe(403);
    expect(promoted.body.error.code).toBe("forbidden");
    const selfPromoted = await patch(carol, carol.userId, { role: "owner" });
    expect(selfPromoted.status).toBe(403);
    expect((await rolesIn(org.id)).get(carol.userId)).toBe("admin");
    // Up to their own role is fine.
    expect((await patch(carol, otherMember.userId, { role: "admin" })).status).toBe(200);
    expect((await patch(carol, otherMember.userId, { role: "restricted" })).status).toBe(200);
    // An owner may make another owner.
    expect((await patch(alice, otherMember.userId, { role: "owner" })).status).toBe(200);
    expect((await rolesIn(org.id)).get(otherMember.userId)).toBe("owner");
  });
});

describe("removing members", () => {
  it("ends the removed member's access at once", async () => {
    const org = await createOrg(alice, "remove");
    await seedMember(org, dave, "member");
    const before = await call<Page>("GET", `/api/v1/orgs/${org.slug}/members`, { cookie: dave.cookie });
    expect(before.status).toBe(200);

    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/members/${dave.userId}`, { cookie: alice.cookie })).status).toBe(204);

    for (const path of [`/api/v1/orgs/${org.slug}`, `/api/v1/orgs/${org.slug}/members`]) {
      const after = await call("GET", path, { cookie: dave.cookie });
      expect(after.status).toBe(404);
      expect(after.body.error.code).toBe("not_found");
    }
    const me = await call("GET", "/api/v1/me", { cookie: dave.cookie });
    expect(me.body.memberships.map((m: { org: { slug: string } }) => m.org.slug)).not.toContain(org.slug);
    const listed = await call<Page>("GET", `/api/v1/orgs/${org.slug}/members`, { cookie: alice.cookie });
    expect(listed.body.members.map((m) => m.userId)).toEqual([alice.userId]);
    // Removing them again finds nobody.
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/members/${dave.userId}`, { cookie: alice.cookie })).status).toBe(404);
  });

  it("lets a member leave on their own", async () => {
    const org = await createOrg(alice, "leave");
    await seedMember(org, dave, "member");
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/members/${dave.userId}`, { cookie: dave.cookie })).status).toBe(204);
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: dave.cookie })).status).toBe(404);
  });

  it("removes in bulk with a result per row, leaving the refused ones in place", async () => {
    const org = await createOrg(alice, "bulk");
    await seedMember(org, carol, "admin");
    const [m1, m2, owner2] = await seedPeople(org, [{ name: "One" }, { name: "Two" }, { name: "Second owner", role: "owner" }]);
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/members/bulk-remove`, {
      cookie: carol.cookie,
      body: { userIds: [m1!.userId, owner2!.userId, "usr_nobody", m2!.userId, m1!.userId] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { userId: m1!.userId, removed: true },
      { userId: owner2!.userId, removed: false, error: { code: "forbidden", message: expect.any(String) } },
      { userId: "usr_nobody", removed: false, error: { code: "not_found", message: expect.any(String) } },
      { userId: m2!.userId, removed: true },
    ]);
    const roles = await rolesIn(org.id);
    expect([...roles.keys()].sort()).toEqual([alice.userId, carol.userId, owner2!.userId].sort());
  });

  it("refuses bulk removal of the last owner per row while removing the rest", async () => {
    const org = await createOrg(alice, "bulk-owner");
    const [m1] = await seedPeople(org, [{ name: "One" }]);
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/members/bulk-remove`, {
      cookie: alice.cookie,
      body: { userIds: [alice.userId, m1!.userId] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { userId: alice.userId, removed: false, error: { code: "last_owner", message: expect.any(String) } },
      { userId: m1!.userId, removed: true },
    ]);
    expect([...(await rolesIn(org.id)).entries()]).toEqual([[alice.userId, "owner"]]);
  });

  it.each([{ userIds: [] }, { userIds: Array.from({ length: 101 }, (_, i) => `usr_${i}`) }, {}])("refuses a malformed bulk removal with 400", async (body) => {
    const org = await createOrg(alice, "bulk-bad");
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/members/bulk-remove`, { cookie: alice.cookie, body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("validation_failed");
  });
});

describe("transferring ownership", () => {
  it("makes the target owner and the caller admin in one change with one audit event", async () => {
    const org = await createOrg(alice, "transfer");
    await seedMember(org, bob, "member");
    const events = await auditCount(org.id);
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { cookie: alice.cookie, body: { userId: bob.userId } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ owner: bob.userId, previousOwner: alice.userId });
    const roles = await rolesIn(org.id);
    expect(roles.get(bob.userId)).toBe("owner");
    expect(roles.get(alice.userId)).toBe("admin");
    expect(await auditCount(org.id)).toBe(events + 1);
    const audit = await call("GET", `/api/v1/orgs/${org.slug}/audit?limit=1`, { cookie: bob.cookie });
    expect(audit.body.events[0]).toMatchObject({ action: "org.ownership_transferred", actorId: alice.userId, targetId: bob.userId });
    // The room knows at once: the former owner can no longer act as one, the new owner can.
    const again = await call("POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { cookie: alice.cookie, body: { userId: bob.userId } });
    expect(again.status).toBe(403);
    const meBob = await call("GET", "/api/v1/me", { cookie: bob.cookie });
    expect(meBob.body.memberships).toContainEqual(expect.objectContaining({ org: expect.objectContaining({ slug: org.slug }), role: "owner" }));
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: bob.cookie, body: { seatLimit: 9 } })).status).toBe(200);
  });

  it("refuses a transfer to a non-member (404) or to oneself (400)", async () => {
    const org = await createOrg(alice, "transfer-bad");
    const nobody = await call("POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { cookie: alice.cookie, body: { userId: dave.userId } });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe("not_found");
    const self = await call("POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { cookie: alice.cookie, body: { userId: alice.userId } });
    expect(self.status).toBe(400);
    expect((await rolesIn(org.id)).get(alice.userId)).toBe("owner");
  });
});

describe("the last owner", () => {
  it("can be neither demoted nor removed (409 last_owner), and nothing changes", async () => {
    const org = await createOrg(alice, "last");
    const events = await auditCount(org.id);
    for (const role of ["admin", "member", "restricted"]) {
      const demoted = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: alice.cookie, body: { role } });
      expect(demoted.status).toBe(409);
      expect(demoted.body.error.code).toBe("last_owner");
    }
    const removed = await call("DELETE", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: alice.cookie });
    expect(removed.status).toBe(409);
    expect(removed.body.error.code).toBe("last_owner");
    expect([...(await rolesIn(org.id)).entries()]).toEqual([[alice.userId, "owner"]]);
    expect(await auditCount(org.id)).toBe(events);
    // Still the owner, in the room as well as the database.
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: alice.cookie, body: { seatLimit: 7 } })).status).toBe(200);
  });

  it("may step down once another owner exists", async () => {
    const org = await createOrg(alice, "step-down");
    await seedMember(org, bob, "owner");
    const answer = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: alice.cookie, body: { role: "member" } });
    expect(answer.status).toBe(200);
    const again = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: bob.cookie, body: { role: "member" } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("last_owner");
  });
});

describe("two owners at the same moment", () => {
  const rounds = 10;

  /** A fresh organization owned by alice and bob, loaded by neither yet. */
  async function twoOwners(stem: string) {
    const org = await createOrg(alice, stem);
    await seedMember(org, bob, "owner");
    return org;
  }

  const owners = (roles: Map<string, string>) => [...roles.values()].filter((r) => r === "owner").length;
  const outcome = (a: { status: number; body: any }) => (a.status < 300 ? a.status : `${a.status} ${a.body?.error?.code}`);

  it("never leaves an organization without an owner when two owners demote each other at once", async () => {
    for (let round = 0; round < rounds; round++) {
      const org = await twoOwners("demote-race");
      const answers = await Promise.all([
        call("PATCH", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: alice.cookie, body: { role: "admin" } }),
        call("PATCH", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: bob.cookie, body: { role: "admin" } }),
      ]);
      // The loser is an admin by the time their command runs, facing the last owner.
      expect(answers.map(outcome).sort()).toEqual([200, "409 last_owner"]);
      const roles = await rolesIn(org.id);
      expect(owners(roles)).toBe(1);
      expect([...roles.values()].sort()).toEqual(["admin", "owner"]);
      // The winner (the remaining owner) is the one whose call succeeded.
      const winner = answers[0]!.status === 200 ? alice : bob;
      expect(roles.get(winner.userId)).toBe("owner");
    }
  });

  it("never leaves an organization without an owner when two owners remove each other at once", async () => {
    for (let round = 0; round < rounds; round++) {
      const org = await twoOwners("remove-race");
      const answers = await Promise.all([
        call("DELETE", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: alice.cookie }),
        call("DELETE", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: bob.cookie }),
      ]);
      // The loser was removed first: their access has ended, so the organization is gone for them.
      expect(answers.map(outcome).sort()).toEqual([204, "404 not_found"]);
      const roles = await rolesIn(org.id);
      const winner = answers[0]!.status === 204 ? alice : bob;
      expect([...roles.entries()]).toEqual([[winner.userId, "owner"]]);
    }
  });

  it("never leaves an organization without an owner when one owner steps down as the other leaves", async () => {
    for (let round = 0; round < rounds; round++) {
      const org = await twoOwners("step-leave-race");
      const answers = await Promise.all([
        call("PATCH", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: alice.cookie, body: { role: "member" } }),
        call("DELETE", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: bob.cookie }),
      ]);
      // Whichever runs second would leave no owner, so exactly one of the two succeeds.
      const [demotion, leaving] = answers.map(outcome);
      expect([
        [200, "409 last_owner"],
        ["409 last_owner", 204],
      ]).toContainEqual([demotion, leaving]);
      const roles = await rolesIn(org.id);
      expect(owners(roles)).toBe(1);
      expect(roles.size).toBe(demotion === 200 ? 2 : 1);
    }
  });

  it("keeps the remover as owner when an owner demotes themself while the other removes them", async () => {
    for (let round = 0; round < rounds; round++) {
      const org = await twoOwners("step-removed-race");
      const [demotion, removal] = await Promise.all([
        call("PATCH", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: alice.cookie, body: { role: "admin" } }),
        call("DELETE", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { cookie: bob.cookie }),
      ]);
      expect(removal.status).toBe(204);
      // Either the demotion ran first, or alice was already gone when it ran.
      expect([200, "404 not_found"]).toContainEqual(outcome(demotion));
      expect([...(await rolesIn(org.id)).entries()]).toEqual([[bob.userId, "owner"]]);
    }
  });
});
