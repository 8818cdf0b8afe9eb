import { and } from "drizzle-orm";
import { invitations, type ProjectAssignment } from "../../../db/schema/index.ts";
import { canGrant, type Role } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { type RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import { requireInvitationProjects } from "./invitation-projects.ts";
import type { InvitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { requirePending, isPastDue, type InvitationChanges, updatePlan, requireAuthority } from "./invitation-changes.ts";

/** Edit role, projects and message of a pending invitation. */
export function planEdit(ctx: PlanContext, state: RoomState, actor: Actor, id: string, patch: { role?: Role; projects?: ProjectAssignment[]; message?: string | null }): RoomPlan<{ invitation: InvitationView }> {
  requirePermission(actor, "invitations:write");
  const before = requirePending(ctx, state, id);
  if (isPastDue(ctx, before)) throw new AppError("invitation_expired", "This invitation has expired.");
  if (patch.role && !canGrant(actor.role, patch.role)) throw new AppError("forbidden", "Nobody invites with a role above their own.");
  requireAuthority(actor, before);
  requireInvitationProjects(state, actor, patch.projects ?? []);
  const changes: InvitationChanges = {
    ...(patch.role ? { role: patch.role } : {}),
    ...(patch.projects ? { projectAssignments: patch.projects } : {}),
    ...(patch.message !== undefined ? { message: patch.message } : {}),
  };
  return updatePlan(ctx, state, actor, before, changes, "invitation.edited", (invitation) => ({ invitation }));
}
