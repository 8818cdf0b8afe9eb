import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { call, createOrg, freshAddress, latestMail, latestSignInToken, origin, signIn, uniqueEmail } from "./support/client.ts";

describe("passwordless sign-in", () => {
  it("answers 202 with the same body whether or not the account exists", async () => {
    const known = await signIn(uniqueEmail("known"));
    const a = await call("POST", "/api/v1/auth/magic-link", { body: { email: known.email }, address: freshAddress() });
    const b = await call("POST", "/api/v1/auth/magic-link", { body: { email: uniqueEmail("nobody") }, address: freshAddress() });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body).toEqual(b.body);
  });

  it("creates the user with a verified email on first sign-in and sets an HttpOnly, SameSite=Lax cookie", async () => {
    const email = uniqueEmail("first");
    const address = freshAddress();
    await call("POST", "/api/v1/auth/magic-link", { body: { email: email.toUpperCase() }, address });
    const token = await latestSignInToken(email);
    const session = await call<{ user: { email: string; emailVerified: boolean } }>("POST", "/api/v1/auth/session", { body: { token }, address });
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ email, emailVerified: true });
    const cookie = session.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/roster_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // http here; https gets Secure
    const me = await call<{ user: { email: string } }>("GET", "/api/v1/me", { cookie: cookie.split(";")[0] });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(email);
  });

  it("accepts a sign-in token once only", async () => {
    const email = uniqueEmail("once");
    const address = freshAddress();
    await call("POST", "/api/v1/auth/magic-link", { body: { email }, address });
    const token = await latestSignInToken(email);
    const first = await call("POST", "/api/v1/auth/session", { body: { token }, address });
    const second = await call("POST", "/api/v1/auth/session", { body: { token }, address });
    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
    expect(second.body.error.code).toBe("login_link_invalid");
  });

  it("stores sign-in tokens only as hashes, and lets them expire after 15 minutes", async () => {
    const email = uniqueEmail("expiring");
    const address = freshAddress();
    await call("POST", "/api/v1/auth/magic-link", { body: { email }, address });
    const token = await latestSignInToken(email);
    const { createClient } = await import("@libsql/client/web");
    const db = createClient({ url: env.DATABASE_URL ?? "" });
    const rows = await db.execute({ sql: "SELECT * FROM login_tokens WHERE email = ?", args: [email] });
    db.close();
    expect(rows.rows).toHaveLength(1);
    expect(JSON.stringify(rows.rows)).not.toContain(token);
    const later = createApp({ clock: { now: () => Date.now() + 16 * 60_000 } });
    const late = await later.request("/api/v1/auth/session", {
      method: "POST",
      headers: { "content-type": "application/json", origin, "cf-connecting-ip": address },
      body: JSON.stringify({ token }),
    }, env);
    expect(late.status).toBe(400);
    expect((await late.json<{ error: { code: string } }>()).error.code).toBe("login_link_invalid");
  });

  it("rate limits sign-in mail per client address, whatever the email", async () => {
    const address = freshAddress();
    const statuses = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await call("POST", "/api/v1/auth/magic-link", { body: { email: uniqueEmail(`addr${i}`) }, address })).status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it("rate limits sign-in mail per email from one address with a retry time", async () => {
    const email = uniqueEmail("limited");
    const address = freshAddress();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await call("POST", "/api/v1/auth/magic-link", { body: { email }, address }));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const refused = answers[5]!;
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.body.error.details.retryAfterSeconds).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("signs out at once: the same cookie is refused afterwards, also by organizations", async () => {
    const user = await signIn(uniqueEmail("leaver"));
    const org = await createOrg(user);
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: user.cookie })).status).toBe(200);
    expect((await call("POST", "/api/v1/auth/logout", { cookie: user.cookie })).status).toBe(204);
    expect((await call("GET", "/api/v1/me", { cookie: user.cookie })).status).toBe(401);
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: user.cookie })).status).toBe(401);
  });
});

describe("organizations", () => {
  it("makes the creator owner with one seat used of the default limit", async () => {
    const owner = await signIn(uniqueEmail("creator"));
    const org = await createOrg(owner);
    const read = await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    expect(read.status).toBe(200);
    expect(read.body.seats).toEqual({ limit: 5, used: 1, members: 1, pending: 0, available: 4 });
    const me = await call("GET", "/api/v1/me", { cookie: owner.cookie });
    expect(me.body.memberships).toEqual([expect.objectContaining({ org: expect.objectContaining({ slug: org.slug }), role: "owner" })]);
  });

  it("refuses a taken slug with 409 slug_taken and a malformed one with 400", async () => {
    const owner = await signIn(uniqueEmail("slugs"));
    const org = await createOrg(owner);
    const taken = await call("POST", "/api/v1/orgs", { cookie: owner.cookie, body: { name: "Again", slug: org.slug } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("slug_taken");
    const bad = await call("POST", "/api/v1/orgs", { cookie: owner.cookie, body: { name: "Bad", slug: "Not A Slug" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});

describe("CSRF", () => {
  it("refuses a cookie-authenticated mutation from a foreign origin with 403", async () => {
    const owner = await signIn(uniqueEmail("csrf"));
    const foreign = await call("POST", "/api/v1/orgs", {
      cookie: owner.cookie,
      origin: "https://evil.example",
      body: { name: "Evil", slug: `evil-${Date.now().toString(36)}` },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe("forbidden");
  });

  it("takes the request's own origin and APP_URL's, and nothing that merely looks like them", async () => {
    const owner = await signIn(uniqueEmail("csrf-origins"));
    // Over HTTPS only the __Host- name of the session cookie is read.
    const httpsCookie = owner.cookie.replace(/^roster_session=/, "__Host-roster_session=");
    const create = (url: string, headers: Record<string, string>) =>
      exports.default.fetch(url, {
        method: "POST",
        headers: { cookie: httpsCookie, "content-type": "application/json", "cf-connecting-ip": freshAddress(), ...headers },
        body: JSON.stringify({ name: "Origins", slug: `origins-${Math.random().toString(36).slice(2, 10)}` }),
      });
    // Served on another host than APP_URL (http://roster.test): its own origin and APP_URL's pass.
    expect((await create("https://api.roster.test/api/v1/orgs", { origin: "https://api.roster.test" })).status).toBe(201);
    expect((await create("https://api.roster.test/api/v1/orgs", { origin: "http://roster.test" })).status).toBe(201);
    for (const lookalike of ["http://api.roster.test", "https://api.roster.test:8443", "https://api.roster.test.evil.example", "http://roster.test.evil.example", "null"]) {
      const refused = await create("https://api.roster.test/api/v1/orgs", { origin: lookalike });
      expect(refused.status, lookalike).toBe(403);
    }
    // Without Origin, Sec-Fetch-Site decides.
    expect((await create("https://api.roster.test/api/v1/orgs", { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await create("https://api.roster.test/api/v1/orgs", { "sec-fetch-site": "same-origin" })).status).toBe(201);
  });
});

describe("PATCH /api/v1/me", () => {
  it("changes name and username; usernames are unique case-insensitively and validated", async () => {
    const a = await signIn(uniqueEmail("name-a"));
    const b = await signIn(uniqueEmail("name-b"));
    const handle = `Handle-${Date.now().toString(36)}`;
    const changed = await call("PATCH", "/api/v1/me", { cookie: a.cookie, body: { name: "Ada Lovelace", username: handle } });
    expect(changed.status).toBe(200);
    expect(changed.body.user).toMatchObject({ name: "Ada Lovelace", username: handle });
    const taken = await call("PATCH", "/api/v1/me", { cookie: b.cookie, body: { username: handle.toLowerCase() } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("username_taken");
    for (const username of ["a", "-lead", "has space", "x".repeat(40)]) {
      const bad = await call("PATCH", "/api/v1/me", { cookie: b.cookie, body: { username } });
      expect(bad.status, username).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
    }
    expect((await call("PATCH", "/api/v1/me", { cookie: b.cookie, body: {} })).status).toBe(400);
  });

  it("keeps the organization's copy of the name in step, so member search finds the new name", async () => {
    const owner = await signIn(uniqueEmail("rename"));
    const org = await createOrg(owner);
    const name = `Grace ${Date.now().toString(36)}`;
    await call("PATCH", "/api/v1/me", { cookie: owner.cookie, body: { name } });
    const found = await call("GET", `/api/v1/orgs/${org.slug}/members?q=${encodeURIComponent(name.toLowerCase())}`, { cookie: owner.cookie });
    expect(found.body.members.map((m: { name: string }) => m.name)).toEqual([name]);
  });
});

describe("a rename reaches the organization's room", () => {
  it("mails invitations under the new name once a member renamed themself", async () => {
    const owner = await signIn(uniqueEmail("renamer"));
    const org = await createOrg(owner);
    // The room loads its members (and their names) with this first organization request.
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).status).toBe(200);
    const name = `Hedy ${Date.now().toString(36)}`;
    await call("PATCH", "/api/v1/me", { cookie: owner.cookie, body: { name } });
    const invitee = uniqueEmail("renamed-invitee");
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee } })).status).toBe(201);
    const mail = await latestMail(invitee);
    expect(mail.subject).toContain(name);
  });
});
