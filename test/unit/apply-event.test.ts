import { describe, expect, it } from "vitest";
import { applyEvent, applyEvents, applyToInvitations, applyToMembers } from "../../web/src/live/apply-event.ts";
import { emptyInvitationsPage, emptyMembersPage, emptyOrgState, type OrgState } from "../../web/src/live/state.ts";
import type { InvitationView, LiveEvent, LiveEventData, LiveEventType, MemberView, OrgView, SeatsView } from "../../worker/views/index.ts";

let seq = 0;
/** The next event of `type`, numbered after the last one made here. */
function event<T extends LiveEventType>(type: T, data: LiveEventData[T], at = seq + 1): LiveEvent {
  seq = Math.max(seq, at);
  return { seq: at, type, at: "2026-01-01T00:00:00.000Z", data } as LiveEvent;
}

const org: OrgView = {
  id: "org_1",
  slug: "acme",
  name: "Acme",
  plan: "free",
  seatLimit: 5,
  status: "active",
  autoPrivateProject: false,
  allowedEmailDomains: [],
  defaultInviteTtlDays: 7,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};
const seats = (used: number, limit = 5, pending = 0): SeatsView => ({ limit, used, members: used - pending, pending, available: Math.max(0, limit - used) });

const member = (userId: string, name: string, role: MemberView["role"] = "member"): MemberView => ({
  userId,
  name,
  email: `${name.toLowerCase()}@example.com`,
  username: name.toLowerCase(),
  role,
  title: "",
  joinedVia: "invitation",
  joinedAt: "2026-01-01T00:00:00.000Z",
  lastActiveAt: null,
  status: "never_signed_in",
});
const invitation = (id: string, status: InvitationView["status"] = "pending"): InvitationView => ({
  id,
  email: `${id}@example.com`,
  username: null,
  role: "member",
  projectAssignments: [],
  message: null,
  status,
  delivery: "queued",
  expiresAt: "2026-01-08T00:00:00.000Z",
  sendCount: 1,
  lastSentAt: null,
  createdBy: "usr_owner",
  createdAt: "2026-01-01T00:00:00.000Z",
  respondedAt: null,
});

const ada = member("usr_ada", "Ada", "owner");
const bob = member("usr_bob", "Bob");

/** An owner's open organization at seq 10: two members and one pending invitation on screen. */
function loaded(): OrgState {
  seq = 10;
  return {
    ...emptyOrgState({ userId: "usr_ada", role: "owner", removed: false }),
    seq: 10,
    org,
    seats: seats(3, 5, 1),
    members: { ...emptyMembersPage(), items: [ada, bob], total: 2, loaded: true },
    invitations: { ...emptyInvitationsPage(), items: [invitation("inv_1")], loaded: true },
  };
}

describe("applyEvent: every event type", () => {
  it("seats.changed replaces the seats", () => {
    const next = applyEvent(loaded(), event("seats.changed", seats(4, 5, 2)));
    expect(next.seats).toEqual(seats(4, 5, 2));
    expect(next.seq).toBe(11);
  });

  it("org.updated replaces the organization", () => {
    const renamed = { ...org, name: "Acme Rockets", seatLimit: 10 };
    expect(applyEvent(loaded(), event("org.updated", { org: renamed })).org).toEqual(renamed);
  });

  it("invitation.created puts the new invitation on top of the first page", () => {
    const next = applyEvent(loaded(), event("invitation.created", { invitation: invitation("inv_2") }));
    expect(next.invitations.items.map((i) => i.id)).toEqual(["inv_2", "inv_1"]);
  });

  it("invitation.created on a full first page pushes its last invitation to the next page", () => {
    const state = loaded();
    const full: OrgState = { ...state, invitations: { ...state.invitations, limit: 1 } };
    const next = applyEvent(full, event("invitation.created", { invitation: invitation("inv_2") }));
    expect(next.invitations.items.map((i) => i.id)).toEqual(["inv_2"]);
    expect(next.invitations.nextCursor).toBe("inv_2");
  });

  it("invitation.created leaves a later page, and a page of another status, alone", () => {
    const state = loaded();
    const later: OrgState = { ...state, invitations: { ...state.invitations, cursor: "inv_9", index: 1 } };
    expect(applyEvent(later, event("invitation.created", { invitation: invitation("inv_2") })).invitations).toBe(later.invitations);
    const revokedOnly: OrgState = { ...state, invitations: { ...state.invitations, status: "revoked", items: [] } };
    expect(applyEvent(revokedOnly, event("invitation.created", { invitation: invitation("inv_3") })).invitations).toBe(revokedOnly.invitations);
  });

  it("invitation.updated replaces the invitation shown", () => {
    const revoked = invitation("inv_1", "revoked");
    expect(applyEvent(loaded(), event("invitation.updated", { invitation: revoked })).invitations.items).toEqual([revoked]);
  });

  it("invitation.updated with deleted takes it off the page", () => {
    expect(applyEvent(loaded(), event("invitation.updated", { invitation: { id: "inv_1", deleted: true } })).invitations.items).toEqual([]);
  });

  it("invitation.updated takes an invitation off a page of the status it left, and reads the page again", () => {
    const state = loaded();
    const pending: OrgState = { ...state, invitations: { ...state.invitations, status: "pending", nextCursor: "inv_0" } };
    const next = applyEvent(pending, event("invitation.updated", { invitation: invitation("inv_1", "expired") }));
    expect(next.invitations.items).toEqual([]);
    expect(next.invitations.stale).toBe(true);
  });

  it("member.joined of someone not on the page marks the page to be read again (the event has no name or email)", () => {
    const next = applyEvent(loaded(), event("member.joined", { userId: "usr_cy", role: "member", via: "invitation" }));
    expect(next.members.items).toEqual([ada, bob]);
    expect(next.members.stale).toBe(true);
  });

  it("member.joined of someone already on the page (read after the join) changes nothing else", () => {
    const state = loaded();
    const next = applyEvent(state, event("member.joined", { userId: "usr_bob", role: "member", via: "invitation" }));
    expect(next.members).toBe(state.members);
  });

  it("member.updated changes the member in place", () => {
    const next = applyEvent(loaded(), event("member.updated", { userId: "usr_bob", role: "admin", title: "CTO" }));
    expect(next.members.items[1]).toEqual({ ...bob, role: "admin", title: "CTO" });
    expect(next.members.stale).toBe(false);
  });

  it("member.updated that moves a member out of the role on screen reads the page again", () => {
    const state = loaded();
    const members: OrgState = { ...state, members: { ...state.members, query: { ...state.members.query, role: "member" }, items: [bob], total: 1 } };
    expect(applyEvent(members, event("member.updated", { userId: "usr_bob", role: "admin" })).members.stale).toBe(true);
  });

  it("member.updated about the viewer changes their role", () => {
    const next = applyEvent(loaded(), event("member.updated", { userId: "usr_ada", role: "admin" }));
    expect(next.viewer).toEqual({ userId: "usr_ada", role: "admin", removed: false });
  });

  it("member.removed takes the member off the page and out of the total", () => {
    const next = applyEvent(loaded(), event("member.removed", { userId: "usr_bob" }));
    expect(next.members.items).toEqual([ada]);
    expect(next.members.total).toBe(1);
  });

  it("member.removed about the viewer marks them removed", () => {
    expect(applyEvent(loaded(), event("member.removed", { userId: "usr_ada" })).viewer?.removed).toBe(true);
  });
});

describe("applyEvent: order and duplicates", () => {
  it("ignores an event whose seq was applied already, leaving the state as it was", () => {
    const state = applyEvent(loaded(), event("seats.changed", seats(4, 5, 2), 11));
    const again = applyEvent(state, event("seats.changed", seats(3, 5, 1), 11));
    expect(again).toBe(state);
    const older = applyEvent(state, event("invitation.created", { invitation: invitation("inv_old") }, 7));
    expect(older).toBe(state);
  });

  it("applies a message's events in seq order: the last seat count wins", () => {
    const next = applyEvents(loaded(), [
      event("invitation.created", { invitation: invitation("inv_2") }, 11),
      event("seats.changed", seats(4, 5, 2), 12),
      event("invitation.updated", { invitation: invitation("inv_2", "revoked") }, 13),
      event("seats.changed", seats(3, 5, 1), 14),
    ]);
    expect(next.seq).toBe(14);
    expect(next.seats).toEqual(seats(3, 5, 1));
    expect(next.invitations.items.map((i) => [i.id, i.status])).toEqual([
      ["inv_2", "revoked"],
      ["inv_1", "pending"],
    ]);
  });

  it("accepts gaps in seq: a viewer sees only some of the organization's events", () => {
    const next = applyEvent(loaded(), event("seats.changed", seats(2), 25));
    expect(next.seq).toBe(25);
    expect(next.seats).toEqual(seats(2));
  });

  it("a replayed invitation.created already on the page (read after it was made) is not shown twice", () => {
    const state = loaded();
    const next = applyEvent(state, event("invitation.created", { invitation: invitation("inv_1") }));
    expect(next.invitations.items.map((i) => i.id)).toEqual(["inv_1"]);
  });

  it("never changes the state it is given", () => {
    const state = loaded();
    const before = structuredClone(state);
    applyEvents(state, [
      event("member.removed", { userId: "usr_bob" }),
      event("invitation.created", { invitation: invitation("inv_2") }),
      event("member.updated", { userId: "usr_ada", role: "admin", name: "Ada L." }),
      event("seats.changed", seats(1)),
    ]);
    expect(state).toEqual(before);
  });
});

describe("applyEvent: what is not loaded", () => {
  it("ignores an update for an invitation not on the page", () => {
    const state = loaded();
    const next = applyEvent(state, event("invitation.updated", { invitation: invitation("inv_elsewhere", "accepted") }));
    expect(next.invitations).toBe(state.invitations);
    expect(applyEvent(state, event("invitation.updated", { invitation: { id: "inv_gone", deleted: true } })).invitations).toBe(state.invitations);
  });

  it("reads a filtered page again when an invitation not on it now has the status on screen", () => {
    const state = loaded();
    const expired: OrgState = { ...state, invitations: { ...state.invitations, status: "expired", items: [] } };
    expect(applyEvent(expired, event("invitation.updated", { invitation: invitation("inv_7", "expired") })).invitations.stale).toBe(true);
  });

  it("leaves lists that were never read alone, but still follows seats and the organization", () => {
    const fresh = emptyOrgState({ userId: "usr_ada", role: "owner", removed: false });
    const next = applyEvents(fresh, [
      event("invitation.created", { invitation: invitation("inv_2") }, 1),
      event("member.joined", { userId: "usr_cy", role: "member", via: "invitation" }, 2),
      event("seats.changed", seats(2), 3),
    ]);
    expect(next.invitations).toBe(fresh.invitations);
    expect(next.members).toBe(fresh.members);
    expect(next.seats).toEqual(seats(2));
  });

  it("brings a page read while events arrived up to date (the slice functions ignore seq)", () => {
    const read = { ...emptyInvitationsPage(), items: [invitation("inv_1")], loaded: true };
    const caughtUp = [event("invitation.created", { invitation: invitation("inv_2") }), event("invitation.updated", { invitation: invitation("inv_1", "accepted") })].reduce(
      applyToInvitations,
      read,
    );
    expect(caughtUp.items.map((i) => [i.id, i.status])).toEqual([
      ["inv_2", "pending"],
      ["inv_1", "accepted"],
    ]);
    const members = { ...emptyMembersPage(), items: [ada, bob], total: 2, loaded: true };
    expect(applyToMembers(members, event("member.removed", { userId: "usr_bob" })).items).toEqual([ada]);
  });
});
