import { ownerOnly, roleCan, type Permission, type Role } from "./roles.ts";
import { scopesAllow, type Scope } from "./scopes.ts";

/**
 * Who holds a live socket: a member (by user id) or an API key (by key id, with its
 * scopes). `role` is the current one: the room rewrites it when it changes.
 */
export interface LiveViewer {
  id: string;
  role: Role;
  /** Present for API keys only: a key sees what its scopes let it read, within its role. */
  scopes?: readonly Scope[];
}

/** What decides who sees an event: the permission needed to read it, and whom it is about. */
export interface LiveAudience {
  /** The permission a viewer needs to see the event (`org:read`: everyone in the org). */
  audience: Permission;
  /** The user the event is about (a member event's `userId`), or null. */
  subject: string | null;
}

/**
 * Whether `viewer` may see `event` on the live socket. It is the read permission of the
 * HTTP API carried over to the socket: a viewer sees an event when they could read the
 * same thing through the API (users by role; API keys by scope within their role), and
 * always sees events about themselves (a restricted member learns of their own role
 * change, never of anyone else's).
 */
export function visibleTo(viewer: LiveViewer, event: LiveAudience): boolean {
  if (event.subject !== null && event.subject === viewer.id) return true;
  if (!roleCan(viewer.role, event.audience)) return false;
  if (viewer.scopes === undefined) return true;
  return !ownerOnly.has(event.audience) && scopesAllow(viewer.scopes, event.audience);
}
