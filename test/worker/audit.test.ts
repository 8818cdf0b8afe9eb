import { createClient } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createOrg, env, seedMember, signIn, uniqueEmail, type Answer, type SignedIn } from "./support/client.ts";
import type { AuditEventView } from "../../worker/views/audit-event.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
afterAll(() => db.close());

type AuditEvent = AuditEventView;

/** Members who never sign in, seeded before the room first loads. */
async function seedTargets(org: { id: string }, roles: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const role of roles) {
    const user = { userId: `usr_audit_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}`, email: uniqueEmail("audited"), cookie: "" };
    await db.execute({ sql: "INSERT INTO users (id, email, name, created_at) VALUES (?, ?, 'Audited', ?)", args: [user.userId, user.email, Date.now()] });
    await seedMember(org, user, role);
    ids.push(user.userId);
  }
  return ids;
}

let alice: SignedIn;
let org: { id: string; slug: string };
let targets: { member: string; other: string; bulkA: string; bulkB: string; heir: string };

beforeAll(async () => {
  alice = await signIn(uniqueEmail("auditor"));
  org = await createOrg(alice, "audit");
  const [member, other, bulkA, bulkB, heir] = await seedTargets(org, ["member", "member", "member", "restricted", "member"]);
  targets = { member: member!, other: other!, bulkA: bulkA!, bulkB: bulkB!, heir: heir! };
});

async function events(query = "limit=200", who: { cookie?: string; bearer?: string } = { cookie: alice.cookie }): Promise<AuditEvent[]> {
  const answer = await call<{ events: AuditEvent[] }>("GET", `/api/v1/orgs/${org.slug}/audit?${query}`, who);
  expect(answer.status).toBe(200);
  return answer.body.events;
}

/** Runs `change` and answers what it answered and the audit events it appended, oldest first. */
async function appended(change: () => Promise<Answer<any>>): Promise<{ answer: Answer<any>; added: AuditEvent[]; from: number; to: number }> {
  const [newest] = await events("limit=1");
  const from = Date.now();
  const answer = await change();
  const to = Date.now();
  const added = (await events()).filter((e) => e.id > (newest?.id ?? 0)).reverse();
  return { answer, added, from, to };
}

function expectTimely(event: AuditEvent | undefined, from: number, to: number) {
  const at = Date.parse(event?.at ?? "");
  expect(at).toBeGreaterThanOrEqual(from - 1000);
  expect(at).toBeLessThanOrEqual(to + 1000);
}

describe("the audit trail", () => {
  it("starts with the organization's creation, by its creator", async () => {
    const all = await events();
    expect(all.at(-1)).toMatchObject({
      actorType: "user",
      actorId: alice.userId,
      action: "org.created",
      targetType: "org",
      targetId: org.id,
      data: { name: `Org ${org.slug}`, slug: org.slug },
    });
    expect(all.filter((e) => e.action === "org.created")).toHaveLength(1);
  });

  const changes: Array<{
    name: string;
    run: () => Promise<Answer<any>>;
    status: number;
    expected: () => Partial<AuditEvent>;
  }> = [
    {
      name: "an update of the organization's settings",
      run: () => call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: alice.cookie, body: { name: "Audited Inc", allowedEmailDomains: ["example.com"] } }),
      status: 200,
      expected: () => ({
        action: "org.updated",
        targetType: "org",
        targetId: org.id,
        data: { changes: { name: { from: `Org ${org.slug}`, to: "Audited Inc" }, allowedEmailDomains: { from: [], to: ["example.com"] } } },
      }),
    },
    {
      name: "a change of the seat limit",
      run: () => call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: alice.cookie, body: { seatLimit: 20 } }),
      status: 200,
      expected: () => ({ action: "org.seat_limit_changed", targetType: "org", targetId: org.id, data: { changes: { seatLimit: { from: 5, to: 20 } } } }),
    },
    {
      name: "a role change",
      run: () => call("PATCH", `/api/v1/orgs/${org.slug}/members/${targets.member}`, { cookie: alice.cookie, body: { role: "admin" } }),
      status: 200,
      expected: () => ({ action: "member.role_changed", targetType: "member", targetId: targets.member, data: { from: "member", to: "admin" } }),
    },
    {
      name: "a title change",
      run: () => call("PATCH", `/api/v1/orgs/${org.slug}/members/${targets.member}`, { cookie: alice.cookie, body: { title: "Auditor" } }),
      status: 200,
      expected: () => ({ action: "member.updated", targetType: "member", targetId: targets.member, data: { from: "admin", to: "admin", title: "Auditor" } }),
    },
    {
      name: "a removal",
      run: () => call("DELETE", `/api/v1/orgs/${org.slug}/members/${targets.other}`, { cookie: alice.cookie }),
      status: 204,
      expected: () => ({ action: "member.removed", targetType: "member", targetId: targets.other, data: { role: "member", by: alice.userId } }),
    },
    {
      name: "an ownership transfer",
      run: () => call("POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { cookie: alice.cookie, body: { userId: targets.heir } }),
      status: 200,
      expected: () => ({
        action: "org.ownership_transferred",
        targetType: "member",
        targetId: targets.heir,
        data: { from: alice.userId, to: targets.heir, previousRole: "member" },
      }),
    },
  ];

  it.each(changes)("appends exactly one event for $name, with actor, action, target, data and time", async ({ run, status, expected }) => {
    const { answer, added, from, to } = await appended(run);
    expect(answer.status).toBe(status);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ actorType: "user", actorId: alice.userId, ...expected() });
    expectTimely(added[0], from, to);
  });

  it("appends one event per member removed in bulk, and none for the rows it refused", async () => {
    const { answer, added, from, to } = await appended(() =>
      call("POST", `/api/v1/orgs/${org.slug}/members/bulk-remove`, {
        cookie: alice.cookie,
        body: { userIds: [targets.bulkA, "usr_nobody", targets.bulkB] },
      }),
    );
    expect(answer.status).toBe(200);
    expect(added.map((e) => [e.action, e.targetId, e.data])).toEqual([
      ["member.removed", targets.bulkA, { role: "member", by: alice.userId }],
      ["member.removed", targets.bulkB, { role: "restricted", by: alice.userId }],
    ]);
    for (const event of added) {
      expect(event).toMatchObject({ actorType: "user", actorId: alice.userId, targetType: "member" });
      expectTimely(event, from, to);
    }
  });
});

describe("the audit trail of API keys", () => {
  let owner: SignedIn;
  let keyed: { id: string; slug: string };

  beforeAll(async () => {
    owner = await signIn(uniqueEmail("key-auditor"));
    keyed = await createOrg(owner, "audit-keys");
    await seedTargets(keyed, ["member"]);
  });

  const trail = async () =>
    (await call<{ events: AuditEvent[] }>("GET", `/api/v1/orgs/${keyed.slug}/audit?limit=200`, { cookie: owner.cookie })).body.events;

  it("records a key's creation and revocation once each, and what a key does under the key's own name", async () => {
    const before = (await trail()).length;
    const created = await call("POST", `/api/v1/orgs/${keyed.slug}/api-keys`, { cookie: owner.cookie, body: { name: "bot", scopes: ["members:write"] } });
    expect(created.status).toBe(201);
    const { apiKey, secret } = created.body;
    let all = await trail();
    expect(all).toHaveLength(before + 1);
    expect(all[0]).toMatchObject({
      actorType: "user",
      actorId: owner.userId,
      action: "api_key.created",
      targetType: "api_key",
      targetId: apiKey.id,
      data: { name: "bot", prefix: apiKey.prefix, scopes: ["members:write"] },
    });

    // A key's own change is recorded with the key as its actor.
    const members = await call("GET", `/api/v1/orgs/${keyed.slug}/members?role=member`, { bearer: secret });
    const target = members.body.members[0].userId;
    expect((await call("PATCH", `/api/v1/orgs/${keyed.slug}/members/${target}`, { bearer: secret, body: { title: "Botted" } })).status).toBe(200);
    all = await trail();
    expect(all).toHaveLength(before + 2);
    expect(all[0]).toMatchObject({ actorType: "api_key", actorId: apiKey.id, action: "member.updated", targetId: target });

    expect((await call("DELETE", `/api/v1/orgs/${keyed.slug}/api-keys/${apiKey.id}`, { cookie: owner.cookie })).status).toBe(204);
    all = await trail();
    expect(all).toHaveLength(before + 3);
    expect(all[0]).toMatchObject({ actorType: "user", actorId: owner.userId, action: "api_key.revoked", targetType: "api_key", targetId: apiKey.id });
  });
});

describe("refused changes", () => {
  it("append nothing: last owner, forbidden, invalid or not found", async () => {
    const owner = await signIn(uniqueEmail("refused"));
    const refused = await createOrg(owner, "audit-refused");
    const [member] = await seedTargets(refused, ["member"]);
    const count = async () =>
      Number((await db.execute({ sql: "SELECT count(*) AS n FROM audit_events WHERE org_id = ?", args: [refused.id] })).rows[0]?.n);
    const before = await count();
    const attempts: Array<[string, string, unknown, number, string]> = [
      ["PATCH", `/members/${owner.userId}`, { role: "admin" }, 409, "last_owner"],
      ["DELETE", `/members/${owner.userId}`, undefined, 409, "last_owner"],
      ["POST", "/members/bulk-remove", { userIds: [owner.userId] }, 200, ""],
      ["PATCH", `/members/${member}`, { role: "emperor" }, 400, "validation_failed"],
      ["PATCH", "/members/usr_nobody", { role: "admin" }, 404, "not_found"],
      ["POST", "/transfer-ownership", { userId: "usr_nobody" }, 404, "not_found"],
      ["DELETE", "/api-keys/key_nobody", undefined, 404, "not_found"],
      ["PATCH", "", { seatLimit: -1 }, 400, "validation_failed"],
    ];
    for (const [method, path, body, status, code] of attempts) {
      const answer = await call(method, `/api/v1/orgs/${refused.slug}${path}`, { cookie: owner.cookie, body });
      expect([method, path, answer.status, answer.body?.error?.code ?? ""]).toEqual([method, path, status, code]);
    }
    expect(await count()).toBe(before);
  });

  it("append nothing when a change changes nothing", async () => {
    const owner = await signIn(uniqueEmail("no-op"));
    const same = await createOrg(owner, "audit-noop");
    const read = await call("GET", `/api/v1/orgs/${same.slug}`, { cookie: owner.cookie });
    const [before] = (await call("GET", `/api/v1/orgs/${same.slug}/audit`, { cookie: owner.cookie })).body.events;
    const answer = await call("PATCH", `/api/v1/orgs/${same.slug}`, { cookie: owner.cookie, body: { name: read.body.org.name, seatLimit: read.body.org.seatLimit } });
    expect(answer.status).toBe(200);
    const [after] = (await call("GET", `/api/v1/orgs/${same.slug}/audit`, { cookie: owner.cookie })).body.events;
    expect(after.id).toBe(before.id);
  });
});

describe("reading the audit trail", () => {
  it("pages newest first with a cursor, every event once", async () => {
    const all = await events();
    expect(all.length).toBeGreaterThan(4);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    const walked: number[] = [];
    let cursor: number | null = null;
    do {
      const page: { body: { events: AuditEvent[]; nextCursor: number | null } } = await call(
        "GET",
        `/api/v1/orgs/${org.slug}/audit?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { cookie: alice.cookie },
      );
      walked.push(...page.body.events.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor && walked.length < 500);
    expect(walked).toEqual(all.map((e) => e.id));
  });

  it("shows nothing of another organization", async () => {
    const others = new Set((await events()).map((e) => e.targetId));
    expect(others.has(org.id)).toBe(true);
    const other = await createOrg(alice, "audit-elsewhere");
    const theirs = await call<{ events: AuditEvent[] }>("GET", `/api/v1/orgs/${other.slug}/audit`, { cookie: alice.cookie });
    expect(theirs.body.events.map((e) => e.action)).toEqual(["org.created"]);
    expect(theirs.body.events[0]?.targetId).toBe(other.id);
  });
});
