import { sql } from "drizzle-orm";
import { check, index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { projectRoles, projectVisibilities } from "../../worker/domain/projects.ts";
import { timestamp } from "./columns.ts";
import { organizations } from "./organizations.ts";

/** A project of an organization; members get per-project roles. */
export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    visibility: text("visibility", { enum: projectVisibilities }).notNull().default("private"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("projects_org").on(t.orgId), check("projects_visibility", sql`${t.visibility} IN ('public', 'private')`)],
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
