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

  it("never replays one caller's answer to another member of the organization: 422, nothing acts", async () => {
    const email = uniqueEmail("someone-elses");
    const key = newKey();
    const first = await invite({ cookie: owner.cookie }, org.slug, email, key);
    expect(first.status).toBe(201);
    const byAdmin = await invite({ cookie: admin.cookie }, org.slug, email, key);
    expect(byAdmin.status).toBe(422);
    expect(byAdmin.body.error.code).toBe("idempotency_mismatch");
    expect(JSON.stringify(byAdmin.body)).not.toContain(first.body.inviteUrl);
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
      sql: "INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, content_type, created_at, expires_at) VALUES ('user:nobody', ?, 'x', 200, NULL, NULL, ?, ?)",
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
      if (runs === 1) throw databaseUnavailable();
      if (runs === 2) throw new Error("a bug");
      return c.json({ runs }, 201);
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

  it("releases the key after a 5xx (an outage or a bug), so a retry runs again; then replays", async () => {
    const user = await signIn(uniqueEmail("idem-flaky"));
    const faults = appWithFaults();
    const key = newKey();
    expect((await faults.send("/api/v1/me/test-flaky", user, key)).status).toBe(503);
    expect((await faults.send("/api/v1/me/test-flaky", user, key)).status).toBe(500);
    const third = await faults.send("/api/v1/me/test-flaky", user, key);
    expect(third.status).toBe(201);
    expect(await third.json()).toEqual({ runs: 3 });
    const fourth = await faults.send("/api/v1/me/test-flaky", user, key);
    expect(fourth.status).toBe(201);
    expect(fourth.headers.get("idempotent-replayed")).toBe("true");
    expect(await fourth.json()).toEqual({ runs: 3 });
    expect(faults.runs()).toBe(3);
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

  it("takes over a claim whose request never finished once its lease ran out", async () => {
    const user = await signIn(uniqueEmail("idem-abandoned"));
    const faults = appWithFaults(300);
    const key = newKey();
    // A claim left running by a Worker that died two minutes ago.
    const fingerprintOf = async () => {
      const probe = await faults.send("/api/v1/me/test-slow", user, key);
      expect(probe.status).toBe(201);
      const row = await db.execute({ sql: "SELECT fingerprint FROM idempotency_keys WHERE scope = ? AND key = ?", args: [`user:${user.userId}`, key] });
      return String(row.rows[0]?.fingerprint);
    };
    const fingerprint = await fingerprintOf();
    const twoMinutesAgo = Date.now() - 120_000;
    await db.execute({
      sql: "UPDATE idempotency_keys SET status = NULL, body = NULL, created_at = ? WHERE scope = ? AND key = ? AND fingerprint = ?",
      args: [twoMinutesAgo, `user:${user.userId}`, key, fingerprint],
    });
    const retried = await faults.send("/api/v1/me/test-slow", user, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(faults.runs()).toBe(2);
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
