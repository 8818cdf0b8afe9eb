/**
 * Nothing one request or one room command does grows with the organization's size
 * (docs/decisions/0015-bounded-by-page.md): the expiry pass takes at most a batch, a
 * project's deletion rewrites any number of pending invitations in one statement, and every
 * list answers a page with a cursor. test/node/scale.test.ts runs the same at 100,000.
 */
import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { changedInvitationEvents, expiryPassLimit } from "../../worker/org/commands/bounds.ts";
import { smallProject } from "../../worker/routes/projects/members-page.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { memberId, seedMembers, seedPendingInvitations, seedProjectMembers } from "../support/scale-seed.ts";
import { call, createOrg, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { isEvent, open } from "./support/live.ts";

const db = createClient({ url: env.DATABASE_URL ?? "" });
const dayMs = 86_400_000;
let tags = 0;
const freshTag = () => `b${Date.now().toString(36)}${++tags}`;

async function orgOf(stem: string): Promise<{ owner: SignedIn; org: { id: string; slug: string; name: string } }> {
  const owner = await signIn(uniqueEmail(`${stem}-owner`));
  const org = await createOrg(owner, stem);
  return { owner, org: { ...org, name: `Org ${org.slug}` } };
}

async function setSeatLimit(orgId: string, limit: number): Promise<void> {
  await db.execute({ sql: "UPDATE organizations SET seat_limit = ? WHERE id = ?", args: [limit, orgId] });
}

async function count(sql: string, args: Array<string | number>): Promise<number> {
  return Number((await db.execute({ sql, args })).rows[0]?.n);
}

describe("the alarm's expiry pass", () => {
  it(`expires at most ${expiryPassLimit} due invitations a pass, the oldest first, and comes back at once for the rest`, async () => {
    const { owner, org } = await orgOf("expiry-pass");
    const due = expiryPassLimit * 2 + 37;
    const now = Date.now();
    // Seeded before the room first loads: due one second apart, in order of their number.
    await seedPendingInvitations(db, org, due, { tag: freshTag(), now, createdBy: owner.userId, expiresAt: now + dayMs, expiresStepMs: 1000 });
    await setSeatLimit(org.id, due + 1);
    const seats = async () => (await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).body.seats;
    expect(await seats()).toMatchObject({ pending: due });
    const live = await open(org.slug, { cookie: owner.cookie });
    await live.take((m) => m.type === "ready");

    // Every one of them is past due now.
    const later = now + dayMs + due * 1000 + 60_000;
    await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => {
      room.clock = { now: () => later };
    });
    const expiredIds = async () =>
      (await db.execute({ sql: "SELECT id FROM invitations WHERE org_id = ? AND status = 'expired' ORDER BY expires_at", args: [org.id] })).rows.map((r) => String(r.id));
    const oldest = (await db.execute({ sql: "SELECT id FROM invitations WHERE org_id = ? ORDER BY expires_at LIMIT ?", args: [org.id, expiryPassLimit] })).rows.map((r) =>
      String(r.id),
    );

    const stillPending = () => count("SELECT count(*) AS n FROM invitations WHERE org_id = ? AND status = 'pending'", [org.id]);
    expect(await runDurableObjectAlarm(orgRoom(env, org.id))).toBe(true);
    expect(await expiredIds()).toEqual(oldest);
    expect(await stillPending()).toBe(due - expiryPassLimit);
    expect(await count("SELECT count(*) AS n FROM audit_events WHERE org_id = ? AND action = 'invitation.expired'", [org.id])).toBe(expiryPassLimit);
    // The pass's events came in one message, and the alarm stands for the next pass.
    const events = (await live.drain()).filter((e) => e.type === "invitation.updated");
    expect(events).toHaveLength(expiryPassLimit);
    expect(live.received.filter((m) => m.startsWith("[")).every((m) => (JSON.parse(m) as unknown[]).length <= expiryPassLimit + 1)).toBe(true);

    expect(await runDurableObjectAlarm(orgRoom(env, org.id))).toBe(true);
    expect((await expiredIds()).length).toBe(expiryPassLimit * 2);
    expect(await runDurableObjectAlarm(orgRoom(env, org.id))).toBe(true);
    expect((await expiredIds()).length).toBe(due);
    expect(await seats()).toMatchObject({ pending: 0, used: 1 });
    // Nothing is due any more: no alarm is left for expiries.
    const alarm = await runInDurableObject(orgRoom(env, org.id), (_room: OrgRoom, state) => state.storage.getAlarm());
    expect(alarm === null || alarm > later).toBe(true);
    live.ws.close();
  });
});

describe("deleting a project many pending invitations name", () => {
  it(`rewrites them in one statement, keeps their other projects, and publishes no event for each past ${changedInvitationEvents}`, async () => {
    const { owner, org } = await orgOf("project-many");
    const now = Date.now();
    // Everything seeded before the room first loads (it reads projects and pending invitations once).
    const create = async (name: string) => {
      const id = `prj_${freshTag()}`;
      await db.execute({
        sql: "INSERT INTO projects (id, org_id, name, visibility, created_by, created_at, updated_at) VALUES (?, ?, ?, 'private', ?, ?, ?)",
        args: [id, org.id, name, owner.userId, now, now],
      });
      return id;
    };
    const doomed = await create("Doomed");
    const kept = await create("Kept");
    const many = changedInvitationEvents + 50;
    const assignments = [
      { projectId: doomed, role: "use" },
      { projectId: kept, role: "viewer" },
    ];
    await seedPendingInvitations(db, org, many, { tag: freshTag(), now, createdBy: owner.userId, expiresAt: now + 7 * dayMs, projectAssignments: assignments });
    await setSeatLimit(org.id, many + 1);
    const live = await open(org.slug, { cookie: owner.cookie });
    await live.take((m) => m.type === "ready");

    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/projects/${doomed}`, { cookie: owner.cookie })).status).toBe(204);
    const rows = await db.execute({ sql: "SELECT DISTINCT project_assignments AS a FROM invitations WHERE org_id = ?", args: [org.id] });
    expect(rows.rows.map((r) => JSON.parse(String(r.a)))).toEqual([[{ projectId: kept, role: "viewer" }]]);
    const [audit] = (await db.execute({ sql: "SELECT data FROM audit_events WHERE org_id = ? AND action = 'project.deleted'", args: [org.id] })).rows;
    const data = JSON.parse(String(audit?.data)) as { invitationsUpdated: string[]; invitationsUpdatedCount: number };
    expect(data.invitationsUpdatedCount).toBe(many);
    expect(data.invitationsUpdated).toHaveLength(changedInvitationEvents);
    const events = await live.drain();
    expect(events.map((e) => e.type)).toEqual(["project.changed"]);
    expect(events[0]?.data).toEqual({ project: { id: doomed, deleted: true } });
    // The room's own copies follow: accepting one of them now assigns only the kept project.
    const listed = await call<{ invitations: Array<{ projectAssignments: unknown[] }> }>("GET", `/api/v1/orgs/${org.slug}/invitations?limit=5`, { cookie: owner.cookie });
    expect(listed.body.invitations.every((i) => JSON.stringify(i.projectAssignments) === JSON.stringify([{ projectId: kept, role: "viewer" }]))).toBe(true);
    live.ws.close();
  });
});

describe("lists a page at a time", () => {
  it("pages API keys, newest first", async () => {
    const { owner, org } = await orgOf("keys-paged");
    const made: string[] = [];
    for (const name of ["one", "two", "three"]) {
      const created = await call<{ apiKey: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name, scopes: ["org:read"] } });
      expect(created.status).toBe(201);
      made.push(created.body.apiKey.id);
    }
    const first = await call<{ apiKeys: Array<{ id: string }>; nextCursor: string | null }>("GET", `/api/v1/orgs/${org.slug}/api-keys?limit=2`, { cookie: owner.cookie });
    expect(first.status).toBe(200);
    expect(first.body.apiKeys.map((k) => k.id)).toEqual([made[2], made[1]]);
    const second = await call<{ apiKeys: Array<{ id: string }>; nextCursor: string | null }>("GET", `/api/v1/orgs/${org.slug}/api-keys?limit=2&cursor=${first.body.nextCursor}`, {
      cookie: owner.cookie,
    });
    expect(second.body).toEqual({ apiKeys: [expect.objectContaining({ id: made[0] })], nextCursor: null });
    expect((await call("GET", `/api/v1/orgs/${org.slug}/api-keys?limit=101`, { cookie: owner.cookie })).status).toBe(400);
  });

  it("pages projects by name, and a member's projects", async () => {
    const { owner, org } = await orgOf("projects-paged");
    const ids = new Map<string, string>();
    for (const name of ["bravo", "Alpha", "charlie"]) {
      ids.set(name, (await call<{ project: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/projects`, { cookie: owner.cookie, body: { name } })).body.project.id);
    }
    const first = await call<{ projects: Array<{ name: string }>; nextCursor: string | null }>("GET", `/api/v1/orgs/${org.slug}/projects?limit=2`, { cookie: owner.cookie });
    expect(first.body.projects.map((p) => p.name)).toEqual(["Alpha", "bravo"]);
    const second = await call<{ projects: Array<{ name: string }>; nextCursor: string | null }>(
      "GET",
      `/api/v1/orgs/${org.slug}/projects?limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`,
      { cookie: owner.cookie },
    );
    expect(second.body.projects.map((p) => p.name)).toEqual(["charlie"]);
    expect(second.body.nextCursor).toBeNull();
    expect((await call("GET", `/api/v1/orgs/${org.slug}/projects?cursor=not-a-cursor`, { cookie: owner.cookie })).body.error.code).toBe("validation_failed");

    const assigned = await call("POST", `/api/v1/orgs/${org.slug}/projects/assignments`, {
      cookie: owner.cookie,
      body: { userIds: [owner.userId], projects: [...ids.values()].map((projectId) => ({ projectId, role: "admin" })) },
    });
    expect(assigned.status).toBe(200);
    const mine = `/api/v1/orgs/${org.slug}/members/${owner.userId}/projects`;
    const page = await call<{ projects: Array<{ projectName: string }>; nextCursor: string | null }>("GET", `${mine}?limit=2`, { cookie: owner.cookie });
    expect(page.body.projects.map((p) => p.projectName)).toEqual(["Alpha", "bravo"]);
    const rest = await call<{ projects: Array<{ projectName: string }>; nextCursor: string | null }>("GET", `${mine}?limit=2&cursor=${encodeURIComponent(page.body.nextCursor!)}`, {
      cookie: owner.cookie,
    });
    expect(rest.body).toEqual({ projects: [expect.objectContaining({ projectName: "charlie" })], nextCursor: null });
  });

  it(`pages a project's members by name, in a small project and one of more than ${smallProject}`, async () => {
    const { owner, org } = await orgOf("project-members-paged");
    const tag = freshTag();
    const size = smallProject + 150;
    // Members seeded before the room first loads.
    await seedMembers(db, org, size, { tag, now: Date.now() });
    await setSeatLimit(org.id, size + 1);
    const create = async (name: string) =>
      (await call<{ project: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/projects`, { cookie: owner.cookie, body: { name, visibility: "public" } })).body.project.id;
    const big = await create("Everyone");
    const small = await create("Few");
    await seedProjectMembers(db, org, big, size, { tag, now: Date.now() });
    await seedProjectMembers(db, org, small, 7, { tag, now: Date.now() });
    const expected = async (projectId: string) =>
      (
        await db.execute({
          sql: "SELECT m.user_id FROM project_members pm JOIN memberships m ON m.org_id = pm.org_id AND m.user_id = pm.user_id WHERE pm.project_id = ? ORDER BY lower(m.user_name), m.user_id",
          args: [projectId],
        })
      ).rows.map((r) => String(r.user_id));

    const walk = async (projectId: string, limit: number) => {
      const detail = await call<{ members: Array<{ userId: string }>; membersNextCursor: string | null }>("GET", `/api/v1/orgs/${org.slug}/projects/${projectId}`, { cookie: owner.cookie });
      expect(detail.status).toBe(200);
      const seen = detail.body.members.map((m) => m.userId);
      expect(seen.length).toBeLessThanOrEqual(100);
      let cursor = detail.body.membersNextCursor;
      while (cursor) {
        const page = await call<{ members: Array<{ userId: string }>; nextCursor: string | null }>(
          "GET",
          `/api/v1/orgs/${org.slug}/projects/${projectId}/members?limit=${limit}&cursor=${encodeURIComponent(cursor)}`,
          { cookie: owner.cookie },
        );
        expect(page.status).toBe(200);
        expect(page.body.members.length).toBeLessThanOrEqual(limit);
        seen.push(...page.body.members.map((m) => m.userId));
        cursor = page.body.nextCursor;
      }
      return seen;
    };
    expect(await walk(small, 3)).toEqual(await expected(small));
    const everyone = await walk(big, 1000);
    expect(everyone).toHaveLength(size);
    expect(everyone).toEqual(await expected(big));
    // The members route from the start pages the same way.
    const firstPage = await call<{ members: Array<{ userId: string }> }>("GET", `/api/v1/orgs/${org.slug}/projects/${big}/members?limit=5`, { cookie: owner.cookie });
    expect(firstPage.body.members.map((m) => m.userId)).toEqual(everyone.slice(0, 5));
    expect(everyone).toContain(memberId(tag, 0));
  });
});

describe("the seat limit", () => {
  it("takes any size an organization may reach, up to the deployment's cap", async () => {
    const { owner, org } = await orgOf("seat-bound");
    const patch = (seatLimit: number) => call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit } });
    // 200,000 seats is a valid limit; this deployment's cap (2,000) refuses it.
    const big = await patch(200_000);
    expect(big.status).toBe(403);
    expect(big.body.error).toMatchObject({ code: "seat_limit_cap", details: { cap: 2000 } });
    expect((await patch(10_000_001)).status).toBe(400);
  });
});
