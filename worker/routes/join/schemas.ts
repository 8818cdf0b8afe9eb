import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env.ts";
import { verifyLinkToken, type LinkClaim } from "../../lib/link-token.ts";

export const LinkTokenParams = z.object({
  token: z.string().min(1).max(200).openapi({ param: { name: "token", in: "path" }, example: "org_01k….n1.…" }),
});

/** The link the path's token names, if its MAC checks (else `link_invalid`). */
export async function claimOf(c: Context<AppEnv>, token: string): Promise<LinkClaim> {
  return verifyLinkToken(c.env, token);
}

/** What a `new` link's verification token (a sign-in token, `login_tokens.intent`) also does once used. */
export const JoinIntent = z.object({
  type: z.literal("link_join"),
  orgId: z.string(),
  kind: z.enum(["new", "existing"]),
  generation: z.number().int(),
  name: z.string().max(200),
});
export type JoinIntent = z.infer<typeof JoinIntent>;

export const refusals =
  "Refusals: 404 `link_invalid` (regenerated, disabled or forged), 409 `org_unavailable` (dormant or deleted organization), " +
  "409 `seats_exhausted`, 403 `domain_not_allowed` (the organization's allowed email domains).";
