import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { deliveryStates, invitationStatuses } from "../../worker/domain/invitations.ts";
import type { ProjectRole } from "../../worker/domain/projects.ts";
import { roles } from "../../worker/domain/roles.ts";
import { timestamp } from "./columns.ts";
import { organizations } from "./organizations.ts";

export interface ProjectAssignment {
  projectId: string;
  role: ProjectRole;
}

/**
 * An invitation to join an organization. A pending one holds a seat until it is answered,
 * revoked or expires. Its token is stored only as a SHA-256; at most one invitation per
 * email is pending in an organization.
 */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** Lower-cased. For an invitation by username, the account's email, never shown to the inviter. */
    email: text("email").notNull(),
    username: text("username"),
    inviteeUserId: text("invitee_user_id"),
    role: text("role", { enum: roles }).notNull(),
    projectAssignments: text("project_assignments", { mode: "json" }).$type<ProjectAssignment[]>().notNull().default(sql`'[]'`),
    message: text("message"),
    status: text("status", { enum: invitationStatuses }).notNull().default("pending"),
    delivery: text("delivery", { enum: deliveryStates }).notNull().default("queued"),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    sendCount: integer("send_count").notNull().default(1),
    lastSentAt: timestamp("last_sent_at"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at").notNull(),
    respondedAt: timestamp("responded_at"),
    /** Whether the invitee gets a welcome mail once they join. */
    /** The outbox id of the latest mail of this invitation: only its outcomes and delivery events count. */
    lastMailId: text("last_mail_id"),
    welcomeEmail: integer("welcome_email", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("invitations_token").on(t.tokenHash),
    // One pending invitation per invitee and organization, by construction: per account for
    // invitations by username, per address for invitations by email (the two kinds are
    // never compared; see worker/org/state.ts inviteeKey).
    uniqueIndex("invitations_pending_email").on(t.orgId, t.email).where(sql`status = 'pending' AND invitee_user_id IS NULL`),
    uniqueIndex("invitations_pending_account").on(t.orgId, t.inviteeUserId).where(sql`status = 'pending' AND invitee_user_id IS NOT NULL`),
    index("invitations_org_status").on(t.orgId, t.status, t.expiresAt),
    // The invitations list's pages, newest first, with and without a status (routes/invitations/list.ts).
    index("invitations_org_id").on(t.orgId, t.id),
    index("invitations_org_status_id").on(t.orgId, t.status, t.id),
    index("invitations_invitee").on(t.email, t.status),
    check("invitations_status", sql`${t.status} IN ('pending', 'accepted', 'declined', 'revoked', 'expired')`),
    check("invitations_role", sql`${t.role} IN ('owner', 'admin', 'member', 'restricted')`),
    check("invitations_email_lower", sql`${t.email} = lower(${t.email})`),
  ],
);

export type Invitation = typeof invitations.$inferSelect;
