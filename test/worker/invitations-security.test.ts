import { createClient } from "@libsql/client/web";
import { exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { unpackLiveMessage, type LiveWireMessage, type ServerMessage } from "../../worker/org/live/protocol.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { call, createOrg, env, origin, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { referenceSha256Hex } from "./support/hash.ts";

/**
 * Invitations and the rules every change keeps: tenant isolation (an invitation id of another
 * organization is simply not there), token hygiene (tokens exist only as SHA-256 hashes and
 * die on resend, new link and revoke), an invitee preview that reveals nothing more than it
 * must, usernames that never disclose an account's email, and an audit trail with one
 * event per change, naming who made it.
 */

const dayMs = 24 * 60 * 60_000;

interface InvitationView {
  id: string;
  email: string | null;
  username: string | null;
  role: string;
  status: string;
  sendCount: number;
  expiresAt: string;
}
interface Created {
  invitation: InvitationView;
  inviteUrl: string;
}
type ErrorBody = { error: { code: string; message: string } };

const tokenOf = (url: string) => url.split("/invitations/")[1] ?? "";

async function invite(actor: SignedIn, slug: string, body: Record<string, unknown>): Promise<Created> {
  const answer = await call<Created>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: actor.cookie, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** The organization's invitation rows, straight from the database. */
async function invitationRows(orgId: string): Promise<Array<Record<string, unknown>>> {
  const db = createClient({ url: env.DATABASE_URL ?? "" });
  try {
    const result = await db.execute({ sql: "SELECT * FROM invitations WHERE org_id = ?", args: [orgId] });
    return result.rows.map((row) => Object.fromEntries(result.columns.map((column) => [column, row[column]])));
  } finally {
    db.close();
  }
}

interface Live {
  ws: WebSocket;
  messages: ServerMessage[];
}

async function openLive(slug: string, cookie: string): Promise<Live> {
  const response = await exports.default.fetch(`${origin}/api/v1/orgs/${slug}/live`, { headers: { upgrade: "websocket", cookie, origin } });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  const messages: ServerMessage[] = [];
  ws.accept();
  ws.addEventListener("message", (event) => {
    messages.push(...unpackLiveMessage(JSON.parse(String(event.data)) as LiveWireMessage));
  });
  return { ws, messages };
}

/** Waits until the socket answered a ping: every event published before it has arrived. */
async function fence({ ws, messages }: Live): Promise<void> {
  const pongs = () => messages.filter((m) => m.type === "pong").length;
  const before = pongs();
  ws.send(JSON.stringify({ type: "ping" }));
  const deadline = Date.now() + 5000;
  while (pongs() === before) {
    if (Date.now() > deadline) throw new Error("no pong");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("tenant isolation of invitations", () => {
  it("answers 404 to an admin of another organization for every action on its invitation ids, and changes nothing", async () => {
    const ownerA = await signIn(uniqueEmail("iso-owner-a"));
    const adminA = await signIn(uniqueEmail("iso-admin-a"));
    const ownerB = await signIn(uniqueEmail("iso-owner-b"));
    const orgA = await createOrg(ownerA, "iso-a");
    const orgB = await createOrg(ownerB, "iso-b");
    await seedMember(orgA, adminA, "admin");
    const pendingEmail = uniqueEmail("iso-b-pending");
    const pendingB = await invite(ownerB, orgB.slug, { invitee: pendingEmail, role: "member", message: "only for B" });
    const revokedB = await invite(ownerB, orgB.slug, { invitee: uniqueEmail("iso-b-revoked") });
    expect((await call("POST", `/api/v1/orgs/${orgB.slug}/invitations/${revokedB.invitation.id}/revoke`, { cookie: ownerB.cookie })).status).toBe(200);
    const ownA = await invite(adminA, orgA.slug, { invitee: uniqueEmail("iso-a") });
    const key = await call<{ secret: string }>("POST", `/api/v1/orgs/${orgA.slug}/api-keys`, {
      cookie: ownerA.cookie,
      body: { name: "iso", scopes: ["invitations:read", "invitations:write"] },
    });
    expect(key.status).toBe(201);

    const a = `/api/v1/orgs/${orgA.slug}/invitations`;
    // A's own deleted invitation and an id nobody ever had are not found either.
    const deletedA = await invite(adminA, orgA.slug, { invitee: uniqueEmail("iso-a-deleted") });
    expect((await call("POST", `${a}/${deletedA.invitation.id}/revoke`, { cookie: adminA.cookie })).status).toBe(200);
    expect((await call("DELETE", `${a}/${deletedA.invitation.id}`, { cookie: adminA.cookie })).status).toBe(204);
    const attempts: Array<[string, string, unknown?]> = [];
    for (const id of [pendingB.invitation.id, revokedB.invitation.id, deletedA.invitation.id, "inv_0000000000000000000000000"]) {
      attempts.push(
        ["PATCH", `${a}/${id}`, { role: "member" }],
        ["POST", `${a}/${id}/resend`],
        ["POST", `${a}/${id}/link`],
        ["POST", `${a}/${id}/extend`, { days: 3 }],
        ["POST", `${a}/${id}/revoke`],
        ["DELETE", `${a}/${id}`],
      );
    }
    const outcomes: string[] = [];
    for (const credentials of [{ cookie: adminA.cookie }, { bearer: key.body.secret }]) {
      for (const [method, path, body] of attempts) {
        const answer = await call<ErrorBody>(method, path, { ...credentials, ...(body === undefined ? {} : { body }) });
        const label = `${"cookie" in credentials ? "admin" : "key"} ${method} ${path.replace(a, "")}`;
        outcomes.push(`${label} -> ${answer.status} ${answer.body.error?.code}`);
        expect(JSON.stringify(answer.body), label).not.toContain(orgB.slug);
        expect(JSON.stringify(answer.body), label).not.toContain(pendingEmail);
      }
    }
    // Through B's own URLs the admin of A is an outsider; from their own list they are not the invitee.
    for (const [method, path, body] of [
      ["GET", `/api/v1/orgs/${orgB.slug}/invitations`],
      ["POST", `/api/v1/orgs/${orgB.slug}/invitations/${pendingB.invitation.id}/revoke`],
      ["POST", `/api/v1/orgs/${orgB.slug}/invitations`, { invitee: uniqueEmail("x") }],
      ["POST", `/api/v1/me/invitations/${pendingB.invitation.id}/accept`],
      ["POST", `/api/v1/me/invitations/${pendingB.invitation.id}/decline`],
    ] as Array<[string, string, unknown?]>) {
      const answer = await call<ErrorBody>(method, path, { cookie: adminA.cookie, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }

    const listedA = await call<{ invitations: InvitationView[] }>("GET", a, { cookie: adminA.cookie });
    expect(listedA.body.invitations.map((i) => i.id)).toEqual([ownA.invitation.id]);
    expect(listedA.body.invitations[0]?.status).toBe("pending");
    const listedB = await call<{ invitations: InvitationView[] }>("GET", `/api/v1/orgs/${orgB.slug}/invitations`, { cookie: ownerB.cookie });
    // Unchanged, but for the delivery of its mail, which may have gone out meanwhile.
    const { delivery: _, ...unchanged } = pendingB.invitation as InvitationView & { delivery: string };
    expect(listedB.body.invitations).toContainEqual({ ...unchanged, delivery: expect.any(String) });
    expect(listedB.body.invitations.find((i) => i.id === revokedB.invitation.id)?.status).toBe("revoked");
    expect((await call<{ status: string }>("GET", `/api/v1/invitations/${tokenOf(pendingB.inviteUrl)}`)).body.status).toBe("pending");
    const seatsB = (await call<{ seats: Record<string, number> }>("GET", `/api/v1/orgs/${orgB.slug}`, { cookie: ownerB.cookie })).body.seats;
    expect(seatsB).toMatchObject({ members: 1, pending: 1 });

    // Last, and all at once, so a failure lists every action that answers otherwise.
    expect(outcomes).toEqual(outcomes.map((o) => `${o.split(" -> ")[0]} -> 404 not_found`));
  });
});

describe("invitation tokens", () => {
  it("are stored only as SHA-256 hashes, and a resend replaces the hash", async () => {
    const owner = await signIn(uniqueEmail("hash-owner"));
    const org = await createOrg(owner, "hash");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("hash") });
    const token = tokenOf(created.inviteUrl);
    expect(token.length).toBeGreaterThanOrEqual(40);
    let [row] = await invitationRows(org.id);
    expect(row?.token_hash).toBe(await referenceSha256Hex(token));
    expect(JSON.stringify(await invitationRows(org.id))).not.toContain(token);

    const resent = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}/resend`, { cookie: owner.cookie });
    const newToken = tokenOf(resent.body.inviteUrl);
    const relinked = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}/link`, { cookie: owner.cookie });
    const linkToken = tokenOf(relinked.body.inviteUrl);
    expect(new Set([token, newToken, linkToken]).size).toBe(3);
    [row] = await invitationRows(org.id);
    expect(row?.token_hash).toBe(await referenceSha256Hex(linkToken));
    const stored = JSON.stringify(await invitationRows(org.id));
    for (const t of [token, newToken, linkToken]) expect(stored).not.toContain(t);
  });

  it("die on resend, new link and revoke; an unknown or malformed token is refused", async () => {
    const owner = await signIn(uniqueEmail("dead-owner"));
    const invitee = await signIn(uniqueEmail("dead-invitee"));
    const org = await createOrg(owner, "dead");
    const created = await invite(owner, org.slug, { invitee: invitee.email });
    const base = `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}`;
    const resent = (await call<Created>("POST", `${base}/resend`, { cookie: owner.cookie })).body;
    const relinked = (await call<Created>("POST", `${base}/link`, { cookie: owner.cookie })).body;

    // Replaced links are gone: not found, whoever asks and however.
    for (const dead of [created.inviteUrl, resent.inviteUrl]) {
      const token = tokenOf(dead);
      expect((await call("GET", `/api/v1/invitations/${token}`)).status).toBe(404);
      for (const answer of ["accept", "decline"]) {
        const refused = await call<ErrorBody>("POST", `/api/v1/invitations/${token}/${answer}`, { cookie: invitee.cookie });
        expect(refused.status, answer).toBe(404);
        expect(refused.body.error.code).toBe("not_found");
      }
    }
    // The refusals consumed nothing: the live link is still pending.
    expect((await call<{ status: string }>("GET", `/api/v1/invitations/${tokenOf(relinked.inviteUrl)}`)).body.status).toBe("pending");

    // Revoked: the link says so, and can neither be accepted nor declined.
    expect((await call("POST", `${base}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    const token = tokenOf(relinked.inviteUrl);
    expect((await call<{ status: string }>("GET", `/api/v1/invitations/${token}`)).body.status).toBe("revoked");
    for (const answer of ["accept", "decline"]) {
      const refused = await call<ErrorBody>("POST", `/api/v1/invitations/${token}/${answer}`, { cookie: invitee.cookie });
      expect(refused.status, answer).toBe(409);
      expect(refused.body.error.code).toBe("invitation_not_pending");
    }
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: invitee.cookie })).status).toBe(404);
    // Deleted, the link is not found at all.
    expect((await call("DELETE", base, { cookie: owner.cookie })).status).toBe(204);
    expect((await call("GET", `/api/v1/invitations/${token}`)).status).toBe(404);

    expect((await call("GET", `/api/v1/invitations/${"A".repeat(43)}`)).status).toBe(404);
    const short = await call<ErrorBody>("GET", "/api/v1/invitations/short");
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe("validation_failed");
    expect((await call("POST", `/api/v1/invitations/${"B".repeat(43)}/accept`, { cookie: invitee.cookie })).status).toBe(404);
    expect((await call("POST", `/api/v1/invitations/${token}/accept`)).status).toBe(401);
  });
});

describe("what an invitee's link shows", () => {
  it("reveals the organization's name and slug, the inviter's name, the role, the expiry and the status — nothing else", async () => {
    const owner = await signIn(uniqueEmail("pv-owner"));
    expect((await call("PATCH", "/api/v1/me", { cookie: owner.cookie, body: { name: "Olivia Owner" } })).status).toBe(200);
    const org = await createOrg(owner, "pv");
    const email = uniqueEmail("pv-invitee");
    const created = await invite(owner, org.slug, { invitee: email, role: "admin", message: "secret project codename" });
    const preview = await call<Record<string, unknown>>("GET", `/api/v1/invitations/${tokenOf(created.inviteUrl)}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      org: { name: `Org ${org.slug}`, slug: org.slug },
      inviter: { name: "Olivia Owner" },
      role: "admin",
      expiresAt: created.invitation.expiresAt,
      status: "pending",
    });
    const text = JSON.stringify(preview.body);
    for (const secret of [email, owner.email, owner.userId, org.id, created.invitation.id, "secret project codename"]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("invitations by username", () => {
  it("never show the account's email to the inviter: not in create, list, resend, link, extend, edit, bulk, errors, live events or the audit", async () => {
    const owner = await signIn(uniqueEmail("un-owner"));
    const first = await signIn(uniqueEmail("un-first"));
    const second = await signIn(uniqueEmail("un-second"));
    const stamp = Date.now().toString(36);
    for (const [person, name] of [[first, `first-${stamp}`], [second, `second-${stamp}`]] as const) {
      expect((await call("PATCH", "/api/v1/me", { cookie: person.cookie, body: { username: name } })).status).toBe(200);
    }
    const org = await createOrg(owner, "un");
    const live = await openLive(org.slug, owner.cookie);
    const base = `/api/v1/orgs/${org.slug}/invitations`;
    const answers: unknown[] = [];

    const created = await invite(owner, org.slug, { invitee: `FIRST-${stamp}` });
    answers.push(created);
    expect(created.invitation).toMatchObject({ email: null, username: `first-${stamp}`, status: "pending" });
    const id = created.invitation.id;
    for (const [method, path, body] of [
      ["PATCH", `${base}/${id}`, { role: "admin", message: "hello" }],
      ["POST", `${base}/${id}/extend`, { days: 10 }],
      ["POST", `${base}/${id}/resend`],
      ["POST", `${base}/${id}/link`],
      ["POST", base, { invitee: `first-${stamp}` }],
      ["POST", `${base}/bulk`, { invitations: [{ invitee: `second-${stamp}` }, { invitee: `first-${stamp}` }] }],
      ["GET", base],
      ["GET", `${base}?status=pending`],
      ["GET", `/api/v1/orgs/${org.slug}/audit?limit=200`],
    ] as Array<[string, string, unknown?]>) {
      const answer = await call(method, path, { cookie: owner.cookie, ...(body === undefined ? {} : { body }) });
      expect(answer.status, `${method} ${path}`).toBeLessThan(500);
      answers.push(answer.body);
    }
    const again = answers[5] as ErrorBody;
    expect(again.error.code).toBe("already_invited");
    const bulk = answers[6] as { results: Array<{ ok: boolean; invitation?: InvitationView; error?: { code: string } }> };
    expect(bulk.results.map((r) => (r.ok ? r.invitation?.email : r.error?.code))).toEqual([null, "already_invited"]);
    const listed = answers[7] as { invitations: InvitationView[] };
    expect(listed.invitations.map((i) => [i.username, i.email])).toEqual([
      [`second-${stamp}`, null],
      [`first-${stamp}`, null],
    ]);
    // Revoked, it still shows no email.
    const revoked = await call("POST", `${base}/${id}/revoke`, { cookie: owner.cookie });
    expect(revoked.status).toBe(200);
    answers.push(revoked.body);

    await fence(live);
    live.ws.close(1000);
    const invitationEvents = live.messages.filter((m) => m.type.startsWith("invitation."));
    // The mails' delivery reports come when the outbox records them, in no fixed place; the
    // commands' own events keep their order. (All of them are checked for emails below.)
    expect(withoutDeliveryReports(invitationEvents).map((m) => m.type)).toEqual([
      "invitation.created",
      "invitation.updated",
      "invitation.updated",
      "invitation.updated",
      "invitation.updated",
      "invitation.created",
      "invitation.updated",
    ]);
    const seen = JSON.stringify([answers, invitationEvents]);
    expect(seen).toContain(`first-${stamp}`);
    for (const email of [first.email, second.email]) {
      expect(seen).not.toContain(email);
      expect(seen.toLowerCase()).not.toContain(email.toLowerCase());
    }
  });
});

/**
 * `events` less the mail delivery reports: an `invitation.updated` whose invitation differs
 * from the previous view of the same invitation in `delivery` alone.
 */
function withoutDeliveryReports(events: ServerMessage[]): ServerMessage[] {
  const last = new Map<string, Record<string, unknown>>();
  return events.filter((m) => {
    const data: unknown = "data" in m ? m.data : undefined;
    if (typeof data !== "object" || data === null || !("invitation" in data)) return true;
    const { delivery, ...view } = data.invitation as Record<string, unknown>;
    const id = String(view.id);
    const before = last.get(id);
    last.set(id, { delivery, ...view });
    if (m.type !== "invitation.updated" || !before) return true;
    const { delivery: deliveredBefore, ...viewBefore } = before;
    return delivery === deliveredBefore || JSON.stringify(view) !== JSON.stringify(viewBefore);
  });
}

describe("a username invitation under an email-domain rule", () => {
  it("is refused with the same answer whatever the account's hidden email domain, naming none of it", async () => {
    const owner = await signIn(uniqueEmail("rule-owner"));
    const org = await createOrg(owner, "rule");
    const stamp = Date.now().toString(36);
    const inside = await signIn(`inside.${stamp}@allowed.example`);
    const outside = await signIn(`outside.${stamp}@employer.example`);
    for (const [user, username] of [[inside, `in-${stamp}`], [outside, `out-${stamp}`]] as const) {
      expect((await call("PATCH", "/api/v1/me", { cookie: user.cookie, body: { username } })).status).toBe(200);
    }
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { allowedEmailDomains: ["allowed.example"] } })).status).toBe(200);

    const answers = [];
    for (const username of [`in-${stamp}`, `out-${stamp}`]) {
      const single = await call<ErrorBody>("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: username } });
      const bulk = await call<{ results: Array<Record<string, unknown>> }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, {
        cookie: owner.cookie,
        body: { invitations: [{ invitee: username }] },
      });
      const { requestId: _ignored, ...error } = single.body.error as ErrorBody["error"] & { requestId?: string };
      answers.push({ status: single.status, error, row: bulk.body.results?.[0]?.error ?? bulk.body });
    }
    expect(answers[0]).toMatchObject({ status: 403, error: { code: "domain_not_allowed" } });
    expect(answers[1]).toEqual(answers[0]);
    expect(JSON.stringify(answers)).not.toContain("employer");
    const listed = await call<{ invitations: unknown[] }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations).toEqual([]);
  });
});

describe("a username and an email for the same person", () => {
  it("are never compared: inviting both answers the same as inviting strangers, and joining through one revokes the other", async () => {
    const owner = await signIn(uniqueEmail("pair-owner"));
    const person = await signIn(uniqueEmail("pair-person"));
    const username = `pair-${Date.now().toString(36)}`;
    expect((await call("PATCH", "/api/v1/me", { cookie: person.cookie, body: { username } })).status).toBe(200);
    const org = await createOrg(owner, "pair");
    // Either order: the second answers 201 like any other invitation, so it tells the
    // inviter nothing about whose account has which email.
    const byEmail = await invite(owner, org.slug, { invitee: person.email });
    const byUsername = await invite(owner, org.slug, { invitee: username });
    expect(byUsername.invitation).toMatchObject({ email: null, username, status: "pending" });
    // Within one kind, a duplicate is still refused.
    for (const invitee of [person.email, username.toUpperCase()]) {
      const again = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee } });
      expect([again.status, again.body.error.code]).toEqual([409, "already_invited"]);
    }
    // Joining through the username invitation: the email one is revoked by the system and
    // frees its seat; the person holds one seat, as a member.
    const joined = await call("POST", `/api/v1/invitations/${tokenOf(byUsername.inviteUrl)}/accept`, { cookie: person.cookie });
    expect(joined.status).toBe(200);
    const rows = Object.fromEntries((await invitationRows(org.id)).map((row) => [row.id, row.status]));
    expect(rows).toEqual({ [byEmail.invitation.id]: "revoked", [byUsername.invitation.id]: "accepted" });
    const seats = await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    expect(seats.body.seats).toMatchObject({ members: 2, pending: 0 });
    const audit = await call<{ events: Array<{ action: string; targetId: string; actor: unknown; data: Record<string, unknown> }> }>(
      "GET",
      `/api/v1/orgs/${org.slug}/audit?limit=50`,
      { cookie: owner.cookie },
    );
    expect(audit.body.events.find((e) => e.targetId === byEmail.invitation.id && e.action === "invitation.revoked")).toMatchObject({ data: { reason: "invitee_joined" } });
    // Its link answers like any revoked invitation's.
    const late = await call("POST", `/api/v1/invitations/${tokenOf(byEmail.inviteUrl)}/accept`, { cookie: person.cookie });
    expect([late.status, late.body.error.code]).toEqual([409, "invitation_not_pending"]);
  });
});

describe("the audit trail of invitations", () => {
  it("records one event per change — created, edited, extended, resent, link_renewed, revoked, deleted, accepted, declined, expired — with its actor", async () => {
    const owner = await signIn(uniqueEmail("au-owner"));
    const admin = await signIn(uniqueEmail("au-admin"));
    const joiner = await signIn(uniqueEmail("au-joiner"));
    const decliner = await signIn(uniqueEmail("au-decliner"));
    const org = await createOrg(owner, "au");
    await seedMember(org, admin, "admin");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 10 } })).status).toBe(200);
    const base = `/api/v1/orgs/${org.slug}/invitations`;
    const by = (who: SignedIn, method: string, path: string, body?: unknown) =>
      call(method, path, { cookie: who.cookie, ...(body === undefined ? {} : { body }) }).then((answer) => {
        expect(answer.status, `${method} ${path}`).toBeLessThan(300);
        return answer;
      });

    const managed = await invite(owner, org.slug, { invitee: uniqueEmail("au-managed") });
    const m = `${base}/${managed.invitation.id}`;
    await by(admin, "PATCH", m, { role: "admin" });
    await by(admin, "POST", `${m}/extend`, { days: 9 });
    await by(owner, "POST", `${m}/resend`);
    await by(admin, "POST", `${m}/link`);
    await by(owner, "POST", `${m}/revoke`);
    // Refused commands leave no trace.
    expect((await call("POST", `${m}/revoke`, { cookie: owner.cookie })).status).toBe(409);
    expect((await call("PATCH", m, { cookie: admin.cookie, body: { role: "member" } })).status).toBe(409);
    await by(admin, "DELETE", m);

    const toJoin = await invite(admin, org.slug, { invitee: joiner.email });
    await by(joiner, "POST", `/api/v1/invitations/${tokenOf(toJoin.inviteUrl)}/accept`);
    await by(joiner, "POST", `/api/v1/invitations/${tokenOf(toJoin.inviteUrl)}/accept`);
    const toDecline = await invite(owner, org.slug, { invitee: decliner.email });
    await by(decliner, "POST", `/api/v1/invitations/${tokenOf(toDecline.inviteUrl)}/decline`);
    const toExpire = await invite(owner, org.slug, { invitee: uniqueEmail("au-expire"), expiresInDays: 1 });
    const later = Date.now() + 2 * dayMs;
    await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => {
      room.clock = { now: () => later };
    });
    expect(await runDurableObjectAlarm(orgRoom(env, org.id))).toBe(true);

    const audit = await call<{ events: Array<{ action: string; actorType: string; actorId: string | null; targetType: string; targetId: string | null }> }>(
      "GET",
      `/api/v1/orgs/${org.slug}/audit?limit=200`,
      { cookie: owner.cookie },
    );
    expect(audit.status).toBe(200);
    const trail = (invitationId: string) =>
      audit.body.events
        .filter((e) => e.targetType === "invitation" && e.targetId === invitationId)
        .reverse()
        .map((e) => [e.action, e.actorType, e.actorId]);
    const user = (who: SignedIn) => ["user", who.userId] as const;
    expect(trail(managed.invitation.id)).toEqual([
      ["invitation.created", ...user(owner)],
      ["invitation.edited", ...user(admin)],
      ["invitation.extended", ...user(admin)],
      ["invitation.resent", ...user(owner)],
      ["invitation.link_renewed", ...user(admin)],
      ["invitation.revoked", ...user(owner)],
      ["invitation.deleted", ...user(admin)],
    ]);
    // Accepting twice is one change.
    expect(trail(toJoin.invitation.id)).toEqual([
      ["invitation.created", ...user(admin)],
      ["invitation.accepted", ...user(joiner)],
    ]);
    expect(trail(toDecline.invitation.id)).toEqual([
      ["invitation.created", ...user(owner)],
      ["invitation.declined", ...user(decliner)],
    ]);
    expect(trail(toExpire.invitation.id)).toEqual([
      ["invitation.created", ...user(owner)],
      ["invitation.expired", "system", null],
    ]);
    const invitationEvents = audit.body.events.filter((e) => e.targetType === "invitation");
    expect(invitationEvents).toHaveLength(7 + 2 + 2 + 2);
  });
});
