import { z } from "@hono/zod-openapi";
import { projectRoles, projectVisibilities } from "../domain/projects.ts";
import { Role } from "./role.ts";

type ProjectRow = {
  id: string;
  name: string;
  visibility: (typeof projectVisibilities)[number];
  personalUserId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date | null;
};

/** A project of an organization. */
export const Project = z
  .object({
    id: z.string(),
    name: z.string(),
    visibility: z.enum(projectVisibilities).openapi({ description: "`private`: seen only by admins, owners and the project's members" }),
    personalUserId: z.string().nullable().openapi({ description: "The member whose automatic private project this is, or null" }),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string().nullable(),
  })
  .openapi("Project");
export type ProjectView = z.infer<typeof Project>;

export function projectView(row: ProjectRow): ProjectView {
  return {
    id: row.id,
    name: row.name,
    visibility: row.visibility,
    personalUserId: row.personalUserId,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt?.toISOString() ?? null,
  };
}

/** A member's role in a project, with who they are in the organization. */
export const ProjectMember = z
  .object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    orgRole: Role,
    role: z.enum(projectRoles).openapi({ description: "The member's role in this project" }),
    addedAt: z.string(),
  })
  .openapi("ProjectMember");
export type ProjectMemberView = z.infer<typeof ProjectMember>;

/** `GET /orgs/:org/projects/{projectId}/members`: a page of a project's members, by name. */
export const ProjectMemberPage = z
  .object({ members: z.array(ProjectMember), nextCursor: z.string().nullable().openapi({ description: "The next page's `cursor`; null on the last page" }) })
  .openapi("ProjectMemberPage");
export type ProjectMemberPageView = z.infer<typeof ProjectMemberPage>;

/** One project a member belongs to, and their role in it. */
export const MemberProject = z
  .object({
    userId: z.string(),
    projectId: z.string(),
    projectName: z.string(),
    visibility: z.enum(projectVisibilities),
    role: z.enum(projectRoles),
  })
  .openapi("MemberProject");
export type MemberProjectView = z.infer<typeof MemberProject>;

/** `GET /orgs/:org/projects/{projectId}`: the project and the first page of its members. */
export const ProjectDetail = z
  .object({
    project: Project,
    members: z.array(ProjectMember).openapi({ description: "The first page of its members, by name (at most 100)" }),
    membersNextCursor: z.string().nullable().openapi({ description: "More members: pass it as `cursor` to GET …/projects/{projectId}/members; null when `members` holds them all" }),
  })
  .openapi("ProjectDetail");
export type ProjectDetailView = z.infer<typeof ProjectDetail>;

/** `POST /orgs/:org/projects/assignments`: how many roles were set. */
export const ProjectAssignments = z
  .object({
    assigned: z.number().int().openapi({ description: "User × project roles written (new or changed)" }),
    unchanged: z.number().int().openapi({ description: "Users who already held that role in that project" }),
  })
  .openapi("ProjectAssignmentResult");
export type ProjectAssignmentsView = z.infer<typeof ProjectAssignments>;

/** The live event `project.changed`: the project as it is now, or its id once deleted. */
export type ProjectChangedData = {
  project: ProjectView | { id: string; deleted: true; visibility?: undefined; personalUserId?: undefined };
  /** Members whose role in the project was set or removed by this change. */
  userIds?: string[];
};
