import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { Link } from "../../views/link.ts";
import { errors, json, orgSecurity } from "../schemas.ts";
import { KindParams, linksDescription, withUrl } from "./schemas.ts";

const route = createRoute({
  operationId: "regenerateLink",
  method: "post",
  path: "/api/v1/orgs/{org}/links/{kind}/regenerate",
  tags: ["links"],
  summary: "Regenerate a self-registration link: a new URL and tag; the old URL dies at once",
  description: `${linksDescription} The tag becomes today's date (YYYY-MM-DD); whether the link is enabled does not change.`,
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: KindParams },
  responses: { 200: json(Link, "The link, with its new URL"), ...errors(401, 403, 404, 503) },
});

export function registerRegenerateLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.var.org;
    const link = unwrap(await orgRoom(c.env, id).regenerateLink(id, c.var.actor, c.req.valid("param").kind));
    return c.json(await withUrl(c.env, appUrl(c), id, link), 200);
  });
}
