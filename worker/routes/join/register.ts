import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { loginTokens } from "../../../db/schema/index.ts";
import { refuseCrossSite } from "../../auth/csrf.ts";
import { issueSignInNonce } from "../../auth/sign-in-nonce.ts";
import type { AppEnv, Bindings } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { userDatabase } from "../../lib/database.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { randomToken } from "../../lib/ids.ts";
import { enforceRateLimit } from "../../lib/rate-limiter.ts";
import { appUrl, clientAddress } from "../../lib/request.ts";
import { queueDeploymentMail } from "../../mail/deployment-mail.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { RegisterAccepted } from "../../views/link.ts";
import { deploymentMailLimit, loginTokenTtlMs, magicLinkLimits, withinLimit } from "../auth/magic-link.ts";
import { DisplayName, Email, errors, json } from "../schemas.ts";
import { claimOf, LinkTokenParams, refusals, type JoinIntent } from "./schemas.ts";

const Registration = z.object({ email: Email, name: DisplayName() }).openapi("LinkRegistration");

const route = createRoute({
  operationId: "registerByLink",
  security: [],
  method: "post",
  path: "/api/v1/join/{token}/register",
  tags: ["join"],
  summary: "Register through a `new` self-registration link: mails a link that verifies the address and joins",
  description:
    "Answers 202 with the same body whether or not the address already has an account (no account oracle): the mailed link " +
    "signs in (creating the account with `name` if there is none) and joins, through `POST /join/{token}/verify`. Rate limited " +
    `like sign-in mail (429 per client address and per email from one address; mail to one email is capped silently), and the ` +
    "verification mail counts against the organization's hourly mail budget (429). Sets the HttpOnly sign-in nonce cookie " +
    "(`__Host-roster_signin` over HTTPS): the dashboard in this browser confirms the mailed link without a warning, any " +
    `other browser warns that the link was asked for elsewhere. ${refusals} Refused (403) from another site.`,
  request: { params: LinkTokenParams, body: { ...json(Registration), required: true } },
  responses: { 202: json(RegisterAccepted, "Accepted"), ...errors(400, 403, 404, 409, 429, 503) },
});

export function registerRegisterByLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    refuseCrossSite(c);
    const linkTokenText = c.req.valid("param").token;
    const claim = await claimOf(c, linkTokenText);
    if (claim.kind !== "new") {
      throw new AppError("forbidden", "This link is for people who already have an account: sign in, then join.", { reason: "sign_in_required" });
    }
    const { email, name } = c.req.valid("json");
    const now = c.var.clock.now();
    const address = clientAddress(c);
    await enforceRateLimit(c.env, magicLinkLimits.perAddress, address, now);
    await enforceRateLimit(c.env, magicLinkLimits.perEmailFromAddress, `${email}\n${address}`, now);
    // Refusals that depend on the organization and the address's domain only, never on whether it has an account.
    // The verification mail counts against the organization's hourly mail budget, like an invitation.
    const { org } = unwrap(await orgRoom(c.env, claim.orgId).checkLink(claim.orgId, claim.kind, claim.generation, email, true));
    // Deployment-wide (the same for every address, so safe on the answer's path).
    await enforceRateLimit(c.env, deploymentMailLimit(c.env), appUrl(c), now);
    // Binds the mailed link to this browser: here it confirms without a warning, elsewhere it warns (login CSRF).
    const nonceHash = await issueSignInNonce(c, now, loginTokenTtlMs);
    const intent: JoinIntent = { type: "link_join", orgId: claim.orgId, kind: claim.kind, generation: claim.generation, name };
    const page = `${appUrl(c)}/join/${linkTokenText}`;
    const url = (token: string) => `${page}?verify=${encodeURIComponent(token)}`;
    // What depends on the email's own history (its per-email cap, a limiter object that may or
    // may not exist yet) runs after the answer, so the answer's timing cannot tell whether
    // someone asked for this address lately.
    c.executionCtx.waitUntil(mailVerification(c.env, { email, intent, nonceHash, orgName: org.name, now, url }));
    return c.json({ status: "accepted" as const, message: "Check your mail: the link in it confirms your address and joins." }, 202);
  });
}

/** The verification mail of a registration, within the per-email cap (held back silently past it); never throws. */
async function mailVerification(
  env: Bindings,
  input: { email: string; intent: JoinIntent; nonceHash: string; orgName: string; now: number; url: (token: string) => string },
): Promise<void> {
  const { email, now } = input;
  try {
    if (!(await withinLimit(env, magicLinkLimits.perEmail, email, now))) {
      console.warn("[roster] join verification mail held back: the per-email cap is reached");
      return;
    }
    const token = randomToken(32);
    await userDatabase(env)
      .insert(loginTokens)
      .values({ tokenHash: await sha256Hex(token), email, intent: input.intent, nonceHash: input.nonceHash, createdAt: new Date(now), expiresAt: new Date(now + loginTokenTtlMs) });
    // The deployment's outbox (mail/deployment-mail.ts): tried at once, retried until its link dies.
    await queueDeploymentMail(env, email, { template: "link_verify", params: { orgName: input.orgName, url: input.url(token), ttlMinutes: loginTokenTtlMs / 60_000 } }, now);
  } catch (error) {
    console.error("[roster] join verification mail failed:", error instanceof Error ? error.message : error);
  }
}
