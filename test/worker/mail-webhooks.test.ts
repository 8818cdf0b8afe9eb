import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { invitations, mailOutbox } from "../../db/schema/index.ts";
import { createApp } from "../../worker/app.ts";
import { orgDatabase } from "../../worker/lib/database.ts";
import { signedWebhook, testWebhookSecret } from "../support/webhooks.ts";
import { call, createOrg, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { open as openSocket } from "./support/live.ts";

const withSecret = { ...env, RESEND_WEBHOOK_SECRET: testWebhookSecret };

interface Received {
  received: true;
  applied: boolean;
}

async function post(webhook: { body: string; headers: Record<string, string> }, bindings = withSecret) {
  const response = await createApp().request("/api/v1/webhooks/resend", { method: "POST", headers: webhook.headers, body: webhook.body }, bindings);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Received & { error?: { code: string; details?: { reason: string } } } };
}

const invitationRow = async (id: string) => (await orgDatabase(env, "").select().from(invitations).where(eq(invitations.id, id)))[0]!;

/** An organization with one invitation whose mail left (through the dev mailbox): the mail's tags and Resend-side id. */
async function mailed(stem: string): Promise<{ owner: SignedIn; org: { id: string; slug: string }; invitationId: string; mail: { id: string; providerId: string } }> {
  const owner = await signIn(uniqueEmail(`${stem}-owner`));
  const org = await createOrg(owner, stem);
  const created = await call<{ invitation: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail(stem) } });
  expect(created.status).toBe(201);
  const invitationId = created.body.invitation.id;
  await vi.waitFor(async () => expect((await invitationRow(invitationId)).delivery).toBe("sent"), { timeout: 5000, interval: 50 });
  const [row] = await orgDatabase(env, org.id).select().from(mailOutbox).where(eq(mailOutbox.invitationId, invitationId));
  expect(row?.providerId).toBeTruthy();
  return { owner, org, invitationId, mail: { id: row!.id, providerId: row!.providerId! } };
}

const event = (type: string, org: { id: string }, mail: { id: string; providerId: string }) => ({ type, emailId: mail.providerId, tags: { org: org.id, mail: mail.id } });

describe("Resend delivery webhooks", () => {
  it("sets delivered, then bounced, on the invitation from signed events, only forward", async () => {
    const { org, invitationId, mail } = await mailed("wh-forward");
    expect(await post(await signedWebhook(event("email.delivered", org, mail)))).toEqual({ status: 200, body: { received: true, applied: true } });
    expect((await invitationRow(invitationId)).delivery).toBe("delivered");
    // A late `email.sent` or `email.delivery_delayed` does not take it back.
    expect((await post(await signedWebhook(event("email.sent", org, mail)))).body.applied).toBe(false);
    expect((await post(await signedWebhook(event("email.delivery_delayed", org, mail)))).body.applied).toBe(false);
    expect((await invitationRow(invitationId)).delivery).toBe("delivered");
    expect((await post(await signedWebhook(event("email.complained", org, mail)))).body.applied).toBe(true);
    expect((await invitationRow(invitationId)).delivery).toBe("complained");
  });

  it("maps each delivery event onto the invitation's delivery", async () => {
    for (const [type, delivery] of [["email.delivery_delayed", "delayed"], ["email.bounced", "bounced"], ["email.failed", "failed"]] as const) {
      const { org, invitationId, mail } = await mailed(`wh-map-${delivery}`);
      expect((await post(await signedWebhook(event(type, org, mail)))).status).toBe(200);
      expect((await invitationRow(invitationId)).delivery).toBe(delivery);
    }
  });

  it("publishes the change live to the organization's open dashboards", async () => {
    const { owner, org, invitationId, mail } = await mailed("wh-live");
    const live = await openSocket(org.slug, { cookie: owner.cookie });
    expect((await live.take()).type).toBe("ready");
    await post(await signedWebhook(event("email.bounced", org, mail)));
    for (;;) {
      const frame = (await live.take()) as { type: string; data?: { invitation?: { id: string; delivery: string } } };
      if (frame.type === "invitation.updated" && frame.data?.invitation?.id === invitationId && frame.data.invitation.delivery === "bounced") break;
    }
    const listed = await call<{ invitations: Array<{ id: string; delivery: string }> }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations.find((i) => i.id === invitationId)?.delivery).toBe("bounced");
  });

  it("refuses a wrong signature, a stale timestamp and a replayed message id, changing nothing", async () => {
    const { org, invitationId, mail } = await mailed("wh-refuse");
    const forged = await signedWebhook(event("email.bounced", org, mail), { secret: `whsec_${btoa("another-secret-of-thirty-two-b!!")}` });
    expect(await post(forged)).toMatchObject({ status: 400, body: { error: { code: "webhook_rejected", details: { reason: "signature" } } } });
    const tampered = await signedWebhook(event("email.delivered", org, mail));
    expect(await post({ ...tampered, body: tampered.body.replace("email.delivered", "email.bounced") })).toMatchObject({ status: 400, body: { error: { details: { reason: "signature" } } } });
    const unsigned = await signedWebhook(event("email.bounced", org, mail));
    delete unsigned.headers["svix-signature"];
    expect((await post(unsigned)).status).toBe(400);
    const stale = await signedWebhook(event("email.bounced", org, mail), { at: new Date(Date.now() - 6 * 60_000) });
    expect(await post(stale)).toMatchObject({ status: 400, body: { error: { details: { reason: "stale" } } } });
    expect((await invitationRow(invitationId)).delivery).toBe("sent");
    const once = await signedWebhook(event("email.delivered", org, mail));
    expect(await post(once)).toEqual({ status: 200, body: { received: true, applied: true } });
    // A message taken before (Resend retrying after a lost 200) answers 200 and changes nothing.
    expect(await post(once)).toEqual({ status: 200, body: { received: true, applied: false } });
    // The same id signed anew is still a replay: nothing changes.
    const again = await signedWebhook(event("email.bounced", org, mail), { id: once.headers["svix-id"] });
    expect(await post(again)).toEqual({ status: 200, body: { received: true, applied: false } });
    expect((await invitationRow(invitationId)).delivery).toBe("delivered");
  });

  it("answers 200 and changes nothing for unknown, foreign or untagged mail, and for other event types", async () => {
    const { org, invitationId, mail } = await mailed("wh-foreign");
    const other = await mailed("wh-foreign-other");
    const ignored = [
      { type: "email.bounced", emailId: mail.providerId, tags: { org: org.id, mail: "mail_unknown" } },
      // Another organization named for this mail: not found there.
      { type: "email.bounced", emailId: mail.providerId, tags: { org: other.org.id, mail: mail.id } },
      // Another deployment's mail that happens to carry our tags: Resend's id differs.
      { type: "email.bounced", emailId: "re_someone_elses", tags: { org: org.id, mail: mail.id } },
      { type: "email.bounced", emailId: mail.providerId },
      { type: "email.opened", emailId: mail.providerId, tags: { org: org.id, mail: mail.id } },
    ];
    for (const e of ignored) expect(await post(await signedWebhook(e))).toEqual({ status: 200, body: { received: true, applied: false } });
    expect((await invitationRow(invitationId)).delivery).toBe("sent");
    expect((await invitationRow(other.invitationId)).delivery).toBe("sent");
  });

  it("answers 200 for a deleted organization's mail and keeps the message id, so Resend stops retrying", async () => {
    const { owner, org, mail } = await mailed("wh-deleted");
    const deleted = await call("DELETE", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { confirm: org.slug } });
    expect(deleted.status).toBe(200);
    const webhook = await signedWebhook(event("email.bounced", org, mail));
    expect(await post(webhook)).toEqual({ status: 200, body: { received: true, applied: false } });
    // Taken: the same message again is a replay, answered 200 as well.
    expect(await post(webhook)).toEqual({ status: 200, body: { received: true, applied: false } });
  });

  it("takes Resend's other events (no email_id) once signed, and judges an unsigned body by its signature alone, telling nothing of its shape", async () => {
    for (const raw of [
      { type: "contact.created", created_at: new Date().toISOString(), data: { id: "c_1", audience_id: "a_1", email: "someone@example.com" } },
      { type: "domain.updated", created_at: new Date().toISOString(), data: { id: "d_1", name: "roster.invalid", status: "verified" } },
      ["not", "an", "object"],
    ]) {
      expect(await post(await signedWebhook({ type: "", emailId: "" }, { raw }))).toEqual({ status: 200, body: { received: true, applied: false } });
    }
    const unsigned = await signedWebhook({ type: "", emailId: "" }, { raw: { type: "contact.created", data: {} } });
    delete unsigned.headers["svix-signature"];
    const refused = await post(unsigned);
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "webhook_rejected", details: { reason: "signature" } } } });
    expect(JSON.stringify(refused.body)).not.toContain("email_id");
  });

  it("reads at most 256 KiB of a webhook, counting bytes, and refuses more with 413 whatever Content-Length says", async () => {
    const big = await signedWebhook({ type: "", emailId: "" }, { raw: { type: "contact.created", data: { note: "é".repeat(140 * 1024) } } });
    // Under 256 Ki characters, but over 256 KiB.
    expect(big.body.length).toBeLessThan(256 * 1024);
    expect((await post(big)).status).toBe(413);
    // Streamed without a Content-Length: the read stops at the limit.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await createApp().request("/api/v1/webhooks/resend", { method: "POST", headers: big.headers, body: stream }, withSecret);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(64);
  });

  it("never lets an older mail's event overwrite the newest mail's state", async () => {
    const { owner, org, invitationId, mail } = await mailed("wh-older");
    const resent = await call("POST", `/api/v1/orgs/${org.slug}/invitations/${invitationId}/resend`, { cookie: owner.cookie });
    expect(resent.status).toBe(200);
    await vi.waitFor(async () => expect((await invitationRow(invitationId)).delivery).toBe("sent"), { timeout: 5000, interval: 50 });
    expect((await post(await signedWebhook(event("email.bounced", org, mail)))).body.applied).toBe(false);
    expect((await invitationRow(invitationId)).delivery).toBe("sent");
  });

  it("does not exist without RESEND_WEBHOOK_SECRET, and takes no cookie authority (no CSRF check needed)", async () => {
    const { owner, org, mail } = await mailed("wh-config");
    const webhook = await signedWebhook(event("email.delivered", org, mail));
    // Unconfigured, it is answered as any unknown route is.
    const unconfigured = await post(webhook, { ...env, RESEND_WEBHOOK_SECRET: "" });
    expect(unconfigured).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    const unknown = await createApp().request("/api/v1/webhooks/resend-nothing", { method: "POST", headers: webhook.headers, body: webhook.body }, withSecret);
    expect((unconfigured.body as unknown as { error: { message: string } }).error.message).toBe(((await unknown.json()) as { error: { message: string } }).error.message.replace("resend-nothing", "resend"));
    // A browser's cookie and a foreign origin change nothing: the signature is what counts.
    const withCookie = await signedWebhook(event("email.delivered", org, mail));
    const response = await createApp().request(
      "/api/v1/webhooks/resend",
      { method: "POST", headers: { ...withCookie.headers, cookie: owner.cookie, origin: "https://evil.example" }, body: withCookie.body },
      withSecret,
    );
    expect(response.status).toBe(200);
  });
});
