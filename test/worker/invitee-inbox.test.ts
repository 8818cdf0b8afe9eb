import { describe, expect, it } from "vitest";
import { call, createOrg, freshAddress, latestMail, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

/**
 * What the invitee's pages need besides the link: one of my invitations by its id (from
 * `/me` or a notification), marking notifications read, and a sign-in link that returns
 * to the page that asked for it.
 */

interface Note {
  id: string;
  type: string;
  data: Record<string, unknown>;
  read: boolean;
}

interface Me {
  invitations: Array<{ id: string; org: { slug: string } }>;
  notifications: Note[];
}

async function invite(owner: SignedIn, slug: string, invitee: string, role = "member") {
  const created = await call<{ invitation: { id: string }; inviteUrl: string }>("POST", `/api/v1/orgs/${slug}/invitations`, {
    cookie: owner.cookie,
    body: { invitee, role },
  });
  expect(created.status).toBe(201);
  return { id: created.body.invitation.id, token: created.body.inviteUrl.split("/invitations/")[1] ?? "" };
}

async function meOf(user: SignedIn): Promise<Me> {
  const answer = await call<Me>("GET", "/api/v1/me", { cookie: user.cookie });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe("GET /api/v1/me/invitations/{id}", () => {
  it("shows the invitee what the link shows, in any status, by the id /me gives", async () => {
    const owner = await signIn(uniqueEmail("mine-owner"));
    const org = await createOrg(owner, "mine");
    const invitee = await signIn(uniqueEmail("mine-invitee"));
    const { id, token } = await invite(owner, org.slug, invitee.email, "admin");
    expect((await meOf(invitee)).invitations.map((i) => i.id)).toContain(id);

    const mine = await call("GET", `/api/v1/me/invitations/${id}`, { cookie: invitee.cookie });
    expect(mine.status).toBe(200);
    const byLink = await call("GET", `/api/v1/invitations/${token}`);
    expect(mine.body).toEqual(byLink.body);
    expect(mine.body).toMatchObject({ org: { slug: org.slug }, role: "admin", status: "pending" });

    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    const revoked = await call("GET", `/api/v1/me/invitations/${id}`, { cookie: invitee.cookie });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("revoked");
  });

  it("answers 404 alike for someone else's invitation and an unknown id, and 401 signed out", async () => {
    const owner = await signIn(uniqueEmail("other-owner"));
    const org = await createOrg(owner, "other");
    const { id } = await invite(owner, org.slug, uniqueEmail("other-invitee"));
    const stranger = await signIn(uniqueEmail("other-stranger"));
    const theirs = await call("GET", `/api/v1/me/invitations/${id}`, { cookie: stranger.cookie });
    const unknown = await call("GET", "/api/v1/me/invitations/inv_nosuchinvitation", { cookie: stranger.cookie });
    expect([theirs.status, theirs.body.error.code, theirs.body.error.message]).toEqual([404, "not_found", unknown.body.error.message]);
    expect(unknown.status).toBe(404);
    // Not even the person who made it reads it here: this is the invitee's view.
    expect((await call("GET", `/api/v1/me/invitations/${id}`, { cookie: owner.cookie })).status).toBe(404);
    expect((await call("GET", `/api/v1/me/invitations/${id}`)).status).toBe(401);
  });
});

describe("marking notifications read", () => {
  it("marks one of mine read, keeps it read when marked again, and leaves the others unread", async () => {
    const owner = await signIn(uniqueEmail("note-owner"));
    const first = await createOrg(owner, "note-a");
    const second = await createOrg(owner, "note-b");
    const invitee = await signIn(uniqueEmail("note-invitee"));
    await invite(owner, first.slug, invitee.email);
    await invite(owner, second.slug, invitee.email);
    const notes = (await meOf(invitee)).notifications.filter((n) => n.type === "invitation.received");
    expect(notes.map((n) => n.read)).toEqual([false, false]);
    const [note, other] = notes as [Note, Note];

    const read = await call("POST", `/api/v1/me/notifications/${note.id}/read`, { cookie: invitee.cookie });
    expect(read.status).toBe(200);
    expect(read.body.notification).toMatchObject({ id: note.id, type: "invitation.received", read: true });
    const again = await call("POST", `/api/v1/me/notifications/${note.id}/read`, { cookie: invitee.cookie });
    expect(again.body.notification).toEqual(read.body.notification);
    const after = (await meOf(invitee)).notifications;
    expect(after.find((n) => n.id === note.id)?.read).toBe(true);
    expect(after.find((n) => n.id === other.id)?.read).toBe(false);
  });

  it("never marks someone else's notification: 404 as for an unknown id, and theirs stays unread", async () => {
    const owner = await signIn(uniqueEmail("note-owner2"));
    const org = await createOrg(owner, "note-c");
    const invitee = await signIn(uniqueEmail("note-invitee2"));
    await invite(owner, org.slug, invitee.email);
    const [note] = (await meOf(invitee)).notifications;
    const stranger = await signIn(uniqueEmail("note-stranger"));
    const theirs = await call("POST", `/api/v1/me/notifications/${note?.id}/read`, { cookie: stranger.cookie });
    const unknown = await call("POST", "/api/v1/me/notifications/ntf_nosuchnote/read", { cookie: stranger.cookie });
    expect([theirs.status, theirs.body.error.code, theirs.body.error.message]).toEqual([404, "not_found", unknown.body.error.message]);
    expect((await meOf(invitee)).notifications[0]?.read).toBe(false);
    expect((await call("POST", `/api/v1/me/notifications/${note?.id}/read`)).status).toBe(401);
  });

  it("marks all of mine read at once and says how many were unread", async () => {
    const owner = await signIn(uniqueEmail("all-owner"));
    const org = await createOrg(owner, "all");
    const invitee = await signIn(uniqueEmail("all-invitee"));
    const { token } = await invite(owner, org.slug, invitee.email);
    expect((await call("POST", `/api/v1/invitations/${token}/accept`, { cookie: invitee.cookie })).status).toBe(200);
    const otherInvitee = await signIn(uniqueEmail("all-invitee2"));
    const declined = await invite(owner, org.slug, otherInvitee.email);
    expect((await call("POST", `/api/v1/invitations/${declined.token}/decline`, { cookie: otherInvitee.cookie })).status).toBe(200);
    expect((await meOf(owner)).notifications.map((n) => [n.type, n.read])).toEqual([
      ["invitation.declined", false],
      ["invitation.accepted", false],
    ]);

    const all = await call("POST", "/api/v1/me/notifications/read", { cookie: owner.cookie });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ read: 2 });
    expect((await meOf(owner)).notifications.every((n) => n.read)).toBe(true);
    expect((await call("POST", "/api/v1/me/notifications/read", { cookie: owner.cookie })).body).toEqual({ read: 0 });
    // The invitee's own notification is theirs: untouched.
    expect((await meOf(invitee)).notifications.find((n) => n.type === "invitation.received")?.read).toBe(false);
  });
});

describe("a sign-in link that returns where it was asked for", () => {
  it("carries a path on this site in the mailed link", async () => {
    const email = uniqueEmail("next-ok");
    const next = "/invitations/abcdefghijklmnopqrstuvwxyz0123456789?from=mail";
    const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email, next }, address: freshAddress() });
    expect(asked.status).toBe(202);
    const mail = await latestMail(email);
    const link = new URL(/http:\/\/roster\.test\/auth\/callback\?\S+/.exec(mail.text)?.[0] ?? "http://x");
    expect(link.searchParams.get("next")).toBe(next);
    expect(link.searchParams.get("token")).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it("mails no return path when none was asked for", async () => {
    const email = uniqueEmail("next-none");
    expect((await call("POST", "/api/v1/auth/magic-link", { body: { email }, address: freshAddress() })).status).toBe(202);
    expect((await latestMail(email)).text).not.toContain("next=");
  });

  it("refuses a return path that could leave the site, and mails nothing", async () => {
    const email = uniqueEmail("next-bad");
    for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example", "/ok path", "evil", "", `/${"a".repeat(512)}`]) {
      const asked = await call("POST", "/api/v1/auth/magic-link", { body: { email, next }, address: freshAddress() });
      expect([next, asked.status, asked.body.error?.code]).toEqual([next, 400, "validation_failed"]);
    }
    const mailbox = await call<{ messages: unknown[] }>("GET", `/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(mailbox.body.messages).toEqual([]);
  });
});
