import { and, eq, gt, isNull } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { sessions, users } from "../../db/schema/index.ts";
import type { AppEnv } from "../env.ts";
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
  const [row] = await userDatabase(c.env)
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, credential.sessionId),
        eq(sessions.userId, credential.userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date(c.var.clock.now())),
      ),
    );
  if (!row) throw new AppError("unauthenticated", "Your session has ended; sign in again.");
  c.set("user", row.user);
  await next();
});
