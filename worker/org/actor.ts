import { ownerOnly, roleCan, type Permission, type Role } from "../domain/roles.ts";
import { scopesAllow, type Scope } from "../domain/scopes.ts";

/** Who acts in an organization, as its room established. Plain JSON: it crosses RPC. */
export type Actor =
  | { type: "user"; userId: string; role: Role; sessionId: string }
  | { type: "api_key"; keyId: string; role: Role; scopes: Scope[]; createdBy: string };

/** The id recorded as the actor of audit events. */
export function actorId(actor: Actor): string {
  return actor.type === "user" ? actor.userId : actor.keyId;
}

/**
 * Whether the actor holds `permission`: users by role; API keys by scope, capped by their
 * creator's current role, and never for owner-only actions.
 */
export function actorCan(actor: Actor, permission: Permission): boolean {
  if (actor.type === "user") return roleCan(actor.role, permission);
  return !ownerOnly.has(permission) && scopesAllow(actor.scopes, permission) && roleCan(actor.role, permission);
}
