import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import type { InvitationFunnelView } from "../../worker/views/index.ts";
import { call, createOrg, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const dayMs = 24 * 60 * 60_000;

interface Created {
  invitation: { id: string };
  inviteUrl: string;
}

async function invite(owner: SignedIn, slug: string, invitee: string, expiresInDays?: number): Promise<Created> {
  const created = await call<Created>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: owner.cookie, body: { invitee, expiresInDays } });
  expect(created.status).toBe(201);
  return created.body;
}

const tokenOf = (created: Created) => created.inviteUrl.split("/invitations/")[1] ?? "";

async function funnel(who: SignedIn, slug: string): Promise<InvitationFunnelView> {
  const answer = await call<InvitationFunnelView>("GET", `/api/v1/orgs/${slug}/invitations/funnel`, { cookie: who.cookie });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe("the invitation funnel", () => {
  it("counts every kept invitation once, by the status the list shows", async () => {
    const owner = await signIn(uniqueEmail("funnel-owner"));
    const org = await createOrg(owner, "funnel");
    expect(await funnel(owner, org.slug)).toEqual({ sent: 0, pending: 0, accepted: 0, declined: 0, revoked: 0, expired: 0 });

    const [accepter, decliner] = await Promise.all([signIn(uniqueEmail("funnel-yes")), signIn(uniqueEmail("funnel-no"))]);
    const accepted = await invite(owner, org.slug, accepter.email);
    const declined = await invite(owner, org.slug, decliner.email);
    const revoked = await invite(owner, org.slug, uniqueEmail("funnel-revoked"));
    const deleted = await invite(owner, org.slug, uniqueEmail("funnel-deleted"));

    expect((await call("POST", `/api/v1/invitations/${tokenOf(accepted)}/accept`, { cookie: accepter.cookie })).status).toBe(200);
    expect((await call("POST", `/api/v1/invitations/${tokenOf(declined)}/decline`, { cookie: decliner.cookie })).status).toBe(200);
    const base = `/api/v1/orgs/${org.slug}/invitations`;
    expect((await call("POST", `${base}/${revoked.invitation.id}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    expect((await call("POST", `${base}/${deleted.invitation.id}/revoke`, { cookie: owner.cookie })).status).toBe(200);
    expect((await call("DELETE", `${base}/${deleted.invitation.id}`, { cookie: owner.cookie })).status).toBe(204);
    // The seats freed by the answers and revocations (the plan has five).
    await invite(owner, org.slug, uniqueEmail("funnel-short"), 1);
    await invite(owner, org.slug, uniqueEmail("funnel-long"), 30);

    expect(await funnel(owner, org.slug)).toEqual({ sent: 5, pending: 2, accepted: 1, declined: 1, revoked: 1, expired: 0 });

    // Two days on, the one-day invitation counts as expired before the room marks it.
    const later = await createApp({ clock: { now: () => Date.now() + 2 * dayMs } }).request(`${base}/funnel`, { headers: { cookie: owner.cookie } }, env);
    expect(later.status).toBe(200);
    expect(await later.json()).toEqual({ sent: 5, pending: 1, accepted: 1, declined: 1, revoked: 1, expired: 1 });
  });

  it("counts only the organization's own invitations, and only for admins and owners", async () => {
    const [owner, otherOwner, admin, member, stranger] = await Promise.all([
      signIn(uniqueEmail("funnel-a")),
      signIn(uniqueEmail("funnel-b")),
      signIn(uniqueEmail("funnel-admin")),
      signIn(uniqueEmail("funnel-member")),
      signIn(uniqueEmail("funnel-stranger")),
    ]);
    const org = await createOrg(owner, "funnel-mine");
    const other = await createOrg(otherOwner, "funnel-other");
    await seedMember(org, admin, "admin");
    await seedMember(org, member, "member");
    await invite(otherOwner, other.slug, uniqueEmail("funnel-elsewhere"));
    await invite(owner, org.slug, uniqueEmail("funnel-here"));

    expect((await funnel(admin, org.slug)).sent).toBe(1);
    const path = `/api/v1/orgs/${org.slug}/invitations/funnel`;
    expect((await call("GET", path, { cookie: member.cookie })).status).toBe(403);
    expect((await call("GET", path, { cookie: stranger.cookie })).status).toBe(404);
    expect((await call("GET", path)).status).toBe(401);
  });
});
