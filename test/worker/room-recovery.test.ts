import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import type { Statement } from "../../worker/lib/sql/statement.ts";
import { toInStatement } from "../../worker/lib/sql/statement.ts";
import { call, createOrg, latestMail, signIn, uniqueEmail } from "./support/client.ts";

/**
 * What a room's recovery from a failed commit must take back, and what must not make it
 * rebuild its index: each case found by attacking the index and the overlapping commits
 * (docs/decisions/0016-room-index-and-overlapping-commits.md).
 */

const db = createClient({ url: env.DATABASE_URL ?? "" });
const sqlOf = (statements: readonly Statement[]) => statements.map((s) => (toInStatement(s) as { sql: string }).sql).join("\n");
const room = (orgId: string) => orgRoom(env, orgId);
const joinToken = (url: string) => url.slice(url.indexOf("/join/") + "/join/".length);
const rebuilds = (orgId: string) => runInDurableObject(room(orgId), (r: OrgRoom) => r.slot.rebuilds);
const clearFaults = (orgId: string) =>
  runInDurableObject(room(orgId), (r: OrgRoom) => {
    r.faults = {};
    return { ...r.queue.stats };
  });

async function owned(stem: string, seatLimit?: number) {
  const owner = await signIn(uniqueEmail(`${stem}-owner`));
  const org = await createOrg(owner, stem);
  if (seatLimit !== undefined) expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit } })).status).toBe(200);
  return { owner, org };
}

describe("a room recovering from a failed commit", () => {
  it("takes back a link change whose commit failed, so the retry writes it: a disabled link stays disabled after a restart", async () => {
    const { owner, org } = await owned("rr-link");
    const enabled = await call("PATCH", `/api/v1/orgs/${org.slug}/links/new`, { cookie: owner.cookie, body: { enabled: true } });
    expect(enabled.status).toBe(200);
    await runInDurableObject(room(org.id), (r: OrgRoom) => {
      let armed = true;
      r.faults = {
        beforeCommit: (statements) => {
          if (!armed || !/org_links/i.test(sqlOf(statements))) return;
          armed = false;
          throw new Error("fetch failed: injected");
        },
      };
    });
    const disabled = await call("PATCH", `/api/v1/orgs/${org.slug}/links/new`, { cookie: owner.cookie, body: { enabled: false } });
    expect(disabled.status).toBe(200);
    const row = await db.execute({ sql: "SELECT enabled FROM org_links WHERE org_id = ? AND kind = 'new'", args: [org.id] });
    expect(Number(row.rows[0]?.enabled)).toBe(0);
    await clearFaults(org.id);
    await evictDurableObject(room(org.id));
    const stranger = await signIn(uniqueEmail("rr-link-stranger"));
    expect((await call("POST", `/api/v1/join/${joinToken(enabled.body.url)}`, { cookie: stranger.cookie })).status).not.toBe(200);
  });

  it("answers a group whose send after the group ahead committed lost its answer with what committed, planned once", async () => {
    const { owner, org } = await owned("rr-lost");
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).status).toBe(200);
    await runInDurableObject(room(org.id), (r: OrgRoom) => {
      let keySends = 0;
      r.faults = {
        // The rename commits slowly: the key is planned meanwhile, behind it.
        beforeCommit: async (statements) => {
          if (/UPDATE "organizations" SET "name"/i.test(sqlOf(statements))) await new Promise((resolve) => setTimeout(resolve, 200));
        },
        // The key's transaction commits; its answer is lost.
        afterCommit: (statements) => {
          if (/insert into "api_keys"/i.test(sqlOf(statements)) && ++keySends === 1) throw new Error("fetch failed: injected (answer lost)");
        },
      };
    });
    const rename = call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Renamed" } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const key = await call<{ apiKey: { id: string }; secret: string }>("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "k", scopes: ["org:read"] } });
    expect((await rename).status).toBe(200);
    expect(key.status).toBe(201);
    const stats = await clearFaults(org.id);
    expect(stats.recovered).toBe(1);
    const rows = await db.execute({ sql: "SELECT id FROM api_keys WHERE org_id = ?", args: [org.id] });
    expect(rows.rows.map((r) => r.id)).toEqual([key.body.apiKey.id]);
    for (const restart of [false, true]) {
      if (restart) await evictDurableObject(room(org.id));
      expect((await call("GET", `/api/v1/orgs/${org.slug}`, { bearer: key.body.secret })).status).toBe(200);
    }
  });

  it("lets an invitee join by link into an organization over a lowered limit, their invitation's seat taken over, and never rebuilds for it", async () => {
    const { owner, org } = await owned("rr-join", 3);
    const person = await signIn(uniqueEmail("rr-join-person"));
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: person.email } })).status).toBe(201);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail("rr-join-x") } })).status).toBe(201);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 2 } })).status).toBe(200);
    const link = await call("PATCH", `/api/v1/orgs/${org.slug}/links/existing`, { cookie: owner.cookie, body: { enabled: true } });
    const before = await rebuilds(org.id);
    const joined = await call("POST", `/api/v1/join/${joinToken(link.body.url)}`, { cookie: person.cookie });
    expect([joined.status, joined.body.status]).toEqual([200, "joined"]);
    expect(await rebuilds(org.id)).toBe(before);
    const seats = await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    expect(seats.body.seats).toMatchObject({ members: 2, pending: 1, used: 3, limit: 2 });
  });

  it("does not rebuild when a group fails because one of its commands lowered the seat limit under the others", async () => {
    const { owner, org } = await owned("rr-limit", 50);
    await runInDurableObject(room(org.id), (r: OrgRoom) => {
      r.faults = { beforeCommit: () => new Promise((resolve) => setTimeout(resolve, 100)) };
    });
    const before = await rebuilds(org.id);
    for (let cycle = 0; cycle < 2; cycle++) {
      const answers = await Promise.all([
        ...["a", "b", "c"].map((n) => call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail(`rr-limit-${n}${cycle}`) } })),
        call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 1 } }),
      ]);
      for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);
      expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 50 } })).status).toBe(200);
    }
    await clearFaults(org.id);
    expect(await rebuilds(org.id)).toBe(before);
  });

  it("takes a member's new name into the index even when the room had not started since its restart", async () => {
    const owner = await signIn(uniqueEmail("rr-name-owner"));
    expect((await call("PATCH", "/api/v1/me", { cookie: owner.cookie, body: { name: "Old Name" } })).status).toBe(200);
    const org = await createOrg(owner, "rr-name");
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).status).toBe(200);
    await evictDurableObject(room(org.id));
    expect((await call("PATCH", "/api/v1/me", { cookie: owner.cookie, body: { name: "New Name" } })).status).toBe(200);
    const invitee = uniqueEmail("rr-name-invitee");
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee } })).status).toBe(201);
    expect((await latestMail(invitee)).subject).toContain("New Name");
  });
});
