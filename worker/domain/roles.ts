/** The roles a member holds in an organization, highest first. */
export const roles = ["owner", "admin", "member", "restricted"] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { owner: 4, admin: 3, member: 2, restricted: 1 };

/** True when `a` is at least as high as `b` (owner > admin > member > restricted). */
export function atLeast(a: Role, b: Role): boolean {
  return rank[a] >= rank[b];
}

/** The lower of two roles. */
export function lowerOf(a: Role, b: Role): Role {
  return rank[a] <= rank[b] ? a : b;
}

/**
 * What a caller may do in an organization. Each maps to the lowest role that holds it;
 * API keys additionally need the matching scope (see scopes.ts).
 */
export const permissions = {
  "org:read": "restricted",
  "org:update": "owner",
  "seats:update": "owner",
  "members:read": "member",
  "members:write": "admin",
  "ownership:transfer": "owner",
  "invitations:read": "admin",
  "invitations:write": "admin",
  "api_keys:manage": "owner",
  "audit:read": "admin",
  "projects:read": "restricted",
  "projects:write": "admin",
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof permissions;

/** Permissions only an owner holds; API keys never get them, whatever their scopes. */
export const ownerOnly: ReadonlySet<Permission> = new Set(
  (Object.keys(permissions) as Permission[]).filter((p) => permissions[p] === "owner"),
);

export function roleCan(role: Role, permission: Permission): boolean {
  return atLeast(role, permissions[permission]);
}

/** Nobody grants a role above their own. */
export function canGrant(actor: Role, granted: Role): boolean {
  return atLeast(actor, granted);
}

/**
 * Whether `actor` may change or remove a member who holds `target`: owners act on anyone,
 * admins on anyone but owners, others on nobody.
 */
export function canActOn(actor: Role, target: Role): boolean {
  if (actor === "owner") return true;
  if (actor === "admin") return target !== "owner";
  return false;
}

/**
 * Whether a role change or removal would leave the organization without an owner.
 * `owners` counts the owners before the change.
 */
export function leavesNoOwner(targetRole: Role, nextRole: Role | null, owners: number): boolean {
  return targetRole === "owner" && nextRole !== "owner" && owners <= 1;
}
