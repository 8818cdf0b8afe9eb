import { cleanName } from "./text.ts";

/** A member's role in one project of an organization (beside their organization role). */
export const projectRoles = ["owner", "admin", "use", "viewer"] as const;
export type ProjectRole = (typeof projectRoles)[number];

/** A project's visibility within its organization. */
export const projectVisibilities = ["public", "private"] as const;
export type ProjectVisibility = (typeof projectVisibilities)[number];

/** A project as its organization's room keeps it in memory (org/state.ts). */
export interface ProjectEntry {
  name: string;
  visibility: ProjectVisibility;
  /** The member whose automatic private project this is, or null. */
  personalUserId: string | null;
}

/** A project's name: trimmed, 1 to 100 characters, unique per organization ignoring case. */
export const projectNameLimits = { min: 1, max: 100 } as const;

/** Most users and projects in one bulk assignment (each × each). */
export const assignmentLimits = { users: 100, projects: 50 } as const;

/**
 * The key a project's name is unique by within its organization: the cleaned name
 * (domain/text.ts `cleanName`), lower-cased (the database's `lower(name)` backs it up).
 */
export function projectNameKey(name: string): string {
  return cleanName(name).toLowerCase();
}

/**
 * Who may see a project: admins and owners see every project; members and restricted
 * members see the public ones and those they belong to (a restricted member's own automatic
 * private project among them).
 */
export function seesAllProjects(role: "owner" | "admin" | "member" | "restricted"): boolean {
  return role === "owner" || role === "admin";
}

/**
 * The live audience of `project.changed`: a public project (or a deletion, which names
 * only an id) goes to everyone who reads projects; a private one to those who see every
 * project (projects:write), and to its personal owner ({@link projectSubject}).
 */
export function projectAudience(data: { project: { visibility?: ProjectVisibility; deleted?: true } }): "projects:read" | "projects:write" {
  return data.project.visibility === "private" ? "projects:write" : "projects:read";
}

/** The member a `project.changed` event is about: the owner of an automatic private project. */
export function projectSubject(data: { project: { personalUserId?: string | null } }): string | null {
  return data.project.personalUserId ?? null;
}
