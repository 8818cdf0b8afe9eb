import { describe, expect, it } from "vitest";
import { visibleTo, type LiveAudience, type LiveViewer } from "../../worker/domain/live-visibility.ts";
import { roles, type Role } from "../../worker/domain/roles.ts";

const user = (role: Role, id = "usr_me"): LiveViewer => ({ id, role });
const orgEvent: LiveAudience = { audience: "org:read", subject: null };
const aboutSomeoneElse: LiveAudience = { audience: "members:read", subject: "usr_other" };
const aboutMe: LiveAudience = { audience: "members:read", subject: "usr_me" };
const invitationEvent: LiveAudience = { audience: "invitations:read", subject: null };

describe("who sees which live event", () => {
  it("shows organization and seat events to every role", () => {
    for (const role of roles) expect(visibleTo(user(role), orgEvent), role).toBe(true);
  });

  it("never shows a restricted member another member's event", () => {
    expect(visibleTo(user("restricted"), aboutSomeoneElse)).toBe(false);
    expect(visibleTo(user("restricted"), { audience: "members:read", subject: null })).toBe(false);
  });

  it("always shows members the events about themselves, restricted included", () => {
    for (const role of roles) expect(visibleTo(user(role), aboutMe), role).toBe(true);
  });

  it("shows member events to members and above, as the member list is", () => {
    expect(roles.filter((role) => visibleTo(user(role), aboutSomeoneElse))).toEqual(["owner", "admin", "member"]);
  });

  it("shows invitation events to admins and owners only", () => {
    expect(roles.filter((role) => visibleTo(user(role), invitationEvent))).toEqual(["owner", "admin"]);
  });

  it("follows a role change at once: the same viewer demoted stops seeing member events", () => {
    const viewer = user("member");
    expect(visibleTo(viewer, aboutSomeoneElse)).toBe(true);
    expect(visibleTo({ ...viewer, role: "restricted" }, aboutSomeoneElse)).toBe(false);
  });

  it("lets an API key see only what its scopes can read, within its role", () => {
    const reader: LiveViewer = { id: "key_1", role: "admin", scopes: ["members:read"] };
    const orgOnly: LiveViewer = { id: "key_2", role: "admin", scopes: ["org:read"] };
    expect(visibleTo(reader, aboutSomeoneElse)).toBe(true);
    expect(visibleTo(reader, invitationEvent)).toBe(false);
    expect(visibleTo(orgOnly, orgEvent)).toBe(true);
    expect(visibleTo(orgOnly, aboutSomeoneElse)).toBe(false);
    // A key of a creator demoted to restricted reads no member events, whatever its scopes.
    expect(visibleTo({ ...reader, role: "restricted" }, aboutSomeoneElse)).toBe(false);
    // Write scopes include the matching read.
    expect(visibleTo({ id: "key_3", role: "admin", scopes: ["invitations:write"] }, invitationEvent)).toBe(true);
  });

  it("never treats an API key as the subject of a member event", () => {
    expect(visibleTo({ id: "key_1", role: "restricted", scopes: ["org:read"] }, { audience: "members:read", subject: "usr_me" })).toBe(false);
  });
});
