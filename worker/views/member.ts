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
    linkTag: z.string().nullable().optional().openapi({ description: "For a member who joined through a self-registration link: that link generation's tag (YYYY-MM-DD); null otherwise" }),
    joinedAt: z.string(),
    lastActiveAt: z.string().nullable().openapi({ description: "When the member last used this organization (written at most about once a minute)" }),
    status: z.enum(["active", "never_signed_in"]).openapi({ description: "`never_signed_in` until the member first uses this organization" }),
  })
  .openapi("Member");
export type MemberView = z.infer<typeof Member>;

/** `GET /orgs/:org/members`: a page of members, how many match the query, the next page's cursor. */
export const MemberPage = z
  .object({
    members: z.array(Member),
    total: z.number().int().openapi({ description: "Members matching the query (search and role), on every page; an estimate when `totalExact` is false" }),
    totalExact: z.boolean().openapi({ description: "False when a search matches too many members of a large organization to count them on every page: `total` is then estimated" }),
    nextCursor: z.string().nullable(),
  })
  .openapi("MemberPage");
export type MemberPageView = z.infer<typeof MemberPage>;

/** `POST /orgs/:org/members/bulk-remove`: a result per user, removed or why not. */
export const MemberRemovals = z
  .object({
    results: z.array(
      z.object({
        userId: z.string(),
        removed: z.boolean(),
        error: z.object({ code: z.string(), message: z.string() }).optional(),
      }),
    ),
  })
  .openapi("BulkRemoveResults");
export type MemberRemovalsView = z.infer<typeof MemberRemovals>;

/** `POST /orgs/:org/transfer-ownership`: who owns it now, and who did (now an admin). */
export const OwnershipTransfer = z.object({ owner: z.string(), previousOwner: z.string() });
export type OwnershipTransferView = z.infer<typeof OwnershipTransfer>;

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
    linkTag: m.linkTag,
    joinedAt: m.joinedAt.toISOString(),
    lastActiveAt: m.lastActiveAt?.toISOString() ?? null,
    status: m.lastActiveAt ? "active" : "never_signed_in",
  };
}
