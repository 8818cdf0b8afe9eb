import type { ProjectAssignment } from "../../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";

/**
 * The projects an invitation names, checked the same way by create, bulk and edit: naming
 * any grants project roles, so it needs projects:write (a role that has it, and an API key
 * with that scope) besides invitations:write, checked before anything is said about the
 * projects (no oracle of which project ids exist). Each project at most once, each one
 * of this organization. An empty list needs nothing.
 */
export function requireInvitationProjects(state: RoomState, actor: Actor, projects: readonly ProjectAssignment[]): void {
  if (projects.length === 0) return;
  requirePermission(actor, "projects:write");
  const ids = projects.map((p) => p.projectId);
  if (new Set(ids).size !== ids.length) {
    throw new AppError("validation_failed", "Name each project once.", { issues: [{ path: "projects", message: "Name each project once." }] });
  }
  const unknown = ids.filter((id) => !state.index.hasProject(id));
  if (unknown.length > 0) {
    throw new AppError("validation_failed", "Unknown project.", { issues: unknown.map((id) => ({ path: "projects", message: `No project ${id}` })) });
  }
}

/** An invitation's assignments without those to projects deleted since (a re-issue keeps the rest). */
export function existingAssignments(state: RoomState, projects: readonly ProjectAssignment[]): ProjectAssignment[] {
  return projects.filter((p) => state.index.hasProject(p.projectId));
}
