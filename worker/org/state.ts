import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { apiKeys, invitations, memberships, organizations, projects, type Organization } from "../../db/schema/index.ts";
import { seats } from "../domain/seats.ts";
import { lowerOf } from "../domain/roles.ts";
import { AppError } from "../errors.ts";
import type { Actor } from "./actor.ts";
import type { Scope } from "../domain/scopes.ts";
import type { Database } from "../lib/database.ts";
import type { SeatsView } from "../views/seats.ts";
import type { RoomIndex } from "./room-index.ts";
import type { LinkKind, LinkState } from "../domain/links.ts";

export { inviteeKey, type KeyEntry } from "./room-index.ts";

/**
 * What a room knows of its organization: the organization's row in memory, and everything
 * that grows with it (members, keys, pending invitations, projects) in its index in the
 * Durable Object's storage (room-index.ts). Enough to authorize every request without a
 * database round trip. It is exact because every change to members, keys, invitations and
 * projects goes through the room, which changes the index as it plans and takes the change
 * back if its commit fails.
 */
export interface RoomState {
  org: Organization;
  index: RoomIndex;
  /** The self-registration links, once a link command read them (links.ts). */
  links?: Map<LinkKind, LinkState>;
}

/** Rows read per round trip while rebuilding an index: one answer stays well under any response cap. */
export const rebuildPage = 2_000;

/**
 * Loads organization `orgId`'s row (null: it does not exist) and brings `index` up to its
 * room version: an index that is current costs nothing more; one that is behind or
 * was never built is rebuilt from the database page by page.
 */
export async function loadState(db: Database, orgId: string, index: RoomIndex, onRebuild: () => void = () => {}): Promise<RoomState | null> {
  for (let attempt = 0; ; attempt++) {
    const [org] = await db.select().from(organizations).where(eq(organizations.id, orgId));
    if (!org) return null;
    if (index.version() === org.roomVersion) return { org, index };
    if (attempt === 3) throw new AppError("database_unavailable", "The organization kept changing while its room was rebuilt.");
    onRebuild();
    await rebuild(db, orgId, index);
    // Only the room writes the version; a rebuild that raced a second writer starts over.
    const [after] = await db.select({ roomVersion: organizations.roomVersion }).from(organizations).where(eq(organizations.id, orgId));
    if (after && after.roomVersion === org.roomVersion) {
      index.rebuilt(org.roomVersion);
      return { org, index };
    }
  }
}

/** Fills `index` from the database, a page at a time by each table's key. */
async function rebuild(db: Database, orgId: string, index: RoomIndex): Promise<void> {
  index.clear();
  await pages(
    (after) =>
      db
        .select({ userId: memberships.userId, role: memberships.role, email: memberships.userEmail, name: memberships.userName })
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), gt(memberships.userId, after)))
        .orderBy(asc(memberships.userId))
        .limit(rebuildPage),
    (rows) => index.load({ members: rows }),
    (row) => row.userId,
  );
  await pages(
    (after) =>
      db
        .select({ hash: apiKeys.secretHash, id: apiKeys.id, scopes: apiKeys.scopes, createdBy: apiKeys.createdBy })
        .from(apiKeys)
        .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt), gt(apiKeys.id, after)))
        .orderBy(asc(apiKeys.id))
        .limit(rebuildPage),
    (rows) => index.load({ keys: rows.map((k) => ({ ...k, scopes: k.scopes as Scope[] })) }),
    (row) => row.id,
  );
  await pages(
    (after) =>
      db
        .select()
        .from(invitations)
        .where(and(eq(invitations.orgId, orgId), eq(invitations.status, "pending"), gt(invitations.id, after)))
        .orderBy(asc(invitations.id))
        .limit(rebuildPage),
    (rows) => index.load({ pending: rows }),
    (row) => row.id,
  );
  await pages(
    (after) =>
      db
        .select({ id: projects.id, name: projects.name, visibility: projects.visibility, personalUserId: projects.personalUserId })
        .from(projects)
        .where(and(eq(projects.orgId, orgId), gt(projects.id, after)))
        .orderBy(asc(projects.id))
        .limit(rebuildPage),
    (rows) => index.load({ projects: rows }),
    (row) => row.id,
  );
}

async function pages<T>(read: (after: string) => Promise<T[]>, take: (rows: T[]) => void, keyOf: (row: T) => string): Promise<void> {
  for (let after = ""; ; ) {
    const rows = await read(after);
    take(rows);
    if (rows.length < rebuildPage) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

/** The organization's seats at `now`: `used = members + pending invitations not expired`. */
export function seatsOf(state: RoomState, now: number): SeatsView {
  return seats(state.org.seatLimit, state.index.memberCount(), state.index.pendingSeats(now));
}

/**
 * The actor as the room knows them now. A command queued behind others may find its
 * caller demoted, removed or their key revoked by then.
 */
export function currentActor(state: RoomState, actor: Actor): Actor {
  if (actor.type === "user") {
    const role = state.index.role(actor.userId);
    if (!role) throw new AppError("not_found", "No such organization.");
    return { ...actor, role };
  }
  const creatorRole = state.index.role(actor.createdBy);
  const live = state.index.keyHash(actor.keyId) !== undefined;
  if (!live || !creatorRole) throw new AppError("unauthenticated", "The API key is no longer valid.");
  return { ...actor, role: lowerOf("admin", creatorRole) };
}

/** Who the invitee's mail says invited them. */
export function inviterName(state: RoomState, actor: Actor): string {
  if (actor.type !== "user") return state.org.name;
  const member = state.index.member(actor.userId);
  return member ? member.name || member.email : state.org.name;
}
