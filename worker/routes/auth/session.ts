import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { loginTokens, users } from "../../../db/schema/index.ts";
import { setSessionCookie } from "../../auth/credentials.ts";
import { signSession } from "../../auth/jwt.ts";
import { newId, sha256Hex } from "../../auth/tokens.ts";
import type { AppEnv } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { enforceRateLimit, type RateLimit } from "../../lib/rate-limiter.ts";
import { clientAddress } from "../../lib/request.ts";
import { errors, json, User } from "../schemas.ts";
import { userView } from "../views.ts";

export const sessionTtlMs = 30 * 24 * 60 * 60_000;
/** Guessing a 256-bit token is hopeless anyway; this keeps anyone from trying at scale. */
const sessionExchangeLimit = { name: "session:ip", limit: 60, windowMs: 15 * 60_000 } satisfies RateLimit;

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/session",
  tags: ["auth"],
  summary: "Exchange a sign-in link's token for the session cookie",
  description:
    "The token is single-use and expires 15 minutes after it was mailed. The first sign-in creates the user, with a verified email.",
  request: { body: { ...json(z.object({ token: z.string().min(16).max(200) })), required: true } },
  responses: { 200: json(z.object({ user: User }), "Signed in; the session cookie is set"), ...errors(400, 429) },
});

export function registerSession(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { token } = c.req.valid("json");
    const now = c.var.clock.now();
    await enforceRateLimit(c.env, sessionExchangeLimit, clientAddress(c), now);
    const db = userDatabase(c.env);
    // Consuming the token is one conditional UPDATE: of two concurrent uses, one wins.
    const [used] = await db
      .update(loginTokens)
      .set({ usedAt: new Date(now) })
      .where(and(eq(loginTokens.tokenHash, await sha256Hex(token)), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, new Date(now))))
      .returning({ email: loginTokens.email });
    if (!used) throw new AppError("login_link_invalid", "This sign-in link is invalid, already used or expired.");

    const sessionId = newId("ses", now);
    const expiresAt = now + sessionTtlMs;
    const [[user]] = await db.batch([
      db
        .insert(users)
        .values({ id: newId("usr", now), email: used.email, emailVerifiedAt: new Date(now), createdAt: new Date(now), lastLoginAt: new Date(now) })
        .onConflictDoUpdate({
          target: users.email,
          set: { lastLoginAt: new Date(now), emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})` },
        })
        .returning(),
      db.run(
        sql`INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent)
            SELECT ${sessionId}, id, ${now}, ${expiresAt}, ${c.req.header("user-agent")?.slice(0, 200) ?? null}
            FROM users WHERE email = ${used.email}`,
      ),
    ]);
    if (!user) throw new AppError("internal_error", "Could not sign in.");
    setSessionCookie(c, await signSession(c.env, { sessionId, userId: user.id, expiresAt }), expiresAt);
    return c.json({ user: userView(user) }, 200);
  });
}

