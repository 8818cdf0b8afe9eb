import { z } from "@hono/zod-openapi";
import type { Membership } from "../../../db/schema/index.ts";
import { Role } from "../schemas.ts";

export const Member = z
  .object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    role: Role,
    title: z.string(),
    joinedVia: z.enum(["created", "invitation", "link", "api"]),
    joinedAt: z.string(),
    lastActiveAt: z.string().nullable(),
  })
  .openapi("Member");

export function memberView(m: Membership): z.infer<typeof Member> {
  return {
    userId: m.userId,
    name: m.userName,
    email: m.userEmail,
    role: m.role,
    title: m.title,
    joinedVia: m.joinedVia,
    joinedAt: m.joinedAt.toISOString(),
    lastActiveAt: m.lastActiveAt?.toISOString() ?? null,
  };
}

export const UserIdParams = z.object({
  userId: z.string().min(1).max(64).openapi({ param: { name: "userId", in: "path" } }),
});
