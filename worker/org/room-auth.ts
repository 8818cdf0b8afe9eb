import { and, eq } from "drizzle-orm";
import { apiKeys, memberships, sessions } from "../../db/schema/index.ts";
import type { Credential } from "../lib/credential.ts";
import { lowerOf } from "../domain/roles.ts";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";
import { orgDatabase, userDatabase, type Database } from "../lib/database.ts";
import type { Actor } from "./actor.ts";
import type { RoomState } from "./state.ts";

/** How long a room trusts its own record that a session is live before asking again. */
const sessionRecheckMs = 5 * 60_000;

/** How often, at most, a key's last use or a member's last activity is written to the database. */
const lastUseWriteIntervalMs = 60_000;

/** Sessions remembered in memory at most (the table behind them keeps them all). */
const maxRememberedSessions = 10_000;

interface SeenSession {
  userId: string;
  revoked: boolean;
  checkedAt: number;
}

/**
 * Who a credential is in one organization: a member's session, or an API key of the
 * organization, from the room's state, so authorizing a request costs no database round
 * trip. What it keeps:
 *
 * - Sessions it has checked against the database (`sessions_seen` in the room's storage,
 *   `revoked` 0 or 1, mirrored in memory since every request asks). A live session is looked
 *   up again after {@link sessionRecheckMs}, so a sign-out that could not reach this room
 *   still takes effect; a sign-out that reaches it ({@link revokeSession}) takes effect at once.
 * - When each API key's last use and each member's last activity (the members list's "last
 *   connection") was written, so a busy key or member writes it about once a minute, after
 *   the request is answered.
 */
export class RoomAuthorizer {
  readonly #storage: DurableObjectStorage;
  readonly #env: Bindings;
  readonly #clock: Clock;
  readonly #sessions = new Map<string, SeenSession>();
  /** When each key's last use (`key:<id>`) or member's last activity (`member:<id>`) was last written. */
  readonly #lastUseWritten = new Map<string, number>();

  constructor(storage: DurableObjectStorage, env: Bindings, clock: Clock) {
    this.#storage = storage;
    this.#env = env;
    this.#clock = clock;
    storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS sessions_seen (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, revoked INTEGER NOT NULL, expires_at INTEGER NOT NULL, checked_at INTEGER NOT NULL)",
    );
  }

  /** Who the credential is in the organization of `state`, or why it is refused. */
  authorize(state: RoomState, credential: Credential): Promise<Actor> {
    return credential.kind === "session" ? this.#sessionActor(state, credential) : this.#keyActor(state, credential.secretHash);
  }

  /** Forgets a signed-out session for good (until its expiry). */
  revokeSession(sessionId: string, expiresAt: number): void {
    const now = this.#clock.now();
    const sql = this.#storage.sql;
    sql.exec("DELETE FROM sessions_seen WHERE expires_at < ?", now);
    this.#sessions.set(sessionId, { userId: "", revoked: true, checkedAt: now });
    // Revoked wins over a lookup still in flight that would write "not revoked".
    sql.exec(
      "INSERT INTO sessions_seen (id, user_id, revoked, expires_at, checked_at) VALUES (?, '', 1, ?, ?) ON CONFLICT (id) DO UPDATE SET revoked = 1",
      sessionId,
      expiresAt,
      now,
    );
  }

  /** Removed members' sessions are checked afresh should they come back. */
  forgetUsers(userIds: readonly string[]): void {
    if (userIds.length === 0) return;
    for (const userId of userIds) this.#storage.sql.exec("DELETE FROM sessions_seen WHERE user_id = ? AND revoked = 0", userId);
    const removed = new Set(userIds);
    for (const [id, seen] of this.#sessions) if (!seen.revoked && removed.has(seen.userId)) this.#sessions.delete(id);
  }

  async #sessionActor(state: RoomState, credential: Credential & { kind: "session" }): Promise<Actor> {
    const role = state.index.role(credential.userId);
    // A non-member learns nothing, not even that the organization exists.
    if (!role) throw new AppError("not_found", "No such organization.");
    if (await this.#sessionRevoked(credential)) throw new AppError("unauthenticated", "Your session has ended; sign in again.");
    // Not awaited: the member's last activity is written after the answer, off the hot path.
    const orgId = state.org.id;
    void this.#recordUse(`member:${credential.userId}`, orgId, (db, at) =>
      db.update(memberships).set({ lastActiveAt: at }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, credential.userId))),
    );
    return { type: "user", userId: credential.userId, role, sessionId: credential.sessionId };
  }

  async #sessionRevoked(credential: { sessionId: string; userId: string; expiresAt: number }): Promise<boolean> {
    const now = this.#clock.now();
    const known = this.#sessions.get(credential.sessionId);
    if (known && (known.revoked || now - known.checkedAt < sessionRecheckMs)) return known.revoked;
    const sql = this.#storage.sql;
    const seen = sql
      .exec<{ revoked: number; checked_at: number }>("SELECT revoked, checked_at FROM sessions_seen WHERE id = ?", credential.sessionId)
      .toArray()[0];
    if (seen && (seen.revoked === 1 || now - seen.checked_at < sessionRecheckMs)) {
      this.#remember(credential.sessionId, credential.userId, seen.revoked === 1, seen.checked_at);
      return seen.revoked === 1;
    }
    // Sessions live on the user side of the seam (the sharding seam, docs/architecture.md).
    const [row] = await userDatabase(this.#env).select({ revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.id, credential.sessionId));
    const revoked = !row || row.revokedAt !== null;
    const checkedAt = this.#clock.now();
    sql.exec(
      "INSERT INTO sessions_seen (id, user_id, revoked, expires_at, checked_at) VALUES (?, ?, ?, ?, ?) " +
        "ON CONFLICT (id) DO UPDATE SET revoked = max(revoked, excluded.revoked), checked_at = excluded.checked_at",
      credential.sessionId,
      credential.userId,
      revoked ? 1 : 0,
      credential.expiresAt,
      checkedAt,
    );
    const final = revoked || sql.exec<{ revoked: number }>("SELECT revoked FROM sessions_seen WHERE id = ?", credential.sessionId).one().revoked === 1;
    this.#remember(credential.sessionId, credential.userId, final, checkedAt);
    return final;
  }

  #remember(sessionId: string, userId: string, revoked: boolean, checkedAt: number): void {
    // A revocation recorded meanwhile (revokeSession) always wins.
    if (this.#sessions.get(sessionId)?.revoked) return;
    if (this.#sessions.size >= maxRememberedSessions) this.#sessions.clear();
    this.#sessions.set(sessionId, { userId, revoked, checkedAt });
  }

  async #keyActor(state: RoomState, secretHash: string): Promise<Actor> {
    const key = state.index.keyByHash(secretHash);
    if (!key) throw new AppError("unauthenticated", "The API key is not valid for this organization.");
    const creatorRole = state.index.role(key.createdBy);
    // A key never acts beyond its creator's current role, and dies with their membership.
    if (!creatorRole) throw new AppError("unauthenticated", "The API key's creator is no longer a member.");
    await this.#recordUse(`key:${key.id}`, state.org.id, (db, at) => db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, key.id)));
    return { type: "api_key", keyId: key.id, role: lowerOf("admin", creatorRole), scopes: key.scopes, createdBy: key.createdBy };
  }

  /** Writes a last use with `write`, unless it was written less than a minute ago. */
  async #recordUse(key: string, orgId: string, write: (db: Database, at: Date) => Promise<unknown>): Promise<void> {
    const now = this.#clock.now();
    if (now - (this.#lastUseWritten.get(key) ?? 0) < lastUseWriteIntervalMs) return;
    this.#lastUseWritten.set(key, now);
    if (this.#lastUseWritten.size > maxRememberedSessions) this.#lastUseWritten.clear();
    try {
      await write(orgDatabase(this.#env, orgId), new Date(now));
    } catch (error) {
      // Bookkeeping must not fail the request it describes; the next use tries again.
      this.#lastUseWritten.delete(key);
      console.warn(`[roster] OrgRoom: recording the last use of ${key} failed:`, error);
    }
  }
}
