import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { loginTokens } from "../../../db/schema/index.ts";
import { randomToken, sha256Hex } from "../../auth/tokens.ts";
import { Email } from "../../domain/slugs.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { enforceRateLimit, type RateLimit } from "../../lib/rate-limiter.ts";
import { appUrl, clientAddress } from "../../lib/request.ts";
import { mailerFor } from "../../mail/mailer.ts";
import { signInMail } from "../../mail/templates.ts";
import { errors, json } from "../schemas.ts";

export const loginTokenTtlMs = 15 * 60_000;
export const magicLinkLimits = {
  perEmail: { name: "magic-link:email", limit: 5, windowMs: 15 * 60_000 },
  perAddress: { name: "magic-link:ip", limit: 30, windowMs: 15 * 60_000 },
} satisfies Record<string, RateLimit>;

const Accepted = z.object({ status: z.literal("accepted"), message: z.string() }).openapi("MagicLinkAccepted");

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/magic-link",
  tags: ["auth"],
  summary: "Mail a sign-in link",
  description:
    "Always answers 202 with the same body, whether or not an account exists. Rate limited per email and per client address.",
  request: { body: { ...json(z.object({ email: Email })), required: true } },
  responses: { 202: json(Accepted, "Accepted"), ...errors(400, 429) },
});

export function registerMagicLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { email } = c.req.valid("json");
    const now = c.var.clock.now();
    await enforceRateLimit(c.env, magicLinkLimits.perAddress, clientAddress(c), now);
    await enforceRateLimit(c.env, magicLinkLimits.perEmail, email, now);

    const token = randomToken(32);
    await userDatabase(c.env)
      .insert(loginTokens)
      .values({ tokenHash: await sha256Hex(token), email, createdAt: new Date(now), expiresAt: new Date(now + loginTokenTtlMs) });
    const url = `${appUrl(c)}/auth/callback?token=${encodeURIComponent(token)}`;
    try {
      await mailerFor(c.env).send(signInMail(email, url, loginTokenTtlMs / 60_000));
    } catch (error) {
      // The answer must not depend on the mail: it would tell who exists or what failed.
      console.error("[roster] sign-in mail failed:", error instanceof Error ? error.message : error);
    }
    return c.json({ status: "accepted" as const, message: "If this address can sign in, a link is on its way." }, 202);
  });
}
