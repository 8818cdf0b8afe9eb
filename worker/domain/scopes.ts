import type { Permission } from "./roles.ts";

/** The scopes an API key can hold. */
export const scopes = [
  "org:read",
  "members:read",
  "members:write",
  "invitations:read",
  "invitations:write",
  "audit:read",
  "projects:read",
  "projects:write",
] as const;

export type Scope = (typeof scopes)[number];

/** The scope an API key needs for each permission; owner-only permissions have none. */
export const scopeFor: Partial<Record<Permission, Scope>> = {
  "org:read": "org:read",
  "members:read": "members:read",
  "members:write": "members:write",
  "invitations:read": "invitations:read",
  "invitations:write": "invitations:write",
  "audit:read": "audit:read",
  "projects:read": "projects:read",
  "projects:write": "projects:write",
};

/** Whether a key holding `held` may exercise `permission` (role limits apply on top). */
export function scopesAllow(held: readonly Scope[], permission: Permission): boolean {
  const needed = scopeFor[permission];
  if (!needed) return false;
  // Reading the organization comes with any scope: a key must know where it is.
  if (needed === "org:read") return held.length > 0;
  if (held.includes(needed)) return true;
  // Write scopes include the matching read.
  return needed.endsWith(":read") && held.includes(needed.replace(":read", ":write") as Scope);
}
