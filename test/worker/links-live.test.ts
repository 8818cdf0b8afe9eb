import { beforeAll, describe, expect, it } from "vitest";
import type { LinkView } from "../../worker/views/link.ts";
import { call, createOrg, forgetOrgCreations, seedMember, signIn, uniqueEmail, type SignedIn } from "./support/client.ts";
import { open, ofType, type Event } from "./support/live.ts";

const today = () => new Date().toISOString().slice(0, 10);

describe("self-registration links on the live socket", () => {
  let owner: SignedIn;
  let member: SignedIn;
  let org: { id: string; slug: string };

  beforeAll(async () => {
    owner = await signIn(uniqueEmail("links-live-owner"));
    member = await signIn(uniqueEmail("links-live-member"));
    await forgetOrgCreations(owner);
    org = await createOrg(owner, "links-live");
    await seedMember(org, member, "member");
  });

  it("links.changed reaches admins (never with the URL) and not members; a join says member.joined via link with its tag, then seats.changed", async () => {
    const ownerSocket = await open(org.slug, { cookie: owner.cookie });
    const memberSocket = await open(org.slug, { cookie: member.cookie });
    await ownerSocket.take(ofType("ready"));
    await memberSocket.take(ofType("ready"));

    const enabled = await call<LinkView>("PATCH", `/api/v1/orgs/${org.slug}/links/existing`, { cookie: owner.cookie, body: { enabled: true } });
    const changed = (await ownerSocket.take(ofType("links.changed"))) as Event;
    expect(changed.data).toEqual({ link: { kind: "existing", enabled: true, generation: 1, tag: today(), rotatedAt: expect.any(String) } });
    expect(JSON.stringify(changed)).not.toContain(enabled.body.url.split("/join/")[1]!);

    const joiner = await signIn(uniqueEmail("links-live-joiner"));
    const token = enabled.body.url.split("/join/")[1]!;
    expect((await call("POST", `/api/v1/join/${token}`, { cookie: joiner.cookie })).status).toBe(200);
    const joined = (await ownerSocket.take(ofType("member.joined"))) as Event;
    expect(joined.data).toEqual({ userId: joiner.userId, role: "restricted", via: "link", linkTag: today() });
    const seats = (await ownerSocket.take(ofType("seats.changed"))) as Event;
    expect(seats.data).toMatchObject({ members: 3 });

    // The member sees the join (members:read) but never a link event.
    await memberSocket.take(ofType("member.joined"));
    expect(memberSocket.messages.some((m) => m.type === "links.changed")).toBe(false);
    ownerSocket.ws.close();
    memberSocket.ws.close();
  });
});
