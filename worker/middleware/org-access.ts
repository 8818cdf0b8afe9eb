import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Permission } from "../domain/roles.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { actorCan } from "../org/actor.ts";
import { resolveOrgId } from "../org/directory.ts";
import { unwrap } from "../org/result.ts";
import { orgRoom } from "../org/room-client.ts";
import type { Credential } from "../lib/credential.ts";

/**
 * Guards an organization route (`/orgs/:org/…`): the organization's room says who the
 * credential is there — from memory, with no database round trip — and the actor must
 * hold `permission`. Sets `org` and `actor` on the context.
 */
export function orgAccess(permission: Permission) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { orgId, slug, credential } = await targetOf(c);
    const actor = unwrap(await orgRoom(c.env, orgId).authorize(orgId, credential));
    if (!actorCan(actor, permission)) {
      throw new AppError("forbidden", `Your ${actor.type === "api_key" ? "API key" : "role"} does not allow ${permission}.`, {
        permission,
      });
    }
    c.set("org", { id: orgId, slug });
    c.set("actor", actor);
    await next();
  });
}

/**
 * The organization a route names and the caller's credential, not yet authorized: for a
 * route whose room method authorizes and acts in one call. Such a route must still refuse
 * an unauthorized caller before anything else it could tell them (see invitations/create.ts).
 */
export async function targetOf(c: Context<AppEnv>): Promise<{ orgId: string; slug: string; credential: Credential }> {
  const credential = c.var.credential;
  if (!credential) throw new AppError("unauthenticated", "Sign in or send an API key.");
  const slug = c.req.param("org");
  if (!slug) throw new AppError("not_found", "No such organization.");
  const orgId = await resolveOrgId(c.env, slug).catch((error: unknown) => {
    // A key answers 401 for an organization not its own; the same for one that does not
    // exist, or any `rk_…` bearer would tell which slugs exist.
    if (credential.kind === "api_key" && error instanceof AppError && error.code === "not_found") {
      throw new AppError("unauthenticated", "The API key is not valid for this organization.");
    }
    throw error;
  });
  return {
    orgId,
    slug,
    credential:
      credential.kind === "session"
        ? { kind: "session", sessionId: credential.sessionId, userId: credential.userId, expiresAt: credential.expiresAt }
        : credential,
  };
}
