import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../../worker/org/live/protocol.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { call, createOrg, origin, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { about, connect, isEvent, ofType, open, seqOf, type ConnectOptions, type LiveClient } from "./support/live.ts";

/** An owner, an org, and members seeded with the given roles before the room first loads. */
async function team(...memberRoles: string[]): Promise<{ owner: SignedIn; org: { slug: string; id: string }; members: SignedIn[] }> {
  const owner = await signIn(uniqueEmail("owner"));
  const members = await Promise.all(memberRoles.map((role) => signIn(uniqueEmail(role))));
  const org = await createOrg(owner, "live");
  for (const [i, member] of members.entries()) await seedMember(org, member, memberRoles[i]!);
  return { owner, org, members };
}

function setRole(owner: SignedIn, slug: string, userId: string, role: string) {
  return call("PATCH", `/api/v1/orgs/${slug}/members/${userId}`, { cookie: owner.cookie, body: { role } });
}

describe("the live channel", () => {
  it("tells a member of every role change as it commits, with seq strictly increasing", async () => {
    const { owner, org, members } = await team("member", "member");
    const [watcher, other] = members as [SignedIn, SignedIn];
    const live = await open(org.slug, { cookie: watcher.cookie });
    const ready = await live.take();
    expect(ready).toEqual({ type: "ready", seq: expect.any(Number) });

    expect((await setRole(owner, org.slug, other.userId, "admin")).status).toBe(200);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}/members/${other.userId}`, { cookie: owner.cookie, body: { title: "Ops" } })).status).toBe(200);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/transfer-ownership`, { cookie: owner.cookie, body: { userId: other.userId } })).status).toBe(200);

    const events = [await live.take(), await live.take(), await live.take(), await live.take()];
    expect(events).toEqual([
      { seq: seqOf(ready) + 1, type: "member.updated", at: expect.any(String), data: { userId: other.userId, role: "admin", title: "" } },
      { seq: seqOf(ready) + 2, type: "member.updated", at: expect.any(String), data: { userId: other.userId, role: "admin", title: "Ops" } },
      { seq: seqOf(ready) + 3, type: "member.updated", at: expect.any(String), data: { userId: other.userId, role: "owner" } },
      { seq: seqOf(ready) + 4, type: "member.updated", at: expect.any(String), data: { userId: owner.userId, role: "admin" } },
    ]);
    live.ws.close(1000);
  });

  it("replays exactly the missed events on resume, and answers resync when they are too old or from the future", async () => {
    const { owner, org, members } = await team("member", "member");
    const [watcher, other] = members as [SignedIn, SignedIn];
    const first = await open(org.slug, { cookie: watcher.cookie });
    const since = seqOf(await first.take());
    first.ws.close(1000);
    await setRole(owner, org.slug, other.userId, "admin");
    await setRole(owner, org.slug, other.userId, "member");

    const again = await open(org.slug, { cookie: watcher.cookie });
    expect(await again.take()).toEqual({ type: "ready", seq: since + 2 });
    again.send({ type: "resume", since });
    again.send({ type: "ping" });
    await again.take(ofType("pong"));
    expect(again.messages.slice(1).map((m) => [seqOf(m), m.type])).toEqual([
      [since + 1, "member.updated"],
      [since + 2, "member.updated"],
      [NaN, "pong"],
    ]);

    // Fill the log past its retention straight in the room, then ask for what fell out.
    await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => {
      for (let i = 0; i < 1005; i++) room.live.publish({ type: "seats.changed", data: { limit: 5, used: 3, members: 3, pending: 0, available: 2 } });
    });
    const current = since + 2 + 1005;
    again.send({ type: "resume", since });
    expect(await again.take(ofType("resync"))).toEqual({ type: "resync", seq: current });
    again.send({ type: "resume", since: current + 10 });
    expect(await again.take(ofType("resync"))).toEqual({ type: "resync", seq: current });
    again.send({ type: "resume", since: current - 3 });
    again.send({ type: "ping" });
    await again.take(ofType("pong"));
    expect(again.messages.slice(-4).map(seqOf)).toEqual([current - 2, current - 1, current, NaN]);
    again.ws.close(1000);
  });

  it("answers a bad frame with an error frame and keeps the socket open and usable", async () => {
    const { owner, org, members } = await team("member");
    const [watcher] = members as [SignedIn];
    const live = await open(org.slug, { cookie: watcher.cookie });
    await live.take();
    const bad = ["not json", "{", JSON.stringify({ type: "subscribe" }), JSON.stringify({ type: "resume" }), JSON.stringify({ type: "resume", since: -1 }), JSON.stringify({ type: "resume", since: 1.5 }), "null", "x".repeat(5000), new Uint8Array([1, 2, 3]).buffer];
    for (const frame of bad) {
      live.send(frame);
      expect(await live.take()).toEqual({ type: "error", code: "invalid_frame", message: expect.any(String) });
    }
    live.send({ type: "ping" });
    expect(await live.take()).toEqual({ type: "pong" });
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Still here" } });
    expect(await live.take()).toMatchObject({ type: "org.updated", data: { org: { name: "Still here" } } });
    live.ws.close(1000);
  });

  it("refuses before upgrading: anonymous 401, non-member 404, foreign origin 403, no upgrade 426", async () => {
    const { owner, org } = await team();
    const stranger = await signIn(uniqueEmail("stranger"));
    const cases: Array<[ConnectOptions, number, string]> = [
      [{}, 401, "unauthenticated"],
      [{ cookie: stranger.cookie }, 404, "not_found"],
      [{ cookie: owner.cookie, origin: "https://evil.example" }, 403, "forbidden"],
      [{ cookie: owner.cookie, upgrade: false }, 426, "upgrade_required"],
      [{ bearer: "rk_not-a-real-key-000000000000000000" }, 401, "unauthenticated"],
    ];
    for (const [options, status, code] of cases) {
      const response = await connect(org.slug, options);
      expect(response.webSocket, code).toBeNull();
      expect(response.status, code).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await connect(org.slug, { cookie: owner.cookie, upgrade: false })).headers.get("upgrade")).toBe("websocket");
    // Another organization's slug with this owner's cookie: nothing there to see.
    const { org: elsewhere } = await team();
    expect((await connect(elsewhere.slug, { cookie: owner.cookie })).status).toBe(404);
    // No Origin at all is a non-browser client, as for any cookie request.
    const live = await open(org.slug, { cookie: owner.cookie, origin: null });
    live.ws.close(1000);
  });

  it("closes a removed member's socket with 4403 at once and refuses their reconnect", async () => {
    const { owner, org, members } = await team("member");
    const [leaver] = members as [SignedIn];
    const watcher = await open(org.slug, { cookie: owner.cookie });
    const live = await open(org.slug, { cookie: leaver.cookie });
    await live.take();
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/members/${leaver.userId}`, { cookie: owner.cookie })).status).toBe(204);
    expect((await live.closed).code).toBe(4403);
    expect(live.messages.filter(isEvent)).toEqual([]);
    expect(await watcher.take(ofType("member.removed"))).toMatchObject({ data: { userId: leaver.userId } });
    expect(await watcher.take(ofType("seats.changed"))).toMatchObject({ data: { limit: 5, used: 1, members: 1, pending: 0, available: 4 } });
    const retry = await connect(org.slug, { cookie: leaver.cookie });
    expect(retry.status).toBe(404);
    expect(retry.webSocket).toBeNull();
    watcher.ws.close(1000);
  });

  it("closes the sockets of a session at sign-out (4401), not the same user's other sessions", async () => {
    const { org, members } = await team("member");
    const [user] = members as [SignedIn];
    const laptop = await open(org.slug, { cookie: user.cookie });
    const phone = await signIn(user.email);
    const phoneLive = await open(org.slug, { cookie: phone.cookie });
    await laptop.take();
    expect((await call("POST", "/api/v1/auth/logout", { cookie: user.cookie })).status).toBe(204);
    expect((await laptop.closed).code).toBe(4401);
    phoneLive.send({ type: "ping" });
    await phoneLive.take(ofType("pong"));
    expect((await connect(org.slug, { cookie: user.cookie })).status).toBe(401);
    phoneLive.ws.close(1000);
  });

  it("applies a demotion to restricted on the open socket: other members' events stop arriving", async () => {
    const { owner, org, members } = await team("member", "member");
    const [demoted, other] = members as [SignedIn, SignedIn];
    const live = await open(org.slug, { cookie: demoted.cookie });
    await live.take();
    await setRole(owner, org.slug, other.userId, "admin");
    expect(await live.take()).toMatchObject({ type: "member.updated", data: { userId: other.userId } });
    await setRole(owner, org.slug, demoted.userId, "restricted");
    expect(await live.take()).toMatchObject({ type: "member.updated", data: { userId: demoted.userId, role: "restricted" } });
    await setRole(owner, org.slug, other.userId, "member");
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Renamed" } });
    // The next thing it hears is the rename: the role change of the other member was withheld.
    expect(await live.take()).toMatchObject({ type: "org.updated" });
    expect(live.messages.filter(about(other.userId))).toHaveLength(1);
    live.ws.close(1000);
  });

  it("never sends a restricted member another member's event, live or on resume", async () => {
    const { owner, org, members } = await team("restricted", "member", "member");
    const [restricted, other, removed] = members as [SignedIn, SignedIn, SignedIn];
    const live = await open(org.slug, { cookie: restricted.cookie });
    const since = seqOf(await live.take());
    await setRole(owner, org.slug, other.userId, "admin");
    await call("DELETE", `/api/v1/orgs/${org.slug}/members/${removed.userId}`, { cookie: owner.cookie });
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 10 } });
    await setRole(owner, org.slug, restricted.userId, "restricted");
    await live.take(about(restricted.userId));
    const seen = live.messages.filter(isEvent).map((m) => m.type);
    expect(seen).toEqual(["seats.changed", "org.updated", "seats.changed", "member.updated"]);
    expect(live.messages.filter(isEvent).at(2)).toMatchObject({ data: { limit: 10, used: 3, available: 7 } });

    live.send({ type: "resume", since });
    live.send({ type: "ping" });
    await live.take(ofType("pong"));
    expect(live.messages.slice(-5).map((m) => m.type)).toEqual([...seen, "pong"]);
    live.ws.close(1000);
  });

  it("lets an API key connect and see what its scopes read; revoking it closes the socket", async () => {
    const { owner, org, members } = await team("member");
    const [other] = members as [SignedIn];
    const createKey = async (scopes: string[]) => {
      const created = await call<{ apiKey: { id: string }; secret: string }>("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "live", scopes } });
      expect(created.status).toBe(201);
      return created.body;
    };
    const reader = await createKey(["members:read"]);
    const orgOnly = await createKey(["org:read"]);
    const readerLive = await open(org.slug, { bearer: reader.secret, origin: "https://automation.example" });
    const orgOnlyLive = await open(org.slug, { bearer: orgOnly.secret });
    await setRole(owner, org.slug, other.userId, "admin");
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Keys" } });
    expect((await readerLive.take(isEvent)).type).toBe("member.updated");
    expect((await orgOnlyLive.take(isEvent)).type).toBe("org.updated");
    expect(orgOnlyLive.messages.filter(about(other.userId))).toEqual([]);

    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/api-keys/${reader.apiKey.id}`, { cookie: owner.cookie })).status).toBeLessThan(300);
    expect((await readerLive.closed).code).toBe(4401);
    orgOnlyLive.ws.close(1000);
  });

  it("keeps sockets through hibernation and seq through eviction", async () => {
    const { owner, org, members } = await team("member", "member");
    const [watcher, other] = members as [SignedIn, SignedIn];
    const stub = orgRoom(env, org.id);
    const live = await open(org.slug, { cookie: watcher.cookie });
    const start = seqOf(await live.take());
    await setRole(owner, org.slug, other.userId, "admin");
    expect(seqOf(await live.take())).toBe(start + 1);

    await evictDurableObject(stub, { webSockets: "hibernate" });
    await setRole(owner, org.slug, other.userId, "member");
    expect(await live.take()).toMatchObject({ seq: start + 2, type: "member.updated", data: { userId: other.userId, role: "member" } });
    // The attachment survived too: a demotion after hibernation still filters.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    await setRole(owner, org.slug, watcher.userId, "restricted");
    await setRole(owner, org.slug, other.userId, "admin");
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { name: "Woke" } });
    expect(await live.take()).toMatchObject({ seq: start + 3, data: { userId: watcher.userId, role: "restricted" } });
    expect(await live.take()).toMatchObject({ seq: start + 5, type: "org.updated" });

    await evictDurableObject(stub, { webSockets: "close" });
    const fresh = await open(org.slug, { cookie: owner.cookie });
    expect(await fresh.take()).toEqual({ type: "ready", seq: start + 5 });
    fresh.ws.close(1000);
  });
});

describe("a session's live socket", () => {
  /** Moves the room's clock past every session's end (sessions last days, not seconds). */
  async function pastEverySession(orgId: string): Promise<void> {
    await runInDurableObject(orgRoom(env, orgId), (room: OrgRoom) => {
      const later = Date.now() + 400 * 24 * 3_600_000;
      room.clock = { now: () => later };
    });
  }

  async function restoreClock(orgId: string): Promise<void> {
    await runInDurableObject(orgRoom(env, orgId), (room: OrgRoom) => {
      room.clock = { now: () => Date.now() };
    });
  }

  it("is closed with 4401 by the room's alarm when the session ends, after a frame saying why; an API key's socket stays", async () => {
    const { owner, org } = await team();
    const key = await call<{ secret: string }>("POST", `/api/v1/orgs/${org.slug}/api-keys`, { cookie: owner.cookie, body: { name: "watcher", scopes: ["members:read"] } });
    expect(key.status).toBe(201);
    const session = await open(org.slug, { cookie: owner.cookie });
    const robot = await open(org.slug, { bearer: key.body.secret });
    await session.take(ofType("ready"));
    await robot.take(ofType("ready"));
    const alarmAt = await runInDurableObject(orgRoom(env, org.id), (_room: OrgRoom, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
    await pastEverySession(org.id);
    try {
      expect(await runDurableObjectAlarm(orgRoom(env, org.id))).toBe(true);
      expect(await session.take(ofType("closing"))).toMatchObject({ code: 4401 });
      expect((await session.closed).code).toBe(4401);
      robot.send({ type: "ping" });
      await robot.take(ofType("pong"));
    } finally {
      await restoreClock(org.id);
    }
    robot.ws.close(1000);
  });

  it("is closed at its next frame once the session has ended, and sent nothing more", async () => {
    const { owner, org } = await team();
    const session = await open(org.slug, { cookie: owner.cookie });
    await session.take(ofType("ready"));
    await pastEverySession(org.id);
    try {
      session.send({ type: "resume", since: 0 });
      expect((await session.closed).code).toBe(4401);
      expect(session.messages.map((m) => m.type)).toEqual(["ready", "closing"]);
    } finally {
      await restoreClock(org.id);
    }
  });
});

describe("resume replays", () => {
  it("are limited to 10 a minute per socket: the 11th answers rate_limited and replays nothing; the socket stays usable", async () => {
    const { owner, org, members } = await team("member");
    const [other] = members as [SignedIn];
    await setRole(owner, org.slug, other.userId, "admin");
    const live = await open(org.slug, { cookie: owner.cookie });
    await live.take(ofType("ready"));
    for (let i = 0; i < 10; i++) live.send({ type: "resume", since: 0 });
    live.send({ type: "resume", since: 0 });
    live.send({ type: "ping" });
    await live.take(ofType("pong"));
    const replayed = live.messages.filter((m) => m.type === "member.updated");
    expect(replayed).toHaveLength(10);
    expect(live.messages.filter((m) => m.type === "error")).toEqual([{ type: "error", code: "rate_limited", message: expect.any(String) }]);
    live.ws.close(1000);
  });
});
