import { describe, expect, it } from "vitest";
import { roles, type Role } from "../../worker/domain/roles.ts";
import { displayName, initials, invitationActions, invitationStatus, memberActions } from "../../web/src/members/rules.ts";

const now = Date.parse("2030-01-10T12:00:00Z");
const later = "2030-01-17T12:00:00Z";
const earlier = "2030-01-09T12:00:00Z";
const me = (role: Role) => ({ userId: "usr_me", role });
const other = (role: Role) => ({ userId: "usr_other", role });

describe("what the members page offers on a member's row", () => {
  it("gives owners everything on anyone, and the roles up to owner", () => {
    expect(memberActions(me("owner"), other("admin"), 1)).toEqual({ roles: [...roles], title: true, remove: true, transfer: true, select: true, self: false });
  });

  it("never lets an admin act on an owner, nor grant owner", () => {
    expect(memberActions(me("admin"), other("owner"), 2)).toEqual({ roles: [], title: false, remove: false, transfer: false, select: false, self: false });
    expect(memberActions(me("admin"), other("member"), 2).roles).toEqual(["admin", "member", "restricted"]);
  });

  it("gives members and restricted members nothing on others, but leaving", () => {
    for (const role of ["member", "restricted"] as const) {
      expect(memberActions(me(role), other("member"), 1)).toMatchObject({ roles: [], title: false, remove: false, transfer: false, select: false });
      expect(memberActions(me(role), me(role), 1)).toMatchObject({ remove: true, self: true, select: false });
    }
  });

  it("keeps the last owner an owner: no other role, no leaving, no removal", () => {
    expect(memberActions(me("owner"), me("owner"), 1)).toMatchObject({ roles: [], title: true, remove: false, transfer: false, select: false, self: true });
    // With a second owner, either may step down or leave.
    expect(memberActions(me("owner"), me("owner"), 2)).toMatchObject({ roles: [...roles], remove: true });
    // Unknown count: the API's answer is the judge.
    expect(memberActions(me("owner"), other("owner"), null)).toMatchObject({ remove: true });
  });

  it("never selects owners for bulk removal, nor oneself", () => {
    expect(memberActions(me("owner"), other("owner"), 3).select).toBe(false);
    expect(memberActions(me("admin"), me("admin"), 1).select).toBe(false);
    expect(memberActions(me("admin"), other("restricted"), 1).select).toBe(true);
  });

  it("offers a transfer of ownership only to owners, toward someone not already owner", () => {
    expect(memberActions(me("owner"), other("member"), 1).transfer).toBe(true);
    expect(memberActions(me("owner"), other("owner"), 2).transfer).toBe(false);
    expect(memberActions(me("admin"), other("member"), 1).transfer).toBe(false);
  });
});

describe("what an invitation's menu offers", () => {
  const invitation = (status: "pending" | "accepted" | "declined" | "revoked" | "expired", expiresAt = later, role: Role = "member") => ({ status, expiresAt, role });

  it("follows the status: pending can be managed, expired renewed or deleted, answered ones only deleted", () => {
    expect(invitationActions("admin", invitation("pending"), now)).toEqual(["resend", "link", "extend", "edit", "revoke"]);
    expect(invitationActions("admin", invitation("expired", earlier), now)).toEqual(["resend", "link", "extend", "delete"]);
    for (const status of ["accepted", "declined", "revoked"] as const) expect(invitationActions("owner", invitation(status), now)).toEqual(["delete"]);
  });

  it("treats a pending invitation past its expiry as expired", () => {
    expect(invitationActions("owner", invitation("pending", earlier), now)).toEqual(["resend", "link", "extend", "delete"]);
  });

  it("leaves an owner's invitation to owners, and every invitation to admins and up", () => {
    expect(invitationActions("admin", invitation("pending", later, "owner"), now)).toEqual([]);
    expect(invitationActions("owner", invitation("pending", later, "owner"), now)).toHaveLength(5);
    expect(invitationActions("member", invitation("pending"), now)).toEqual([]);
  });
});

describe("an invitation's status in words", () => {
  const of = (status: "pending" | "expired" | "declined" | "revoked" | "accepted", delivery: string, expiresAt = later) =>
    invitationStatus({ status, delivery: delivery as never, expiresAt }, now).label;

  it("says how its mail is doing while it is pending", () => {
    expect(of("pending", "queued")).toBe("Sending…");
    for (const delivery of ["sent", "delivered", "delayed", "not_mailed"]) expect(of("pending", delivery)).toBe("Awaiting response");
    for (const delivery of ["failed", "complained"]) expect(of("pending", delivery)).toBe("Failed");
    expect(of("pending", "bounced")).toBe("Bounced — check the address");
  });

  it("says what ended it otherwise", () => {
    expect(of("pending", "sent", earlier)).toBe("Expired");
    expect(of("expired", "sent", earlier)).toBe("Expired");
    expect(of("declined", "sent")).toBe("Declined");
    expect(of("revoked", "failed")).toBe("Revoked");
    expect(of("accepted", "sent")).toBe("Accepted");
  });
});

describe("names and initials", () => {
  it("takes the first and last words' first letters", () => {
    expect(initials("Ada King Lovelace")).toBe("AL");
    expect(initials("grace")).toBe("G");
    expect(initials("élodie durand")).toBe("ÉD");
    expect(initials("")).toBe("?");
  });

  it("names someone without a name by the start of their address", () => {
    expect(displayName({ name: "", email: "ada@example.com" })).toBe("ada");
    expect(displayName({ name: "Ada", email: "ada@example.com" })).toBe("Ada");
  });
});
