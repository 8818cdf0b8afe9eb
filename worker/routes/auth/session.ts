import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, gt, isNull } from "drizzle-orm";
import { loginTokens } from "../../../db/schema/index.ts";
import { refuseCrossSite } from "../../auth/csrf.ts";
import { signInNonceHash } from "../../auth/sign-in-nonce.ts";
import { startSession } from "../../auth/start-session.ts";
import { sha256Hex } from "../../lib/hash.ts";
import type { AppEnv, Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { enforceRateLimit, type RateLimit } from "../../lib/rate-limiter.ts";
import { clientAddress } from "../../lib/request.ts";
import { User, userView } from "../../views/user.ts";
import { errors, json } from "../schemas.ts";

export { sessionTtlMs } from "../../auth/start-session.ts";
/**
 * Guessing a 256-bit token is hopeless anyway; this keeps anyone from trying at scale.
 * Previewing a token counts against the same limit as exchanging one.
 */
export const sessionExchangeLimit = { name: "session:ip", limit: 60, windowMs: 15 * 60_000 } satisfies RateLimit;

/**
 * Login CSRF (someone gets a victim to open a link mailed to the *attacker*, signing the
 * victim into the attacker's account) is stopped in two layers:
 *
 * - The dashboard never exchanges a link silently unless the browser holds the nonce cookie
 *   set when that browser asked for the link (`sameBrowser: true` below makes the server
 *   enforce it). A link opened anywhere else (the phone's mail app, another browser) first
 *   shows "Sign in as ⟨email⟩?" (from POST /auth/session/preview) and is exchanged only when
 *   the person confirms, so cross-device sign-in keeps working.
 * - This endpoint still takes a bare `{token}`: scripts and tests that read the mail
 *   themselves have no nonce cookie, and a caller that holds the token is, by definition,
 *   whoever the link was mailed to. What keeps another *site* from using it in a victim's
 *   browser is the same-origin check (and the JSON-only body, which needs CORS cross-site).
 */
const route = createRoute({
  operationId: "createSession",
  security: [],
  method: "post",
  path: "/api/v1/auth/session",
  tags: ["auth"],
  summary: "Exchange a sign-in link's token for the session cookie",
  description:
    "The token is single-use and expires 15 minutes after it was mailed; signing in also ends the email's other unused " +
    "links. The first sign-in creates the user, with a verified email. With `sameBrowser: true` the exchange happens " +
    "only in the browser that asked for the link (its sign-in nonce cookie matches); otherwise it answers 403 with " +
    "`details.reason` `confirmation_required` and the token stays unused. Refused (403) from another site.",
  request: {
    body: {
      ...json(
        z.object({
          token: z.string().min(16).max(200),
          sameBrowser: z.boolean().optional().openapi({
            description: "Exchange only if this browser asked for the link. The dashboard sends it when it has not asked the person.",
          }),
        }),
      ),
      required: true,
    },
  },
  responses: { 200: json(z.object({ user: User }), "Signed in; the session cookie is set"), ...errors(400, 403, 429) },
});

export function registerSession(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    refuseCrossSite(c);
    const { token, sameBrowser } = c.req.valid("json");
    const now = c.var.clock.now();
    await enforceRateLimit(c.env, sessionExchangeLimit, clientAddress(c), now);
    const db = userDatabase(c.env);
    const tokenHash = await sha256Hex(token);
    const usable = and(eq(loginTokens.tokenHash, tokenHash), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, new Date(now)));
    const nonceHash = sameBrowser ? await signInNonceHash(c) : null;
    if (sameBrowser && nonceHash === null) throw confirmationRequired(await isUsable(c, tokenHash, now));
    // Consuming the token is one conditional UPDATE: of two concurrent uses, one wins.
    const [used] = await db
      .update(loginTokens)
      .set({ usedAt: new Date(now) })
      .where(nonceHash === null ? usable : and(usable, eq(loginTokens.nonceHash, nonceHash)))
      .returning({ email: loginTokens.email });
    if (!used) {
      if (sameBrowser) throw confirmationRequired(await isUsable(c, tokenHash, now));
      throw linkInvalid();
    }

    const user = await startSession(c, used.email, now);
    return c.json({ user: userView(user) }, 200);
  });
}

/** The one answer for a token that is unknown, used or expired: which of them is nobody's business. */
export function linkInvalid(): AppError {
  return new AppError("login_link_invalid", "This sign-in link is invalid, already used or expired.");
}

/** A `sameBrowser` exchange refused: confirmation needed if the link is good, else the usual answer. */
function confirmationRequired(usable: boolean): AppError {
  if (!usable) return linkInvalid();
  return new AppError("forbidden", "This sign-in link was asked for in another browser; confirm the account to sign in.", {
    reason: "confirmation_required",
  });
}

async function isUsable(c: { env: Bindings }, tokenHash: string, now: number): Promise<boolean> {
  return (await findUsableLoginToken(c.env, tokenHash, now)) !== undefined;
}

/** The unused, unexpired sign-in token with this hash, read without consuming it. */
export async function findUsableLoginToken(
  env: Bindings,
  tokenHash: string,
  now: number,
): Promise<{ email: string; expiresAt: Date; nonceHash: string | null } | undefined> {
  const [row] = await userDatabase(env)
    .select({ email: loginTokens.email, expiresAt: loginTokens.expiresAt, nonceHash: loginTokens.nonceHash })
    .from(loginTokens)
    .where(and(eq(loginTokens.tokenHash, tokenHash), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, new Date(now))));
  return row;
}
