import type { Context } from "hono";
import { liveSessionUser } from "../auth/user-session.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { orgDatabase, userDatabase, type Database } from "../lib/database.ts";
import { actorId, type Actor } from "../org/actor.ts";
import { unwrap } from "../org/result.ts";
import { resolveOrgId } from "../org/directory.ts";
import { orgRoom } from "../org/room-client.ts";

/**
 * Where a request's key lives and who is asking. `scope` (an organization, a user) and
 * `principal` (the user or API key) together separate keys: another member or key of the
 * same organization sending the same key has a key of its own, never sees or blocks this
 * one. `authority` (the role the room gives the caller now, and an API key's scopes) goes
 * into the fingerprint: a repeat after the caller's role changed is not the same request
 * any more (422 `idempotency_mismatch`), so a demoted admin is never replayed what only an
 * admin could do.
 */
export interface KeyScope {
  scope: string;
  principal: string;
  authority: string;
  db: Database;
}

const orgPath = /^\/api\/v1\/orgs\/([^/]+)(?:\/|$)/;

/**
 * The scope of a POST, once its caller is known to be who they claim (`path` is the
 * router's, percent-escapes decoded, so an escaped spelling lands in the same scope):
 * - `/api/v1/orgs/{slug}/…`: the organization, for a member or one of its API keys (the
 *   organization's room authorizes the credential, as every route of it does);
 * - other routes: the signed-in user, for a live session (API keys cannot act there);
 * - anything else (no credentials, a credential that does not hold): null, and the key is
 *   not honoured: the route itself answers the caller as it would without one.
 * Only who the caller is is checked here; what they may do is the route's own check, and
 * a replay only ever goes to the same principal who ran it.
 */
export async function keyScope(c: Context<AppEnv>, path: string): Promise<KeyScope | null> {
  const credential = c.var.credential;
  if (!credential) return null;
  const slug = orgPath.exec(path)?.[1];
  if (slug !== undefined) {
    let orgId: string;
    try {
      orgId = await resolveOrgId(c.env, decodeURIComponent(slug));
    } catch (error) {
      // An unknown slug, or one that does not decode: the route answers as it would.
      if ((error instanceof AppError && error.code === "not_found") || error instanceof URIError) return null;
      throw error;
    }
    let actor: Actor;
    try {
      actor = unwrap(
        await orgRoom(c.env, orgId).authorize(
          orgId,
          credential.kind === "session"
            ? { kind: "session", sessionId: credential.sessionId, userId: credential.userId, expiresAt: credential.expiresAt }
            : credential,
        ),
      );
    } catch (error) {
      if (error instanceof AppError && error.code !== "database_unavailable") return null;
      throw error;
    }
    const authority = actor.type === "user" ? `user:${actor.role}` : `api_key:${actor.role}:${[...actor.scopes].sort().join(",")}`;
    return { scope: `org:${orgId}`, principal: actorId(actor), authority, db: orgDatabase(c.env, orgId) };
  }
  if (credential.kind !== "session") return null;
  const user = await liveSessionUser(c.env, credential, c.var.clock.now());
  return user ? { scope: `user:${user.id}`, principal: user.id, authority: "session", db: userDatabase(c.env) } : null;
}
