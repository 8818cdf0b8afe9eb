import { describe, expect, it } from "vitest";
import { ownerOnly, permissions, type Permission } from "../../worker/domain/roles.ts";
import { scopeFor, scopes, scopesAllow, type Scope } from "../../worker/domain/scopes.ts";

const allPermissions = Object.keys(permissions) as Permission[];

describe("API key scopes", () => {
  it("offers a scope for every permission except the owner-only ones", () => {
    const scoped = allPermissions.filter((p) => scopeFor[p] !== undefined).sort();
    expect(scoped).toEqual(allPermissions.filter((p) => !ownerOnly.has(p)).sort());
    expect([...new Set(Object.values(scopeFor))].sort()).toEqual([...scopes].sort());
  });

  const cases: Array<{ held: Scope[]; permission: Permission; allowed: boolean }> = [
    // Each scope grants its own permission.
    { held: ["members:read"], permission: "members:read", allowed: true },
    { held: ["members:write"], permission: "members:write", allowed: true },
    { held: ["invitations:read"], permission: "invitations:read", allowed: true },
    { held: ["invitations:write"], permission: "invitations:write", allowed: true },
    { held: ["audit:read"], permission: "audit:read", allowed: true },
    // Write includes the matching read, never the other way round.
    { held: ["members:write"], permission: "members:read", allowed: true },
    { held: ["invitations:write"], permission: "invitations:read", allowed: true },
    { held: ["members:read"], permission: "members:write", allowed: false },
    { held: ["invitations:read"], permission: "invitations:write", allowed: false },
    // No scope leaks into another resource.
    { held: ["members:write"], permission: "invitations:read", allowed: false },
    { held: ["members:write"], permission: "invitations:write", allowed: false },
    { held: ["invitations:write"], permission: "members:read", allowed: false },
    { held: ["members:write"], permission: "audit:read", allowed: false },
    { held: ["audit:read"], permission: "members:read", allowed: false },
    // Reading the organization comes with any scope, and needs at least one.
    { held: ["audit:read"], permission: "org:read", allowed: true },
    { held: ["org:read"], permission: "org:read", allowed: true },
    { held: [], permission: "org:read", allowed: false },
    { held: [], permission: "members:read", allowed: false },
  ];
  it.each(cases)("a key holding $held may use $permission: $allowed", ({ held, permission, allowed }) => {
    expect(scopesAllow(held, permission)).toBe(allowed);
  });

  it.each([...ownerOnly])("never lets a key holding every scope do the owner-only %s", (permission) => {
    expect(scopesAllow([...scopes], permission)).toBe(false);
  });
});
