import { and, eq, gt, isNull } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { sessions, users, type User } from "../../db/schema/index.ts";
import type { AppEnv, Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { userDatabase } from "../lib/database.ts";

/**
 * Guards a user-scoped route (`/me`, creating an organization): the session cookie must
 * name a live server-side session. API keys act for an organization, not a person, so they
 * are refused here.
 */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const credential = c.var.credential;
  if (!credential) throw new AppError("unauthenticated", "Sign in first.");
  if (credential.kind !== "session") throw new AppError("forbidden", "API keys cannot act as a user.");
  const row = await liveSessionUser(c.env, credential, c.var.clock.now());
  if (!row) throw new AppError("unauthenticated", "Your session has ended; sign in again.");
  c.set("user", row);
  await next();
});

/** The user of a session that is still live (not revoked, not expired), or null. */
export async function liveSessionUser(env: Bindings, credential: { sessionId: string; userId: string }, now: number): Promise<User | null> {
  const [row] = await userDatabase(env)
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, credential.sessionId),
        eq(sessions.userId, credential.userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date(now)),
      ),
    );
  return row?.user ?? null;
}
