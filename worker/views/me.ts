import { z } from "@hono/zod-openapi";
import type { Notification as NotificationRow, userMemberships } from "../../db/schema/index.ts";
import type { Role as RoleName } from "../domain/roles.ts";
import { Role } from "./role.ts";
import { User } from "./user.ts";

/** One of the signed-in user's organizations, with their role there. */
const Membership = z.object({ org: z.object({ id: z.string(), slug: z.string(), name: z.string() }), role: Role, joinedAt: z.string() });
export type MembershipView = z.infer<typeof Membership>;

/** A pending invitation addressed to the signed-in user. */
const PendingInvitation = z.object({ id: z.string(), org: z.object({ slug: z.string(), name: z.string() }), role: Role, expiresAt: z.string() });
export type PendingInvitationView = z.infer<typeof PendingInvitation>;

/** An in-app notification (an invitation received, one accepted…). */
export const Notification = z.object({ id: z.string(), type: z.string(), data: z.record(z.string(), z.unknown()), createdAt: z.string(), read: z.boolean() });
export type NotificationView = z.infer<typeof Notification>;

/** `GET /api/v1/me`: the signed-in user, their memberships, pending invitations and notifications. */
export const Me = z
  .object({
    user: User,
    memberships: z.array(Membership),
    invitations: z.array(PendingInvitation),
    notifications: z.array(Notification),
  })
  .openapi("Me");
export type MeView = z.infer<typeof Me>;

export function membershipView(m: typeof userMemberships.$inferSelect): MembershipView {
  return { org: { id: m.orgId, slug: m.orgSlug, name: m.orgName }, role: m.role, joinedAt: m.joinedAt.toISOString() };
}

/** From an invitation joined with its organization's slug and name. */
export function pendingInvitationView(i: { id: string; role: RoleName; expiresAt: Date; slug: string; name: string }): PendingInvitationView {
  return { id: i.id, org: { slug: i.slug, name: i.name }, role: i.role, expiresAt: i.expiresAt.toISOString() };
}

export function notificationView(n: NotificationRow): NotificationView {
  return { id: n.id, type: n.type, data: n.data, createdAt: n.createdAt.toISOString(), read: n.readAt !== null };
}
