import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { loginTokens } from "../../../db/schema/index.ts";
import { refuseCrossSite } from "../../auth/csrf.ts";
import { issueSignInNonce } from "../../auth/sign-in-nonce.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { randomToken } from "../../lib/ids.ts";
import type { AppEnv, Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { enforceRateLimit, type RateLimit } from "../../lib/rate-limiter.ts";
import { appUrl, clientAddress } from "../../lib/request.ts";
import { abuseLimits } from "../../lib/abuse-limits.ts";
import { queueDeploymentMail } from "../../mail/deployment-mail.ts";
import { Email, errors, json } from "../schemas.ts";

export const loginTokenTtlMs = 15 * 60_000;

/**
 * Who may ask for how much sign-in mail. A caller over its own limits (per address, per
 * email from its address) is told so with 429: that is about the caller, not the address
 * asked for. The per-email cap is different: anyone, from many addresses, can exhaust it
 * for someone else's email, so reaching it must not refuse anybody. It only stops more
 * mail; the answer stays 202, and the person still signs in with a link already mailed.
 * Its window is no longer than a link lives, so while it holds back mail, links it let
 * through are still valid (and whoever keeps it full keeps mailing fresh ones).
 */
export const magicLinkLimits = {
  perAddress: { name: "magic-link:ip", limit: 30, windowMs: 15 * 60_000 },
  perEmailFromAddress: { name: "magic-link:email+ip", limit: 5, windowMs: 15 * 60_000 },
  perEmail: { name: "magic-link:email", limit: 20, windowMs: loginTokenTtlMs },
} satisfies Record<string, RateLimit>;

/**
 * The deployment-wide cap on sign-in and join-confirmation mail (`SIGN_IN_MAIL_PER_HOUR`,
 * lib/abuse-limits.ts), counted after every per-address limit so refused requests spend
 * none of it. Reaching it answers 429 to everyone alike: it says nothing about any address.
 * Counted per deployment, which `APP_URL` names.
 */
export function deploymentMailLimit(env: Bindings): RateLimit {
  return { name: "sign-in-mail:deployment", limit: abuseLimits(env).signInMailPerHour, windowMs: 60 * 60_000 };
}

/**
 * Where the dashboard goes once the link has signed the person in: a path on this site
 * (`/invitations/…`), never another origin. Printable ASCII without spaces or backslashes
 * after a single leading slash, so no browser can read it as `//host` (URL parsing drops
 * tabs and newlines, and takes a backslash for a slash).
 */
const ReturnPath = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/, "A path on this site, like /invitations/…")
  .openapi({ example: "/invitations/abc123" });

const MagicLinkRequest = z.object({
  email: Email,
  next: ReturnPath.optional().openapi({ description: "Carried in the mailed link (`&next=`) for the dashboard to return to after signing in" }),
});

const Accepted = z.object({ status: z.literal("accepted"), message: z.string() }).openapi("MagicLinkAccepted");

const route = createRoute({
  operationId: "requestMagicLink",
  security: [],
  method: "post",
  path: "/api/v1/auth/magic-link",
  tags: ["auth"],
  summary: "Mail a sign-in link",
  description:
    "Always answers 202 with the same body, whether or not an account exists. Rate limited per client address and per " +
    "email from one address (429), and deployment-wide (`SIGN_IN_MAIL_PER_HOUR`, 429); mail to one email is also capped, silently (still 202). The mail goes through the deployment's outbox, retried until its link dies. Sets the short-lived, " +
    "HttpOnly sign-in nonce cookie (`__Host-roster_signin` over HTTPS) that binds the link to this browser: the " +
    "dashboard signs in without asking only in the browser that asked for the link. Refused (403) from another site.",
  request: { body: { ...json(MagicLinkRequest), required: true } },
  responses: { 202: json(Accepted, "Accepted"), ...errors(400, 403, 429) },
});

/** Counts a hit against `rule`; answers false instead of throwing when over the limit. */
export async function withinLimit(env: Bindings, rule: RateLimit, subject: string, now: number): Promise<boolean> {
  try {
    await enforceRateLimit(env, rule, subject, now);
    return true;
  } catch (error) {
    if (error instanceof AppError && error.code === "rate_limited") return false;
    throw error;
  }
}

export function registerMagicLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    // Without this another site could have a victim's browser ask for a link to the
    // attacker's address and so hold the nonce that makes that link sign in silently.
    refuseCrossSite(c);
    const { email, next } = c.req.valid("json");
    const now = c.var.clock.now();
    const address = clientAddress(c);
    await enforceRateLimit(c.env, magicLinkLimits.perAddress, address, now);
    await enforceRateLimit(c.env, magicLinkLimits.perEmailFromAddress, `${email}\n${address}`, now);
    // Set on every 202 alike, so no header tells a capped email from any other.
    const nonceHash = await issueSignInNonce(c, now, loginTokenTtlMs);
    const accepted = () => c.json({ status: "accepted" as const, message: "If this address can sign in, a link is on its way." }, 202);

    if (!(await withinLimit(c.env, magicLinkLimits.perEmail, email, now))) {
      console.warn("[roster] sign-in mail held back: the per-email cap is reached");
      return accepted();
    }
    const base = appUrl(c);
    await enforceRateLimit(c.env, deploymentMailLimit(c.env), base, now);
    const token = randomToken(32);
    await userDatabase(c.env)
      .insert(loginTokens)
      .values({ tokenHash: await sha256Hex(token), email, nonceHash, createdAt: new Date(now), expiresAt: new Date(now + loginTokenTtlMs) });
    const url = `${base}/auth/callback?token=${encodeURIComponent(token)}${next ? `&next=${encodeURIComponent(next)}` : ""}`;
    // Written to the outbox before the answer, tried at once, retried until its link dies;
    // the answer does not depend on whether it left (that would tell who exists or what failed).
    await queueDeploymentMail(c.env, email, { template: "sign_in", params: { url, ttlMinutes: loginTokenTtlMs / 60_000 } }, now);
    return accepted();
  });
}
