import { beforeAll, describe, expect, inject, test } from "vitest";
import { call, field, signInOverApi, uniqueEmail, uniqueSuffix } from "./support/api.ts";

/**
 * The invitation scenario of the issue against `npm run dev`, as an integrator's client
 * would run it: plain fetch for the API, a WebSocket for the live channel, the dev mailbox
 * for the mail. Seats stay exact under a burst of concurrent invitations, a wrong account
 * never consumes an invitation, an accept shows up live on the owner's socket, and
 * resend / revoke kill the links they replace.
 */

interface Seats {
  limit: number;
  used: number;
  members: number;
  pending: number;
  available: number;
}

interface InvitationView {
  id: string;
  email: string | null;
  status: string;
  sendCount: number;
}

interface LiveMessage {
  type: string;
  seq?: number;
  at?: string;
  data?: Record<string, unknown>;
}

/** Node's WebSocket (undici) takes headers as an extension the DOM typings do not know. */
const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;

/** A live socket that records every message and waits for the next one that matches. */
class LiveSocket {
  readonly messages: LiveMessage[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  #cursor = 0;

  constructor(slug: string, cookie: string) {
    const appUrl = inject("appUrl");
    const url = `${appUrl.replace(/^http/, "ws")}/api/v1/orgs/${slug}/live`;
    this.ws = new NodeWebSocket(url, { headers: { cookie, origin: appUrl } });
    this.ws.addEventListener("message", (event) => {
      // One socket message carries one server message, or an array of events.
      const parsed = JSON.parse(String(event.data)) as LiveMessage | LiveMessage[];
      this.messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve());
      this.ws.addEventListener("error", () => reject(new Error(`the live socket of ${slug} did not open`)));
    });
  }

  /** The next message after the last one taken that matches; fails after 10 s. */
  async take(match: (m: LiveMessage) => boolean = () => true): Promise<LiveMessage> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = this.messages.findIndex((m, i) => i >= this.#cursor && match(m));
      if (index >= 0) {
        this.#cursor = index + 1;
        return this.messages[index]!;
      }
      if (Date.now() > deadline) throw new Error(`no matching live message; got ${JSON.stringify(this.messages.slice(this.#cursor))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  close(): void {
    this.ws.close(1000);
  }
}

const ofType = (type: string) => (m: LiveMessage) => m.type === type;
const tokenOf = (inviteUrl: string) => new URL(inviteUrl).pathname.split("/invitations/")[1] ?? "";

let owner: string;

beforeAll(async () => {
  owner = await signInOverApi(uniqueEmail("inv-owner"));
});

async function createOrg(stem: string, seatLimit?: number): Promise<string> {
  const slug = `${stem}-${uniqueSuffix()}`;
  const created = await call("/api/v1/orgs", { cookie: owner, body: { name: `Invitations ${slug}`, slug } });
  expect(created.status).toBe(201);
  if (seatLimit !== undefined) {
    const patched = await call(`/api/v1/orgs/${slug}`, { cookie: owner, method: "PATCH", body: { seatLimit } });
    expect(patched.status).toBe(200);
  }
  return slug;
}

async function seatsOf(slug: string): Promise<Seats> {
  const read = await call(`/api/v1/orgs/${slug}`, { cookie: owner });
  expect(read.status).toBe(200);
  return field<Seats>(read.body, "seats");
}

async function invite(slug: string, invitee: string) {
  const answer = await call(`/api/v1/orgs/${slug}/invitations`, { cookie: owner, body: { invitee } });
  return { ...answer, invitation: (answer.body as { invitation?: InvitationView }).invitation, inviteUrl: (answer.body as { inviteUrl?: string }).inviteUrl };
}

/** The newest dev-mailbox message to `email` whose text contains `needle`; mail leaves after the commit, so this polls. */
async function mailContaining(email: string, needle: string): Promise<{ subject: string; text: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const box = await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
    expect(box.status).toBe(200);
    const found = field<Array<{ subject: string; text: string }>>(box.body, "messages").find((m) => m.text.includes(needle));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${email} containing ${needle}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("invitations over the API, as a client sees them", () => {
  test("60 concurrent invitations against 6 seats: exactly the free seats are taken, the rest answer seats_exhausted", async () => {
    const slug = await createOrg("burst", 6);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => invite(slug, uniqueEmail(`burst${i}`))));
    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    // The owner holds one seat; five are free.
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(55);
    for (const answer of refused) {
      expect(field(answer.body, "error", "code")).toBe("seats_exhausted");
      expect(field(answer.body, "error", "details")).toEqual({ limit: 6, used: 6 });
    }
    for (const answer of created) expect(answer.invitation).toMatchObject({ status: "pending", sendCount: 1 });
    expect(await seatsOf(slug)).toEqual({ limit: 6, used: 6, members: 1, pending: 5, available: 0 });
    const listed = await call(`/api/v1/orgs/${slug}/invitations?status=pending`, { cookie: owner });
    expect(listed.status).toBe(200);
    expect(field<InvitationView[]>(listed.body, "invitations").map((i) => i.id).sort()).toEqual(created.map((a) => a.invitation!.id).sort());
  });

  test("another signed-in account opening the link gets email_mismatch, and the invitation stays pending", async () => {
    const slug = await createOrg("mismatch");
    const wrong = await signInOverApi(uniqueEmail("wrong-account"));
    const created = await invite(slug, uniqueEmail("right-account"));
    expect(created.status).toBe(201);
    const token = tokenOf(created.inviteUrl!);
    for (const answer of ["accept", "decline"]) {
      const refused = await call(`/api/v1/invitations/${token}/${answer}`, { cookie: wrong, method: "POST" });
      expect(refused.status, answer).toBe(403);
      expect(field(refused.body, "error", "code")).toBe("email_mismatch");
    }
    const preview = await call(`/api/v1/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(field(preview.body, "status")).toBe("pending");
    expect(field(preview.body, "org", "slug")).toBe(slug);
    // Nothing was consumed: the seat is still held, and the wrong account is still an outsider.
    expect(await seatsOf(slug)).toMatchObject({ members: 1, pending: 1 });
    expect((await call(`/api/v1/orgs/${slug}`, { cookie: wrong })).status).toBe(404);
  });

  test("an accept by link reaches the owner's open socket as invitation.updated, member.joined and seats.changed, in seq order", async () => {
    const slug = await createOrg("live");
    const inviteeEmail = uniqueEmail("live-invitee");
    const invitee = await signInOverApi(inviteeEmail);
    const inviteeId = await userIdOf(invitee);
    const live = new LiveSocket(slug, owner);
    await live.opened;
    const ready = await live.take();
    expect(ready).toEqual({ type: "ready", seq: expect.any(Number) });

    const created = await invite(slug, inviteeEmail);
    expect(created.status).toBe(201);
    const createdEvent = await live.take(ofType("invitation.created"));
    expect(createdEvent.data).toEqual({ invitation: created.invitation });

    const accepted = await call(`/api/v1/invitations/${tokenOf(created.inviteUrl!)}/accept`, { cookie: invitee, method: "POST" });
    expect(accepted.status).toBe(200);
    expect(field(accepted.body, "invitation", "status")).toBe("accepted");

    // The accept's own update (the invitation's mail may be reported sent before it, in an update of its own).
    const updated = await live.take((m) => m.type === "invitation.updated" && field(m.data, "invitation", "status") === "accepted");
    const joined = await live.take(ofType("member.joined"));
    const seats = await live.take(ofType("seats.changed"));
    expect(updated.data).toMatchObject({ invitation: { id: created.invitation!.id, status: "accepted" } });
    // protocol.ts: member events carry the member's `userId` and `role`.
    expect(joined.data).toMatchObject({ userId: inviteeId, role: "member" });
    expect(seats.data).toEqual({ limit: 5, used: 2, members: 2, pending: 0, available: 3 });
    expect(seats.data).toEqual(await seatsOf(slug));
    // Every frame after `ready` is an event with a strictly increasing seq.
    const events = live.messages.slice(1);
    const seqs = events.map((m) => m.seq);
    expect(seqs.every((s) => typeof s === "number")).toBe(true);
    expect(seqs).toEqual([...seqs].sort((a, b) => a! - b!));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs[0]).toBeGreaterThan(ready.seq!);
    expect(updated.seq!).toBeLessThan(joined.seq!);
    expect(joined.seq!).toBeLessThan(seats.seq!);
    live.close();
  });

  test("resend mails a new link and kills the old one; revoke frees the seat and the link then answers invitation_not_pending", async () => {
    const slug = await createOrg("manage");
    const email = uniqueEmail("managed");
    const invitee = await signInOverApi(email);
    const created = await invite(slug, email);
    expect(created.status).toBe(201);
    await mailContaining(email, created.inviteUrl!);

    const resent = await call(`/api/v1/orgs/${slug}/invitations/${created.invitation!.id}/resend`, { cookie: owner, method: "POST" });
    expect(resent.status).toBe(200);
    const newUrl = field<string>(resent.body, "inviteUrl");
    expect(newUrl).not.toBe(created.inviteUrl);
    expect(field(resent.body, "invitation", "sendCount")).toBe(2);
    expect(field(resent.body, "invitation", "status")).toBe("pending");
    const oldPreview = await call(`/api/v1/invitations/${tokenOf(created.inviteUrl!)}`);
    expect(oldPreview.status).toBe(404);
    expect(field(oldPreview.body, "error", "code")).toBe("not_found");
    expect((await call(`/api/v1/invitations/${tokenOf(newUrl)}`)).status).toBe(200);
    const mail = await mailContaining(email, newUrl);
    expect(mail.text).not.toContain(created.inviteUrl);
    // The newest mail to the invitee is the resent one.
    const box = await call(`/api/v1/dev/mailbox?to=${encodeURIComponent(email)}`);
    const invitationMails = field<Array<{ text: string }>>(box.body, "messages").filter((m) => m.text.includes("/invitations/"));
    expect(invitationMails[0]?.text).toContain(newUrl);
    expect(await seatsOf(slug)).toMatchObject({ pending: 1, used: 2 });

    const revoked = await call(`/api/v1/orgs/${slug}/invitations/${created.invitation!.id}/revoke`, { cookie: owner, method: "POST" });
    expect(revoked.status).toBe(200);
    expect(field(revoked.body, "invitation", "status")).toBe("revoked");
    expect(await seatsOf(slug)).toEqual({ limit: 5, used: 1, members: 1, pending: 0, available: 4 });
    const late = await call(`/api/v1/invitations/${tokenOf(newUrl)}/accept`, { cookie: invitee, method: "POST" });
    expect(late.status).toBe(409);
    expect(field(late.body, "error", "code")).toBe("invitation_not_pending");
    expect(field(await call(`/api/v1/invitations/${tokenOf(newUrl)}`).then((a) => a.body), "status")).toBe("revoked");
    expect((await call(`/api/v1/orgs/${slug}`, { cookie: invitee })).status).toBe(404);
  });
});

/** The signed-in user's id, from `/me`. */
async function userIdOf(cookie: string): Promise<string> {
  const me = await call("/api/v1/me", { cookie });
  expect(me.status).toBe(200);
  return field<string>(me.body, "user", "id");
}
