import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../../worker/org/live/protocol.ts";
import { call, createOrg, origin, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { isEvent, ofType, open as openSocket, type Event, type LiveClient } from "./support/live.ts";

/**
 * The invitation lifecycle on the live channel (docs/architecture.md, "Live protocol"): every change an
 * admin can read through the API reaches their socket as it commits, seat events agree
 * with `GET /orgs/:org`, people who may not read invitations never hear of them, and a
 * socket that dropped catches up from `seq`.
 */


interface InvitationView {
  id: string;
  email: string | null;
  role: string;
  status: string;
  sendCount: number;
  expiresAt: string;
  message: string | null;
}
interface Created {
  invitation: InvitationView;
  inviteUrl: string;
}

const tokenOf = (url: string) => url.split("/invitations/")[1] ?? "";

/** A socket for `cookie`, past its `ready` frame (whose seq it answers). */
async function open(slug: string, cookie: string): Promise<{ live: LiveClient; ready: number }> {
  const live = await openSocket(slug, { cookie });
  const ready = await live.take();
  if (ready.type !== "ready") throw new Error(`expected ready, got ${JSON.stringify(ready)}`);
  return { live, ready: ready.seq };
}

async function seatsOf(cookie: string, slug: string) {
  const read = await call<{ seats: Record<string, number> }>("GET", `/api/v1/orgs/${slug}`, { cookie });
  expect(read.status).toBe(200);
  return read.body.seats;
}

async function invite(owner: SignedIn, slug: string, body: Record<string, unknown>): Promise<Created> {
  const answer = await call<Created>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: owner.cookie, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

function act<T = { invitation: InvitationView }>(owner: SignedIn, method: string, path: string, body?: unknown) {
  return call<T>(method, path, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
}

/**
 * Waits until the socket has heard that invitation `id`'s mail went out (the room publishes
 * the delivery as its own `invitation.updated`, some time after the command that mailed):
 * draining after it keeps every sequence below the same from run to run.
 */
async function mailSent(live: LiveClient, id: string): Promise<void> {
  const sent = () => live.pending().some((m) => isEvent(m) && m.type === "invitation.updated" && "invitation" in m.data && m.data.invitation.id === id && "delivery" in m.data.invitation && m.data.invitation.delivery === "sent");
  await expect.poll(sent, { timeout: 5000 }).toBe(true);
}

/** `seq`s strictly increase by one from `after`. */
function expectConsecutive(events: Event[], after: number): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => after + i + 1));
}

describe("invitation events on the live channel", () => {
  it("publishes every step of an invitation's life to an admin as it commits, with seats that match GET org", async () => {
    const owner = await signIn(uniqueEmail("lv-owner"));
    const admin = await signIn(uniqueEmail("lv-admin"));
    const joiner = await signIn(uniqueEmail("lv-joiner"));
    const decliner = await signIn(uniqueEmail("lv-decliner"));
    const org = await createOrg(owner, "lv");
    await seedMember(org, admin, "admin");
    const { live, ready } = await open(org.slug, admin.cookie);
    const base = `/api/v1/orgs/${org.slug}/invitations`;

    // Invite: the invitation as the API answered it, then the seats it took, then its mail sent.
    const email = uniqueEmail("lv-invitee");
    const created = await invite(owner, org.slug, { invitee: email, role: "member" });
    const id = created.invitation.id;
    await mailSent(live, id);
    let events = await live.drain();
    expect(events.map((e) => e.type)).toEqual(["invitation.created", "seats.changed", "invitation.updated"]);
    expect(events[2]!.data).toEqual({ invitation: { ...created.invitation, delivery: "sent" } });
    expectConsecutive(events, ready);
    expect(events[0]!.data).toEqual({ invitation: created.invitation });
    expect(events[1]!.data).toEqual(await seatsOf(owner.cookie, org.slug));
    expect(events[1]!.data).toMatchObject({ used: 3, members: 2, pending: 1 });
    let seq = events.at(-1)!.seq;

    // Edit, extend, resend and new link: one invitation.updated each, carrying the answer's view
    // (the resend's mail then reported sent in one more); seats do not move.
    const steps: Array<[string, () => Promise<{ status: number; body: { invitation: InvitationView } }>, Partial<InvitationView>]> = [
      ["edit", () => act(owner, "PATCH", `${base}/${id}`, { role: "admin", message: "Welcome" }), { role: "admin", message: "Welcome", sendCount: 1 }],
      ["extend", () => act(owner, "POST", `${base}/${id}/extend`, { days: 20 }), { role: "admin", sendCount: 1 }],
      ["resend", () => act(owner, "POST", `${base}/${id}/resend`), { sendCount: 2 }],
      ["new link", () => act(owner, "POST", `${base}/${id}/link`), { sendCount: 2 }],
    ];
    for (const [name, step, expected] of steps) {
      const answer = await step();
      expect(answer.status, name).toBe(200);
      if (name === "resend") await mailSent(live, id);
      events = await live.drain();
      expect(events.map((e) => e.type), name).toEqual(name === "resend" ? ["invitation.updated", "invitation.updated"] : ["invitation.updated"]);
      expectConsecutive(events, seq);
      expect(events[0]!.data, name).toEqual({ invitation: answer.body.invitation });
      expect(answer.body.invitation, name).toMatchObject({ id, status: "pending", ...expected });
      seq = events.at(-1)!.seq;
    }
    const extended = (await call<{ invitations: InvitationView[] }>("GET", base, { cookie: owner.cookie })).body.invitations.find((i) => i.id === id);
    expect(Date.parse(extended!.expiresAt) - Date.now()).toBeGreaterThan(19 * 24 * 60 * 60_000);
    expect(await seatsOf(owner.cookie, org.slug)).toMatchObject({ used: 3, pending: 1 });

    // Revoke: the invitation, then the seat it freed.
    const revoked = await act(owner, "POST", `${base}/${id}/revoke`);
    expect(revoked.status).toBe(200);
    events = await live.drain();
    expect(events.map((e) => e.type)).toEqual(["invitation.updated", "seats.changed"]);
    expectConsecutive(events, seq);
    expect(events[0]!.data).toEqual({ invitation: revoked.body.invitation });
    expect(events[0]!.data).toMatchObject({ invitation: { id, status: "revoked" } });
    expect(events[1]!.data).toEqual(await seatsOf(owner.cookie, org.slug));
    expect(events[1]!.data).toMatchObject({ used: 2, pending: 0 });
    seq = events.at(-1)!.seq;

    // Accept: the invitation, the new member, the seats (the invitation's seat became the member's).
    const toJoin = await invite(owner, org.slug, { invitee: joiner.email, role: "member" });
    await mailSent(live, toJoin.invitation.id);
    seq = (await live.drain()).at(-1)!.seq;
    const accepted = await call<{ invitation: InvitationView }>("POST", `/api/v1/invitations/${tokenOf(toJoin.inviteUrl)}/accept`, { cookie: joiner.cookie });
    expect(accepted.status).toBe(200);
    events = await live.drain();
    expect(events.map((e) => e.type)).toEqual(["invitation.updated", "member.joined", "seats.changed"]);
    expectConsecutive(events, seq);
    expect(events[0]!.data).toEqual({ invitation: accepted.body.invitation });
    expect(events[0]!.data).toMatchObject({ invitation: { id: toJoin.invitation.id, status: "accepted" } });
    // protocol.ts: `member.joined` carries `{userId, role}` like the other member events, and how they joined.
    expect(events[1]!.data).toEqual({ userId: joiner.userId, role: "member", via: "invitation" });
    expect(events[2]!.data).toEqual(await seatsOf(owner.cookie, org.slug));
    expect(events[2]!.data).toMatchObject({ used: 3, members: 3, pending: 0 });
    seq = events.at(-1)!.seq;

    // Decline: the invitation, then the freed seat.
    const toDecline = await invite(owner, org.slug, { invitee: decliner.email });
    await mailSent(live, toDecline.invitation.id);
    seq = (await live.drain()).at(-1)!.seq;
    const declined = await call<{ invitation: InvitationView }>("POST", `/api/v1/invitations/${tokenOf(toDecline.inviteUrl)}/decline`, { cookie: decliner.cookie });
    expect(declined.status).toBe(200);
    events = await live.drain();
    expect(events.map((e) => e.type)).toEqual(["invitation.updated", "seats.changed"]);
    expectConsecutive(events, seq);
    expect(events[0]!.data).toMatchObject({ invitation: { id: toDecline.invitation.id, status: "declined" } });
    expect(events[1]!.data).toEqual(await seatsOf(owner.cookie, org.slug));

    // A refused command publishes nothing.
    const refused = await act(owner, "POST", `${base}/${id}/revoke`);
    expect(refused.status).toBe(409);
    expect(await live.drain()).toEqual([]);
    live.ws.close(1000);
  });

  it("never sends invitation events to a restricted member (nor to a member), live or on resume", async () => {
    const owner = await signIn(uniqueEmail("rs-owner"));
    const restricted = await signIn(uniqueEmail("rs-restricted"));
    const member = await signIn(uniqueEmail("rs-member"));
    const joiner = await signIn(uniqueEmail("rs-joiner"));
    const org = await createOrg(owner, "rs");
    // Seeded before the room first loads (rooms read their members once).
    await seedMember(org, restricted, "restricted");
    await seedMember(org, member, "member");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 10 } })).status).toBe(200);
    const restrictedLive = await open(org.slug, restricted.cookie);
    const memberLive = await open(org.slug, member.cookie);
    const ownerLive = await open(org.slug, owner.cookie);
    const base = `/api/v1/orgs/${org.slug}/invitations`;

    // Not mailed (mail: false) but for the resend, whose mail is reported sent before the next step.
    const first = await invite(owner, org.slug, { invitee: uniqueEmail("rs-a"), mail: false });
    expect((await act(owner, "PATCH", `${base}/${first.invitation.id}`, { role: "admin" })).status).toBe(200);
    expect((await act(owner, "POST", `${base}/${first.invitation.id}/resend`)).status).toBe(200);
    await mailSent(ownerLive.live, first.invitation.id);
    expect((await act(owner, "POST", `${base}/${first.invitation.id}/extend`)).status).toBe(200);
    expect((await act(owner, "POST", `${base}/${first.invitation.id}/revoke`)).status).toBe(200);
    const second = await invite(owner, org.slug, { invitee: joiner.email, mail: false });
    expect((await call("POST", `/api/v1/invitations/${tokenOf(second.inviteUrl)}/accept`, { cookie: joiner.cookie })).status).toBe(200);

    // The owner heard everything; that fences the broadcast for the others too.
    const ownerEvents = await ownerLive.live.drain();
    expect(ownerEvents.map((e) => e.type)).toEqual([
      "invitation.created", "seats.changed",
      "invitation.updated", "invitation.updated", "invitation.updated", "invitation.updated",
      "invitation.updated", "seats.changed",
      "invitation.created", "seats.changed",
      "invitation.updated", "member.joined", "seats.changed",
    ]);
    const seatEvents = ownerEvents.filter((e) => e.type === "seats.changed");

    const restrictedEvents = await restrictedLive.live.drain();
    expect(restrictedEvents).toEqual(seatEvents);
    const memberEvents = await memberLive.live.drain();
    expect(memberEvents).toEqual(ownerEvents.filter((e) => !e.type.startsWith("invitation.")));

    // Replayed from the log, the same filter applies.
    restrictedLive.live.send({ type: "resume", since: restrictedLive.ready });
    expect(await restrictedLive.live.drain()).toEqual(seatEvents);
    memberLive.live.send({ type: "resume", since: memberLive.ready });
    expect((await memberLive.live.drain()).map((e) => e.type)).not.toContain("invitation.created");
    for (const socket of [restrictedLive, memberLive, ownerLive]) socket.live.ws.close(1000);
  });

  it("sends a socket one message per commit (its events alone, or as an array in seq order) and replays in arrays of at most 100", async () => {
    const owner = await signIn(uniqueEmail("bt-owner"));
    const restricted = await signIn(uniqueEmail("bt-restricted"));
    const org = await createOrg(owner, "bt");
    await seedMember(org, restricted, "restricted");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 500 } })).status).toBe(200);
    const ownerLive = await open(org.slug, owner.cookie);
    const restrictedLive = await open(org.slug, restricted.cookie);
    expect(restrictedLive.ready).toBe(ownerLive.ready);
    const start = ownerLive.ready;
    /** The socket's messages after `ready`, each parsed as it came, the fencing pong dropped. */
    const messagesOf = (live: LiveClient): unknown[] =>
      live.received
        .slice(1)
        .map((m) => JSON.parse(m) as unknown)
        .filter((m) => !(typeof m === "object" && m !== null && "type" in m && m.type === "pong"));

    // One invitation: the owner's socket gets one message carrying both of its events.
    // Not mailed: a mail's delivery is published later, in a commit of its own.
    await invite(owner, org.slug, { invitee: uniqueEmail("bt-one"), mail: false });
    await ownerLive.live.drain();
    await restrictedLive.live.drain();
    expect(messagesOf(ownerLive.live)).toEqual([
      [
        expect.objectContaining({ seq: start + 1, type: "invitation.created" }),
        expect.objectContaining({ seq: start + 2, type: "seats.changed" }),
      ],
    ]);
    // The restricted member may see one of them: it comes alone, as an object.
    expect(messagesOf(restrictedLive.live)).toEqual([expect.objectContaining({ seq: start + 2, type: "seats.changed" })]);

    // A bulk of 150 commits in a group or a few: a message per commit, not per event.
    const rows = Array.from({ length: 150 }, (_, i) => ({ invitee: uniqueEmail(`bt-bulk-${i}`), mail: false }));
    const bulk = await call<{ created: number }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows } });
    expect(bulk.status).toBe(200);
    expect(bulk.body.created).toBe(150);
    const bulkEvents = await ownerLive.live.drain();
    expect(bulkEvents.filter((e) => e.type === "invitation.created")).toHaveLength(150);
    expectConsecutive(bulkEvents, start + 2);
    const bulkMessages = messagesOf(ownerLive.live).slice(1);
    expect(bulkMessages.length).toBeGreaterThan(0);
    expect(bulkMessages.length).toBeLessThanOrEqual(5);
    const last = bulkEvents.at(-1)!.seq;

    // Resume from before all of it: every event again, in arrays of at most 100.
    const back = await open(org.slug, owner.cookie);
    back.live.send({ type: "resume", since: start });
    const replayed = await back.live.drain();
    expectConsecutive(replayed, start);
    expect(replayed.at(-1)!.seq).toBe(last);
    const replayMessages = messagesOf(back.live);
    expect(replayMessages.map((m) => (Array.isArray(m) ? m.length : 1))).toEqual([100, last - start - 100]);

    for (const socket of [ownerLive, restrictedLive, back]) socket.live.ws.close(1000);
  });

  it("gives a socket that dropped exactly the invitation events it missed when it resumes with since", async () => {
    const owner = await signIn(uniqueEmail("rm-owner"));
    const admin = await signIn(uniqueEmail("rm-admin"));
    const org = await createOrg(owner, "rm");
    await seedMember(org, admin, "admin");
    const base = `/api/v1/orgs/${org.slug}/invitations`;
    const watcher = await open(org.slug, owner.cookie);
    const dropped = await open(org.slug, admin.cookie);
    expect(dropped.ready).toBe(watcher.ready);
    dropped.live.ws.close(1000);

    const created = await invite(owner, org.slug, { invitee: uniqueEmail("rm-a"), mail: false });
    const id = created.invitation.id;
    expect((await act(owner, "PATCH", `${base}/${id}`, { message: "See you" })).status).toBe(200);
    expect((await act(owner, "POST", `${base}/${id}/resend`)).status).toBe(200);
    await mailSent(watcher.live, id);
    expect((await act(owner, "POST", `${base}/${id}/revoke`)).status).toBe(200);
    expect((await act(owner, "DELETE", `${base}/${id}`)).status).toBe(204);
    const missed = await watcher.live.drain();
    expect(missed.map((e) => e.type)).toEqual([
      "invitation.created", "seats.changed", "invitation.updated", "invitation.updated", "invitation.updated", "invitation.updated", "seats.changed", "invitation.updated",
    ]);
    expect(missed.at(-1)!.data).toEqual({ invitation: { id, deleted: true } });

    const back = await open(org.slug, admin.cookie);
    expect(back.ready).toBe(dropped.ready + missed.length);
    back.live.send({ type: "resume", since: dropped.ready });
    const replayed = await back.live.drain();
    expect(replayed).toEqual(missed);
    expectConsecutive(replayed, dropped.ready);

    // Resuming from the middle gives only the rest; from the present, nothing.
    back.live.send({ type: "resume", since: missed[3]!.seq });
    expect(await back.live.drain()).toEqual(missed.slice(4));
    back.live.send({ type: "resume", since: back.ready });
    expect(await back.live.drain()).toEqual([]);
    for (const socket of [watcher, back]) socket.live.ws.close(1000);
  });
});
