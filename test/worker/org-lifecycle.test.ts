import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AppError } from "../../worker/errors.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import { RoomStateSlot } from "../../worker/org/room-state.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { call, createOrg, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { connect, ofType, open } from "./support/live.ts";

/** The database itself, to check what the API says against it. */
const db = createClient({ url: env.DATABASE_URL ?? "" });

const dayMs = 86_400_000;
const tokenOf = (url: string) => url.split("/invitations/")[1] ?? "";

type Seats = { limit: number; used: number; members: number; pending: number; available: number };

/** An owner, their organization and one signed-in member of each `roles` (seeded before the room loads). */
async function team(...roles: string[]) {
  const owner = await signIn(uniqueEmail("life-owner"));
  const org = await createOrg(owner, "life");
  const members: SignedIn[] = [];
  for (const role of roles) {
    const member = await signIn(uniqueEmail(`life-${role}`));
    await seedMember(org, member, role);
    members.push(member);
  }
  return { owner, org, members };
}

async function invite(who: SignedIn, slug: string, invitee = uniqueEmail("life-invitee")) {
  return call<{ invitation: { id: string }; inviteUrl: string; error: { code: string } }>("POST", `/api/v1/orgs/${slug}/invitations`, {
    cookie: who.cookie,
    body: { invitee, role: "member" },
  });
}

async function seatsOf(who: SignedIn, slug: string): Promise<Seats> {
  return (await call<{ seats: Seats }>("GET", `/api/v1/orgs/${slug}`, { cookie: who.cookie })).body.seats;
}

async function createKey(owner: SignedIn, slug: string, scopes: string[]): Promise<string> {
  const made = await call<{ secret: string }>("POST", `/api/v1/orgs/${slug}/api-keys`, { cookie: owner.cookie, body: { name: "automation", scopes } });
  expect(made.status).toBe(201);
  return made.body.secret;
}

async function auditActions(orgId: string): Promise<string[]> {
  const rows = await db.execute({ sql: "SELECT action FROM audit_events WHERE org_id = ? ORDER BY id", args: [orgId] });
  return rows.rows.map((r) => String(r.action));
}

const deleteOrg = (who: SignedIn | { bearer: string }, slug: string, confirm?: string) =>
  call<{ id: string; slug: string; deletedAt: string; auditExportUntil: string; error: { code: string } }>("DELETE", `/api/v1/orgs/${slug}`, {
    ...("bearer" in who ? { bearer: who.bearer } : { cookie: who.cookie }),
    ...(confirm === undefined ? {} : { body: { confirm } }),
  });

describe("a dormant organization", () => {
  it("refuses every way in with org_unavailable, lets everything else go on, and takes people again once woken", async () => {
    const { owner, org, members } = await team("admin", "member");
    const [admin, member] = members as [SignedIn, SignedIn];
    const pending = await invite(owner, org.slug);
    expect(pending.status).toBe(201);
    const invitee = await signIn(uniqueEmail("life-late"));
    const forInvitee = await invite(owner, org.slug, invitee.email);
    const key = await createKey(owner, org.slug, ["members:read", "invitations:read"]);
    const owners = await open(org.slug, { cookie: owner.cookie });
    await owners.take(ofType("ready"));

    // Admins and API keys cannot; owners can.
    expect((await call("POST", `/api/v1/orgs/${org.slug}/dormant`, { cookie: admin.cookie })).status).toBe(403);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/dormant`, { bearer: key })).status).toBe(403);
    const slept = await call<{ org: { status: string } }>("POST", `/api/v1/orgs/${org.slug}/dormant`, { cookie: owner.cookie });
    expect(slept.status).toBe(200);
    expect(slept.body.org.status).toBe("dormant");
    expect(await owners.take(ofType("org.updated"))).toMatchObject({ data: { org: { status: "dormant" } } });

    const refused = (answer: { status: number; body: any }) => {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("org_unavailable");
    };
    refused(await invite(admin, org.slug));
    const bulk = await call<{ results: Array<{ ok: boolean; error?: { code: string } }> }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, {
      cookie: owner.cookie,
      body: { invitations: [{ invitee: uniqueEmail("life-bulk") }] },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results[0]).toMatchObject({ ok: false, error: { code: "org_unavailable" } });
    refused(await call("POST", `/api/v1/orgs/${org.slug}/invitations/${pending.body.invitation.id}/resend`, { cookie: owner.cookie }));
    refused(await call("POST", `/api/v1/orgs/${org.slug}/invitations/${pending.body.invitation.id}/extend`, { cookie: owner.cookie, body: { days: 10 } }));
    refused(await call("POST", `/api/v1/invitations/${tokenOf(forInvitee.body.inviteUrl)}/accept`, { cookie: invitee.cookie }));

    // Nothing else changes: members read, admins manage members and invitations, keys work.
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { cookie: member.cookie })).status).toBe(200);
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: key })).status).toBe(200);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/members/${member.userId}`, { cookie: admin.cookie, body: { title: "Still here" } })).status).toBe(200);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${pending.body.invitation.id}/revoke`, { cookie: admin.cookie })).status).toBe(200);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 3, pending: 1 });

    // Waking is the owner's too, and invitations work again.
    expect((await call("POST", `/api/v1/orgs/${org.slug}/wake`, { cookie: admin.cookie })).status).toBe(403);
    const woken = await call<{ org: { status: string } }>("POST", `/api/v1/orgs/${org.slug}/wake`, { cookie: owner.cookie });
    expect(woken.body.org.status).toBe("active");
    expect(await owners.take(ofType("org.updated"))).toMatchObject({ data: { org: { status: "active" } } });
    expect((await invite(admin, org.slug)).status).toBe(201);
    expect((await call("POST", `/api/v1/invitations/${tokenOf(forInvitee.body.inviteUrl)}/accept`, { cookie: invitee.cookie })).status).toBe(200);

    // Waking an active organization again records nothing more.
    expect((await call("POST", `/api/v1/orgs/${org.slug}/wake`, { cookie: owner.cookie })).status).toBe(200);
    const actions = await auditActions(org.id);
    expect(actions.filter((a) => a === "org.dormant")).toHaveLength(1);
    expect(actions.filter((a) => a === "org.woken")).toHaveLength(1);
    owners.ws.close(1000);
  });

  it("records a PATCH of the status as the same org.dormant and org.woken entries", async () => {
    const { owner, org } = await team();
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "dormant" } })).status).toBe(200);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "active" } })).status).toBe(200);
    expect((await auditActions(org.id)).slice(-2)).toEqual(["org.dormant", "org.woken"]);
  });

  it("records a PATCH that changes the status with other fields as org.dormant / org.woken too, beside the other fields' entry", async () => {
    const { owner, org } = await team();
    const entries = async (n: number) => {
      const rows = await db.execute({ sql: "SELECT action, data FROM audit_events WHERE org_id = ? ORDER BY id DESC LIMIT ?", args: [org.id, n] });
      return rows.rows.map((r) => ({ action: String(r.action), changes: JSON.parse(String(r.data)).changes })).reverse();
    };
    const slept = await call<{ org: { status: string; name: string } }>("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "dormant", name: "Sleepy" } });
    expect(slept.status).toBe(200);
    expect(slept.body.org).toMatchObject({ status: "dormant", name: "Sleepy" });
    expect(await entries(2)).toEqual([
      { action: "org.updated", changes: { name: { from: `Org ${org.slug}`, to: "Sleepy" } } },
      { action: "org.dormant", changes: { status: { from: "active", to: "dormant" } } },
    ]);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "active", seatLimit: 7 } })).status).toBe(200);
    expect((await entries(2)).map((e) => e.action)).toEqual(["org.seat_limit_changed", "org.woken"]);
    expect((await entries(1))[0]?.changes).toEqual({ status: { from: "dormant", to: "active" } });
    // The status it already has: no status entry.
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "active", name: "Awake" } })).status).toBe(200);
    expect((await auditActions(org.id)).filter((a) => a === "org.woken")).toHaveLength(1);
    expect((await entries(1))[0]?.action).toBe("org.updated");
  });
});

describe("leaving an organization", () => {
  it("frees the seat, ends the member's access at once (requests and sockets) and is audited as member.left", async () => {
    const { owner, org, members } = await team("member");
    const [leaver] = members as [SignedIn];
    const watcher = await open(org.slug, { cookie: owner.cookie });
    const theirs = await open(org.slug, { cookie: leaver.cookie });
    await theirs.take(ofType("ready"));
    expect(await seatsOf(owner, org.slug)).toMatchObject({ used: 2, members: 2 });

    expect((await call("POST", `/api/v1/orgs/${org.slug}/leave`, { cookie: leaver.cookie })).status).toBe(204);
    expect((await theirs.closed).code).toBe(4403);
    expect(await watcher.take(ofType("member.removed"))).toMatchObject({ data: { userId: leaver.userId } });
    expect(await watcher.take(ofType("seats.changed"))).toMatchObject({ data: { used: 1, members: 1, available: 4 } });
    expect(await seatsOf(owner, org.slug)).toMatchObject({ used: 1, members: 1 });

    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: leaver.cookie })).status).toBe(404);
    expect((await connect(org.slug, { cookie: leaver.cookie })).status).toBe(404);
    const me = await call<{ memberships: Array<{ org: { slug: string } } | { slug: string }> }>("GET", "/api/v1/me", { cookie: leaver.cookie });
    expect(JSON.stringify(me.body.memberships)).not.toContain(org.slug);
    expect((await auditActions(org.id)).at(-1)).toBe("member.left");
    watcher.ws.close(1000);
  });

  it("refuses the last owner (last_owner) and an API key (forbidden), and lets an owner leave once another owner remains", async () => {
    const { owner, org, members } = await team("admin");
    const [admin] = members as [SignedIn];
    const lone = await call<{ error: { code: string } }>("POST", `/api/v1/orgs/${org.slug}/leave`, { cookie: owner.cookie });
    expect(lone.status).toBe(409);
    expect(lone.body.error.code).toBe("last_owner");
    const key = await createKey(owner, org.slug, ["members:write"]);
    const byKey = await call<{ error: { code: string } }>("POST", `/api/v1/orgs/${org.slug}/leave`, { bearer: key });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.code).toBe("forbidden");
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 2 });

    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/members/${admin.userId}`, { cookie: owner.cookie, body: { role: "owner" } })).status).toBe(200);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/leave`, { cookie: owner.cookie })).status).toBe(204);
    // The leaver's key went with them.
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: key })).status).toBe(401);
    expect(await seatsOf(admin, org.slug)).toMatchObject({ members: 1, used: 1 });
  });
});

describe("deleting an organization", () => {
  it("changes nothing without the slug typed exactly, and refuses anyone but an owner", async () => {
    const { owner, org, members } = await team("admin");
    const [admin] = members as [SignedIn];
    const key = await createKey(owner, org.slug, ["org:read", "members:write", "invitations:write"]);
    const before = await auditActions(org.id);
    // Exactly the slug: not trimmed (any kind of space), not case-folded.
    const nearMisses = [undefined, "", "wrong", `${org.slug}x`, ` ${org.slug}`, `${org.slug}\n`, `  ${org.slug.toUpperCase()}\u00a0`, org.slug.toUpperCase()];
    for (const confirm of nearMisses) {
      const refused = await deleteOrg(owner, org.slug, confirm);
      expect(refused.status, JSON.stringify(confirm)).toBe(422);
      expect(refused.body.error.code).toBe("confirmation_mismatch");
    }
    const byAdmin = await deleteOrg(admin, org.slug, org.slug);
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error.code).toBe("forbidden");
    expect((await deleteOrg({ bearer: key }, org.slug, org.slug)).status).toBe(403);
    expect(await auditActions(org.id)).toEqual(before);
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: admin.cookie })).status).toBe(200);
    const row = await db.execute({ sql: "SELECT deleted_at FROM organizations WHERE id = ?", args: [org.id] });
    expect(row.rows[0]?.deleted_at).toBeNull();
  });

  it("does not take a look-alike of the slug: the Kelvin sign (which lower-cases to k) is not a k", async () => {
    const owner = await signIn(uniqueEmail("life-kelvin"));
    const org = await createOrg(owner, "kelvin");
    expect(org.slug.startsWith("k")).toBe(true);
    const lookAlike = `\u212A${org.slug.slice(1)}`;
    expect(lookAlike.toLowerCase()).toBe(org.slug);
    const refused = await deleteOrg(owner, org.slug, lookAlike);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("confirmation_mismatch");
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie })).status).toBe(200);
  });

  it("ends every membership, key, session's access, socket, link and pending invitation at once, in one audited transaction", async () => {
    const { owner, org, members } = await team("admin", "member");
    const [admin, member] = members as [SignedIn, SignedIn];
    const key = await createKey(owner, org.slug, ["org:read", "members:read"]);
    const invitee = await signIn(uniqueEmail("life-orphan"));
    const pending = await invite(owner, org.slug, invitee.email);
    expect(pending.status).toBe(201);
    const token = tokenOf(pending.body.inviteUrl);
    await db.execute({ sql: "INSERT INTO org_links (org_id, kind, enabled, generation, tag, rotated_at, updated_at) VALUES (?, 'new', 1, 1, '2026-12-03', ?, ?)", args: [org.id, Date.now(), Date.now()] });
    const ownerLive = await open(org.slug, { cookie: owner.cookie });
    const memberLive = await open(org.slug, { cookie: member.cookie });
    const keyLive = await open(org.slug, { bearer: key });
    await Promise.all([ownerLive.take(ofType("ready")), memberLive.take(ofType("ready")), keyLive.take(ofType("ready"))]);

    const deleted = await deleteOrg(owner, org.slug, org.slug);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: org.id, slug: org.slug });
    expect(Date.parse(deleted.body.auditExportUntil) - Date.parse(deleted.body.deletedAt)).toBe(30 * dayMs);

    // Every open socket closes with 4410, after a frame saying why.
    for (const live of [ownerLive, memberLive, keyLive]) {
      expect((await live.closed).code).toBe(4410);
      expect(await live.take(ofType("closing"))).toMatchObject({ type: "closing", code: 4410 });
    }

    const unavailable = (answer: { status: number; body: any }, what: string) => {
      expect(answer.status, what).toBe(409);
      expect(answer.body?.error?.code, what).toBe("org_unavailable");
    };
    unavailable(await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie }), "owner reads");
    unavailable(await call("GET", `/api/v1/orgs/${org.slug}/members`, { cookie: member.cookie }), "member lists");
    unavailable(await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: admin.cookie, body: { name: "Back" } }), "admin edits");
    unavailable(await invite(owner, org.slug), "owner invites");
    unavailable(await call("GET", `/api/v1/orgs/${org.slug}/audit`, { cookie: owner.cookie }), "owner lists the audit");
    unavailable(await deleteOrg(owner, org.slug, org.slug), "deleting twice");
    unavailable(await call("GET", `/api/v1/invitations/${token}`), "invitation page");
    unavailable(await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie }), "accept");
    unavailable(await call("POST", `/api/v1/invitations/${token}/decline`, { cookie: invitee.cookie }), "decline");
    const reconnect = await connect(org.slug, { cookie: owner.cookie });
    expect(reconnect.status).toBe(409);
    // The key is revoked: it is not valid anywhere any more, and answers like any unknown key.
    expect((await call("GET", `/api/v1/orgs/${org.slug}/members`, { bearer: key })).status).toBe(401);

    const [orgRow, memberships, userMemberships, keys, invitations, links, audit] = await db.batch([
      { sql: "SELECT deleted_at, deleted_owner_ids FROM organizations WHERE id = ?", args: [org.id] },
      { sql: "SELECT count(*) AS n FROM memberships WHERE org_id = ?", args: [org.id] },
      { sql: "SELECT count(*) AS n FROM user_memberships WHERE org_id = ?", args: [org.id] },
      { sql: "SELECT count(*) AS n FROM api_keys WHERE org_id = ? AND revoked_at IS NULL", args: [org.id] },
      { sql: "SELECT status FROM invitations WHERE org_id = ?", args: [org.id] },
      { sql: "SELECT enabled, generation FROM org_links WHERE org_id = ?", args: [org.id] },
      { sql: "SELECT action, data FROM audit_events WHERE org_id = ? ORDER BY id DESC LIMIT 1", args: [org.id] },
    ]);
    expect(orgRow!.rows[0]?.deleted_at).not.toBeNull();
    expect(JSON.parse(String(orgRow!.rows[0]?.deleted_owner_ids))).toEqual([owner.userId]);
    expect(memberships!.rows[0]?.n).toBe(0);
    expect(userMemberships!.rows[0]?.n).toBe(0);
    expect(keys!.rows[0]?.n).toBe(0);
    expect(invitations!.rows.map((r) => r.status)).toEqual(["revoked"]);
    expect(links!.rows.map((r) => [Number(r.enabled), Number(r.generation)])).toEqual([[0, 2]]);
    expect(audit!.rows[0]?.action).toBe("org.deleted");
    expect(JSON.parse(String(audit!.rows[0]?.data))).toMatchObject({ slug: org.slug, owners: [owner.userId], members: 3, pendingInvitations: 1, apiKeys: 1 });

    // Gone from every former member's list; the slug stays reserved.
    for (const who of [owner, admin, member]) {
      const me = await call("GET", "/api/v1/me", { cookie: who.cookie });
      expect(JSON.stringify(me.body)).not.toContain(org.slug);
    }
    const again = await call<{ error: { code: string } }>("POST", "/api/v1/orgs", { cookie: admin.cookie, body: { name: "Taken", slug: org.slug } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("slug_taken");
  });

  it("still refuses everything after the room was evicted and loads the organization afresh", async () => {
    const { owner, org, members } = await team("member");
    expect((await deleteOrg(owner, org.slug, org.slug)).status).toBe(200);
    // A fresh load, as after an eviction: a new slot reads the organization from the database.
    const fresh = await runInDurableObject(orgRoom(env, org.id), async (_room: OrgRoom, state) => {
      const slot = new RoomStateSlot(state.storage.sql, env);
      return slot.load(org.id).then(
        () => "loaded",
        (error: unknown) => (error instanceof AppError ? error.code : String(error)),
      );
    });
    expect(fresh).toBe("org_unavailable");
    const answer = await call<{ error: { code: string } }>("GET", `/api/v1/orgs/${org.slug}`, { cookie: members[0]!.cookie });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe("org_unavailable");
  });

  it("closes every socket (4410) whenever the room finds its organization deleted, even if the deletion's own close never ran", async () => {
    // As when the deletion committed but its answer was lost: the row says deleted, and the
    // room that served the sockets never closed them.
    const markDeleted = (orgId: string, ownerId: string) =>
      db.execute({ sql: "UPDATE organizations SET deleted_at = ?, deleted_owner_ids = ? WHERE id = ?", args: [Date.now(), JSON.stringify([ownerId]), orgId] });

    // A `resume` on a room woken from hibernation: refused, every socket closed.
    {
      const { owner, org, members } = await team("member");
      const key = await createKey(owner, org.slug, ["members:read"]);
      const ownerLive = await open(org.slug, { cookie: owner.cookie });
      const memberLive = await open(org.slug, { cookie: members[0]!.cookie });
      const keyLive = await open(org.slug, { bearer: key });
      await Promise.all([ownerLive, memberLive, keyLive].map((live) => live.take(ofType("ready"))));
      await markDeleted(org.id, owner.userId);
      await evictDurableObject(orgRoom(env, org.id), { webSockets: "hibernate" });
      memberLive.send({ type: "resume", since: 0 });
      for (const live of [ownerLive, memberLive, keyLive]) expect((await live.closed).code).toBe(4410);
      expect(memberLive.pending().filter((m) => m.type !== "closing")).toEqual([]);
    }

    // Any request that loads the state again (here after an eviction) closes them too.
    {
      const { owner, org, members } = await team("member");
      const ownerLive = await open(org.slug, { cookie: owner.cookie });
      const memberLive = await open(org.slug, { cookie: members[0]!.cookie });
      await Promise.all([ownerLive, memberLive].map((live) => live.take(ofType("ready"))));
      await markDeleted(org.id, owner.userId);
      await evictDurableObject(orgRoom(env, org.id), { webSockets: "hibernate" });
      const answer = await call<{ error: { code: string } }>("GET", `/api/v1/orgs/${org.slug}/members`, { cookie: members[0]!.cookie });
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe("org_unavailable");
      for (const live of [ownerLive, memberLive]) {
        expect((await live.closed).code).toBe(4410);
        expect(await live.take(ofType("closing"))).toMatchObject({ code: 4410 });
      }
    }
  });

  it("answers a made-up API key exactly as for an organization that does not exist, so keys cannot tell deleted slugs", async () => {
    const live = await team();
    const gone = await team();
    expect((await deleteOrg(gone.owner, gone.org.slug, gone.org.slug)).status).toBe(200);
    const never = `life-never-${Date.now().toString(36)}`;
    const answerTo = async (slug: string, method: string, path: string, body?: unknown) => {
      const answer = await call<{ error: { code: string; message: string } }>(method, `/api/v1/orgs/${slug}${path}`, { bearer: "rk_x", ...(body ? { body } : {}) });
      return { status: answer.status, code: answer.body.error.code, message: answer.body.error.message };
    };
    for (const [method, path, body] of [
      ["GET", "", undefined],
      ["GET", "/members", undefined],
      ["POST", "/invitations", { invitee: uniqueEmail("life-probe"), role: "member" }],
      ["DELETE", "", { confirm: "x" }],
    ] as const) {
      const nonexistent = await answerTo(never, method, path, body);
      expect(nonexistent.status, `${method} ${path}`).toBe(401);
      expect(await answerTo(gone.org.slug, method, path, body), `${method} ${path} of the deleted one`).toEqual(nonexistent);
      expect(await answerTo(live.org.slug, method, path, body), `${method} ${path} of the live one`).toEqual(nonexistent);
    }
    for (const slug of [never, gone.org.slug]) expect((await connect(slug, { bearer: "rk_x" })).status, slug).toBe(401);
    // A session still hears the documented 409.
    expect((await call("GET", `/api/v1/orgs/${gone.org.slug}`, { cookie: gone.owner.cookie })).status).toBe(409);
  });

  it("lets its former owners, and nobody else, export the audit trail for 30 days", async () => {
    const { owner, org, members } = await team("owner", "admin");
    const [coOwner, admin] = members as [SignedIn, SignedIn];
    const stranger = await signIn(uniqueEmail("life-stranger"));
    expect((await deleteOrg(coOwner, org.slug, org.slug)).status).toBe(200);

    for (const former of [owner, coOwner]) {
      const exported = await call<Array<{ action: string }>>("GET", `/api/v1/orgs/${org.slug}/audit/export?format=json`, { cookie: former.cookie });
      expect(exported.status).toBe(200);
      expect(exported.body[0]?.action).toBe("org.deleted");
      expect(exported.headers.get("content-disposition")).toContain(`${org.slug}-audit-`);
    }
    for (const other of [admin, stranger]) {
      const refused = await call<{ error: { code: string } }>("GET", `/api/v1/orgs/${org.slug}/audit/export`, { cookie: other.cookie });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe("org_unavailable");
    }

    // Past the period, not even the former owners.
    await db.execute({ sql: "UPDATE organizations SET deleted_at = ? WHERE id = ?", args: [Date.now() - 31 * dayMs, org.id] });
    const late = await call<{ error: { code: string } }>("GET", `/api/v1/orgs/${org.slug}/audit/export`, { cookie: owner.cookie });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("org_unavailable");
  });

  it("lets nothing commit after the deletion: invitations and accepts racing it are refused or revoked with it", async () => {
    const { owner, org } = await team();
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 100 } })).status).toBe(200);
    const invitees = await Promise.all([0, 1, 2].map(() => signIn(uniqueEmail("life-racer"))));
    const links = await Promise.all(invitees.map(async (who) => tokenOf((await invite(owner, org.slug, who.email)).body.inviteUrl)));

    const invites = Array.from({ length: 20 }, () => invite(owner, org.slug));
    const accepts = invitees.map((who, i) => call("POST", `/api/v1/invitations/${links[i]}/accept`, { cookie: who.cookie }));
    const deletion = deleteOrg(owner, org.slug, org.slug);
    const [deleted, ...answers] = await Promise.all([deletion, ...invites, ...accepts]);
    expect(deleted.status).toBe(200);
    for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);

    // Whatever committed before the delete was swept by it; nothing committed after it.
    const deletedAt = Date.parse(deleted.body.deletedAt);
    const [invitations, memberships, after] = await db.batch([
      { sql: "SELECT count(*) AS n FROM invitations WHERE org_id = ? AND status = 'pending'", args: [org.id] },
      { sql: "SELECT count(*) AS n FROM memberships WHERE org_id = ?", args: [org.id] },
      { sql: "SELECT action FROM audit_events WHERE org_id = ? AND id > (SELECT id FROM audit_events WHERE org_id = ? AND action = 'org.deleted')", args: [org.id, org.id] },
    ]);
    expect(invitations!.rows[0]?.n).toBe(0);
    expect(memberships!.rows[0]?.n).toBe(0);
    expect(after!.rows).toEqual([]);
    expect(deletedAt).toBeGreaterThan(0);
    for (const answer of answers.filter((a) => a.status === 409)) expect((answer.body as { error: { code: string } }).error.code).toBe("org_unavailable");
  });
});

describe("the API document", () => {
  it("documents the life cycle's operations, and org_unavailable's 409 on every route of an organization", async () => {
    const doc = await call<{ paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; security?: unknown[] }>> }>("GET", "/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    const op = (path: string, method: string) => doc.body.paths[path]?.[method];
    expect(op("/api/v1/orgs/{org}/dormant", "post")?.operationId).toBe("makeOrganizationDormant");
    expect(op("/api/v1/orgs/{org}/wake", "post")?.operationId).toBe("wakeOrganization");
    expect(op("/api/v1/orgs/{org}/leave", "post")?.operationId).toBe("leaveOrganization");
    expect(op("/api/v1/orgs/{org}", "delete")?.operationId).toBe("deleteOrganization");
    expect(Object.keys(op("/api/v1/orgs/{org}", "delete")?.responses ?? {})).toEqual(expect.arrayContaining(["200", "403", "409", "422"]));
    const orgRoutes = Object.entries(doc.body.paths).filter(([path]) => path.startsWith("/api/v1/orgs/{org}"));
    expect(orgRoutes.length).toBeGreaterThan(10);
    for (const [path, item] of orgRoutes) {
      for (const [method, operation] of Object.entries(item)) {
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain("409");
        expect(operation.security?.length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});
