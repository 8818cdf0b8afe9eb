import { createClient } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkToken, verifyLinkToken } from "../../worker/lib/link-token.ts";
import { requireLiveLink } from "../../worker/org/commands/join-by-link.ts";
import type { LinkView } from "../../worker/views/link.ts";
import { call, createOrg as createOrgOf, env, forgetOrgCreations, freshAddress, latestMail, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

/** Creates an organization (this suite makes many with one owner; the daily limit is not its subject). */
async function createOrg(who: SignedIn, stem: string) {
  await forgetOrgCreations(who);
  return createOrgOf(who, stem);
}

const today = () => new Date().toISOString().slice(0, 10);

async function links(slug: string, who: { cookie?: string; bearer?: string }): Promise<LinkView[]> {
  const listed = await call<{ links: LinkView[] }>("GET", `/api/v1/orgs/${slug}/links`, who);
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body.links;
}

async function link(slug: string, owner: SignedIn, kind: "new" | "existing"): Promise<LinkView> {
  return (await links(slug, owner)).find((l) => l.kind === kind)!;
}

async function enable(slug: string, owner: SignedIn, kind: "new" | "existing", enabled = true): Promise<LinkView> {
  const answer = await call<LinkView>("PATCH", `/api/v1/orgs/${slug}/links/${kind}`, { cookie: owner.cookie, body: { enabled } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

async function regenerate(slug: string, owner: SignedIn, kind: "new" | "existing"): Promise<LinkView> {
  const answer = await call<LinkView>("POST", `/api/v1/orgs/${slug}/links/${kind}/regenerate`, { cookie: owner.cookie });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

const tokenOf = (url: string) => url.slice(url.indexOf("/join/") + "/join/".length);
const join = (token: string, user: SignedIn) => call("POST", `/api/v1/join/${token}`, { cookie: user.cookie });

async function membership(orgId: string, userId: string) {
  const rows = await db.execute({ sql: "SELECT role, joined_via, link_tag FROM memberships WHERE org_id = ? AND user_id = ?", args: [orgId, userId] });
  return rows.rows[0];
}

async function memberCount(orgId: string): Promise<number> {
  const rows = await db.execute({ sql: "SELECT count(*) AS n FROM memberships WHERE org_id = ?", args: [orgId] });
  return Number(rows.rows[0]?.n);
}

let owner: SignedIn;
beforeAll(async () => {
  owner = await signIn(uniqueEmail("links-owner"));
});

describe("an organization's links", () => {
  it("are two, disabled until enabled, with URLs derived from the secret and never stored", async () => {
    const org = await createOrg(owner, "links-list");
    const listed = await links(org.slug, owner);
    expect(listed.map((l) => [l.kind, l.enabled, l.generation])).toEqual([
      ["new", false, 1],
      ["existing", false, 1],
    ]);
    for (const l of listed) {
      expect(l.url).toMatch(new RegExp(`^http://roster\\.test/join/${org.id}\\.[ne]1\\.[A-Za-z0-9_-]{43}$`));
      expect(await verifyLinkToken(env, tokenOf(l.url))).toEqual({ orgId: org.id, kind: l.kind, generation: 1 });
    }
    // The same URL again, at any time.
    expect((await links(org.slug, owner)).map((l) => l.url)).toEqual(listed.map((l) => l.url));
    const enabled = await enable(org.slug, owner, "existing");
    expect(enabled).toMatchObject({ kind: "existing", enabled: true, generation: 1, tag: today(), url: listed[1]!.url });
    const rows = await db.execute({ sql: "SELECT * FROM org_links WHERE org_id = ?", args: [org.id] });
    const mac = tokenOf(enabled.url).split(".").at(-1)!;
    for (const row of rows.rows) for (const value of Object.values(row)) expect(String(value)).not.toContain(mac);
  });

  it("refuse a link that is disabled, and take it back with the same URL once enabled again", async () => {
    const org = await createOrg(owner, "links-disabled");
    const url = (await link(org.slug, owner, "existing")).url;
    const joiner = await signIn(uniqueEmail("links-disabled"));
    expect((await call("GET", `/api/v1/join/${tokenOf(url)}`)).body.error.code).toBe("link_invalid");
    expect((await join(tokenOf(url), joiner)).body.error.code).toBe("link_invalid");
    await enable(org.slug, owner, "existing");
    await enable(org.slug, owner, "existing", false);
    const refused = await join(tokenOf(url), joiner);
    expect([refused.status, refused.body.error.code]).toEqual([404, "link_invalid"]);
    expect(await membership(org.id, joiner.userId)).toBeUndefined();
    expect((await enable(org.slug, owner, "existing")).url).toBe(url);
    expect((await join(tokenOf(url), joiner)).status).toBe(200);
  });

  it("die at once when regenerated: the old URL is refused, the new one has a new generation and today's tag", async () => {
    const org = await createOrg(owner, "links-rotate");
    const before = await enable(org.slug, owner, "existing");
    const after = await regenerate(org.slug, owner, "existing");
    expect(after).toMatchObject({ kind: "existing", enabled: true, generation: 2, tag: today() });
    expect(after.url).not.toBe(before.url);
    const joiner = await signIn(uniqueEmail("links-rotate"));
    const old = await join(tokenOf(before.url), joiner);
    expect([old.status, old.body.error.code]).toEqual([404, "link_invalid"]);
    expect((await call("GET", `/api/v1/join/${tokenOf(before.url)}`)).body.error.code).toBe("link_invalid");
    expect((await call("GET", `/api/v1/join/${tokenOf(after.url)}`)).body).toEqual({ org: { slug: org.slug, name: `Org ${org.slug}` }, kind: "existing", role: "restricted" });
    expect((await join(tokenOf(after.url), joiner)).body).toMatchObject({ status: "joined", linkTag: today() });
    const audit = await call("GET", `/api/v1/orgs/${org.slug}/audit?action=link`, { cookie: owner.cookie });
    expect(audit.body.events.map((e: { action: string }) => e.action).sort()).toEqual(["link.enabled", "link.regenerated"]);
  });

  it("refuse forged tokens, and a token of one organization never joins another", async () => {
    const a = await createOrg(owner, "links-tenant-a");
    const b = await createOrg(owner, "links-tenant-b");
    const aUrl = (await enable(a.slug, owner, "existing")).url;
    await enable(b.slug, owner, "existing");
    const joiner = await signIn(uniqueEmail("links-tenant"));
    const [, rest] = tokenOf(aUrl).split(/\.(.*)/s) as [string, string];
    const moved = await join(`${b.id}.${rest}`, joiner);
    expect([moved.status, moved.body.error.code]).toEqual([404, "link_invalid"]);
    const flipped = tokenOf(aUrl).slice(0, -2) + (tokenOf(aUrl).endsWith("AA") ? "BB" : "AA");
    expect((await join(flipped, joiner)).body.error.code).toBe("link_invalid");
    expect((await join("garbage", joiner)).body.error.code).toBe("link_invalid");
    // A later generation not yet issued is not a valid token either.
    const future = await linkToken({ ...env, SESSION_SECRET: "another-secret-0123456789abcdef" }, b.id, "existing", 1);
    expect((await join(future, joiner)).body.error.code).toBe("link_invalid");
    expect(await membership(b.id, joiner.userId)).toBeUndefined();
    expect(await membership(a.id, joiner.userId)).toBeUndefined();
  });
});

describe("joining through the existing-account link", () => {
  let org: { id: string; slug: string };
  let url: string;
  let joiner: SignedIn;
  let answer: Awaited<ReturnType<typeof call>>;

  beforeAll(async () => {
    org = await createOrg(owner, "links-join");
    url = (await enable(org.slug, owner, "existing")).url;
    joiner = await signIn(uniqueEmail("links-joiner"));
    answer = await join(tokenOf(url), joiner);
  });

  it("makes a restricted member who carries the link's tag", async () => {
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: "joined", org: { id: org.id, slug: org.slug, name: `Org ${org.slug}` }, role: "restricted", linkTag: today() });
    expect(await membership(org.id, joiner.userId)).toMatchObject({ role: "restricted", joined_via: "link", link_tag: today() });
    const members = await call("GET", `/api/v1/orgs/${org.slug}/members`, { cookie: owner.cookie });
    expect(members.body.members).toContainEqual(expect.objectContaining({ userId: joiner.userId, role: "restricted", joinedVia: "link", linkTag: today() }));
    const me = await call("GET", "/api/v1/me", { cookie: joiner.cookie });
    expect(me.body.memberships).toContainEqual(expect.objectContaining({ org: expect.objectContaining({ slug: org.slug }), role: "restricted" }));
  });

  it("tells the owners by mail (through the outbox) and in the app, and records it in the audit trail", async () => {
    const outbox = await db.execute({ sql: "SELECT template, \"to\" FROM mail_outbox WHERE org_id = ? AND template = 'link_joined'", args: [org.id] });
    expect(outbox.rows.map((r) => [r.template, r.to])).toEqual([["link_joined", owner.email]]);
    const mail = await latestMail(owner.email, (m) => m.subject.includes("through a link") && m.text.includes(org.slug));
    expect(mail.text).toContain(joiner.email);
    expect(mail.text).toContain(`http://roster.test/orgs/${org.slug}/members`);
    expect(mail.html).toContain(today());
    const me = await call("GET", "/api/v1/me", { cookie: owner.cookie });
    expect(me.body.notifications).toContainEqual(expect.objectContaining({ type: "member.joined_by_link" }));
    const audit = await call("GET", `/api/v1/orgs/${org.slug}/audit?action=member.joined`, { cookie: owner.cookie });
    expect(audit.body.events).toContainEqual(expect.objectContaining({ action: "member.joined", targetId: joiner.userId, data: expect.objectContaining({ via: "link", linkTag: today(), role: "restricted" }) }));
  });

  it("answers a member already as such, and takes no second seat", async () => {
    const seatsBefore = (await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).body.seats.used;
    const again = await join(tokenOf(url), joiner);
    expect(again.body).toMatchObject({ status: "already_member", role: "restricted", linkTag: null });
    const ownerJoin = await join(tokenOf(url), owner);
    expect(ownerJoin.body).toMatchObject({ status: "already_member", role: "owner" });
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).body.seats.used).toBe(seatsBefore);
  });

  it("needs a signed-in user", async () => {
    expect((await call("POST", `/api/v1/join/${tokenOf(url)}`)).status).toBe(401);
  });
});

describe("the automatic private project", () => {
  it("is made in the join's transaction when the organization's switch is on, and not when it is off", async () => {
    const org = await createOrg(owner, "links-private");
    const url = (await enable(org.slug, owner, "existing")).url;
    const on = await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: true } });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    const joiner = await signIn(uniqueEmail("links-private"));
    expect((await join(tokenOf(url), joiner)).status).toBe(200);
    const personal = await db.execute({
      sql: "SELECT p.visibility, p.personal_user_id, pm.user_id, pm.role FROM projects p JOIN project_members pm ON pm.project_id = p.id WHERE p.org_id = ?",
      args: [org.id],
    });
    expect(personal.rows.map((r) => ({ ...r }))).toEqual([{ visibility: "private", personal_user_id: joiner.userId, user_id: joiner.userId, role: "owner" }]);
    // The restricted member sees it among their projects.
    const mine = await call<{ projects: Array<{ visibility: string }> }>("GET", `/api/v1/orgs/${org.slug}/projects`, { cookie: joiner.cookie });
    expect(mine.status).toBe(200);
    expect(mine.body.projects.map((p) => p.visibility)).toEqual(["private"]);

    const off = await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { autoPrivateProject: false } });
    expect(off.status).toBe(200);
    const second = await signIn(uniqueEmail("links-private-off"));
    expect((await join(tokenOf(url), second)).status).toBe(200);
    const owned = await db.execute({ sql: "SELECT count(*) AS n FROM projects WHERE org_id = ? AND personal_user_id = ?", args: [org.id, second.userId] });
    expect(Number(owned.rows[0]?.n)).toBe(0);
  });
});

describe("seats", () => {
  it("never go over under 10 concurrent joins for the last 2 seats", async () => {
    const org = await createOrg(owner, "links-race");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 3 } })).status).toBe(200);
    const url = (await enable(org.slug, owner, "existing")).url;
    const people = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(uniqueEmail(`links-race-${i}`))));
    const answers = await Promise.all(people.map((p) => join(tokenOf(url), p)));
    const statuses = answers.map((a) => (a.status === 200 ? a.body.status : a.body.error.code));
    expect(statuses.filter((s) => s === "joined")).toHaveLength(2);
    expect(statuses.filter((s) => s === "seats_exhausted")).toHaveLength(8);
    expect(await memberCount(org.id)).toBe(3);
    const seats = (await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).body.seats;
    expect(seats).toMatchObject({ limit: 3, used: 3, available: 0 });
    const preview = await call("GET", `/api/v1/join/${tokenOf(url)}`);
    expect([preview.status, preview.body.error.code]).toEqual([409, "seats_exhausted"]);
  });

  it("a pending invitation's seat counts: a full organization refuses the link", async () => {
    const org = await createOrg(owner, "links-pending");
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 2 } });
    const invited = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail("links-held"), role: "member" } });
    expect(invited.status).toBe(201);
    const url = (await enable(org.slug, owner, "existing")).url;
    const joiner = await signIn(uniqueEmail("links-pending"));
    expect((await join(tokenOf(url), joiner)).body.error.code).toBe("seats_exhausted");
  });
});

describe("refusals", () => {
  it("a dormant organization refuses with org_unavailable", async () => {
    const org = await createOrg(owner, "links-dormant");
    const url = (await enable(org.slug, owner, "existing")).url;
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "dormant" } })).status).toBe(200);
    const joiner = await signIn(uniqueEmail("links-dormant"));
    const refused = await join(tokenOf(url), joiner);
    expect([refused.status, refused.body.error.code]).toEqual([409, "org_unavailable"]);
    expect((await call("GET", `/api/v1/join/${tokenOf(url)}`)).body.error.code).toBe("org_unavailable");
    expect(await membership(org.id, joiner.userId)).toBeUndefined();
  });

  it("a deleted organization refuses with org_unavailable", async () => {
    const state = { org: { deletedAt: new Date(), status: "active" } } as unknown as Parameters<typeof requireLiveLink>[1];
    await expect(requireLiveLink(null as never, state, "existing", 1)).rejects.toMatchObject({ code: "org_unavailable" });
  });

  it("an address outside the allowed domains is refused, on both links", async () => {
    const org = await createOrg(owner, "links-domain");
    const url = (await enable(org.slug, owner, "existing")).url;
    const newUrl = (await enable(org.slug, owner, "new")).url;
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { allowedEmailDomains: ["allowed.example"] } })).status).toBe(200);
    const joiner = await signIn(uniqueEmail("links-domain"));
    const refused = await join(tokenOf(url), joiner);
    expect([refused.status, refused.body.error.code]).toEqual([403, "domain_not_allowed"]);
    const registered = await call("POST", `/api/v1/join/${tokenOf(newUrl)}/register`, { body: { email: uniqueEmail("links-domain-new"), name: "Out Side" }, address: freshAddress() });
    expect([registered.status, registered.body.error.code]).toEqual([403, "domain_not_allowed"]);
    const inside = `links-domain.${Date.now()}@allowed.example`;
    const ok = await call("POST", `/api/v1/join/${tokenOf(newUrl)}/register`, { body: { email: inside, name: "In Side" }, address: freshAddress() });
    expect(ok.status).toBe(202);
  });
});

describe("who may see and change links", () => {
  let org: { id: string; slug: string };
  const people: Record<"admin" | "member" | "restricted", SignedIn> = {} as never;

  beforeAll(async () => {
    org = await createOrg(owner, "links-access");
    for (const role of ["admin", "member", "restricted"] as const) {
      people[role] = await signIn(uniqueEmail(`links-${role}`));
      await seedMember(org, people[role], role);
    }
  });

  it("owners and admins read and change them; members and restricted members get 403", async () => {
    expect(await links(org.slug, people.admin)).toHaveLength(2);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/links/new`, { cookie: people.admin.cookie, body: { enabled: true } })).status).toBe(200);
    for (const role of ["member", "restricted"] as const) {
      const cookie = people[role].cookie;
      expect((await call("GET", `/api/v1/orgs/${org.slug}/links`, { cookie })).body.error.code).toBe("forbidden");
      expect((await call("PATCH", `/api/v1/orgs/${org.slug}/links/new`, { cookie, body: { enabled: false } })).status).toBe(403);
      expect((await call("POST", `/api/v1/orgs/${org.slug}/links/new/regenerate`, { cookie })).status).toBe(403);
    }
    const outsider = await signIn(uniqueEmail("links-outsider"));
    expect((await call("GET", `/api/v1/orgs/${org.slug}/links`, { cookie: outsider.cookie })).status).toBe(404);
  });

  it("API keys need the invitations:write scope", async () => {
    const make = async (scopes: string[]) => (await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: scopes.join(" "), scopes } })).body.secret as string;
    const reader = await make(["invitations:read", "members:read"]);
    const writer = await make(["invitations:write"]);
    expect((await call("GET", `/api/v1/orgs/${org.slug}/links`, { bearer: reader })).status).toBe(403);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/links/existing/regenerate`, { bearer: reader })).status).toBe(403);
    expect(await links(org.slug, { bearer: writer })).toHaveLength(2);
    const regenerated = await call("POST", `/api/v1/orgs/${org.slug}/links/existing/regenerate`, { bearer: writer });
    expect([regenerated.status, regenerated.body.generation]).toEqual([200, 2]);
    const other = await createOrg(owner, "links-access-other");
    expect((await call("GET", `/api/v1/orgs/${other.slug}/links`, { bearer: writer })).status).toBe(401);
  });

  it("invalid input is refused with 400 and changes nothing", async () => {
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/links/bogus`, { cookie: owner.cookie, body: { enabled: true } })).status).toBe(400);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/links/new`, { cookie: owner.cookie, body: { enabled: "yes" } })).status).toBe(400);
  });
});

describe("registering through the new-user link", () => {
  let org: { id: string; slug: string };
  let token: string;

  beforeAll(async () => {
    org = await createOrg(owner, "links-new");
    token = tokenOf((await enable(org.slug, owner, "new")).url);
  });

  async function register(email: string, name: string) {
    return call("POST", `/api/v1/join/${token}/register`, { body: { email, name }, address: freshAddress() });
  }

  async function verifyToken(email: string): Promise<string> {
    const mail = await latestMail(email, (m) => m.subject.includes("Confirm your email"));
    const found = /verify=([A-Za-z0-9_%-]+)/.exec(mail.text)?.[1];
    expect(mail.text).toContain(`http://roster.test/join/${token}?verify=`);
    return decodeURIComponent(found!);
  }

  it("mails a link that verifies the address, creates the account with its name, signs in and joins", async () => {
    const email = uniqueEmail("links-new-person");
    const asked = await register(email, "Grace Hopper");
    expect(asked.status).toBe(202);
    expect(await memberCount(org.id)).toBe(1);
    const verified = await call("POST", `/api/v1/join/${token}/verify`, { body: { token: await verifyToken(email) } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.user).toMatchObject({ email, name: "Grace Hopper" });
    expect(verified.body.join).toMatchObject({ status: "joined", role: "restricted", linkTag: today() });
    const cookie = (verified.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = await call("GET", "/api/v1/me", { cookie });
    expect(me.body.memberships).toContainEqual(expect.objectContaining({ org: expect.objectContaining({ slug: org.slug }), role: "restricted" }));
    expect(await membership(org.id, verified.body.user.id)).toMatchObject({ joined_via: "link", link_tag: today() });
  });

  it("answers the same for an address that has an account, whose mailed link signs it in and joins", async () => {
    const existing = await signIn(uniqueEmail("links-new-existing"));
    const fresh = uniqueEmail("links-new-fresh");
    const a = await register(existing.email, "Someone");
    const b = await register(fresh, "Someone");
    expect([a.status, a.body, [...a.headers.keys()].sort()]).toEqual([b.status, b.body, [...b.headers.keys()].sort()]);
    const verified = await call("POST", `/api/v1/join/${token}/verify`, { body: { token: await verifyToken(existing.email) } });
    expect(verified.body.user.id).toBe(existing.userId);
    expect(verified.body.join.status).toBe("joined");
  });

  it("a verification token is single-use and good only for its own link", async () => {
    const email = uniqueEmail("links-new-once");
    await register(email, "Once");
    const verify = await verifyToken(email);
    const other = await createOrg(owner, "links-new-other");
    const otherToken = tokenOf((await enable(other.slug, owner, "new")).url);
    expect((await call("POST", `/api/v1/join/${otherToken}/verify`, { body: { token: verify } })).body.error.code).toBe("login_link_invalid");
    expect((await call("POST", `/api/v1/join/${token}/verify`, { body: { token: verify } })).status).toBe(200);
    expect((await call("POST", `/api/v1/join/${token}/verify`, { body: { token: verify } })).body.error.code).toBe("login_link_invalid");
  });

  it("a verification mailed before the link was regenerated no longer joins", async () => {
    const org2 = await createOrg(owner, "links-new-rotated");
    const t = tokenOf((await enable(org2.slug, owner, "new")).url);
    const email = uniqueEmail("links-new-rotated");
    expect((await call("POST", `/api/v1/join/${t}/register`, { body: { email, name: "Late" }, address: freshAddress() })).status).toBe(202);
    const mail = await latestMail(email, (m) => m.subject.includes("Confirm your email"));
    const verify = decodeURIComponent(/verify=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!);
    await regenerate(org2.slug, owner, "new");
    expect((await call("POST", `/api/v1/join/${t}/verify`, { body: { token: verify } })).body.error.code).toBe("link_invalid");
  });

  it("the existing-account link does not register", async () => {
    const existingToken = tokenOf((await enable(org.slug, owner, "existing")).url);
    const refused = await call("POST", `/api/v1/join/${existingToken}/register`, { body: { email: uniqueEmail("links-wrong"), name: "X" }, address: freshAddress() });
    expect(refused.status).toBe(403);
  });

  it("is rate limited like sign-in mail", async () => {
    const address = freshAddress();
    const email = uniqueEmail("links-new-flood");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call("POST", `/api/v1/join/${token}/register`, { body: { email, name: "Flood" }, address })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});
