import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import type { Statement } from "../../worker/lib/sql/statement.ts";
import { toInStatement } from "../../worker/lib/sql/statement.ts";
import { call, createOrg, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

/**
 * The room's index in its own storage, and its commits, under faults: a room that dies
 * between the database's commit and its index (either way round), a database moved on by
 * another writer, and the database failing the first of two groups in flight.
 */

const db = createClient({ url: env.DATABASE_URL ?? "" });
const tokenOf = (url: string) => url.split("/invitations/")[1] ?? "";
const sqlOf = (statements: readonly Statement[]) => statements.map((s) => (toInStatement(s) as { sql: string }).sql).join("\n");

interface Seats {
  limit: number;
  used: number;
  members: number;
  pending: number;
}

const invite = (who: SignedIn, slug: string, invitee: string, role = "member") =>
  call<{ inviteUrl: string; invitation: { id: string }; error: { code: string } }>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: who.cookie, body: { invitee, role } });
const seatsOf = async (who: SignedIn, slug: string): Promise<Seats> => (await call<{ seats: Seats }>("GET", `/api/v1/orgs/${slug}`, { cookie: who.cookie })).body.seats;
const room = (orgId: string) => orgRoom(env, orgId);
const rebuilds = (orgId: string) => runInDurableObject(room(orgId), (r: OrgRoom) => r.slot.rebuilds);

/** What the database holds for the organization: members by role, pending invitations, its room version. */
async function databaseView(orgId: string) {
  const members = await db.execute({ sql: "SELECT user_id, role FROM memberships WHERE org_id = ? ORDER BY user_id", args: [orgId] });
  const pending = await db.execute({ sql: "SELECT count(*) AS n FROM invitations WHERE org_id = ? AND status = 'pending'", args: [orgId] });
  const version = await db.execute({ sql: "SELECT room_version FROM organizations WHERE id = ?", args: [orgId] });
  return {
    members: members.rows.map((r) => [String(r.user_id), String(r.role)] as const),
    pending: Number(pending.rows[0]?.n),
    version: Number(version.rows[0]?.room_version),
  };
}

/** The room's index against the database: every member's role, and the pending count. */
async function expectIndexMatchesDatabase(orgId: string) {
  const view = await databaseView(orgId);
  const index = await runInDurableObject(room(orgId), (r: OrgRoom) => {
    const i = r.slot.index;
    return { roles: view.members.map(([userId]) => [userId, i.role(userId) ?? null] as const), count: i.memberCount(), pending: i.pendingCount(), version: i.version() };
  });
  expect(index.roles).toEqual(view.members);
  expect(index.count).toBe(view.members.length);
  expect(index.pending).toBe(view.pending);
  expect(index.version).toBe(view.version);
}

async function team(stem: string, limit: number) {
  const owner = await signIn(uniqueEmail(`${stem}-owner`));
  const org = await createOrg(owner, stem);
  expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: limit } })).status).toBe(200);
  return { owner, org };
}

/** Invites and accepts: a member with `role`. */
async function join(owner: SignedIn, slug: string, stem: string, role = "member"): Promise<SignedIn> {
  const person = await signIn(uniqueEmail(stem));
  const created = await invite(owner, slug, person.email, role);
  expect(created.status).toBe(201);
  expect((await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { cookie: person.cookie })).status).toBe(200);
  return person;
}

describe("the room's index", () => {
  it("is what a room reads when it starts again: no member is read from the database", async () => {
    const { owner, org } = await team("ix-start", 20);
    const members = [await join(owner, org.slug, "ix-a"), await join(owner, org.slug, "ix-b", "admin")];
    expect((await invite(owner, org.slug, uniqueEmail("ix-pending"))).status).toBe(201);
    await evictDurableObject(room(org.id));
    // The new instance answers from its index: roles, seats, the members it knows.
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 3, pending: 1, used: 4 });
    for (const member of members) expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: member.cookie })).status).toBe(200);
    expect(await rebuilds(org.id)).toBe(0);
    await expectIndexMatchesDatabase(org.id);
  });

  it("is rebuilt when the room died after the database committed and before its index heard of it", async () => {
    const { owner, org } = await team("ix-crash-after", 20);
    const person = await signIn(uniqueEmail("ix-late"));
    const created = await invite(owner, org.slug, person.email);
    // The accept commits in the database, then the room dies there.
    await runInDurableObject(room(org.id), (r: OrgRoom, state) => {
      r.faults = { afterCommit: (statements) => (sqlOf(statements).match(/insert into "?memberships"?/i) ? state.abort("injected crash") : undefined) };
    });
    await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { cookie: person.cookie }).catch(() => null);
    expect((await databaseView(org.id)).members).toHaveLength(2);
    // The new room finds its index a version behind the database (the accept's changes were
    // never written to its storage) and rebuilds it.
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: person.cookie })).status).toBe(200);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 2, pending: 0 });
    expect(await rebuilds(org.id)).toBe(1);
    await expectIndexMatchesDatabase(org.id);
  });

  it("holds no seat for a change the room planned and never committed, when it died before sending it", async () => {
    const { owner, org } = await team("ix-crash-before", 3);
    // Planned (the index's overlay holds it, the storage not yet), and the room dies before
    // sending it. (Were the index not holding it, the room would not die, the invitation
    // would commit, and the seats below would say so.)
    await runInDurableObject(room(org.id), (r: OrgRoom, state) => {
      r.faults = {
        beforeCommit: async (statements) => {
          if (!/insert into "?invitations"?/i.test(sqlOf(statements)) || r.slot.index.pendingCount() !== 1) return;
          // Whatever the storage holds reaches the disk first.
          await state.storage.sync();
          state.abort("injected crash");
        },
      };
    });
    expect((await invite(owner, org.slug, uniqueEmail("ix-phantom"))).status).toBeGreaterThanOrEqual(500);
    const phantom = await db.execute({ sql: "SELECT count(*) AS n FROM invitations WHERE org_id = ?", args: [org.id] });
    expect(Number(phantom.rows[0]?.n)).toBe(0);
    // The storage never had it: the new room's index is current, with no rebuild.
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 1, pending: 0, used: 1 });
    expect(await rebuilds(org.id)).toBe(0);
    // Both seats it did not take are there to take.
    for (const stem of ["ix-b1", "ix-b2"]) expect((await invite(owner, org.slug, uniqueEmail(stem))).status).toBe(201);
    expect((await invite(owner, org.slug, uniqueEmail("ix-b3"))).body.error.code).toBe("seats_exhausted");
    await expectIndexMatchesDatabase(org.id);
  });

  it("is rebuilt when another writer moved the database's room version on", async () => {
    const { owner, org } = await team("ix-behind", 20);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 1 });
    const other = await signIn(uniqueEmail("ix-other"));
    await db.batch(
      [
        { sql: "INSERT INTO memberships (org_id, user_id, role, user_name, user_email, joined_via, joined_at) VALUES (?, ?, 'admin', '', ?, 'api', ?)", args: [org.id, other.userId, other.email, Date.now()] },
        { sql: "UPDATE organizations SET room_version = room_version + 1 WHERE id = ?", args: [org.id] },
      ],
      "write",
    );
    await evictDurableObject(room(org.id));
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: other.cookie })).status).toBe(200);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 2 });
    expect(await rebuilds(org.id)).toBe(1);
    await expectIndexMatchesDatabase(org.id);
  });
});

describe("overlapping commits under faults", () => {
  /**
   * Concurrent invitations, accepts and owner changes, with the first transaction that
   * meets the fault held until a second one is in flight, then failed: `outage` fails it
   * before it reaches the database, `lost` after it committed (its answer is lost).
   */
  async function storm(mode: "outage" | "lost") {
    const limit = 14;
    const { owner, org } = await team(`storm-${mode}`, limit);
    const admin = await join(owner, org.slug, `storm-${mode}-admin`, "admin");
    const invitees = await Promise.all(Array.from({ length: 4 }, (_, i) => signIn(uniqueEmail(`storm-${mode}-acc${i}`))));
    const links: string[] = [];
    for (const person of invitees) links.push((await invite(owner, org.slug, person.email)).body.inviteUrl);

    await runInDurableObject(room(org.id), (r: OrgRoom) => {
      let armed = true;
      let second: () => void = () => {};
      const secondStarted = new Promise<void>((resolve) => (second = resolve));
      const hold = async () => {
        if (!armed) return second();
        armed = false;
        await Promise.race([secondStarted, new Promise((resolve) => setTimeout(resolve, 500))]);
        throw new Error("fetch failed: injected");
      };
      r.faults = mode === "outage" ? { beforeCommit: hold } : { afterCommit: hold, beforeCommit: () => (armed ? undefined : second()) };
    });

    const flood = Array.from({ length: 24 }, (_, i) => invite(i % 3 === 0 ? admin : owner, org.slug, uniqueEmail(`storm-${mode}-f${i}`)));
    const accepts = invitees.map((person, i) => call("POST", `/api/v1/invitations/${tokenOf(links[i]!)}/accept`, { cookie: person.cookie }));
    // The owner hands ownership to the admin and back, and demotes/promotes around it.
    const ownerChanges = [
      call("PATCH", `/api/v1/orgs/${org.slug}/members/${admin.userId}`, { cookie: owner.cookie, body: { role: "owner" } }),
      call("PATCH", `/api/v1/orgs/${org.slug}/members/${owner.userId}`, { cookie: owner.cookie, body: { role: "admin" } }),
      call("PATCH", `/api/v1/orgs/${org.slug}/members/${admin.userId}`, { cookie: admin.cookie, body: { role: "admin" } }),
    ];
    const [floodAnswers, acceptAnswers, changeAnswers] = await Promise.all([Promise.all(flood), Promise.all(accepts), Promise.all(ownerChanges)]);

    const stats = await runInDurableObject(room(org.id), (r: OrgRoom) => {
      r.faults = {};
      return { ...r.queue.stats };
    });
    // Two groups were in flight at once, and the fault was met.
    expect(stats.maxInFlight).toBe(2);
    if (mode === "outage") expect(stats.retried).toBeGreaterThanOrEqual(1);
    else expect(stats.recovered).toBeGreaterThanOrEqual(1);

    // Every command was answered once, for what the database holds.
    const created = floodAnswers.filter((a) => a.status === 201);
    const refused = floodAnswers.filter((a) => a.status === 409 && a.body.error.code === "seats_exhausted");
    const unavailable = floodAnswers.filter((a) => a.status === 503);
    expect(created.length + refused.length + unavailable.length).toBe(floodAnswers.length);
    for (const answer of created) {
      const audits = await db.execute({ sql: "SELECT count(*) AS n FROM audit_events WHERE target_id = ? AND action = 'invitation.created'", args: [answer.body.invitation.id] });
      expect(Number(audits.rows[0]?.n)).toBe(1);
    }
    const view = await databaseView(org.id);
    const flooded = await db.execute({ sql: "SELECT count(*) AS n FROM invitations WHERE org_id = ? AND email LIKE ?", args: [org.id, `storm-${mode}-f%`] });
    expect(Number(flooded.rows[0]?.n)).toBe(created.length);
    const accepted = acceptAnswers.filter((a) => a.status === 200).length;
    expect(accepted + acceptAnswers.filter((a) => a.status === 503).length).toBe(4);
    expect(view.members).toHaveLength(2 + accepted);

    // Zero overruns, and the owner rule held: somebody still owns the organization.
    const seats = await seatsOf(owner, org.slug).catch(() => null);
    const anyOwner = view.members.filter(([, role]) => role === "owner");
    expect(anyOwner.length).toBeGreaterThanOrEqual(1);
    const ownerSeats = await seatsOf(anyOwner[0]![0] === owner.userId ? owner : admin, org.slug);
    expect(ownerSeats.used).toBeLessThanOrEqual(limit);
    expect(ownerSeats).toMatchObject({ members: view.members.length, pending: view.pending });
    expect(seats === null || seats.used === ownerSeats.used).toBe(true);
    // The database's counts the seat guard reads agree.
    const kept = await db.execute({ sql: "SELECT members, pending FROM org_seat_counts WHERE org_id = ?", args: [org.id] });
    expect({ members: Number(kept.rows[0]?.members), pending: Number(kept.rows[0]?.pending) }).toEqual({ members: view.members.length, pending: view.pending });
    for (const answer of changeAnswers) expect([200, 403, 404, 409, 503]).toContain(answer.status);
    await expectIndexMatchesDatabase(org.id);
    return { created: created.length, refused: refused.length, unavailable: unavailable.length };
  }

  it("keeps seats, invitations and owners exact when the database fails the first of two groups in flight", async () => {
    const outcome = await storm("outage");
    // The failed group's commands were retried alone, not answered 503.
    expect(outcome.unavailable).toBe(0);
  });

  it("answers a group whose commit answer was lost as committed, once, while the next group is in flight", async () => {
    const outcome = await storm("lost");
    expect(outcome.unavailable).toBe(0);
  });
});
