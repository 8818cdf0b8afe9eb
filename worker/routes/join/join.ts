import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireUser } from "../../auth/user-session.ts";
import type { AppEnv } from "../../env.ts";
import { appUrl } from "../../lib/request.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { LinkJoin } from "../../views/link.ts";
import { inviteeOf } from "../invitations/lookup.ts";
import { errors, json, userSecurity } from "../schemas.ts";
import { claimOf, LinkTokenParams, refusals } from "./schemas.ts";

const route = createRoute({
  operationId: "joinByLink",
  security: userSecurity,
  middleware: [requireUser] as const,
  method: "post",
  path: "/api/v1/join/{token}",
  tags: ["join"],
  summary: "Join the organization through a self-registration link, as the signed-in user",
  description:
    `The signed-in user joins as \`restricted\`; the membership records the link's tag, the owners are told by mail and in the app. ` +
    `A member already is answered \`status: "already_member"\` and takes no second seat. ${refusals}`,
  request: { params: LinkTokenParams },
  responses: { 200: json(LinkJoin, "Joined, or a member already"), ...errors(400, 401, 403, 404, 409, 503) },
});

export function registerJoinByLink(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const claim = await claimOf(c, c.req.valid("param").token);
    const joined = await orgRoom(c.env, claim.orgId).joinByLink(claim.orgId, { user: inviteeOf(c.var.user), kind: claim.kind, generation: claim.generation }, appUrl(c));
    return c.json(unwrap(joined), 200);
  });
}
