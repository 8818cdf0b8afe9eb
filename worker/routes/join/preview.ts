import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { linkJoinRole } from "../../domain/links.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { LinkPreview } from "../../views/link.ts";
import { errors, json } from "../schemas.ts";
import { claimOf, LinkTokenParams, refusals } from "./schemas.ts";

const route = createRoute({
  operationId: "previewLink",
  security: [],
  method: "get",
  path: "/api/v1/join/{token}",
  tags: ["join"],
  summary: "What a self-registration link offers: the organization, the link's kind and the role it gives",
  description: `Changes nothing. ${refusals}`,
  request: { params: LinkTokenParams },
  responses: { 200: json(LinkPreview, "The link can be used now"), ...errors(400, 404, 409, 503) },
});

export function registerPreviewLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const claim = await claimOf(c, c.req.valid("param").token);
    const { org } = unwrap(await orgRoom(c.env, claim.orgId).checkLink(claim.orgId, claim.kind, claim.generation, null));
    return c.json({ org, kind: claim.kind, role: linkJoinRole }, 200);
  });
}
