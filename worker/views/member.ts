import { z } from "@hono/zod-openapi";
import type { Membership } from "../../db/schema/index.ts";
import { joinedVia } from "../domain/memberships.ts";
import { Role } from "./role.ts";

/** A member of an organization as its members list shows them. */
export const Member = z
  .object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    username: z.string().nullable(),
    role: Role,
    title: z.string(),
    joinedVia: z.enum(joinedVia),
    joinedAt: z.string(),
    lastActiveAt: z.string().nullable().openapi({ description: "When the member last used this organization (written at most about once a minute)" }),
    status: z.enum(["active", "never_signed_in"]).openapi({ description: "`never_signed_in` until the member first uses this organization" }),
  })
  .openapi("Member");
export type MemberView = z.infer<typeof Member>;

/** A member's role and title after a change (`PATCH /orgs/:org/members/:userId`). */
export const ChangedMember = z.object({ userId: z.string(), role: Role, title: z.string() });
export type ChangedMemberView = z.infer<typeof ChangedMember>;

export function memberView(m: Membership): MemberView {
  return {
    userId: m.userId,
    name: m.userName,
    email: m.userEmail,
    username: m.userUsername,
    role: m.role,
    title: m.title,
    joinedVia: m.joinedVia,
    joinedAt: m.joinedAt.toISOString(),
    lastActiveAt: m.lastActiveAt?.toISOString() ?? null,
    status: m.lastActiveAt ? "active" : "never_signed_in",
  };
}
