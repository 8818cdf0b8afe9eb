import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { refuseCrossSite } from "../../auth/csrf.ts";
import { signInNonceHash } from "../../auth/sign-in-nonce.ts";
import { sha256Hex } from "../../lib/hash.ts";
import type { AppEnv } from "../../env.ts";
import { enforceRateLimit } from "../../lib/rate-limiter.ts";
import { clientAddress } from "../../lib/request.ts";
import { SignInPreview, signInPreviewView } from "../../views/sign-in-preview.ts";
import { errors, json } from "../schemas.ts";
import { findUsableLoginToken, linkInvalid, sessionExchangeLimit } from "./session.ts";

const route = createRoute({
  operationId: "previewSession",
  security: [],
  method: "post",
  path: "/api/v1/auth/session/preview",
  tags: ["auth"],
  summary: "Preview a sign-in link's token without using it",
  description:
    "Answers whom the link would sign in and whether this browser asked for it, so the dashboard can ask " +
    "\"Sign in as ⟨email⟩?\" before signing in a browser that did not. Only the token's holder learns anything: an " +
    "unknown, used or expired token gets the same 400 `login_link_invalid`. The token travels in the body (not the URL) " +
    "and is not consumed; previews count against the exchange's rate limit.",
  request: { body: { ...json(z.object({ token: z.string().min(16).max(200) })), required: true } },
  responses: { 200: json(SignInPreview, "The link's account"), ...errors(400, 403, 429) },
});

export function registerSessionPreview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    refuseCrossSite(c);
    const { token } = c.req.valid("json");
    const now = c.var.clock.now();
    await enforceRateLimit(c.env, sessionExchangeLimit, clientAddress(c), now);
    const row = await findUsableLoginToken(c.env, await sha256Hex(token), now);
    if (!row) throw linkInvalid();
    const nonceHash = await signInNonceHash(c);
    return c.json(signInPreviewView(row, nonceHash !== null && nonceHash === row.nonceHash), 200);
  });
}
