import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { wellFormed } from "../../domain/text.ts";
import { orgAccess } from "../../middleware/org-access.ts";
import type { AppEnv } from "../../env.ts";
import { unwrap } from "../../org/result.ts";
import { orgRoom } from "../../org/room-client.ts";
import { ChangedMember } from "../../views/member.ts";
import { Role } from "../../views/role.ts";
import { errors, json, OrgParams, orgSecurity } from "../schemas.ts";
import { UserIdParams } from "./schemas.ts";

const Patch = z
  .object({ role: Role.optional(), title: z.string().trim().max(200).refine(...wellFormed).optional() })
  .strict()
  .refine((p) => p.role !== undefined || p.title !== undefined, "Send role or title.")
  .openapi("UpdateMember");

const route = createRoute({
  operationId: "updateMember",
  method: "patch",
  path: "/api/v1/orgs/{org}/members/{userId}",
  tags: ["members"],
  summary: "Change a member's role or title",
  description:
    "Nobody grants a role above their own; admins cannot change owners; the last owner cannot be demoted (409 `last_owner`).",
  security: orgSecurity,
  middleware: [orgAccess("members:write")] as const,
  request: { params: OrgParams.merge(UserIdParams), body: { ...json(Patch), required: true } },
  responses: {
    200: json(ChangedMember, "Updated"),
    ...errors(400, 401, 403, 404, 409),
  },
});

export function registerUpdateMember(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { userId } = c.req.valid("param");
    const input = c.req.valid("json");
    const result = await orgRoom(c.env, c.var.org.id).changeMember(c.var.org.id, c.var.actor, { userId, ...input });
    return c.json(unwrap(result), 200);
  });
}
