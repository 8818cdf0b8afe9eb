import { describe, expect, it } from "vitest";
import {
  atLeast,
  canActOn,
  canGrant,
  leavesNoOwner,
  lowerOf,
  ownerOnly,
  permissions,
  roleCan,
  roles,
  type Permission,
  type Role,
} from "../../worker/domain/roles.ts";

/** The role model, one row per permission: which roles hold it (highest first). */
const holders: Record<Permission, Role[]> = {
  "org:read": ["owner", "admin", "member", "restricted"],
  "org:update": ["owner"],
  "seats:update": ["owner"],
  "members:read": ["owner", "admin", "member"],
  "members:write": ["owner", "admin"],
  "ownership:transfer": ["owner"],
  "invitations:read": ["owner", "admin"],
  "invitations:write": ["owner", "admin"],
  "api_keys:manage": ["owner"],
  "audit:read": ["owner", "admin"],
  "projects:read": ["owner", "admin", "member", "restricted"],
  "projects:write": ["owner", "admin"],
};

const pairs = roles.flatMap((a) => roles.map((b) => [a, b] as const));

describe("role order", () => {
  it("ranks owner above admin above member above restricted", () => {
    expect(roles).toEqual(["owner", "admin", "member", "restricted"]);
  });

  it.each(pairs)("atLeast(%s, %s) holds exactly when the first is not below the second", (a, b) => {
    expect(atLeast(a, b)).toBe(roles.indexOf(a) <= roles.indexOf(b));
  });

  it.each(pairs)("lowerOf(%s, %s) is the lower of the two, in either order", (a, b) => {
    const expected = roles.indexOf(a) >= roles.indexOf(b) ? a : b;
    expect(lowerOf(a, b)).toBe(expected);
    expect(lowerOf(b, a)).toBe(expected);
  });
});

describe("what each role may do", () => {
  it("knows every permission the design lists, and no other", () => {
    expect(Object.keys(permissions).sort()).toEqual(Object.keys(holders).sort());
  });

  const matrix = (Object.keys(holders) as Permission[]).flatMap((permission) =>
    roles.map((role) => ({ permission, role, allowed: holders[permission].includes(role) })),
  );
  it.each(matrix)("$role holds $permission: $allowed", ({ permission, role, allowed }) => {
    expect(roleCan(role, permission)).toBe(allowed);
  });

  it("keeps plan, settings, API keys and transfers for owners alone", () => {
    expect([...ownerOnly].sort()).toEqual(["api_keys:manage", "org:update", "ownership:transfer", "seats:update"]);
  });

  it("never lets a restricted member read the member list", () => {
    expect(roleCan("restricted", "members:read")).toBe(false);
  });
});

describe("granting roles", () => {
  it.each(pairs)("%s may grant %s only when it is not above their own role", (actor, granted) => {
    expect(canGrant(actor, granted)).toBe(roles.indexOf(granted) >= roles.indexOf(actor));
  });

  it("never lets an admin make an owner", () => {
    expect(canGrant("admin", "owner")).toBe(false);
  });
});

describe("acting on members", () => {
  /** actor → the target roles they may change or remove. */
  const reach: Record<Role, Role[]> = {
    owner: ["owner", "admin", "member", "restricted"],
    admin: ["admin", "member", "restricted"],
    member: [],
    restricted: [],
  };
  it.each(pairs)("%s acting on %s", (actor, target) => {
    expect(canActOn(actor, target)).toBe(reach[actor].includes(target));
  });
});

describe("the last owner", () => {
  const cases: Array<{ target: Role; next: Role | null; owners: number; leaves: boolean }> = [
    { target: "owner", next: "admin", owners: 1, leaves: true },
    { target: "owner", next: "restricted", owners: 1, leaves: true },
    { target: "owner", next: null, owners: 1, leaves: true },
    { target: "owner", next: "owner", owners: 1, leaves: false },
    { target: "owner", next: "admin", owners: 2, leaves: false },
    { target: "owner", next: null, owners: 2, leaves: false },
    { target: "admin", next: null, owners: 1, leaves: false },
    { target: "admin", next: "member", owners: 1, leaves: false },
    { target: "member", next: "owner", owners: 1, leaves: false },
    // A state the room never has, but the rule must still refuse rather than allow.
    { target: "owner", next: null, owners: 0, leaves: true },
  ];
  it.each(cases)("changing a $target to $next with $owners owner(s) leaves none: $leaves", ({ target, next, owners, leaves }) => {
    expect(leavesNoOwner(target, next, owners)).toBe(leaves);
  });
});
