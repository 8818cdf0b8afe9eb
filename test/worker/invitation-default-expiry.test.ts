import { createClient } from "@libsql/client/web";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import type { Clock } from "../../worker/lib/clock.ts";
import { call, createOrg, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";

const dayMs = 24 * 60 * 60_000;

/** The database itself, to check what the API did. */
const db = createClient({ url: env.DATABASE_URL ?? "" });

interface Created {
  invitation: { id: string; expiresAt: string };
  inviteUrl: string;
  error: { code: string };
}

async function invite(owner: SignedIn, slug: string, body: Record<string, unknown>) {
  return call<Created>("POST", `/api/v1/orgs/${slug}/invitations`, { cookie: owner.cookie, body });
}

/** Moves the organization's room's clock (what its commands take for now) to `now`. */
async function setRoomClock(orgId: string, now: number) {
  await runInDurableObject(env.ORG_ROOM.get(env.ORG_ROOM.idFromName(orgId)), (room: { clock: Clock }) => {
    room.clock = { now: () => now };
  });
}

/** What the invitee's preview of the link says at `now`. */
async function previewStatus(inviteUrl: string, now: number): Promise<string> {
  const token = inviteUrl.split("/invitations/")[1] ?? "";
  const answer = await createApp({ clock: { now: () => now } }).request(`/api/v1/invitations/${token}`, {}, env);
  expect(answer.status).toBe(200);
  return (await answer.json<{ status: string }>()).status;
}

describe("the default expiry of an invitation", () => {
  it("is the organization's default of 7 days when no ttl is given, to the millisecond of the room's clock", async () => {
    const owner = await signIn(uniqueEmail("ttl-owner"));
    const org = await createOrg(owner, "ttl");
    const settings = await call<{ org: { defaultInviteTtlDays: number } }>("GET", `/api/v1/orgs/${org.slug}`, { cookie: owner.cookie });
    expect(settings.body.org.defaultInviteTtlDays).toBe(7);
    // The room invites at an instant of the test's choosing, not the wall clock's.
    const invitedAt = Date.now() + 12_345;
    const dueAt = invitedAt + 7 * dayMs;
    await setRoomClock(org.id, invitedAt);
    const email = uniqueEmail("ttl");
    const created = await invite(owner, org.slug, { invitee: email });
    expect(created.status).toBe(201);
    expect(created.body.invitation.expiresAt).toBe(new Date(dueAt).toISOString());
    // It holds until its 7 days are up, and not a millisecond longer: for the invitee...
    expect(await previewStatus(created.body.inviteUrl, dueAt - 1)).toBe("pending");
    expect(await previewStatus(created.body.inviteUrl, dueAt)).toBe("expired");
    // ...and for the room: a second invitation is refused while it lives, taken once it is due.
    await setRoomClock(org.id, dueAt - 1);
    expect((await invite(owner, org.slug, { invitee: email })).body.error.code).toBe("already_invited");
    await setRoomClock(org.id, dueAt);
    const again = await invite(owner, org.slug, { invitee: email });
    expect(again.status).toBe(201);
    expect(again.body.invitation.expiresAt).toBe(new Date(dueAt + 7 * dayMs).toISOString());
    const first = await db.execute({ sql: "SELECT status FROM invitations WHERE id = ?", args: [created.body.invitation.id] });
    expect(first.rows[0]?.status).toBe("expired");
  });
});
