import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { OrgMailBudget } from "../../worker/org/mail-budget.ts";
import { call, createOrg, latestMail, origin, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const dayMs = 24 * 60 * 60_000;

/** The database itself, to check what the API says against it (and to play a second writer). */
const db = createClient({ url: env.DATABASE_URL ?? "" });

interface Created {
  invitation: { id: string; status: string; email: string | null; role: string; sendCount: number; expiresAt: string; delivery: string };
  inviteUrl: string;
}

const tokenOf = (url: string) => url.split("/invitations/")[1] ?? "";

async function invite(owner: SignedIn, slug: string, body: Record<string, unknown>) {
  return call<Created & { error: { code: string; details?: Record<string, unknown> } }>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: owner.cookie, body });
}

async function seatsOf(owner: SignedIn, slug: string) {
  return (await call<{ seats: { limit: number; used: number; members: number; pending: number; available: number } }>("GET", `/api/v1/orgs/${slug}`, { cookie: owner.cookie })).body.seats;
}

async function setSeatLimit(owner: SignedIn, slug: string, seatLimit: number) {
  const answer = await call("PATCH", `/api/v1/orgs/${slug}`, { cookie: owner.cookie, body: { seatLimit } });
  expect(answer.status).toBe(200);
}

/** Moves the room's clock (its commands and alarm) to `now`. */
async function setRoomClock(orgId: string, now: number) {
  await runInDurableObject(orgRoom(env, orgId), (room: OrgRoom) => {
    room.clock = { now: () => now };
  });
}

describe("creating invitations", () => {
  it("invites by email with a seat held, a copyable link and the mail in the dev mailbox", async () => {
    const owner = await signIn(uniqueEmail("inv-owner"));
    const org = await createOrg(owner, "inv");
    const email = uniqueEmail("invitee");
    const created = await invite(owner, org.slug, { invitee: email.toUpperCase(), role: "member", message: "Welcome aboard" });
    expect(created.status).toBe(201);
    expect(created.body.invitation).toMatchObject({ email, role: "member", status: "pending", sendCount: 1 });
    expect(created.body.inviteUrl).toMatch(/^http:\/\/roster\.test\/invitations\/[A-Za-z0-9_-]{40,}$/);
    expect(await seatsOf(owner, org.slug)).toEqual({ limit: 5, used: 2, members: 1, pending: 1, available: 3 });
    const mail = await latestMail(email, (m) => m.text.includes(created.body.inviteUrl));
    expect(mail.text).toContain("Welcome aboard");
  });

  it("mails absolute links from the request's origin when APP_URL is unset, as sign-in links do", async () => {
    const owner = await signIn(uniqueEmail("no-app-url"));
    const org = await createOrg(owner, "no-app-url");
    const email = uniqueEmail("no-app-url-invitee");
    const here = "http://elsewhere.roster.test";
    const { APP_URL: _unset, ...withoutAppUrl } = env;
    const response = await createApp().request(
      `${here}/api/v1/orgs/${org.slug}/invitations`,
      { method: "POST", headers: { cookie: owner.cookie, origin: here, "content-type": "application/json" }, body: JSON.stringify({ invitee: email }) },
      withoutAppUrl,
    );
    expect(response.status).toBe(201);
    const { inviteUrl } = (await response.json()) as { inviteUrl: string };
    expect(inviteUrl).toMatch(/^http:\/\/elsewhere\.roster\.test\/invitations\/[A-Za-z0-9_-]{40,}$/);
    const mail = await latestMail(email);
    expect(mail.text).toContain(inviteUrl);
  });

  it("refuses a member (already_member), a second pending invitation (already_invited) and an unknown username (user_not_found)", async () => {
    const owner = await signIn(uniqueEmail("dup-owner"));
    const org = await createOrg(owner, "dup");
    expect((await invite(owner, org.slug, { invitee: owner.email })).body.error.code).toBe("already_member");
    const email = uniqueEmail("twice");
    expect((await invite(owner, org.slug, { invitee: email })).status).toBe(201);
    const again = await invite(owner, org.slug, { invitee: email });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already_invited");
    const ghost = await invite(owner, org.slug, { invitee: "no-such-user-here-xyz" });
    expect(ghost.status).toBe(404);
    expect(ghost.body.error.code).toBe("user_not_found");
  });

  it("validates input: message length, expiry bounds, role", async () => {
    const owner = await signIn(uniqueEmail("val-owner"));
    const org = await createOrg(owner, "val");
    for (const body of [
      { invitee: uniqueEmail("x"), message: "x".repeat(1001) },
      { invitee: uniqueEmail("x"), expiresInDays: 0 },
      { invitee: uniqueEmail("x"), expiresInDays: 31 },
      { invitee: uniqueEmail("x"), role: "emperor" },
      { invitee: "not an email" },
    ]) {
      const answer = await invite(owner, org.slug, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe("validation_failed");
    }
    expect((await seatsOf(owner, org.slug)).pending).toBe(0);
  });

  it("never lets an admin invite an owner", async () => {
    const owner = await signIn(uniqueEmail("role-owner"));
    const admin = await signIn(uniqueEmail("role-admin"));
    const org = await createOrg(owner, "role");
    await seedMember(org, admin, "admin");
    const answer = await invite(admin, org.slug, { invitee: uniqueEmail("x"), role: "owner" });
    expect(answer.status).toBe(403);
    expect((await invite(admin, org.slug, { invitee: uniqueEmail("x"), role: "admin" })).status).toBe(201);
  });

  it("answers seats_exhausted with {limit, used} at zero", async () => {
    const owner = await signIn(uniqueEmail("full-owner"));
    const org = await createOrg(owner, "full");
    await setSeatLimit(owner, org.slug, 2);
    expect((await invite(owner, org.slug, { invitee: uniqueEmail("a") })).status).toBe(201);
    const refused = await invite(owner, org.slug, { invitee: uniqueEmail("b") });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "seats_exhausted", details: { limit: 2, used: 2 } });
  });
});

describe("seats under concurrency", () => {
  it("has the database refuse a seat the room believes free (a second writer), counting a past-due invitation as free", async () => {
    const owner = await signIn(uniqueEmail("guard-owner"));
    const org = await createOrg(owner, "guard");
    await setSeatLimit(owner, org.slug, 3);
    const dueSoon = await invite(owner, org.slug, { invitee: uniqueEmail("guard-a"), expiresInDays: 1 });
    expect(dueSoon.status).toBe(201);
    // A member added behind the room's back: the room still counts 2 of 3 seats used.
    await seedMember(org, await signIn(uniqueEmail("guard-second-writer")), "member");
    const lateEmail = uniqueEmail("guard-b");
    const refused = await invite(owner, org.slug, { invitee: lateEmail });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "seats_exhausted", details: { limit: 3, used: 3 } });
    const rows = await db.execute({ sql: "SELECT count(*) AS n FROM invitations WHERE email = ?", args: [lateEmail] });
    expect(Number(rows.rows[0]?.n)).toBe(0);
    // Two days on, before any alarm: the first invitation is past due, pending in the
    // database but holding no seat, so the guard lets one more in, and only one.
    await setRoomClock(org.id, Date.now() + 2 * dayMs);
    expect((await invite(owner, org.slug, { invitee: lateEmail })).status).toBe(201);
    expect((await invite(owner, org.slug, { invitee: uniqueEmail("guard-c") })).status).toBe(409);
    const statuses = await db.execute({ sql: "SELECT status FROM invitations WHERE org_id = ? ORDER BY created_at", args: [org.id] });
    expect(statuses.rows.map((r) => r.status)).toEqual(["pending", "pending"]);
  });

  it("never seats more people than the plan allows under 200 concurrent invitations and accepts", async () => {
    const owner = await signIn(uniqueEmail("race-owner"));
    const org = await createOrg(owner, "race");
    const limit = 12;
    await setSeatLimit(owner, org.slug, limit);
    // Five invitees who will accept while the flood of invitations runs.
    const invitees = await Promise.all(Array.from({ length: 5 }, (_, i) => signIn(uniqueEmail(`racer${i}`))));
    const links: string[] = [];
    for (const person of invitees) links.push((await invite(owner, org.slug, { invitee: person.email })).body.inviteUrl);
    const flood = Array.from({ length: 200 }, (_, i) => invite(owner, org.slug, { invitee: uniqueEmail(`flood${i}`) }));
    const accepts = invitees.map((person, i) => call("POST", `/api/v1/invitations/${tokenOf(links[i]!)}/accept`, { cookie: person.cookie }));
    const [floodAnswers, acceptAnswers] = await Promise.all([Promise.all(flood), Promise.all(accepts)]);
    expect(acceptAnswers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const created = floodAnswers.filter((a) => a.status === 201).length;
    const refused = floodAnswers.filter((a) => a.status === 409 && a.body.error.code === "seats_exhausted").length;
    expect(created + refused).toBe(200);
    // owner + 5 invitees hold 6 seats; the flood gets exactly the rest.
    expect(created).toBe(limit - 6);
    const seats = await seatsOf(owner, org.slug);
    expect(seats).toEqual({ limit, used: limit, members: 6, pending: limit - 6, available: 0 });
    // The database agrees with what the API reports.
    const counts = await db.execute({
      sql:
        "SELECT (SELECT count(*) FROM memberships WHERE org_id = ?) AS members, (SELECT count(*) FROM invitations WHERE org_id = ? AND status = 'pending') AS pending, " +
        "c.members AS kept_members, c.pending AS kept_pending FROM org_seat_counts c WHERE c.org_id = ?",
      args: [org.id, org.id, org.id],
    });
    const row = counts.rows[0];
    expect({ members: Number(row?.members), pending: Number(row?.pending) }).toEqual({ members: seats.members, pending: seats.pending });
    // And so do the counts the seat guard reads.
    expect({ members: Number(row?.kept_members), pending: Number(row?.kept_pending) }).toEqual({ members: seats.members, pending: seats.pending });
  });
});

describe("accepting and declining", () => {
  it("shows the invitee the organization, inviter, role, expiry and status — nothing more", async () => {
    const owner = await signIn(uniqueEmail("pv-owner"));
    const org = await createOrg(owner, "pv");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("pv"), role: "admin" });
    const preview = await call("GET", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}`);
    expect(preview.status).toBe(200);
    expect(Object.keys(preview.body).sort()).toEqual(["expiresAt", "inviter", "org", "role", "status"]);
    expect(preview.body).toMatchObject({ org: { slug: org.slug }, role: "admin", status: "pending" });
    expect((await call("GET", "/api/v1/invitations/not-a-real-token-at-all-0000")).status).toBe(404);
  });

  it("accepts with the matching account: membership, role and notification commit together; twice is harmless", async () => {
    const owner = await signIn(uniqueEmail("acc-owner"));
    const org = await createOrg(owner, "acc");
    const invitee = await signIn(uniqueEmail("acc-invitee"));
    const created = await invite(owner, org.slug, { invitee: invitee.email, role: "admin" });
    const token = tokenOf(created.body.inviteUrl);
    const first = await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie });
    expect(first.status).toBe(200);
    expect(first.body.invitation.status).toBe("accepted");
    const second = await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie });
    expect(second.status).toBe(200);
    const read = await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: invitee.cookie });
    expect(read.status).toBe(200);
    expect(read.body.seats).toMatchObject({ members: 2, pending: 0 });
    const me = await call("GET", "/api/v1/me", { cookie: owner.cookie });
    expect(me.body.notifications.map((n: { type: string }) => n.type)).toContain("invitation.accepted");
    const inviteeMe = await call("GET", "/api/v1/me", { cookie: invitee.cookie });
    expect(inviteeMe.body.memberships.map((m: { org: { slug: string }; role: string }) => [m.org.slug, m.role])).toContainEqual([org.slug, "admin"]);
  });

  it("lets nobody answer an invitation the database no longer has pending (a second writer), and joins nobody", async () => {
    const owner = await signIn(uniqueEmail("gone-owner"));
    const org = await createOrg(owner, "gone");
    for (const answer of ["accept", "decline"] as const) {
      const email = uniqueEmail(`gone-${answer}`);
      const created = await invite(owner, org.slug, { invitee: email });
      const invitee = await signIn(email);
      // Revoked behind the room's back after the Worker found it pending: the room still
      // holds it pending, so it is asked directly, as the Worker would have.
      await db.execute({ sql: "UPDATE invitations SET status = 'revoked' WHERE id = ?", args: [created.body.invitation.id] });
      const answered = await orgRoom(env, org.id).respondToInvitation(org.id, created.body.invitation.id, { id: invitee.userId, email, username: null, name: "" }, answer, "http://roster.test");
      expect(answered, answer).toMatchObject({ ok: false, error: { code: "invitation_not_pending" } });
      const joined = await db.execute({ sql: "SELECT count(*) AS n FROM memberships WHERE org_id = ? AND user_id = ?", args: [org.id, invitee.userId] });
      expect(Number(joined.rows[0]?.n)).toBe(0);
      const events = await db.execute({ sql: "SELECT count(*) AS n FROM audit_events WHERE target_id = ? AND action <> 'invitation.created'", args: [created.body.invitation.id] });
      expect(Number(events.rows[0]?.n)).toBe(0);
      const status = await db.execute({ sql: "SELECT status FROM invitations WHERE id = ?", args: [created.body.invitation.id] });
      expect(status.rows[0]?.status).toBe("revoked");
      // The Worker's own answer for it now.
      const again = await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/${answer}`, { cookie: invitee.cookie });
      expect([again.status, again.body.error.code]).toEqual([409, "invitation_not_pending"]);
    }
    // The room has caught up with the database: no seat is held by either.
    expect(await seatsOf(owner, org.slug)).toMatchObject({ members: 1, pending: 0 });
  });

  it("refuses the wrong account with email_mismatch and leaves the invitation pending", async () => {
    const owner = await signIn(uniqueEmail("mm-owner"));
    const org = await createOrg(owner, "mm");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("right") });
    const wrong = await signIn(uniqueEmail("wrong"));
    const answer = await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { cookie: wrong.cookie });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe("email_mismatch");
    expect((await call("GET", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}`)).body.status).toBe("pending");
    expect((await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: wrong.cookie })).status).toBe(404);
  });

  it("lists my pending invitations and answers them from there; a declined one is not pending", async () => {
    const owner = await signIn(uniqueEmail("me-owner"));
    const org = await createOrg(owner, "me");
    const invitee = await signIn(uniqueEmail("me-invitee"));
    const created = await invite(owner, org.slug, { invitee: invitee.email });
    const me = await call("GET", "/api/v1/me", { cookie: invitee.cookie });
    expect(me.body.invitations.map((i: { id: string }) => i.id)).toContain(created.body.invitation.id);
    expect(me.body.notifications.map((n: { type: string }) => n.type)).toContain("invitation.received");
    const declined = await call("POST", `/api/v1/me/invitations/${created.body.invitation.id}/decline`, { cookie: invitee.cookie });
    expect(declined.status).toBe(200);
    const again = await call("POST", `/api/v1/me/invitations/${created.body.invitation.id}/accept`, { cookie: invitee.cookie });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("invitation_not_pending");
    expect((await seatsOf(owner, org.slug)).pending).toBe(0);
  });

  it("accepts by username, and never shows that account's email to the inviter", async () => {
    const owner = await signIn(uniqueEmail("un-owner"));
    const org = await createOrg(owner, "un");
    const invitee = await signIn(uniqueEmail("un-invitee"));
    const username = `user-${Date.now().toString(36)}`;
    expect((await call("PATCH", "/api/v1/me", { cookie: invitee.cookie, body: { username } })).status).toBe(200);
    const created = await invite(owner, org.slug, { invitee: username.toUpperCase() });
    expect(created.status).toBe(201);
    expect(created.body.invitation.email).toBeNull();
    const list = await call("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(JSON.stringify(list.body)).not.toContain(invitee.email);
    const accepted = await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { cookie: invitee.cookie });
    expect(accepted.status).toBe(200);
  });
});

describe("managing invitations", () => {
  it("resends with a new link (the old one dies, sendCount + 1), re-links without mail, revokes and deletes", async () => {
    const owner = await signIn(uniqueEmail("mg-owner"));
    const org = await createOrg(owner, "mg");
    const email = uniqueEmail("mg");
    const created = await invite(owner, org.slug, { invitee: email });
    const id = created.body.invitation.id;
    const resent = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/resend`, { cookie: owner.cookie });
    expect(resent.status).toBe(200);
    expect(resent.body.invitation.sendCount).toBe(2);
    expect(resent.body.inviteUrl).not.toBe(created.body.inviteUrl);
    expect((await call("GET", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}`)).status).toBe(404);
    expect((await latestMail(email, (m) => m.text.includes(resent.body.inviteUrl))).subject).toMatch(/invited you/);
    const relinked = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/link`, { cookie: owner.cookie });
    expect(relinked.body.invitation.sendCount).toBe(2);
    expect((await call("GET", `/api/v1/invitations/${tokenOf(resent.body.inviteUrl)}`)).status).toBe(404);
    const edited = await call("PATCH", `/api/v1/orgs/${org.slug}/invitations/${id}`, { cookie: owner.cookie, body: { role: "admin", message: "hi" } });
    expect(edited.body.invitation).toMatchObject({ role: "admin", message: "hi" });
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/invitations/${id}`, { cookie: owner.cookie })).body.error.code).toBe("invitation_pending");
    const revoked = await call("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/revoke`, { cookie: owner.cookie });
    expect(revoked.body.invitation.status).toBe("revoked");
    expect((await seatsOf(owner, org.slug)).pending).toBe(0);
    const invitee = await signIn(email);
    const late = await call("POST", `/api/v1/invitations/${tokenOf(relinked.body.inviteUrl)}/accept`, { cookie: invitee.cookie });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("invitation_not_pending");
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/invitations/${id}`, { cookie: owner.cookie })).status).toBe(204);
    const pendingList = await call("GET", `/api/v1/orgs/${org.slug}/invitations?status=revoked`, { cookie: owner.cookie });
    expect(pendingList.body.invitations).toEqual([]);
  });

  it("keeps a sent mail's delivery through edits, extensions and new links, in the answers and in the list", async () => {
    const owner = await signIn(uniqueEmail("dl-owner"));
    const org = await createOrg(owner, "dl");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("dl") });
    const id = created.body.invitation.id;
    expect(created.body.invitation.delivery).toBe("queued");
    const listed = async () =>
      (await call<{ invitations: Array<{ id: string; delivery: string; role: string }> }>("GET", `/api/v1/orgs/${org.slug}/invitations?status=pending`, { cookie: owner.cookie })).body.invitations.find((i) => i.id === id);
    const deadline = Date.now() + 5000;
    while ((await listed())?.delivery !== "sent" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await listed())?.delivery).toBe("sent");

    const edited = await call<Created>("PATCH", `/api/v1/orgs/${org.slug}/invitations/${id}`, { cookie: owner.cookie, body: { role: "admin" } });
    expect(edited.body.invitation).toMatchObject({ role: "admin", delivery: "sent" });
    const extended = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/extend`, { cookie: owner.cookie, body: { days: 20 } });
    expect(extended.body.invitation.delivery).toBe("sent");
    const relinked = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/link`, { cookie: owner.cookie });
    expect(relinked.body.invitation.delivery).toBe("sent");
    expect(await listed()).toMatchObject({ role: "admin", delivery: "sent" });
    // A resend queues a new mail: queued again, until that one leaves.
    const resent = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/resend`, { cookie: owner.cookie });
    expect(resent.body.invitation.delivery).toBe("queued");
  });
});

describe("expiry", () => {
  it("treats a past-due invitation as expired at once, and the alarm marks it and frees its seat", async () => {
    const owner = await signIn(uniqueEmail("exp-owner"));
    const org = await createOrg(owner, "exp");
    const email = uniqueEmail("exp");
    const created = await invite(owner, org.slug, { invitee: email, expiresInDays: 1 });
    const later = Date.now() + 2 * dayMs;
    const lateApp = createApp({ clock: { now: () => later } });
    const headers = { cookie: owner.cookie, origin };
    // Reads at a later time see it expired before any alarm ran.
    const listed = await lateApp.request(`/api/v1/orgs/${org.slug}/invitations?status=expired`, { headers }, env);
    expect((await listed.json<{ invitations: Array<{ id: string; status: string }> }>()).invitations).toEqual([
      expect.objectContaining({ id: created.body.invitation.id, status: "expired" }),
    ]);
    // The alarm, at the due time, marks it expired and frees the seat.
    await setRoomClock(org.id, later);
    expect(await runDurableObjectAlarm(orgRoom(env, org.id))).toBe(true);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ pending: 0, used: 1 });
    const invitee = await signIn(email);
    const accepting = await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { cookie: invitee.cookie });
    expect(accepting.status).toBe(410);
    expect(accepting.body.error.code).toBe("invitation_expired");
    // Resend on an expired invitation makes a fresh pending one for the same invitee.
    const fresh = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${created.body.invitation.id}/resend`, { cookie: owner.cookie });
    expect(fresh.status).toBe(200);
    expect(fresh.body.invitation.id).not.toBe(created.body.invitation.id);
    expect(fresh.body.invitation.status).toBe("pending");
  });

  it("answers 410 when accepting a past-due invitation before the alarm ran, and marks it expired", async () => {
    const owner = await signIn(uniqueEmail("exp2-owner"));
    const org = await createOrg(owner, "exp2");
    const invitee = await signIn(uniqueEmail("exp2"));
    const created = await invite(owner, org.slug, { invitee: invitee.email, expiresInDays: 1 });
    const later = Date.now() + 2 * dayMs;
    await setRoomClock(org.id, later);
    const lateApp = createApp({ clock: { now: () => later } });
    const answer = await lateApp.request(`/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { method: "POST", headers: { cookie: invitee.cookie, origin } }, env);
    expect(answer.status).toBe(410);
    const listed = await call("GET", `/api/v1/orgs/${org.slug}/invitations?status=expired`, { cookie: owner.cookie });
    expect(listed.body.invitations.map((i: { id: string }) => i.id)).toContain(created.body.invitation.id);
  });
});

describe("bulk invitations", () => {
  it("answers a result per row, allocating seats in row order until they run out", async () => {
    const owner = await signIn(uniqueEmail("bulk-owner"));
    const org = await createOrg(owner, "bulk");
    await setSeatLimit(owner, org.slug, 4);
    const rows = [
      { invitee: uniqueEmail("b0") },
      { invitee: owner.email },
      { invitee: uniqueEmail("b2") },
      { invitee: "no-such-username-zz" },
      { invitee: uniqueEmail("b4") },
      { invitee: uniqueEmail("b5") },
    ];
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows } });
    expect(answer.status).toBe(200);
    const outcome = answer.body.results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error?.code));
    expect(outcome).toEqual(["ok", "already_member", "ok", "user_not_found", "ok", "seats_exhausted"]);
    expect(answer.body.results[0].inviteUrl).toMatch(/\/invitations\//);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ used: 4, pending: 3 });
  });

  it("refuses more than 1,000 rows, or none, with 400 and creates nothing", async () => {
    const owner = await signIn(uniqueEmail("over-owner"));
    const org = await createOrg(owner, "over");
    for (const count of [0, 1001]) {
      const rows = Array.from({ length: count }, (_, i) => ({ invitee: `over${i}.${org.slug}@example.com` }));
      const answer = await call("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("validation_failed");
    }
    expect((await seatsOf(owner, org.slug)).pending).toBe(0);
  });

  it("takes 1,000 rows in one request and commits them in a few transactions", async () => {
    const owner = await signIn(uniqueEmail("big-owner"));
    const org = await createOrg(owner, "big");
    await setSeatLimit(owner, org.slug, 2000);
    const rows = Array.from({ length: 1000 }, (_, i) => ({ invitee: `big${i}.${org.slug}@example.com` }));
    const before = await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => room.queue.stats.transactions);
    const answer = await call("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows } });
    expect(answer.status).toBe(200);
    expect(answer.body.created).toBe(1000);
    const after = await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => room.queue.stats.transactions);
    expect(after - before).toBeLessThanOrEqual(5);
    expect(await seatsOf(owner, org.slug)).toMatchObject({ pending: 1000 });
  });
});

describe("invitation rules from the organization's settings and roles", () => {
  it("refuses invitees outside the allowed email domains, and everyone while the organization is dormant", async () => {
    const owner = await signIn(uniqueEmail("dom-owner"));
    const org = await createOrg(owner, "dom");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { allowedEmailDomains: ["example.org"] } })).status).toBe(200);
    const outside = await invite(owner, org.slug, { invitee: uniqueEmail("outsider") });
    expect(outside.status).toBe(403);
    expect(outside.body.error.code).toBe("domain_not_allowed");
    const inside = await invite(owner, org.slug, { invitee: `insider.${Date.now().toString(36)}@example.org` });
    expect(inside.status).toBe(201);
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { status: "dormant", allowedEmailDomains: [] } });
    const dormant = await invite(owner, org.slug, { invitee: uniqueEmail("late") });
    expect(dormant.status).toBe(409);
    expect(dormant.body.error.code).toBe("org_unavailable");
  });

  it("never lets an admin resend, re-link or extend an owner's invitation, and extending never shortens", async () => {
    const owner = await signIn(uniqueEmail("auth-owner"));
    const admin = await signIn(uniqueEmail("auth-admin"));
    const org = await createOrg(owner, "auth");
    await seedMember(org, admin, "admin");
    const forOwner = await invite(owner, org.slug, { invitee: uniqueEmail("future-owner"), role: "owner", expiresInDays: 10 });
    const id = forOwner.body.invitation.id;
    for (const action of ["resend", "link", "extend"]) {
      const answer = await call("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/${action}`, { cookie: admin.cookie });
      expect(answer.status, action).toBe(403);
    }
    const extended = await call<Created>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/extend`, { cookie: owner.cookie, body: { days: 1 } });
    expect(extended.status).toBe(200);
    expect(extended.body.invitation.expiresAt).toBe(forOwner.body.invitation.expiresAt);
  });

  it("never lets an admin delete an owner's answered invitation", async () => {
    const owner = await signIn(uniqueEmail("del-owner"));
    const admin = await signIn(uniqueEmail("del-admin"));
    const org = await createOrg(owner, "del");
    await seedMember(org, admin, "admin");
    const forOwner = await invite(owner, org.slug, { invitee: uniqueEmail("would-be-owner"), role: "owner" });
    const forMember = await invite(owner, org.slug, { invitee: uniqueEmail("would-be-member"), role: "member" });
    for (const created of [forOwner, forMember]) {
      expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${created.body.invitation.id}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    }
    const refused = await call("DELETE", `/api/v1/orgs/${org.slug}/invitations/${forOwner.body.invitation.id}`, { cookie: admin.cookie });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/invitations/${forMember.body.invitation.id}`, { cookie: admin.cookie })).status).toBe(204);
    const listed = await call<{ invitations: Array<{ id: string }> }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations.map((i) => i.id)).toEqual([forOwner.body.invitation.id]);
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/invitations/${forOwner.body.invitation.id}`, { cookie: owner.cookie })).status).toBe(204);
  });

  it("limits how much invitation mail an organization sends per hour", async () => {
    const owner = await signIn(uniqueEmail("spam-owner"));
    const org = await createOrg(owner, "spam");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("target") });
    const budget = OrgMailBudget.perHour;
    OrgMailBudget.perHour = 3;
    try {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await call("POST", `/api/v1/orgs/${org.slug}/invitations/${created.body.invitation.id}/resend`, { cookie: owner.cookie }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      expect(answers[2]!.body.error.code).toBe("rate_limited");
      expect(Number(answers[2]!.headers.get("retry-after"))).toBeGreaterThan(0);
      // The count is in the room's storage too (a restarted room keeps counting): the
      // invitation and the two resends, not the refused one.
      const stored = await runInDurableObject(orgRoom(env, org.id), (_room: OrgRoom, state) => state.storage.sql.exec<{ used: number }>("SELECT used FROM mail_budget").toArray());
      expect(stored.map((row) => row.used)).toEqual([3]);
      // A new link mails nothing, so it is not limited.
      expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${created.body.invitation.id}/link`, { cookie: owner.cookie })).status).toBe(200);
    } finally {
      OrgMailBudget.perHour = budget;
    }
  });

  it("stores the hour's mail count once per transaction, whole, when invitations commit together", async () => {
    const owner = await signIn(uniqueEmail("budget-owner"));
    const org = await createOrg(owner, "budget");
    await setSeatLimit(owner, org.slug, 50);
    const room = orgRoom(env, org.id);
    // Mid-hour, so the count cannot roll over to a new hour between the invitations.
    await setRoomClock(org.id, Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1_800_000);
    // Count the room's writes of the count: the storage object is the room's own.
    await runInDurableObject(room, (live: OrgRoom, state) => {
      const sql = state.storage.sql;
      const exec = sql.exec.bind(sql);
      const counter = live as unknown as { budgetWrites: number };
      counter.budgetWrites = 0;
      sql.exec = ((query: string, ...bindings: unknown[]) => {
        if (/^INSERT INTO mail_budget/.test(query)) counter.budgetWrites++;
        return exec(query, ...bindings);
      }) as typeof sql.exec;
    });
    const before = await runInDurableObject(room, (live: OrgRoom) => live.queue.stats.transactions);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => invite(owner, org.slug, { invitee: uniqueEmail(`together-${i}`) })));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    const { transactions, writes, stored } = await runInDurableObject(room, (live: OrgRoom, state) => ({
      transactions: live.queue.stats.transactions - before,
      writes: (live as unknown as { budgetWrites: number }).budgetWrites,
      stored: state.storage.sql.exec<{ used: number }>("SELECT used FROM mail_budget").toArray(),
    }));
    // Twelve commands shared fewer transactions, and each transaction wrote the count once.
    expect(transactions).toBeLessThan(12);
    expect(writes).toBe(transactions);
    expect(stored.map((row) => row.used)).toEqual([12]);
  });

  it("answers an outsider the same for an existing and a missing organization, whatever the body", async () => {
    const owner = await signIn(uniqueEmail("orc-owner"));
    const outsider = await signIn(uniqueEmail("orc-outsider"));
    const org = await createOrg(owner, "orc");
    const missing = `no-such-${Date.now().toString(36)}`;
    for (const body of [{ invitee: "not an email" }, { invitee: "no-such-username-x" }, { invitee: uniqueEmail("x") }]) {
      for (const credential of [{ cookie: outsider.cookie }, { bearer: "rk_madeup000000000000000000000000000000" }]) {
        const seen = await call("POST", `/api/v1/orgs/${org.slug}/invitations`, { ...credential, body });
        const unseen = await call("POST", `/api/v1/orgs/${missing}/invitations`, { ...credential, body });
        expect([seen.status, seen.body.error.code]).toEqual([unseen.status, unseen.body.error.code]);
      }
    }
  });
});
