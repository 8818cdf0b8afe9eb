import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { Link } from "../../views/link.ts";
import { errors, json, orgSecurity } from "../schemas.ts";
import { KindParams, linksDescription, withUrl } from "./schemas.ts";

const LinkPatch = z.object({ enabled: z.boolean() }).openapi("LinkPatch");

const route = createRoute({
  operationId: "updateLink",
  method: "patch",
  path: "/api/v1/orgs/{org}/links/{kind}",
  tags: ["links"],
  summary: "Enable or disable a self-registration link",
  description: `${linksDescription} A disabled link refuses everyone with \`link_invalid\`; enabling it again brings back the same URL (regenerate to kill a URL for good).`,
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: KindParams, body: { ...json(LinkPatch), required: true } },
  responses: { 200: json(Link, "The link"), ...errors(400, 401, 403, 404, 503) },
});

export function registerUpdateLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.var.org;
    const link = unwrap(await orgRoom(c.env, id).setLinkEnabled(id, c.var.actor, c.req.valid("param").kind, c.req.valid("json").enabled));
    return c.json(await withUrl(c.env, appUrl(c), id, link), 200);
  });
}
