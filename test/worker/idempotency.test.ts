import { createClient } from "@libsql/client/web";
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { databaseUnavailable } from "../../worker/lib/database-errors.ts";
import { call, createOrg, env, forgetOrgCreations, origin, seedMember, signIn, uniqueEmail, uniqueSlug, type SignedIn } from "./support/client.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

let owner: SignedIn;
let admin: SignedIn;
/** Admins seeded before the organization's room loads its members: one is demoted, one removed, one holds many keys. */
let demoted: SignedIn;
let removed: SignedIn;
let busy: SignedIn;
let org: { id: string; slug: string };
let other: { id: string; slug: string };
let apiKey: string;
let keyCounter = 0;

/** A fresh Idempotency-Key. */
function newKey(): string {
  keyCounter++;
  return `key-${Date.now().toString(36)}-${keyCounter}-${crypto.randomUUID()}`;
}

async function count(sql: string, ...args: string[]): Promise<number> {
  const result = await db.execute({ sql, args });
  return Number(result.rows[0]?.[0]);
}

async function invite(who: { cookie?: string; bearer?: string }, slug: string, invitee: string, key: string) {
  return call<{ invitation: { id: string }; inviteUrl: string; error: { code: string } }>("POST", `/api/v1/orgs/${slug}/invitations`, {
    ...who,
    body: { invitee },
    headers: { "Idempotency-Key": key },
  });
}

async function invitationEffects(orgId: string, email: string) {
  return {
    invitations: await count("SELECT count(*) FROM invitations WHERE org_id = ? AND email = ?", orgId, email),
    audit: await count(
      "SELECT count(*) FROM audit_events WHERE org_id = ? AND action = 'invitation.created' AND target_id IN (SELECT id FROM invitations WHERE org_id = ? AND email = ?)",
      orgId,
      orgId,
      email,
    ),
    outbox: await count('SELECT count(*) FROM mail_outbox WHERE org_id = ? AND "to" = ?', orgId, email),
  };
}

beforeAll(async () => {
  owner = await signIn(uniqueEmail("idem-owner"));
  admin = await signIn(uniqueEmail("idem-admin"));
  await forgetOrgCreations(owner);
  org = await createOrg(owner, "idem");
  other = await createOrg(owner, "idem-other");
  await seedMember(org, admin, "admin");
  demoted = await signIn(uniqueEmail("idem-demoted"));
  removed = await signIn(uniqueEmail("idem-removed"));
  busy = await signIn(uniqueEmail("idem-busy-caller"));
  for (const who of [demoted, removed, busy]) await seedMember(org, who, "admin");
  for (const o of [org, other]) {
    expect((await call("PATCH", `/api/v1/orgs/${o.slug}`, { cookie: owner.cookie, body: { seatLimit: 100 } })).status).toBe(200);
  }
  const created = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "retrying client", scopes: ["invitations:write"] } });
  expect(created.status).toBe(201);
  apiKey = created.body.secret;
});

describe("Idempotency-Key on POST", () => {
  it("acts once for the same key and body sent twice, and answers the first answer again", async () => {
    const email = uniqueEmail("once");
    const key = newKey();
    const first = await invite({ cookie: owner.cookie }, org.slug, email, key);
    const second = await invite({ cookie: owner.cookie }, org.slug, email, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.headers.get("content-type")).toMatch(/^application\/json/);
    expect(second.body).toEqual(first.body);
    expect(await invitationEffects(org.id, email)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
  });

  it("acts once when ten repeats arrive at the same time, and gives all ten the same answer", async () => {
    const email = uniqueEmail("concurrent");
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 10 }, () => invite({ cookie: owner.cookie }, org.slug, email, key)));
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const ids = new Set(answers.map((a) => a.body.invitation.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(9);
    expect(await invitationEffects(org.id, email)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
  });

  it("refuses the same key with another body with 422 idempotency_mismatch and changes nothing", async () => {
    const key = newKey();
    const first = uniqueEmail("first");
    const second = uniqueEmail("second");
    expect((await invite({ cookie: owner.cookie }, org.slug, first, key)).status).toBe(201);
    const audit = await count("SELECT count(*) FROM audit_events WHERE org_id = ?", org.id);
    const mismatch = await invite({ cookie: owner.cookie }, org.slug, second, key);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe("idempotency_mismatch");
    expect(await invitationEffects(org.id, second)).toEqual({ invitations: 0, audit: 0, outbox: 0 });
    expect(await count("SELECT count(*) FROM audit_events WHERE org_id = ?", org.id)).toBe(audit);
  });

  it("keeps each caller's keys apart: another member's request with the same key runs on its own, and never sees the first answer", async () => {
    const email = uniqueEmail("someone-elses");
    const key = newKey();
    const first = await invite({ cookie: owner.cookie }, org.slug, email, key);
    expect(first.status).toBe(201);
    const byAdmin = await invite({ cookie: admin.cookie }, org.slug, email, key);
    // The admin's own request ran (the invitee is already invited), it was not answered the owner's.
    expect(byAdmin.status).toBe(409);
    expect(byAdmin.body.error.code).toBe("already_invited");
    expect(byAdmin.headers.get("idempotent-replayed")).toBeNull();
    expect(JSON.stringify(byAdmin.body)).not.toContain(first.body.inviteUrl);
  });

  it("lets nobody squat another member's key: a key used first by an API key does not block the owner's request with it", async () => {
    const key = newKey();
    const byKey = await invite({ bearer: apiKey }, org.slug, uniqueEmail("squatter"), key);
    expect(byKey.status).toBe(201);
    const email = uniqueEmail("owner-after-squat");
    const byOwner = await invite({ cookie: owner.cookie }, org.slug, email, key);
    expect(byOwner.status, JSON.stringify(byOwner.body)).toBe(201);
    expect(byOwner.headers.get("idempotent-replayed")).toBeNull();
    expect(byOwner.body.invitation.id).not.toBe(byKey.body.invitation.id);
    expect(await invitationEffects(org.id, email)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE scope = ? AND key = ?", `org:${org.id}`, key)).toBe(2);
  });

  it("keeps keys apart per organization and per user", async () => {
    const key = newKey();
    const email = uniqueEmail("two-orgs");
    const inOrg = await invite({ cookie: owner.cookie }, org.slug, email, key);
    const inOther = await invite({ cookie: owner.cookie }, other.slug, email, key);
    expect(inOrg.status).toBe(201);
    expect(inOther.status).toBe(201);
    expect(inOther.headers.get("idempotent-replayed")).toBeNull();
    expect(inOther.body.invitation.id).not.toBe(inOrg.body.invitation.id);

    const userKey = newKey();
    const alice = await signIn(uniqueEmail("idem-alice"));
    const bob = await signIn(uniqueEmail("idem-bob"));
    const slug = uniqueSlug("idem-same");
    const byAlice = await call("POST", "/api/v1/orgs", { cookie: alice.cookie, body: { name: "Same", slug }, headers: { "Idempotency-Key": userKey } });
    const byBob = await call("POST", "/api/v1/orgs", { cookie: bob.cookie, body: { name: "Same", slug }, headers: { "Idempotency-Key": userKey } });
    expect(byAlice.status).toBe(201);
    // Bob's request ran on its own (the slug is taken), it was not answered Alice's organization.
    expect(byBob.status).toBe(409);
    expect(byBob.body.error.code).toBe("slug_taken");
    expect(byBob.headers.get("idempotent-replayed")).toBeNull();
  });

  it("works with an API key", async () => {
    const email = uniqueEmail("by-key");
    const key = newKey();
    const first = await invite({ bearer: apiKey }, org.slug, email, key);
    const second = await invite({ bearer: apiKey }, org.slug, email, key);
    expect(first.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body).toEqual(first.body);
    expect(await invitationEffects(org.id, email)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
  });

  it("stores and replays a 4xx answer: the repeat does not run again", async () => {
    const key = newKey();
    const bad = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: "" }, headers: { "Idempotency-Key": key } });
    expect(bad.status).toBe(400);
    const again = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: "" }, headers: { "Idempotency-Key": key } });
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(bad.body);
  });

  it("keeps stored answers sealed: the invitation's link is not in the table", async () => {
    const key = newKey();
    const created = await invite({ cookie: owner.cookie }, org.slug, uniqueEmail("sealed"), key);
    const rows = await db.execute({ sql: "SELECT body, status FROM idempotency_keys WHERE scope = ? AND key = ?", args: [`org:${org.id}`, key] });
    expect(rows.rows).toHaveLength(1);
    expect(Number(rows.rows[0]?.status)).toBe(201);
    const token = created.body.inviteUrl.split("/").at(-1)!;
    expect(String(rows.rows[0]?.body)).not.toContain(token);
    expect(String(rows.rows[0]?.body)).not.toContain("invitation");
  });

  it("never stores a new API key's secret: a repeat is 409 idempotency_replay_unavailable and no second key is made", async () => {
    const key = newKey();
    const body = { name: `once-${key}`, scopes: ["members:read"] };
    const first = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(201);
    const again = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body, headers: { "Idempotency-Key": key } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("idempotency_replay_unavailable");
    expect(again.body.error.details).toEqual({ status: 201 });
    expect(JSON.stringify(again.body)).not.toContain(first.body.secret);
    expect(await count("SELECT count(*) FROM api_keys WHERE org_id = ? AND name = ?", org.id, body.name)).toBe(1);
    const row = await db.execute({ sql: "SELECT body FROM idempotency_keys WHERE scope = ? AND key = ?", args: [`org:${org.id}`, key] });
    expect(row.rows[0]?.body).toBeNull();
  });

  it("forgets a key after 24 hours: an expired key runs again, and expired rows are deleted", async () => {
    const key = newKey();
    const email = uniqueEmail("expired");
    expect((await invite({ cookie: owner.cookie }, org.slug, email, key)).status).toBe(201);
    const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
    await db.execute({ sql: "UPDATE idempotency_keys SET created_at = ?, expires_at = ? WHERE scope = ? AND key = ?", args: [dayAgo - 1000, dayAgo, `org:${org.id}`, key] });
    const otherEmail = uniqueEmail("after-expiry");
    const again = await invite({ cookie: owner.cookie }, org.slug, otherEmail, key);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(await invitationEffects(org.id, otherEmail)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
    // Someone else's expired key is swept on the way.
    const stale = newKey();
    await db.execute({
      sql: "INSERT INTO idempotency_keys (scope, principal, key, fingerprint, status, body, content_type, created_at, expires_at) VALUES ('user:nobody', 'nobody', ?, 'x', 200, NULL, NULL, ?, ?)",
      args: [stale, dayAgo - 1000, dayAgo],
    });
    expect((await invite({ cookie: owner.cookie }, org.slug, uniqueEmail("sweeper"), newKey())).status).toBe(201);
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE key = ?", stale)).toBe(0);
  });

  it("refuses a malformed key with 400 idempotency_key_invalid before acting", async () => {
    for (const key of ["", "x".repeat(256), "tab\tinside"]) {
      const email = uniqueEmail("malformed");
      const answer = await invite({ cookie: owner.cookie }, org.slug, email, key);
      expect(answer.status, key).toBe(400);
      expect(answer.body.error.code).toBe("idempotency_key_invalid");
      expect((await invitationEffects(org.id, email)).invitations).toBe(0);
    }
    const longest = await invite({ cookie: owner.cookie }, org.slug, uniqueEmail("longest"), "k".repeat(250) + newKey().slice(0, 5));
    expect(longest.status).toBe(201);
  });

  it("ignores the header on a GET", async () => {
    const answer = await call("GET", `/api/v1/orgs/${org.slug}/audit`, { cookie: owner.cookie, headers: { "Idempotency-Key": "" } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("idempotent-replayed")).toBeNull();
  });

  it("does not honour a key on the sign-in routes, which anyone may call", async () => {
    const key = newKey();
    const email = uniqueEmail("signin");
    for (let i = 0; i < 2; i++) {
      const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email }, headers: { "Idempotency-Key": key }, address: `198.51.100.${i + 1}` });
      expect(asked.status).toBe(202);
      expect(asked.headers.get("idempotent-replayed")).toBeNull();
    }
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE key = ?", key)).toBe(0);
  });

  it("decides on the path the router matched: an escaped api-keys path never stores the new secret", async () => {
    const key = newKey();
    const body = { name: `escaped-${key}`, scopes: ["members:read"] };
    const path = `/api/v1/orgs/${org.slug}/%61pi-keys`;
    const first = await call("POST", path, { cookie: owner.cookie, body, headers: { "Idempotency-Key": key } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const row = await db.execute({ sql: "SELECT status, body FROM idempotency_keys WHERE scope = ? AND key = ?", args: [`org:${org.id}`, key] });
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]?.body).toBeNull();
    const again = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body, headers: { "Idempotency-Key": key } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("idempotency_replay_unavailable");
    expect(JSON.stringify(again.body)).not.toContain(first.body.secret);
    expect(await count("SELECT count(*) FROM api_keys WHERE org_id = ? AND name = ?", org.id, body.name)).toBe(1);
  });

  it("decides on the path the router matched: an escaped organization path is in the organization's scope", async () => {
    const key = newKey();
    const email = uniqueEmail("escaped-org");
    const first = await call("POST", `/api/v1/%6Frgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: email }, headers: { "Idempotency-Key": key } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE scope = ? AND key = ?", `org:${org.id}`, key)).toBe(1);
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE scope LIKE 'user:%' AND key = ?", key)).toBe(0);
    // The plain spelling is the same request: replayed.
    const plain = await invite({ cookie: owner.cookie }, org.slug, email, key);
    expect(plain.status).toBe(201);
    expect(plain.headers.get("idempotent-replayed")).toBe("true");
    expect(await invitationEffects(org.id, email)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
  });

  it("decides on the path the router matched: an escaped sign-in path does not honour a key", async () => {
    const key = newKey();
    const email = uniqueEmail("escaped-signin");
    const asked = await call("POST", "/api/v1/%61uth/magic-link", { body: { email }, headers: { "Idempotency-Key": key }, address: "198.51.100.77" });
    expect(asked.status).toBe(202);
    const signedIn = await call("POST", "/api/v1/%61uth/magic-link", { cookie: owner.cookie, body: { email }, headers: { "Idempotency-Key": key }, address: "198.51.100.78" });
    expect(signedIn.status).toBe(202);
    expect(signedIn.headers.get("idempotent-replayed")).toBeNull();
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE key = ?", key)).toBe(0);
  });

  it("answers a path that does not decode as the route would, with or without a key", async () => {
    const path = "/api/v1/orgs/%E0%A4%A/invitations";
    const without = await call("POST", path, { cookie: owner.cookie, body: { invitee: "x@example.com" } });
    const withKey = await call("POST", path, { cookie: owner.cookie, body: { invitee: "x@example.com" }, headers: { "Idempotency-Key": newKey() } });
    expect(withKey.status).toBe(without.status);
    expect(withKey.status).toBeLessThan(500);
  });

  it("does not honour a key for a caller the organization does not know: the route answers", async () => {
    const stranger = await signIn(uniqueEmail("idem-stranger"));
    const key = newKey();
    const answer = await invite({ cookie: stranger.cookie }, org.slug, uniqueEmail("x"), key);
    expect(answer.status).toBe(404);
    expect(await count("SELECT count(*) FROM idempotency_keys WHERE key = ?", key)).toBe(0);
  });
});

describe("Idempotency-Key when the first attempt fails or is still running", () => {
  /** An app with extra routes for faults, called as the dashboard would call it. */
  function appWithFaults(waitMs?: number) {
    const app = createApp({ idempotencyWaitMs: waitMs });
    let runs = 0;
    let hold: Promise<void> = Promise.resolve();
    app.post("/api/v1/me/test-flaky", (c) => {
      runs++;
      if (runs === 1) throw new Error("a bug");
      return c.json({ runs }, 201);
    });
    app.post("/api/v1/me/test-outage", () => {
      runs++;
      throw databaseUnavailable();
    });
    app.post("/api/v1/me/test-large-error", (c) => {
      runs++;
      return c.json({ error: { code: "validation_failed", message: "m".repeat(2_000), details: { issues: "x".repeat(512 * 1024) } } }, 400);
    });
    app.post("/api/v1/me/test-busy", (c) => {
      runs++;
      if (runs === 1) return c.json({ error: { code: "rate_limited", message: "Later." } }, 429);
      return c.json({ runs }, 201);
    });
    app.post("/api/v1/me/test-large", (c) => {
      runs++;
      return c.json({ padding: "x".repeat(1024 * 1024) }, 201);
    });
    app.post("/api/v1/me/test-slow", async (c) => {
      runs++;
      await hold;
      return c.json({ runs }, 201);
    });
    const send = (path: string, who: SignedIn, key: string) =>
      app.request(`${origin}${path}`, { method: "POST", headers: { cookie: who.cookie, origin, "Idempotency-Key": key } }, env);
    return {
      send,
      runs: () => runs,
      holdUntil(release: Promise<void>) {
        hold = release;
      },
    };
  }

  it("releases the key after a 500 (a bug), so a retry runs again; then replays", async () => {
    const user = await signIn(uniqueEmail("idem-flaky"));
    const faults = appWithFaults();
    const key = newKey();
    expect((await faults.send("/api/v1/me/test-flaky", user, key)).status).toBe(500);
    const second = await faults.send("/api/v1/me/test-flaky", user, key);
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual({ runs: 2 });
    const third = await faults.send("/api/v1/me/test-flaky", user, key);
    expect(third.status).toBe(201);
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(await third.json()).toEqual({ runs: 2 });
    expect(faults.runs()).toBe(2);
  });

  it("keeps the key after a 503 database_unavailable (its writes may have committed): a repeat is 409 idempotency_replay_unavailable, never a second run", async () => {
    const user = await signIn(uniqueEmail("idem-outage"));
    const faults = appWithFaults();
    const key = newKey();
    expect((await faults.send("/api/v1/me/test-outage", user, key)).status).toBe(503);
    const again = await faults.send("/api/v1/me/test-outage", user, key);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: unknown }).error).toMatchObject({ code: "idempotency_replay_unavailable", details: { status: 503 } });
    expect(faults.runs()).toBe(1);
  });

  it("keeps a large 4xx as its code and message only, and replays that as a valid error", async () => {
    const user = await signIn(uniqueEmail("idem-large-error"));
    const faults = appWithFaults();
    const key = newKey();
    const first = await faults.send("/api/v1/me/test-large-error", user, key);
    expect(first.status).toBe(400);
    expect((await first.text()).length).toBeGreaterThan(512 * 1024);
    const row = await db.execute({ sql: "SELECT body FROM idempotency_keys WHERE scope = ? AND key = ?", args: [`user:${user.userId}`, key] });
    expect(String(row.rows[0]?.body).length).toBeLessThan(8 * 1024);
    const again = await faults.send("/api/v1/me/test-large-error", user, key);
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const body = (await again.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.message).toBe("m".repeat(500));
    expect(body.error.details).toEqual({ truncated: true });
    expect(faults.runs()).toBe(1);
  });

  it("retries storing the answer when that failed, so a repeat is replayed and never runs again", async () => {
    const user = await signIn(uniqueEmail("idem-store-fails"));
    const faults = appWithFaults(300);
    const key = newKey();
    const trigger = `idem_fail_${keyCounter}`;
    await db.execute(`CREATE TRIGGER ${trigger} BEFORE UPDATE ON idempotency_keys WHEN OLD.key = '${key}' BEGIN SELECT RAISE(ABORT, 'storage failed'); END`);
    try {
      const first = await faults.send("/api/v1/me/test-slow", user, key);
      expect(first.status).toBe(201);
      const meanwhile = await faults.send("/api/v1/me/test-slow", user, key);
      expect(meanwhile.status).toBe(409);
      expect(((await meanwhile.json()) as { error: { code: string } }).error.code).toBe("idempotency_in_progress");
    } finally {
      await db.execute(`DROP TRIGGER ${trigger}`);
    }
    await expect
      .poll(async () => (await db.execute({ sql: "SELECT status FROM idempotency_keys WHERE key = ?", args: [key] })).rows[0]?.status, { timeout: 8_000, interval: 200 })
      .toBe(201);
    const replayed = await faults.send("/api/v1/me/test-slow", user, key);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(faults.runs()).toBe(1);
  });

  it("releases the key after a 429 too: a retry after Retry-After runs", async () => {
    const user = await signIn(uniqueEmail("idem-busy"));
    const faults = appWithFaults();
    const key = newKey();
    expect((await faults.send("/api/v1/me/test-busy", user, key)).status).toBe(429);
    const retried = await faults.send("/api/v1/me/test-busy", user, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(faults.runs()).toBe(2);
  });

  it("keeps no answer over 1 MiB, and still never acts twice: the repeat is 409 idempotency_replay_unavailable", async () => {
    const user = await signIn(uniqueEmail("idem-large"));
    const faults = appWithFaults();
    const key = newKey();
    const first = await faults.send("/api/v1/me/test-large", user, key);
    expect(first.status).toBe(201);
    expect((await first.text()).length).toBeGreaterThan(1024 * 1024);
    const again = await faults.send("/api/v1/me/test-large", user, key);
    expect(again.status).toBe(409);
    const body = (await again.json()) as { error: { code: string; details: unknown } };
    expect(body.error).toMatchObject({ code: "idempotency_replay_unavailable", details: { status: 201 } });
    expect(faults.runs()).toBe(1);
  });

  it("answers 409 idempotency_in_progress with Retry-After when the first is still running past the wait", async () => {
    const user = await signIn(uniqueEmail("idem-slow"));
    const faults = appWithFaults(300);
    let finish!: () => void;
    faults.holdUntil(new Promise<void>((resolve) => (finish = resolve)));
    const key = newKey();
    const first = faults.send("/api/v1/me/test-slow", user, key);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = await faults.send("/api/v1/me/test-slow", user, key);
    expect(waiting.status).toBe(409);
    expect(((await waiting.json()) as { error: { code: string } }).error.code).toBe("idempotency_in_progress");
    expect(Number(waiting.headers.get("retry-after"))).toBeGreaterThan(0);
    finish();
    expect((await first).status).toBe(201);
    const replayed = await faults.send("/api/v1/me/test-slow", user, key);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(faults.runs()).toBe(1);
  });

  it("never takes over a claim whose answer was never recorded: after its lease a repeat is 409 idempotency_replay_unavailable", async () => {
    const user = await signIn(uniqueEmail("idem-abandoned"));
    const faults = appWithFaults(300);
    const key = newKey();
    const probe = await faults.send("/api/v1/me/test-slow", user, key);
    expect(probe.status).toBe(201);
    // As if its Worker died (or could not store the answer) two minutes ago, after the route ran.
    const twoMinutesAgo = Date.now() - 120_000;
    await db.execute({
      sql: "UPDATE idempotency_keys SET status = NULL, body = NULL, created_at = ? WHERE scope = ? AND key = ?",
      args: [twoMinutesAgo, `user:${user.userId}`, key],
    });
    const retried = await faults.send("/api/v1/me/test-slow", user, key);
    expect(retried.status).toBe(409);
    expect(((await retried.json()) as { error: unknown }).error).toMatchObject({ code: "idempotency_replay_unavailable", details: { status: null } });
    expect(faults.runs()).toBe(1);
  });
});

describe("Idempotency-Key after the caller's authority changed", () => {
  it("does not replay a demoted admin's earlier answer: 422, nothing acts", async () => {
    const key = newKey();
    const email = uniqueEmail("by-demoted");
    const first = await invite({ cookie: demoted.cookie }, org.slug, email, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const changed = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${demoted.userId}`, { cookie: owner.cookie, body: { role: "member" } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const again = await invite({ cookie: demoted.cookie }, org.slug, email, key);
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe("idempotency_mismatch");
    expect(JSON.stringify(again.body)).not.toContain(first.body.inviteUrl);
    expect(await invitationEffects(org.id, email)).toEqual({ invitations: 1, audit: 1, outbox: 1 });
  });

  it("does not replay to a revoked API key or a removed member: the route answers them", async () => {
    const created = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "soon revoked", scopes: ["invitations:write"] } });
    expect(created.status).toBe(201);
    const key = newKey();
    const first = await invite({ bearer: created.body.secret }, org.slug, uniqueEmail("by-revoked"), key);
    expect(first.status).toBe(201);
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/api-keys/${created.body.apiKey.id}`, { cookie: owner.cookie })).status).toBe(204);
    const byRevoked = await invite({ bearer: created.body.secret }, org.slug, uniqueEmail("by-revoked"), key);
    expect(byRevoked.status).toBe(401);
    expect(JSON.stringify(byRevoked.body)).not.toContain(first.body.inviteUrl);

    const removedKey = newKey();
    const email = uniqueEmail("by-removed");
    const before = await invite({ cookie: removed.cookie }, org.slug, email, removedKey);
    expect(before.status).toBe(201);
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/members/${removed.userId}`, { cookie: owner.cookie })).status).toBe(204);
    const after = await invite({ cookie: removed.cookie }, org.slug, email, removedKey);
    expect(after.status).toBe(404);
    expect(JSON.stringify(after.body)).not.toContain(before.body.inviteUrl);
  });
});

describe("Idempotency-Key limits what a caller can make the server keep", () => {
  it("refuses a new key past 10,000 live keys of one caller in one scope with 429 idempotency_key_limit; without a key the request runs", async () => {
    const now = Date.now();
    await db.execute({
      sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
            INSERT INTO idempotency_keys (scope, principal, key, fingerprint, status, body, content_type, created_at, expires_at)
            SELECT ?, ?, 'filler-' || i, 'x', 201, NULL, NULL, ?, ? FROM n`,
      args: [`org:${org.id}`, busy.userId, now, now + 3_600_000],
    });
    try {
      const email = uniqueEmail("past-limit");
      const refused = await invite({ cookie: busy.cookie }, org.slug, email, newKey());
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe("idempotency_key_limit");
      expect((refused.body.error as { details?: unknown }).details).toMatchObject({ limit: 10_000 });
      expect(await invitationEffects(org.id, email)).toEqual({ invitations: 0, audit: 0, outbox: 0 });
      // Another caller of the same organization is not affected.
      expect((await invite({ cookie: owner.cookie }, org.slug, uniqueEmail("other-caller"), newKey())).status).toBe(201);
      const without = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: busy.cookie, body: { invitee: email } });
      expect(without.status).toBe(201);
    } finally {
      await db.execute({ sql: "DELETE FROM idempotency_keys WHERE scope = ? AND principal = ?", args: [`org:${org.id}`, busy.userId] });
    }
  });

  it("answers at most 20 validation issues, so a 400 stays small whatever was sent", async () => {
    const rows = Array.from({ length: 200 }, () => ({ invitee: "" }));
    const key = newKey();
    const bad = await call("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows }, headers: { "Idempotency-Key": key } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    expect((bad.body.error as { details: { issues: unknown[] } }).details.issues.length).toBeGreaterThan(0);
    expect((bad.body.error as { details: { issues: unknown[] } }).details.issues.length).toBeLessThanOrEqual(20);
  });
});

describe("Idempotency-Key in the OpenAPI document", () => {
  it("documents the header and its 409 and 422 answers on every POST", async () => {
    const response = await exports.default.fetch(`${origin}/api/v1/openapi.json`);
    const doc = await response.json<{ paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>> }>();
    const posts = Object.entries(doc.paths).filter(([, item]) => item.post);
    expect(posts.length).toBeGreaterThan(10);
    for (const [path, item] of posts) {
      expect(item.post!.parameters?.some((p) => p.name === "Idempotency-Key" && p.in === "header"), path).toBe(true);
      expect(Object.keys(item.post!.responses), path).toContain("400");
      if (!path.startsWith("/api/v1/auth/")) {
        expect(Object.keys(item.post!.responses), path).toContain("409");
        expect(Object.keys(item.post!.responses), path).toContain("422");
      }
    }
  });
});
