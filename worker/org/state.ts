import { and, eq, isNull } from "drizzle-orm";
import {
  apiKeys,
  invitations,
  memberships,
  organizations,
  projects,
  type Invitation,
  type Organization,
} from "../../db/schema/index.ts";
import { holdsSeat } from "../domain/invitations.ts";
import { seats } from "../domain/seats.ts";
import { lowerOf, type Role } from "../domain/roles.ts";
import { AppError } from "../errors.ts";
import type { Actor } from "./actor.ts";
import type { Scope } from "../domain/scopes.ts";
import type { Database } from "../lib/database.ts";
import type { SeatsView } from "../views/seats.ts";
import type { ProjectEntry } from "../domain/projects.ts";

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
  /** userId → display name (the membership's copy), for mail. */
  memberNames: Map<string, string>;
  /** Lower-cased email → userId, to refuse inviting a member. */
  memberEmails: Map<string, string>;
  /** Invitations with status `pending` in the database (some may be past due). */
  pending: Map<string, Invitation>;
  /** Invitee → id ({@link inviteeKey}) of the pending invitations. */
  pendingByInvitee: Map<string, string>;
  /** The organization's projects by id, to check project assignments, names and personal projects. */
  projects: Map<string, ProjectEntry>;
  /**
   * How many pending invitations hold a seat at any time in [since, validUntil) — the
   * earliest expiry among them ends it. Adding one keeps it exact; dropping one clears it.
   * Seats are checked on every invitation; counting thousands each time would not do.
   */
  pendingSeatCount?: { count: number; since: number; validUntil: number };
  /** The earliest expiry among `pending` (null: none pending); unset until asked, and again
   * when the invitation that held it goes. The room's alarm is set from it after every group. */
  earliestExpiry?: number | null;
}

/** Loads the state of organization `orgId`, or null when it does not exist. */
export async function loadState(db: Database, orgId: string): Promise<RoomState | null> {
  const [orgRows, memberRows, keyRows, pendingRows, projectRows] = await db.batch([
    db.select().from(organizations).where(eq(organizations.id, orgId)),
    db
      .select({ userId: memberships.userId, role: memberships.role, email: memberships.userEmail, name: memberships.userName })
      .from(memberships)
      .where(eq(memberships.orgId, orgId)),
    db
      .select({ id: apiKeys.id, secretHash: apiKeys.secretHash, scopes: apiKeys.scopes, createdBy: apiKeys.createdBy })
      .from(apiKeys)
      .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt))),
    db.select().from(invitations).where(and(eq(invitations.orgId, orgId), eq(invitations.status, "pending"))),
    db.select({ id: projects.id, name: projects.name, visibility: projects.visibility, personalUserId: projects.personalUserId }).from(projects).where(eq(projects.orgId, orgId)),
  ]);
  const org = orgRows[0];
  if (!org) return null;
  const state: RoomState = {
    org,
    members: new Map(memberRows.map((m) => [m.userId, m.role])),
    keys: new Map(keyRows.map((k) => [k.secretHash, { id: k.id, scopes: k.scopes as Scope[], createdBy: k.createdBy }])),
    memberNames: new Map(memberRows.map((m) => [m.userId, m.name || m.email])),
    memberEmails: new Map(memberRows.map((m) => [m.email.toLowerCase(), m.userId])),
    pending: new Map(),
    pendingByInvitee: new Map(),
    projects: new Map(projectRows.map((p) => [p.id, { name: p.name, visibility: p.visibility, personalUserId: p.personalUserId }])),
  };
  for (const invitation of pendingRows) addPending(state, invitation);
  return state;
}

/**
 * Whom an invitation is for, as the inviter named them: an account (by username) or an
 * email address. Invitations are duplicates only within one kind: were a username and an
 * address compared, the answer would tell the inviter whose account has which email.
 */
export function inviteeKey(invitation: { inviteeUserId: string | null; email: string }): string {
  return invitation.inviteeUserId ? `user:${invitation.inviteeUserId}` : `email:${invitation.email}`;
}

export function addPending(state: RoomState, invitation: Invitation): void {
  const cached = state.pendingSeatCount;
  const expiresAt = invitation.expiresAt.getTime();
  if (cached && !state.pending.has(invitation.id) && expiresAt > cached.since) {
    cached.count++;
    cached.validUntil = Math.min(cached.validUntil, expiresAt);
  } else {
    state.pendingSeatCount = undefined;
  }
  if (state.pending.has(invitation.id)) state.earliestExpiry = undefined;
  else if (state.earliestExpiry !== undefined) state.earliestExpiry = Math.min(state.earliestExpiry ?? expiresAt, expiresAt);
  state.pending.set(invitation.id, invitation);
  state.pendingByInvitee.set(inviteeKey(invitation), invitation.id);
}

/** Forgets a pending invitation that was answered, revoked, expired or re-issued. */
export function dropPending(state: RoomState, id: string): void {
  const invitation = state.pending.get(id);
  if (!invitation) return;
  state.pendingSeatCount = undefined;
  if (state.earliestExpiry != null && invitation.expiresAt.getTime() <= state.earliestExpiry) state.earliestExpiry = undefined;
  state.pending.delete(id);
  const key = inviteeKey(invitation);
  if (state.pendingByInvitee.get(key) === id) state.pendingByInvitee.delete(key);
}

export function addMember(state: RoomState, userId: string, role: Role, email: string, name: string): void {
  state.members.set(userId, role);
  state.memberNames.set(userId, name || email);
  state.memberEmails.set(email.toLowerCase(), userId);
}

export function dropMember(state: RoomState, userId: string): void {
  state.members.delete(userId);
  state.memberNames.delete(userId);
  for (const [email, id] of state.memberEmails) if (id === userId) state.memberEmails.delete(email);
}

/** Invitations that still hold a seat at `now`. */
export function pendingSeats(state: RoomState, now: number): number {
  const cached = state.pendingSeatCount;
  if (cached && now >= cached.since && now < cached.validUntil) return cached.count;
  let count = 0;
  let validUntil = Number.POSITIVE_INFINITY;
  for (const invitation of state.pending.values()) {
    const expiresAt = invitation.expiresAt.getTime();
    if (!holdsSeat("pending", expiresAt, now)) continue;
    count++;
    validUntil = Math.min(validUntil, expiresAt);
  }
  state.pendingSeatCount = { count, since: now, validUntil };
  return count;
}

/** The organization's seats at `now`: `used = members + pending invitations not expired`. */
export function seatsOf(state: RoomState, now: number): SeatsView {
  return seats(state.org.seatLimit, state.members.size, pendingSeats(state, now));
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

/** Who the invitee's mail says invited them. */
export function inviterName(state: RoomState, actor: Actor): string {
  if (actor.type === "user") return state.memberNames.get(actor.userId) ?? state.org.name;
  return state.org.name;
}
