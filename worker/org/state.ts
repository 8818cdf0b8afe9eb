import { and, eq, isNull } from "drizzle-orm";
import { apiKeys, memberships, organizations, type Organization } from "../../db/schema/index.ts";
import { lowerOf, type Role } from "../domain/roles.ts";
import { AppError } from "../errors.ts";
import type { Actor } from "./actor.ts";
import type { Scope } from "../domain/scopes.ts";
import type { Database } from "../lib/database.ts";

export interface KeyEntry {
  id: string;
  scopes: Scope[];
  createdBy: string;
}

/**
 * What a room knows of its organization in memory: enough to authorize every request
 * without a database round trip. It is exact because every change to members and keys
 * goes through the room, which updates it after each commit.
 */
export interface RoomState {
  org: Organization;
  /** userId → role. */
  members: Map<string, Role>;
  /** SHA-256 of the secret → key. */
  keys: Map<string, KeyEntry>;
}

/** Loads the state of organization `orgId`, or null when it does not exist. */
export async function loadState(db: Database, orgId: string): Promise<RoomState | null> {
  const [orgRows, memberRows, keyRows] = await db.batch([
    db.select().from(organizations).where(eq(organizations.id, orgId)),
    db.select({ userId: memberships.userId, role: memberships.role }).from(memberships).where(eq(memberships.orgId, orgId)),
    db
      .select({ id: apiKeys.id, secretHash: apiKeys.secretHash, scopes: apiKeys.scopes, createdBy: apiKeys.createdBy })
      .from(apiKeys)
      .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt))),
  ]);
  const org = orgRows[0];
  if (!org) return null;
  return {
    org,
    members: new Map(memberRows.map((m) => [m.userId, m.role])),
    keys: new Map(keyRows.map((k) => [k.secretHash, { id: k.id, scopes: k.scopes as Scope[], createdBy: k.createdBy }])),
  };
}

export function ownerCount(state: RoomState): number {
  let owners = 0;
  for (const role of state.members.values()) if (role === "owner") owners++;
  return owners;
}

/**
 * The actor as the room knows them now. A command queued behind others may find its
 * caller demoted, removed or their key revoked by then.
 */
export function currentActor(state: RoomState, actor: Actor): Actor {
  if (actor.type === "user") {
    const role = state.members.get(actor.userId);
    if (!role) throw new AppError("not_found", "No such organization.");
    return { ...actor, role };
  }
  const creatorRole = state.members.get(actor.createdBy);
  const live = [...state.keys.values()].some((key) => key.id === actor.keyId);
  if (!live || !creatorRole) throw new AppError("unauthenticated", "The API key is no longer valid.");
  return { ...actor, role: lowerOf("admin", creatorRole) };
}
