import { createClient } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../worker/domain/scopes.ts";
import { call, createOrg, env, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import type { ApiKeyView } from "../../worker/views/api-key.ts";
import { referenceSha256Hex } from "./support/hash.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

/** An API key as the API shows it. */
type ApiKey = ApiKeyView;

async function createKey(slug: string, owner: SignedIn, scopes: Scope[], name = "automation"): Promise<{ apiKey: ApiKey; secret: string }> {
  const made = await call("POST", `/api/v1/orgs/${slug}/api-keys`, { cookie: owner.cookie, body: { name, scopes } });
  expect(made.status).toBe(201);
  return made.body;
}

async function listKeys(slug: string, owner: SignedIn): Promise<ApiKey[]> {
  const listed = await call<{ apiKeys: ApiKey[] }>("GET", `/api/v1/orgs/${slug}/api-keys`, { cookie: owner.cookie });
  expect(listed.status).toBe(200);
  return listed.body.apiKeys;
}

let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  [alice, bob] = (await Promise.all([signIn(uniqueEmail("key-alice")), signIn(uniqueEmail("key-bob"))])) as [SignedIn, SignedIn];
});

describe("the secret", () => {
  let org: { id: string; slug: string };
  let made: { apiKey: ApiKey; secret: string };

  beforeAll(async () => {
    org = await createOrg(alice, "keys-secret");
    made = await createKey(org.slug, alice, ["members:read", "members:read", "audit:read"], "  CI provisioning  ");
  });

  it("is shown once, at creation, beside a visible prefix that starts it", () => {
    const { apiKey, secret } = made;
    expect(secret).toMatch(/^rk_[A-Za-z0-9_-]{32,}$/);
    expect(apiKey.prefix.length).toBeGreaterThanOrEqual(8);
    expect(apiKey.prefix.length).toBeLessThan(secret.length - 20);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toEqual({
      id: expect.any(String),
      name: "CI provisioning",
      prefix: apiKey.prefix,
      scopes: ["members:read", "audit:read"],
      createdBy: alice.userId,
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
  });

  it("never appears again: not in the list of keys, nor in the audit trail", async () => {
    const listed = await call("GET", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: alice.cookie });
    expect(listed.body.apiKeys).toContainEqual(expect.objectContaining({ id: made.apiKey.id, prefix: made.apiKey.prefix }));
    expect(JSON.stringify(listed.body)).not.toContain(made.secret);
    expect(JSON.stringify(listed.body)).not.toContain(made.secret.slice(made.apiKey.prefix.length));
    const audit = await call("GET", `/api/v1/orgs/${org.slug}/audit`, { cookie: alice.cookie });
    expect(audit.body.events).toContainEqual(expect.objectContaining({ action: "api_key.created", targetId: made.apiKey.id }));
    expect(JSON.stringify(audit.body)).not.toContain(made.secret.slice(made.apiKey.prefix.length));
  });

  it("is stored only as its SHA-256: no column holds it", async () => {
    const rows = await db.execute({ sql: "SELECT * FROM api_keys WHERE id = ?", args: [made.apiKey.id] });
    const row = rows.rows[0]!;
    expect(row).toBeDefined();
    expect(row.secret_hash).toBe(await referenceSha256Hex(made.secret));
    const hidden = made.secret.slice(made.apiKey.prefix.length);
    for (const [column, value] of Object.entries(row)) {
      expect([column, String(value).includes(hidden)]).toEqual([column, false]);
    }
    expect(row.prefix).toBe(made.apiKey.prefix);
  });

  it.each([
    { body: { name: "none", scopes: [] } },
    { body: { name: "unknown", scopes: ["members:delete"] } },
    { body: { name: "", scopes: ["members:read"] } },
    { body: { scopes: ["members:read"] } },
  ])("refuses a malformed key $body with 400", async ({ body }) => {
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: alice.cookie, body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("validation_failed");
  });
});

describe("a key at work", () => {
  let org: { id: string; slug: string };
  let victim: string;

  beforeAll(async () => {
    org = await createOrg(alice, "keys-work");
    await seedMember(org, bob, "member");
    victim = bob.userId;
  });

  const as = (secret: string) => ({
    readMembers: () => call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: secret }),
    retitle: (title: string) => call("PATCH", `/api/v1/orgs/${org.slug}/members/${victim}`, { bearer: secret, body: { title } }),
    readAudit: () => call("GET", `/api/v1/orgs/${org.slug}/audit`, { bearer: secret }),
    readOrg: () => call("GET", `/api/v1/orgs/${org.slug}`, { bearer: secret }),
  });

  it.each<{ scopes: Scope[]; members: number; write: number; audit: number }>([
    { scopes: ["members:read"], members: 200, write: 403, audit: 403 },
    { scopes: ["members:write"], members: 200, write: 200, audit: 403 },
    { scopes: ["audit:read"], members: 403, write: 403, audit: 200 },
    { scopes: ["org:read"], members: 403, write: 403, audit: 403 },
    { scopes: ["members:write", "audit:read"], members: 200, write: 200, audit: 200 },
  ])("works with Authorization: Bearer exactly where $scopes allow", async ({ scopes, members, write, audit }) => {
    const { secret } = await createKey(org.slug, alice, scopes);
    const key = as(secret);
    expect((await key.readOrg()).status).toBe(200);
    expect((await key.readMembers()).status).toBe(members);
    expect((await key.retitle(`by ${scopes.join("+")}`)).status).toBe(write);
    expect((await key.readAudit()).status).toBe(audit);
  });

  it("refuses a bearer that is not a Roster key, or no key at all, with 401", async () => {
    for (const bearer of ["not-a-key", "rk_madeup0000000000000000000000000000000"]) {
      const answer = await call("GET", `/api/v1/orgs/${org.slug}`, { bearer });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe("unauthenticated");
    }
  });

  it("records when a key was last used", async () => {
    const { apiKey, secret } = await createKey(org.slug, alice, ["members:read"]);
    expect((await listKeys(org.slug, alice)).find((k) => k.id === apiKey.id)?.lastUsedAt).toBeNull();
    const before = Date.now();
    expect((await as(secret).readMembers()).status).toBe(200);
    const used = (await listKeys(org.slug, alice)).find((k) => k.id === apiKey.id);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(Date.parse(used!.lastUsedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(used!.lastUsedAt!)).toBeGreaterThanOrEqual(Date.parse(used!.createdAt));
  });

  it("stops a revoked key at once, and keeps it listed as revoked", async () => {
    const { apiKey, secret } = await createKey(org.slug, alice, ["members:read"]);
    expect((await as(secret).readMembers()).status).toBe(200);
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/api-keys/${apiKey.id}`, { cookie: alice.cookie })).status).toBe(204);
    const refused = await as(secret).readMembers();
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthenticated");
    expect((await listKeys(org.slug, alice)).find((k) => k.id === apiKey.id)?.revokedAt).not.toBeNull();
    const again = await call("DELETE", `/api/v1/orgs/${org.slug}/api-keys/${apiKey.id}`, { cookie: alice.cookie });
    expect(again.status).toBe(404);
  });

  it("never revokes another organization's key", async () => {
    const other = await createOrg(bob, "keys-other");
    const foreign = await createKey(other.slug, bob, ["members:read"]);
    const answer = await call("DELETE", `/api/v1/orgs/${org.slug}/api-keys/${foreign.apiKey.id}`, { cookie: alice.cookie });
    expect(answer.status).toBe(404);
    expect((await call("GET", `/api/v1/orgs/${other.slug}/members`, { bearer: foreign.secret })).status).toBe(200);
    // Nor is it usable, or listed, here.
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: foreign.secret })).status).toBe(401);
    expect((await listKeys(org.slug, alice)).map((k) => k.id)).not.toContain(foreign.apiKey.id);
  });
});

describe("a key and its creator", () => {
  /** An organization owned by alice and bob, with a key bob made. */
  async function bobsKey(stem: string, scopes: Scope[]) {
    const org = await createOrg(alice, stem);
    await seedMember(org, bob, "owner");
    const [target] = await seedTargets(org);
    const { secret } = await createKey(org.slug, bob, scopes);
    return { org, secret, target: target! };
  }

  /** A plain member to act on, seeded before the room loads. */
  async function seedTargets(org: { id: string; slug: string }): Promise<string[]> {
    const target = { userId: `usr_target_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}`, email: uniqueEmail("target"), cookie: "" };
    await db.execute({ sql: "INSERT INTO users (id, email, name, created_at) VALUES (?, ?, 'Target', ?)", args: [target.userId, target.email, Date.now()] });
    await seedMember(org, target, "member");
    const userId = target.userId;
    return [userId];
  }

  it("dies when its creator is removed", async () => {
    const { org, secret } = await bobsKey("keys-creator-gone", ["members:read"]);
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: secret })).status).toBe(200);
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: alice.cookie })).status).toBe(204);
    const refused = await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: secret });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthenticated");
  });

  it("never acts beyond its creator's current role", async () => {
    const { org, secret, target } = await bobsKey("keys-creator-demoted", ["members:write"]);
    const retitle = () => call("PATCH", `/api/v1/orgs/${org.slug}/members/${target}`, { bearer: secret, body: { title: "Retitled" } });
    expect((await retitle()).status).toBe(200);

    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: alice.cookie, body: { role: "member" } })).status).toBe(200);
    const refused = await retitle();
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    // A member may still read the list, and so may the key.
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: secret })).status).toBe(200);

    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/members/${bob.userId}`, { cookie: alice.cookie, body: { role: "restricted" } })).status).toBe(200);
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: secret })).status).toBe(403);
  });

  it("acts as an admin at most, even for an owner: it cannot touch owners or make one", async () => {
    const { org, secret, target } = await bobsKey("keys-capped", ["members:write"]);
    const onOwner = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { bearer: secret, body: { title: "Boss" } });
    expect(onOwner.status).toBe(403);
    const removeOwner = await call("DELETE", `/api/v1/orgs/${org.slug}/members/${alice.userId}`, { bearer: secret });
    expect(removeOwner.status).toBe(403);
    const makeOwner = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${target}`, { bearer: secret, body: { role: "owner" } });
    expect(makeOwner.status).toBe(403);
    const makeAdmin = await call("PATCH", `/api/v1/orgs/${org.slug}/members/${target}`, { bearer: secret, body: { role: "admin" } });
    expect(makeAdmin.status).toBe(200);
  });

  it("never does what only owners may, whatever its scopes", async () => {
    const { org, secret, target } = await bobsKey("keys-owner-only", ["org:read", "members:read", "members:write", "invitations:read", "invitations:write", "audit:read"]);
    const [someKey] = await listKeys(org.slug, bob);
    const attempts: Array<[string, string, unknown?]> = [
      ["PATCH", `/api/v1/orgs/${org.slug}`, { seatLimit: 100 }],
      ["PATCH", `/api/v1/orgs/${org.slug}`, { name: "Taken over" }],
      ["POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { userId: target }],
      ["POST", `/api/v1/orgs/${org.slug}/api-keys`, { name: "child", scopes: ["members:read"] }],
      ["GET", `/api/v1/orgs/${org.slug}/api-keys`],
      ["DELETE", `/api/v1/orgs/${org.slug}/api-keys/${someKey!.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await call(method, path, { bearer: secret, body });
      expect([method, path, answer.status, answer.body.error.code]).toEqual([method, path, 403, "forbidden"]);
    }
    const read = await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: alice.cookie });
    expect(read.body.org).toMatchObject({ seatLimit: 5, name: `Org ${org.slug}` });
    expect((await listKeys(org.slug, bob)).every((k) => k.revokedAt === null)).toBe(true);
    expect((await listKeys(org.slug, bob))).toHaveLength(1);
  });
});
