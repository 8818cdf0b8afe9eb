import { z } from "@hono/zod-openapi";
import { linkKinds } from "../../domain/links.ts";
import type { Bindings } from "../../env.ts";
import { linkToken, linkUrl } from "../../lib/link-token.ts";
import type { LinkStateView, LinkView } from "../../views/link.ts";
import { OrgParams } from "../schemas.ts";

export const KindParams = OrgParams.extend({
  kind: z.enum(linkKinds).openapi({ param: { name: "kind", in: "path" }, example: "new" }),
});

/** A link's state with its URL, derived again (never stored). */
export async function withUrl(env: Bindings, appUrl: string, orgId: string, link: LinkStateView): Promise<LinkView> {
  return { ...link, url: linkUrl(appUrl, await linkToken(env, orgId, link.kind, link.generation)) };
}

export const linksDescription =
  "Needs `invitations:write` (owners and admins; API keys with the `invitations:write` scope): a link's URL lets anyone join, like an invitation's.";
