import type { Context } from "hono";
import { and, eq, isNull, sql } from "drizzle-orm";
import { loginTokens, users, type User } from "../../db/schema/index.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { userDatabase } from "../lib/database.ts";
import { newId } from "../lib/ids.ts";
import { setSessionCookie } from "./credentials.ts";
import { signSession } from "./jwt.ts";
import { clearSignInNonce } from "./sign-in-nonce.ts";

export const sessionTtlMs = 30 * 24 * 60 * 60_000;

/**
 * Signs in the owner of `email`, whose mailed link was just used: the user (created on the
 * first sign-in, with a verified email; `name` is given to an account that has none yet), a
 * server-side session and its cookie. The email's other unused links end with it.
 */
export async function startSession(c: Context<AppEnv>, email: string, now: number, options: { name?: string } = {}): Promise<User> {
  const db = userDatabase(c.env);
  const sessionId = newId("ses", now);
  const expiresAt = now + sessionTtlMs;
  const name = options.name?.trim() ?? "";
  const [[user]] = await db.batch([
    db
      .insert(users)
      .values({ id: newId("usr", now), email, name, emailVerifiedAt: new Date(now), createdAt: new Date(now), lastLoginAt: new Date(now) })
      .onConflictDoUpdate({
        target: users.email,
        set: {
          lastLoginAt: new Date(now),
          emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})`,
          ...(name ? { name: sql`CASE WHEN ${users.name} = '' THEN ${name} ELSE ${users.name} END` } : {}),
        },
      })
      .returning(),
    db.run(
      sql`INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent)
          SELECT ${sessionId}, id, ${now}, ${expiresAt}, ${c.req.header("user-agent")?.slice(0, 200) ?? null}
          FROM users WHERE email = ${email}`,
    ),
    // The other links still in the mailbox have nothing left to do but be found by someone else.
    db.update(loginTokens).set({ usedAt: new Date(now) }).where(and(eq(loginTokens.email, email), isNull(loginTokens.usedAt))),
  ]);
  if (!user) throw new AppError("internal_error", "Could not sign in.");
  setSessionCookie(c, await signSession(c.env, { sessionId, userId: user.id, expiresAt }), expiresAt);
  clearSignInNonce(c);
  return user;
}
