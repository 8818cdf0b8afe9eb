import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { apiKeys, sessions, type Organization } from "../../db/schema/index.ts";
import type { Credential } from "../auth/credentials.ts";
import type { Role } from "../domain/roles.ts";
import { lowerOf } from "../domain/roles.ts";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { orgDatabase, userDatabase } from "../lib/database.ts";
import type { Actor } from "./actor.ts";
import { createApiKey, revokeApiKey, type ApiKeyView } from "./commands/api-keys.ts";
import { changeMember, type ChangedMember, type ChangeMemberInput } from "./commands/change-member.ts";
import type { CommandContext } from "./commands/context.ts";
import { removeMember, removeMembers, type RemovalResult } from "./commands/remove-members.ts";
import { transferOwnership } from "./commands/transfer-ownership.ts";
import { updateOrg, type OrgPatch } from "./commands/update-org.ts";
import { asResult, type RoomResult } from "./result.ts";
import { SerialQueue } from "./serial-queue.ts";
import { currentActor, loadState, type RoomState } from "./state.ts";
import type { Scope } from "../domain/scopes.ts";

/** What the room answers to a ping: proof that it ran the command in its queue. */
export interface PingResult {
  orgId: string;
  /** How many commands this room has applied, this one included (kept in its storage). */
  applied: number;
}

/** An organization as the API shows it (dates as ISO strings: this crosses RPC). */
export interface OrgView {
  id: string;
  slug: string;
  name: string;
  plan: string;
  seatLimit: number;
  status: "active" | "dormant";
  autoPrivateProject: boolean;
  allowedEmailDomains: string[];
  defaultInviteTtlDays: number;
  createdAt: string;
  updatedAt: string;
}

export function orgView(org: Organization): OrgView {
  return {
    id: org.id,
    slug: org.slug,
    name: org.name,
    plan: org.plan,
    seatLimit: org.seatLimit,
    status: org.status,
    autoPrivateProject: org.autoPrivateProject,
    allowedEmailDomains: org.allowedEmailDomains,
    defaultInviteTtlDays: org.defaultInviteTtlDays,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}

/** A credential as it crosses RPC into the room. */
export type RoomCredential =
  | { kind: "session"; sessionId: string; userId: string; expiresAt: number }
  | { kind: "api_key"; secretHash: string };

/** How often, at most, a key's last use is written to the database. */
const lastUseWriteIntervalMs = 60_000;

/**
 * One per organization, keyed by the organization's immutable id. It is the organization's
 * authority on who may act (members and API keys held in memory, so authorizing a request
 * costs no database round trip) and it serializes every membership- or seat-changing
 * command through one queue.
 */
export class OrgRoom extends DurableObject<Bindings> {
  /** Exposed for tests that look inside the room (`runInDurableObject`). */
  readonly queue = new SerialQueue();
  #state: Promise<RoomState | null> | undefined;
  #orgId: string | undefined;
  readonly #keyLastUseWritten = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    // Sessions this room has checked against the database: `revoked` 0 or 1. A session is
    // looked up once per room, then authorized from here; sign-out updates it at once.
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS sessions_seen (id TEXT PRIMARY KEY, revoked INTEGER NOT NULL, expires_at INTEGER NOT NULL)",
    );
  }

  /**
   * The cheapest command: it goes through the queue and counts itself. The benchmark's
   * no-op ceiling uses it.
   */
  async ping(orgId: string): Promise<PingResult> {
    return this.queue.run(() => ({ orgId, applied: this.#countApplied() }));
  }

  /** Who the credential is in this organization, or why it is refused. */
  async authorize(orgId: string, credential: RoomCredential): Promise<RoomResult<Actor>> {
    return asResult(async () => {
      const state = await this.#load(orgId);
      if (credential.kind === "session") return this.#sessionActor(state, credential);
      return this.#keyActor(state, credential.secretHash);
    });
  }

  /** Forgets a signed-out session for good (until its expiry). */
  async revokeSession(sessionId: string, expiresAt: number): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM sessions_seen WHERE expires_at < ?", Date.now());
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO sessions_seen (id, revoked, expires_at) VALUES (?, 1, ?)",
      sessionId,
      expiresAt,
    );
  }

  async getOrg(orgId: string): Promise<RoomResult<{ org: OrgView; members: number }>> {
    return asResult(async () => {
      const state = await this.#load(orgId);
      return { org: orgView(state.org), members: state.members.size };
    });
  }

  async updateOrg(orgId: string, actor: Actor, patch: OrgPatch): Promise<RoomResult<OrgView>> {
    return this.#command(orgId, actor, async (ctx, actor) => orgView(await updateOrg(ctx, actor, patch)));
  }

  async changeMember(orgId: string, actor: Actor, input: ChangeMemberInput): Promise<RoomResult<ChangedMember>> {
    return this.#command(orgId, actor, (ctx, actor) => changeMember(ctx, actor, input));
  }

  async removeMember(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ userId: string }>> {
    return this.#command(orgId, actor, (ctx, actor) => removeMember(ctx, actor, userId));
  }

  async removeMembers(orgId: string, actor: Actor, userIds: string[]): Promise<RoomResult<RemovalResult[]>> {
    return this.#command(orgId, actor, (ctx, actor) => removeMembers(ctx, actor, userIds));
  }

  async transferOwnership(orgId: string, actor: Actor, userId: string): Promise<RoomResult<{ owner: string; previousOwner: string }>> {
    return this.#command(orgId, actor, (ctx, actor) => transferOwnership(ctx, actor, userId));
  }

  async createApiKey(orgId: string, actor: Actor, input: { name: string; scopes: Scope[] }): Promise<RoomResult<{ apiKey: ApiKeyView; secret: string }>> {
    return this.#command(orgId, actor, (ctx, actor) => createApiKey(ctx, actor, input));
  }

  async revokeApiKey(orgId: string, actor: Actor, keyId: string): Promise<RoomResult<{ id: string }>> {
    return this.#command(orgId, actor, (ctx, actor) => revokeApiKey(ctx, actor, keyId));
  }

  /**
   * Runs a command in the queue against fresh state. The actor was authorized before the
   * command queued; it is re-checked here, since a command ahead of it may have changed
   * the actor's role or removed them.
   */
  #command<T>(orgId: string, actor: Actor, run: (ctx: CommandContext, actor: Actor) => Promise<T>): Promise<RoomResult<T>> {
    return asResult(() =>
      this.queue.run(async () => {
        const state = await this.#load(orgId);
        return run({ db: orgDatabase(this.env, orgId), state, now: Date.now() }, currentActor(state, actor));
      }),
    );
  }

  async #load(orgId: string): Promise<RoomState> {
    if (this.#orgId !== undefined && this.#orgId !== orgId) {
      throw new AppError("internal_error", "This room belongs to another organization.");
    }
    this.#orgId = orgId;
    // One load per room instance; concurrent callers share it. A failed load is retried.
    this.#state ??= loadState(orgDatabase(this.env, orgId), orgId).catch((error: unknown) => {
      this.#state = undefined;
      throw error;
    });
    const state = await this.#state;
    if (!state) {
      this.#state = undefined;
      throw new AppError("not_found", "No such organization.");
    }
    return state;
  }

  async #sessionActor(state: RoomState, credential: RoomCredential & { kind: "session" }): Promise<Actor> {
    const role = state.members.get(credential.userId);
    // A non-member learns nothing, not even that the organization exists.
    if (!role) throw new AppError("not_found", "No such organization.");
    if (await this.#sessionRevoked(credential)) {
      throw new AppError("unauthenticated", "Your session has ended; sign in again.");
    }
    return { type: "user", userId: credential.userId, role, sessionId: credential.sessionId };
  }

  async #sessionRevoked(credential: { sessionId: string; expiresAt: number }): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    const seen = sql.exec<{ revoked: number }>("SELECT revoked FROM sessions_seen WHERE id = ?", credential.sessionId).toArray()[0];
    if (seen) return seen.revoked === 1;
    // Sessions live on the user side of the seam (DESIGN §8).
    const [row] = await userDatabase(this.env)
      .select({ revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(eq(sessions.id, credential.sessionId));
    const revoked = !row || row.revokedAt !== null;
    sql.exec(
      "INSERT OR REPLACE INTO sessions_seen (id, revoked, expires_at) VALUES (?, ?, ?)",
      credential.sessionId,
      revoked ? 1 : 0,
      credential.expiresAt,
    );
    return revoked;
  }

  async #keyActor(state: RoomState, secretHash: string): Promise<Actor> {
    const key = state.keys.get(secretHash);
    if (!key) throw new AppError("unauthenticated", "The API key is not valid for this organization.");
    const creatorRole: Role | undefined = state.members.get(key.createdBy);
    // A key never acts beyond its creator's current role, and dies with their membership.
    if (!creatorRole) throw new AppError("unauthenticated", "The API key's creator is no longer a member.");
    await this.#recordKeyUse(key.id);
    return { type: "api_key", keyId: key.id, role: lowerOf("admin", creatorRole), scopes: key.scopes, createdBy: key.createdBy };
  }

  async #recordKeyUse(keyId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.#keyLastUseWritten.get(keyId) ?? 0) < lastUseWriteIntervalMs) return;
    this.#keyLastUseWritten.set(keyId, now);
    const db = orgDatabase(this.env, this.#orgId ?? "");
    await db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, keyId));
  }

  #countApplied(): number {
    const row = this.ctx.storage.sql
      .exec<{ value: number }>(
        "INSERT INTO room_meta (key, value) VALUES ('applied', 1) " +
          "ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value",
      )
      .one();
    return row.value;
  }
}

/** The stub of an organization's room. */
export function orgRoom(env: Bindings, orgId: string): DurableObjectStub<OrgRoom> {
  return env.ORG_ROOM.get(env.ORG_ROOM.idFromName(orgId));
}

export type { Credential };
