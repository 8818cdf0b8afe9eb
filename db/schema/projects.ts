import { sql } from "drizzle-orm";
import { check, index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { projectRoles, projectVisibilities } from "../../worker/domain/projects.ts";
import { timestamp } from "./columns.ts";
import { organizations } from "./organizations.ts";

/**
 * A project of an organization; members get per-project roles. `personalUserId` marks the
 * automatic private project of that member (made when they joined, with the organization's
 * switch on): at most one per member.
 */
export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    visibility: text("visibility", { enum: projectVisibilities }).notNull().default("private"),
    personalUserId: text("personal_user_id"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at"),
  },
  (t) => [
    index("projects_org").on(t.orgId),
    uniqueIndex("projects_org_name").on(t.orgId, sql`lower(${t.name})`),
    uniqueIndex("projects_personal").on(t.orgId, t.personalUserId).where(sql`personal_user_id IS NOT NULL`),
    check("projects_visibility", sql`${t.visibility} IN ('public', 'private')`),
  ],
);

/** A member's role in a project. */
export const projectMembers = sqliteTable(
  "project_members",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role", { enum: projectRoles }).notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    index("project_members_org_user").on(t.orgId, t.userId),
    check("project_members_role", sql`${t.role} IN ('owner', 'admin', 'use', 'viewer')`),
  ],
);
