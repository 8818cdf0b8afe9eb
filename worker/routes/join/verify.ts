import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, gt, isNull } from "drizzle-orm";
import { loginTokens } from "../../../db/schema/index.ts";
import { refuseCrossSite } from "../../auth/csrf.ts";
import { startSession } from "../../auth/start-session.ts";
import type { AppEnv } from "../../env.ts";
import { userDatabase } from "../../lib/database.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { enforceRateLimit } from "../../lib/rate-limiter.ts";
import { appUrl, clientAddress } from "../../lib/request.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { LinkJoin } from "../../views/link.ts";
import { User, userView } from "../../views/user.ts";
import { inviteeOf } from "../invitations/lookup.ts";
import { linkInvalid, sessionExchangeLimit } from "../auth/session.ts";
import { errors, json } from "../schemas.ts";
import { joiningAccount } from "./account.ts";
import { claimOf, JoinIntent, LinkTokenParams, refusals } from "./schemas.ts";

const route = createRoute({
  operationId: "verifyLinkRegistration",
  security: [],
  method: "post",
  path: "/api/v1/join/{token}/verify",
  tags: ["join"],
  summary: "Use the mailed verification link of a `new` self-registration: sign in and join",
  description:
    "Takes the `verify` token of the mailed link (single-use, 15 minutes, made for this link). It signs its address in (creating the " +
    "account if there is none: the address is verified by this very link) and joins as `restricted`; a member already gets " +
    '`status: "already_member"`. The join runs before the token is used: a refused join (e.g. `seats_exhausted`) sets no cookie and ' +
    "leaves the token good. The dashboard asks the person to confirm first (a GET never uses it), with a warning when this browser " +
    "did not register (the sign-in nonce cookie). An unknown, used, expired or " +
    `foreign token: 400 \`login_link_invalid\`. ${refusals} Refused (403) from another site.`,
  request: { params: LinkTokenParams, body: { ...json(z.object({ token: z.string().min(16).max(200) })), required: true } },
  responses: { 200: json(z.object({ user: User, join: LinkJoin }), "Signed in (the session cookie is set) and joined"), ...errors(400, 403, 404, 409, 429, 503) },
});

export function registerVerifyLinkRegistration(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    refuseCrossSite(c);
    const claim = await claimOf(c, c.req.valid("param").token);
    const now = c.var.clock.now();
    await enforceRateLimit(c.env, sessionExchangeLimit, clientAddress(c), now);
    const db = userDatabase(c.env);
    const tokenHash = await sha256Hex(c.req.valid("json").token);
    const usable = and(eq(loginTokens.tokenHash, tokenHash), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, new Date(now)));
    const [row] = await db.select({ email: loginTokens.email, intent: loginTokens.intent }).from(loginTokens).where(usable);
    const intent = JoinIntent.safeParse(row?.intent);
    // A token made for another link (or none) is no token here.
    if (!row || !intent.success || intent.data.orgId !== claim.orgId || intent.data.kind !== claim.kind || intent.data.generation !== claim.generation) {
      throw linkInvalid();
    }
    const room = orgRoom(c.env, claim.orgId);
    // Refused before anything is written: the token stays good if the refusal goes away (a seat frees up).
    unwrap(await room.checkLink(claim.orgId, claim.kind, claim.generation, row.email));
    // The join runs first, and only a join that went through uses the token and signs in: of
    // several people racing for the last seat, the ones refused keep their token and get no
    // session. The same token used twice at once joins once (the second is `already_member`)
    // and signs in once (the conditional UPDATE below lets one use win).
    const account = await joiningAccount(c.env, row.email, intent.data.name, now);
    const join = unwrap(await room.joinByLink(claim.orgId, { user: inviteeOf(account), kind: claim.kind, generation: claim.generation }, appUrl(c)));
    const [used] = await db.update(loginTokens).set({ usedAt: new Date(now) }).where(usable).returning({ email: loginTokens.email });
    if (!used) throw linkInvalid();
    const user = await startSession(c, used.email, now, { name: intent.data.name });
    return c.json({ user: userView(user), join }, 200);
  });
}
