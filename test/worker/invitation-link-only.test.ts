import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import type { BulkInvitationResultsView, CreatedInvitationView } from "../../worker/views/index.ts";
import { call, createOrg, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const dayMs = 24 * 60 * 60_000;
const db = createClient({ url: env.DATABASE_URL ?? "" });
const tokenOf = (url: string) => url.split("/invitations/")[1] ?? "";

/** How many mails the outbox holds for an invitation (queued, sent or failed). */
async function mailsFor(invitationId: string): Promise<number> {
  const rows = await db.execute({ sql: "SELECT count(*) AS n FROM mail_outbox WHERE invitation_id = ?", args: [invitationId] });
  return Number(rows.rows[0]?.n ?? 0);
}

async function invite(owner: SignedIn, slug: string, body: Record<string, unknown>) {
  return call<CreatedInvitationView>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: owner.cookie, body });
}

describe("an invitation made to copy its link instead of mailing it (mail: false)", () => {
  it("mails nothing, says so in its delivery, takes a seat, and its link works", async () => {
    const owner = await signIn(uniqueEmail("link-owner"));
    const org = await createOrg(owner, "link-only");
    const invitee = await signIn(uniqueEmail("link-invitee"));
    const created = await invite(owner, org.slug, { invitee: invitee.email, mail: false });
    expect(created.status).toBe(201);
    expect(created.body.invitation).toMatchObject({ status: "pending", delivery: "not_mailed", sendCount: 0, lastSentAt: null });
    expect(await mailsFor(created.body.invitation.id)).toBe(0);
    const org2 = await call<{ seats: { pending: number } }>("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    expect(org2.body.seats.pending).toBe(1);
    const listed = await call<{ invitations: Array<{ id: string; delivery: string }> }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations).toContainEqual(expect.objectContaining({ id: created.body.invitation.id, delivery: "not_mailed" }));
    const audit = await call<{ events: Array<{ action: string; data: Record<string, unknown> }> }>("GET", `/api/v1/orgs/${org.slug}/audit?action=invitation.created`, {
      cookie: owner.cookie,
    });
    expect(audit.body.events[0]?.data).toMatchObject({ mailed: false });

    const accepted = await call("POST", `/api/v1/invitations/${tokenOf(created.body.inviteUrl)}/accept`, { cookie: invitee.cookie });
    expect(accepted.status).toBe(200);
  });

  it("is mailed once resent, like any invitation", async () => {
    const owner = await signIn(uniqueEmail("link-owner"));
    const org = await createOrg(owner, "link-resend");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("link-later"), mail: false });
    const id = created.body.invitation.id;
    const resent = await call<CreatedInvitationView>("POST", `/api/v1/orgs/${org.slug}/invitations/${id}/resend`, { cookie: owner.cookie });
    expect(resent.status).toBe(200);
    expect(resent.body.invitation).toMatchObject({ id, delivery: "queued", sendCount: 1 });
    expect(await mailsFor(id)).toBe(1);
  });

  it("mails none of a bulk's rows that ask not to, and answers each row's link", async () => {
    const owner = await signIn(uniqueEmail("link-owner"));
    const org = await createOrg(owner, "link-bulk");
    const [quiet, mailed] = [uniqueEmail("link-quiet"), uniqueEmail("link-mailed")];
    const answer = await call<BulkInvitationResultsView>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, {
      cookie: owner.cookie,
      body: { invitations: [{ invitee: quiet, mail: false }, { invitee: mailed }] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.created).toBe(2);
    const [first, second] = answer.body.results;
    expect(first?.invitation).toMatchObject({ email: quiet, delivery: "not_mailed" });
    expect(first?.inviteUrl).toMatch(/\/invitations\//);
    expect(second?.invitation).toMatchObject({ email: mailed, delivery: "queued" });
    expect(await mailsFor(first?.invitation?.id ?? "")).toBe(0);
    expect(await mailsFor(second?.invitation?.id ?? "")).toBe(1);
  });

  it("a new link asked for on an expired invitation makes a fresh one without mailing it", async () => {
    const owner = await signIn(uniqueEmail("link-owner"));
    const org = await createOrg(owner, "link-expired");
    const created = await invite(owner, org.slug, { invitee: uniqueEmail("link-expired"), expiresInDays: 1 });
    await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => {
      room.clock = { now: () => Date.now() + 2 * dayMs };
    });
    const relinked = await call<CreatedInvitationView>("POST", `/api/v1/orgs/${org.slug}/invitations/${created.body.invitation.id}/link`, { cookie: owner.cookie });
    expect(relinked.status).toBe(200);
    expect(relinked.body.invitation.id).not.toBe(created.body.invitation.id);
    expect(relinked.body.invitation).toMatchObject({ status: "pending", delivery: "not_mailed" });
    expect(await mailsFor(relinked.body.invitation.id)).toBe(0);
  });
});
