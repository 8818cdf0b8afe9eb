import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { orgRoom } from "../../worker/org/room-client.ts";
import type { OrgRoom } from "../../worker/org/room.ts";
import { call, createOrg, env, signIn, uniqueEmail, uniqueSlug } from "./support/client.ts";

/**
 * The limits that keep one account from turning Roster into a mail cannon, at their
 * defaults: organizations per user per day, a self-service seat cap until billing exists,
 * and invitation mail per user per hour across all their organizations. Each lets one bulk
 * of 1,000 invitations through.
 */

type ErrorBody = { error: { code: string; details?: Record<string, unknown> } };

describe("organizations one user may create", () => {
  it("are 10 a day: the 11th answers 429 rate_limited with Retry-After, and another user is unaffected", async () => {
    const busy = await signIn(uniqueEmail("org-spree"));
    for (let i = 0; i < 10; i++) await createOrg(busy, "spree");
    const slug = uniqueSlug("spree");
    const refused = await call<ErrorBody>("POST", "/api/v1/orgs", { cookie: busy.cookie, body: { name: "One too many", slug } });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);
    expect((await call("GET", `/api/v1/orgs/${slug}`, { cookie: busy.cookie })).status).toBe(404);
    const me = await call<{ memberships: unknown[] }>("GET", "/api/v1/me", { cookie: busy.cookie });
    expect(me.body.memberships).toHaveLength(10);

    const other = await signIn(uniqueEmail("org-calm"));
    await createOrg(other, "calm");
  });
});

describe("the self-service seat limit", () => {
  it("goes up to the cap of 2,000 and no further; the refusal names the cap and changes nothing", async () => {
    const owner = await signIn(uniqueEmail("cap-owner"));
    const org = await createOrg(owner, "cap");
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 2000 } })).status).toBe(200);
    const refused = await call<ErrorBody>("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 2001 } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "seat_limit_cap", details: { cap: 2000 } });
    const read = await call<{ org: { seatLimit: number } }>("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    expect(read.body.org.seatLimit).toBe(2000);
    expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 10 } })).status).toBe(200);
  });
});

describe("one user's invitation mail", () => {
  it("is 2,000 an hour across all their organizations: two bulks of 1,000 go out, the next invitation anywhere answers 429", async () => {
    const owner = await signIn(uniqueEmail("cannon"));
    const orgs = [await createOrg(owner, "cannon-a"), await createOrg(owner, "cannon-b"), await createOrg(owner, "cannon-c")];
    for (const org of orgs.slice(0, 2)) {
      expect((await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 1001 } })).status).toBe(200);
      const rows = Array.from({ length: 1000 }, (_, i) => ({ invitee: `c${i}.${org.slug}@example.com` }));
      const bulk = await call<{ created: number }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows } });
      expect(bulk.status).toBe(200);
      expect(bulk.body.created).toBe(1000);
    }
    const third = orgs[2]!;
    const refused = await call<ErrorBody>("POST", `/api/v1/orgs/${third.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail("one-more") } });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const listed = await call<{ invitations: unknown[] }>("GET", `/api/v1/orgs/${third.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations).toEqual([]);

    // A refused invitation spends nothing: another user inviting into the same room is unaffected.
    const colleague = await signIn(uniqueEmail("colleague"));
    const theirs = await createOrg(colleague, "colleague");
    expect((await call("POST", `/api/v1/orgs/${theirs.slug}/invitations`, { cookie: colleague.cookie, body: { invitee: uniqueEmail("fine") } })).status).toBe(201);
  });

  it("counts the link an extension of an expired invitation mails, before mailing it", async () => {
    const owner = await signIn(uniqueEmail("extender"));
    const org = await createOrg(owner, "extender");
    const created = await call<{ invitation: { id: string } }>("POST", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie, body: { invitee: uniqueEmail("lapsed"), expiresInDays: 1 } });
    expect(created.status).toBe(201);
    // Two days on, the invitation has expired; the owner has spent this hour's mail elsewhere.
    const later = Date.now() + 2 * 86_400_000;
    await runInDurableObject(orgRoom(env, org.id), (room: OrgRoom) => {
      room.clock = { now: () => later };
    });
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`invite-mail:user:${owner.userId}`));
    expect((await limiter.grant(2000, 2000, 3_600_000, later)).granted).toBe(2000);

    const extended = await call<ErrorBody>("POST", `/api/v1/orgs/${org.slug}/invitations/${created.body.invitation.id}/extend`, { cookie: owner.cookie, body: {} });
    expect(extended.status).toBe(429);
    expect(extended.body.error.code).toBe("rate_limited");
    // Nothing was re-issued: the only invitation is the first.
    const listed = await call<{ invitations: Array<{ id: string }> }>("GET", `/api/v1/orgs/${org.slug}/invitations`, { cookie: owner.cookie });
    expect(listed.body.invitations.map((i) => i.id)).toEqual([created.body.invitation.id]);
  });

  it("gives back what a refused invitation did not send", async () => {
    const owner = await signIn(uniqueEmail("refund"));
    const org = await createOrg(owner, "refund");
    // Five seats: the owner and four invitations; the rest are refused for seats and mail nothing.
    const rows = Array.from({ length: 50 }, (_, i) => ({ invitee: `r${i}.${org.slug}@example.com` }));
    const bulk = await call<{ created: number; failed: number }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rows } });
    expect(bulk.body).toMatchObject({ created: 4, failed: 46 });
    await call("PATCH", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie, body: { seatLimit: 2000 } });
    const big = Array.from({ length: 1000 }, (_, i) => ({ invitee: `big${i}.${org.slug}@example.com` }));
    const second = await call<{ created: number }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: big } });
    expect(second.body.created).toBe(1000);
    const rest = Array.from({ length: 996 }, (_, i) => ({ invitee: `rest${i}.${org.slug}@example.com` }));
    const third = await call<{ created: number }>("POST", `/api/v1/orgs/${org.slug}/invitations/bulk`, { cookie: owner.cookie, body: { invitations: rest } });
    expect(third.body.created).toBe(995);
  });
});
