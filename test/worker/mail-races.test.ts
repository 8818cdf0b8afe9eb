import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it, vi } from "vitest";
import { invitations, mailOutbox } from "../../db/schema/index.ts";
import { systemClock } from "../../worker/lib/clock.ts";
import { orgDatabase } from "../../worker/lib/database.ts";
import { mailerFor } from "../../worker/mail/mailer.ts";
import { deliverDue, outboxInsert } from "../../worker/mail/outbox.ts";
import { MailDelivery, settleDeliveries } from "../../worker/org/mail-delivery.ts";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { call, createOrg, latestMail, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const resendEnv = { ...env, RESEND_API_KEY: "re_races", RESEND_BASE_URL: inject("resendUrl"), RESEND_REQUESTS_PER_SECOND: "1000" };

interface Created {
  invitation: { id: string; delivery: string; expiresAt: string };
  inviteUrl: string;
}

async function setup(stem: string): Promise<{ owner: SignedIn; org: { id: string; slug: string } }> {
  const owner = await signIn(uniqueEmail(`${stem}-owner`));
  return { owner, org: await createOrg(owner, stem) };
}

async function invite(owner: SignedIn, slug: string, invitee: string): Promise<Created> {
  const answer = await call<Created>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: owner.cookie, body: { invitee } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

const invitationRow = async (id: string) => (await orgDatabase(env, "").select().from(invitations).where(eq(invitations.id, id)))[0]!;
const mailsOf = (id: string) => orgDatabase(env, "").select().from(mailOutbox).where(eq(mailOutbox.invitationId, id)).orderBy(mailOutbox.createdAt);

/** Waits until the invitation's latest mail left (the room delivers it after the commit). */
async function sentOut(id: string): Promise<void> {
  await vi.waitFor(async () => expect((await invitationRow(id)).delivery).toBe("sent"), { timeout: 5000, interval: 50 });
}

/** The room's view of a pending invitation (its copy in the room's index). */
const roomCopy = (orgId: string, id: string) => runInDurableObject(orgRoom(env, orgId), async (room: OrgRoom) => (await room.queue.submit((state) => ({ statements: [], value: state.index.pending(id) }))) ?? null);

describe("the outbox's races", () => {
  it("applies an outcome only to the invitation's latest mail, in the SQL: an older mail failing for good after a resend leaves the invitation as its new mail left it", async () => {
    const { owner, org } = await setup("race-sql");
    const created = await invite(owner, org.slug, uniqueEmail("race-sql"));
    await sentOut(created.invitation.id);
    const resent = await call("POST", `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}/resend`, { cookie: owner.cookie });
    expect(resent.status).toBe(200);
    await sentOut(created.invitation.id);
    // An older mail of the invitation, still queued (written before the resend), is refused for good now.
    const older = outboxInsert(uniqueEmail("fail422-older"), { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: "x", url: "https://roster.test/x" } }, {
      orgId: org.id,
      invitationId: created.invitation.id,
      now: Date.now() - 60_000,
    });
    await orgDatabase(env, org.id).$client.execute({ sql: older.sql, args: older.args });
    const run = await deliverDue(orgDatabase(env, org.id), mailerFor(resendEnv), org.id, Date.now());
    expect(run.settled).toEqual([expect.objectContaining({ invitationId: created.invitation.id, delivery: "failed" })]);
    expect((await invitationRow(created.invitation.id)).delivery).toBe("sent");
    // …and in the room: its settle of that older mail changes nothing either.
    expect((await roomCopy(org.id, created.invitation.id))?.delivery).toBe("sent");
  });

  it("applies an outcome only to the latest mail in the room: a resend that commits between the outbox's write and the room's settle keeps its own state", async () => {
    const { owner, org } = await setup("race-room");
    const created = await invite(owner, org.slug, uniqueEmail("race-room"));
    await sentOut(created.invitation.id);
    const [first] = await mailsOf(created.invitation.id);
    // The room settles the first mail as given up only after a resend committed (forced order).
    const resent = await call<{ invitation: { delivery: string } }>("POST", `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}/resend`, { cookie: owner.cookie });
    expect(resent.body.invitation.delivery).toBe("queued");
    await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) =>
      room.queue.submit((state) => settleDeliveries(state, [{ invitationId: created.invitation.id, mailId: first!.id, delivery: "failed" }], Date.now())),
    );
    const copy = await roomCopy(org.id, created.invitation.id);
    expect(copy?.delivery).not.toBe("failed");
    expect(copy?.lastMailId).not.toBe(first!.id);
    const listed = await call<{ invitations: Array<{ id: string; delivery: string }> }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations.find((i) => i.id === created.invitation.id)?.delivery).not.toBe("failed");
  });

  it("cancels the older queued mail on resend, so its dead link is never sent", async () => {
    const { owner, org } = await setup("race-cancel");
    const invitee = uniqueEmail("race-cancel");
    const created = await invite(owner, org.slug, invitee);
    await sentOut(created.invitation.id);
    // Make the first mail a queued one that has not gone yet (as if Resend were down).
    const [first] = await mailsOf(created.invitation.id);
    await orgDatabase(env, org.id).update(mailOutbox).set({ status: "queued", batchKey: null, params: { orgName: "x", inviterName: "x", role: "member", message: null, url: "http://roster.test/invitations/dead", expiresAt: created.invitation.expiresAt } }).where(eq(mailOutbox.id, first!.id));
    await call("POST", `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}/resend`, { cookie: owner.cookie });
    await sentOut(created.invitation.id);
    const mails = await mailsOf(created.invitation.id);
    expect(mails.map((m) => m.status)).toEqual(["failed", "sent"]);
    expect(mails[0]).toMatchObject({ lastError: expect.stringContaining("cancelled"), params: null });
    expect((await invitationRow(created.invitation.id)).lastMailId).toBe(mails[1]!.id);
    const mail = await latestMail(invitee);
    expect(mail.subject).toMatch(/^Reminder:/);
    expect(mail.text).not.toContain("/invitations/dead");
  });

  it("cancels an invitation's queued mail when its link dies without a new mail: on revoke, on a new link, on delete (a retry waiting alone too)", async () => {
    const { owner, org } = await setup("race-cancel-revoke");
    const db = orgDatabase(env, org.id);
    /** Makes the invitation's mail a queued retry again (as after a 5xx), waiting alone under its own key or never claimed. */
    const requeue = async (invitationId: string, alone: boolean) => {
      const [mail] = await mailsOf(invitationId);
      await db
        .update(mailOutbox)
        .set({ status: "queued", lastError: null, batchKey: alone ? mail!.idempotencyKey : null, nextAttemptAt: new Date(Date.now() + 60 * 60_000), params: { orgName: "x", inviteeName: "x", url: "http://roster.test/invitations/dead" } })
        .where(eq(mailOutbox.id, mail!.id));
      return mail!.id;
    };
    const statusOf = async (id: string) => (await db.select().from(mailOutbox).where(eq(mailOutbox.id, id)))[0]!;
    const renewed = await invite(owner, org.slug, uniqueEmail("race-cancel-renew"));
    const revoked = await invite(owner, org.slug, uniqueEmail("race-cancel-revoke"));
    await sentOut(renewed.invitation.id);
    await sentOut(revoked.invitation.id);

    const renewMail = await requeue(renewed.invitation.id, false);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${renewed.invitation.id}/link`, { cookie: owner.cookie })).status).toBe(200);
    expect(await statusOf(renewMail)).toMatchObject({ status: "failed", params: null, lastError: expect.stringContaining("cancelled") });

    const revokeMail = await requeue(revoked.invitation.id, true);
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${revoked.invitation.id}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    expect(await statusOf(revokeMail)).toMatchObject({ status: "failed", params: null, lastError: expect.stringContaining("revoked") });

    await requeue(revoked.invitation.id, false);
    expect((await call("DELETE", `/api/v1/orgs/${org.slug}/invitations/${revoked.invitation.id}`, { cookie: owner.cookie })).status).toBe(204);
    expect(await statusOf(revokeMail)).toMatchObject({ status: "failed", params: null, lastError: expect.stringContaining("deleted") });
  });

  it("does not make a run whose mail left fail or retry when the room cannot settle it (a failed state load)", async () => {
    const orgId = `org_race_${crypto.randomUUID()}`;
    const insert = outboxInsert(uniqueEmail("race-settle"), { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: "x", url: "https://roster.test/x" } }, {
      orgId,
      invitationId: `inv_race_${crypto.randomUUID()}`,
      now: Date.now(),
    });
    await orgDatabase(env, orgId).$client.execute({ sql: insert.sql, args: insert.args });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const delivery = new MailDelivery(env, systemClock, {
      orgId: () => orgId,
      submit: () => Promise.reject(new Error("state load failed")),
      scheduleAlarm: async () => {},
    });
    try {
      await delivery.run();
      // Nothing left to retry: the run did not fall into its 30 s retry.
      expect(await delivery.dueAt()).toBeNull();
      await vi.waitFor(() => expect(logged.mock.calls.some((args) => String(args[0]).includes("could not settle"))).toBe(true));
    } finally {
      logged.mockRestore();
    }
    const rows = await orgDatabase(env, orgId).select().from(mailOutbox).where(eq(mailOutbox.orgId, orgId));
    expect(rows).toEqual([expect.objectContaining({ status: "sent", attempts: 1 })]);
  });

  it("sends a mail queued while a run is going, though that run read the outbox before it", async () => {
    const orgId = `org_race_${crypto.randomUUID()}`;
    const db = orgDatabase(env, orgId);
    const queue = async (to: string) => {
      const insert = outboxInsert(to, { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: "x", url: "https://roster.test/x" } }, {
        orgId,
        invitationId: `inv_race_${crypto.randomUUID()}`,
        now: Date.now(),
      });
      await db.$client.execute({ sql: insert.sql, args: insert.args });
    };
    await queue(uniqueEmail("race-first"));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let alarms = 0;
    const delivery = new MailDelivery(env, systemClock, {
      orgId: () => orgId,
      submit: async () => ({ ok: true, value: undefined }) as never,
      // The first run's closing alarm waits: the run has read the outbox and sent by then.
      scheduleAlarm: async () => {
        if (++alarms === 2) await held;
      },
    });
    const first = delivery.run();
    await vi.waitFor(async () => expect((await db.select().from(mailOutbox).where(eq(mailOutbox.orgId, orgId))).some((m) => m.status === "sent")).toBe(true));
    // A mail committed now asks for a run while the first is still going.
    await queue(uniqueEmail("race-second"));
    const joined = delivery.run();
    release();
    await Promise.all([first, joined]);
    await vi.waitFor(async () => {
      const rows = await db.select().from(mailOutbox).where(eq(mailOutbox.orgId, orgId));
      expect(rows.map((m) => m.status)).toEqual(["sent", "sent"]);
    });
  });

  it("counts no settle in stats.commands", async () => {
    const { owner, org } = await setup("race-stats");
    const created = await invite(owner, org.slug, uniqueEmail("race-stats"));
    await sentOut(created.invitation.id);
    const counted = await runInDurableObject(orgRoom(env, org.id), async (room: OrgRoom) => {
      const before = room.queue.stats.commands;
      const [mail] = await mailsOf(created.invitation.id);
      await room.queue.submit((state) => settleDeliveries(state, [{ invitationId: created.invitation.id, mailId: mail!.id, delivery: "delivered" }], Date.now()));
      return room.queue.stats.commands - before;
    });
    expect(counted).toBe(0);
  });

  it("leaves an idle room no alarm, or only its next real due time: none after its mail went, not one re-armed 30 s ahead", async () => {
    const { owner, org } = await setup("race-alarm");
    const stub = orgRoom(env, org.id);
    const created = await invite(owner, org.slug, uniqueEmail("race-alarm"));
    await sentOut(created.invitation.id);
    // The only thing due is the invitation's expiry.
    await vi.waitFor(async () => expect(await runInDurableObject(stub, (_room: OrgRoom, state) => state.storage.getAlarm())).toBe(Date.parse(created.invitation.expiresAt)));
    const revoked = await call("POST", `/api/v1/orgs/${org.slug}/invitations/${created.invitation.id}/revoke`, { cookie: owner.cookie });
    expect(revoked.status).toBe(200);
    // Nothing is due at all: no alarm, and none fires.
    await vi.waitFor(async () => expect(await runInDurableObject(stub, (_room: OrgRoom, state) => state.storage.getAlarm())).toBeNull());
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("an alarm that fires with nothing due does not re-arm itself", async () => {
    const { owner, org } = await setup("race-alarm-fire");
    const stub = orgRoom(env, org.id);
    const created = await invite(owner, org.slug, uniqueEmail("race-alarm-fire"));
    await sentOut(created.invitation.id);
    // An alarm left standing from a mail run (as the room did before) fires…
    await runInDurableObject(stub, (_room: OrgRoom, state) => state.storage.setAlarm(Date.now() + 30_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // …and the next one is the expiry, not another +30 s.
    expect(await runInDurableObject(stub, (_room: OrgRoom, state) => state.storage.getAlarm())).toBe(Date.parse(created.invitation.expiresAt));
  });

  it("keeps a queued retry's alarm after an eviction: a woken room that sets its alarm asks the outbox, not only its invitations' expiry", async () => {
    const { owner, org } = await setup("race-evict-retry");
    const stub = orgRoom(env, org.id);
    const kept = await invite(owner, org.slug, uniqueEmail("race-evict-kept"));
    const revoked = await invite(owner, org.slug, uniqueEmail("race-evict-revoked"));
    await sentOut(kept.invitation.id);
    await sentOut(revoked.invitation.id);
    // A mail that failed (a 5xx) waits for its retry in ten minutes; then the room is evicted.
    const retryAt = Date.now() + 10 * 60_000;
    const insert = outboxInsert(uniqueEmail("race-evict-retry"), { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: "Ada", url: "http://roster.test/orgs/x/members" } }, { orgId: org.id, now: retryAt });
    await orgDatabase(env, org.id).$client.execute({ sql: insert.sql, args: insert.args });
    await evictDurableObject(stub);
    // The woken room sets its alarm (a revoke frees a seat): to the retry, not to the other invitation's expiry, days off.
    expect((await call("POST", `/api/v1/orgs/${org.slug}/invitations/${revoked.invitation.id}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    await vi.waitFor(async () => expect(await runInDurableObject(stub, (_room: OrgRoom, state) => state.storage.getAlarm())).toBe(retryAt));
    expect(retryAt).toBeLessThan(Date.parse(kept.invitation.expiresAt));
  });

  it("sends a mail written before the room was evicted once the room wakes", async () => {
    const { owner, org } = await setup("race-evict");
    const stub = orgRoom(env, org.id);
    // The room is up (it has the organization), then a mail is written and the room is evicted before its run.
    await call("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    const to = uniqueEmail("race-evict");
    const insert = outboxInsert(to, { template: "invitation_accepted", params: { orgName: "Acme", inviteeName: "Ada", url: "http://roster.test/orgs/x/members" } }, { orgId: org.id, now: Date.now() });
    await orgDatabase(env, org.id).$client.execute({ sql: insert.sql, args: insert.args });
    // A run stands behind its alarm (set before it sends), so an evicted run leaves one.
    await runInDurableObject(stub, (_room: OrgRoom, state) => state.storage.setAlarm(Date.now() + 30_000));
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await latestMail(to)).subject).toMatch(/Ada joined Acme/);
    const [row] = await orgDatabase(env, org.id).select().from(mailOutbox).where(eq(mailOutbox.to, to));
    expect(row).toMatchObject({ status: "sent", attempts: 1 });
  });
});
