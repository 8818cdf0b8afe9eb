import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { LinkList } from "../../views/link.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { linksDescription, withUrl } from "./schemas.ts";

const route = createRoute({
  operationId: "listLinks",
  method: "get",
  path: "/api/v1/orgs/{org}/links",
  tags: ["links"],
  summary: "The organization's two self-registration links (`new`, `existing`) with their URLs",
  description: `${linksDescription} The URLs are derived from the server secret and each link's generation, so they can be shown again at any time.`,
  security: orgSecurity,
  middleware: [orgAccess("invitations:write")] as const,
  request: { params: OrgParams },
  responses: { 200: json(LinkList, "Both links"), ...errors(401, 403, 404, 503) },
});

export function registerListLinks(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { id } = c.var.org;
    const links = unwrap(await orgRoom(c.env, id).links(id, c.var.actor));
    return c.json({ links: await Promise.all(links.map((link) => withUrl(c.env, appUrl(c), id, link))) }, 200);
  });
}
