import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { loginTokens } from "../../../db/schema/index.ts";
import { refuseCrossSite } from "../../auth/csrf.ts";
import type { AppEnv } from "../../env.ts";
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
import { Email, errors, json } from "../schemas.ts";
import { claimOf, LinkTokenParams, refusals, type JoinIntent } from "./schemas.ts";

const Registration = z.object({ email: Email, name: z.string().trim().min(1).max(200).openapi({ example: "Ada Lovelace" }) }).openapi("LinkRegistration");

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
    `like sign-in mail (429 per client address and per email from one address; mail to one email is capped silently). ${refusals} ` +
    "Refused (403) from another site.",
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
    const { org } = unwrap(await orgRoom(c.env, claim.orgId).checkLink(claim.orgId, claim.kind, claim.generation, email));
    const accepted = () => c.json({ status: "accepted" as const, message: "Check your mail: the link in it confirms your address and joins." }, 202);
    if (!(await withinLimit(c.env, magicLinkLimits.perEmail, email, now))) {
      console.warn("[roster] join verification mail held back: the per-email cap is reached");
      return accepted();
    }
    await enforceRateLimit(c.env, deploymentMailLimit(c.env), appUrl(c), now);
    const token = randomToken(32);
    const intent: JoinIntent = { type: "link_join", orgId: claim.orgId, kind: claim.kind, generation: claim.generation, name };
    await userDatabase(c.env)
      .insert(loginTokens)
      .values({ tokenHash: await sha256Hex(token), email, intent, createdAt: new Date(now), expiresAt: new Date(now + loginTokenTtlMs) });
    const url = `${appUrl(c)}/join/${linkTokenText}?verify=${encodeURIComponent(token)}`;
    // The deployment's outbox (mail/deployment-mail.ts): tried at once, retried until its link dies.
    await queueDeploymentMail(c.env, email, { template: "link_verify", params: { orgName: org.name, url, ttlMinutes: loginTokenTtlMs / 60_000 } }, now);
    return accepted();
  });
}
