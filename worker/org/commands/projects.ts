import { and, eq, inArray } from "drizzle-orm";
import { projectMembers, projects } from "../../../db/schema/index.ts";
import { cleanName } from "../../domain/text.ts";
import { projectAudience, projectNameKey, projectNameLimits, type ProjectRole, type ProjectVisibility } from "../../domain/projects.ts";
import { canActOn } from "../../domain/roles.ts";
import { AppError } from "../../errors.ts";
import { newId } from "../../lib/ids.ts";
import type { Statement } from "../../lib/sql/statement.ts";
import { invitationView } from "../../views/invitation.ts";
import { projectView, type ProjectAssignmentsView, type ProjectView } from "../../views/project.ts";
import { actorId, type Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomEvent, RoomPlan } from "./plan-context.ts";
import { changedInvitationEvents, dropProjectFromPending } from "./bounds.ts";

const notFound = () => new AppError("not_found", "No such project.");

/** The name as kept (domain/text.ts `cleanName`); refused when nothing is left of it. */
function cleanProjectName(name: string): string {
  const cleaned = cleanName(name);
  if (!cleaned || cleaned.length > projectNameLimits.max) {
    throw new AppError("validation_failed", "Give the project a name of 1 to 100 visible characters.", { issues: [{ path: "name", message: "Empty or too long once cleaned" }] });
  }
  return cleaned;
}

/** Refuses a name another project of the organization has (ignoring case). */
function requireFreeName(state: RoomState, name: string, except?: string): void {
  if (state.index.projectNamed(name, except) !== undefined) {
    throw new AppError("project_name_taken", "Another project of this organization has that name.", { name });
  }
}

/**
 * Who sees a project's events beside its audience: the member whose automatic project it
 * is, while they still belong to it (an admin may take them out of it); null otherwise.
 */
async function personalSubject(ctx: PlanContext, state: RoomState, projectId: string, personalUserId: string | null): Promise<string | null> {
  if (!personalUserId) return null;
  const [row] = await ctx.read()
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, personalUserId), eq(projectMembers.orgId, state.org.id)));
  return row ? personalUserId : null;
}

/** Admins (and API keys) do not change an organization owner's project roles; owners do (domain/roles.ts `canActOn`). */
function requireActsOn(state: RoomState, actor: Actor, userIds: readonly string[], message = "Only an owner changes an owner's project roles."): void {
  const owners = userIds.filter((userId) => {
    const role = state.index.role(userId);
    return role !== undefined && !canActOn(actor.role, role);
  });
  if (owners.length > 0) throw new AppError("forbidden", message, { userIds: owners });
}

/** An organization owner's automatic private project is changed or deleted by owners only (as their roles are). */
function requireActsOnPersonal(state: RoomState, actor: Actor, project: { personalUserId: string | null }): void {
  if (project.personalUserId) requireActsOn(state, actor, [project.personalUserId], "Only an owner changes an owner's automatic project.");
}

/** The project's row, read through the plan's database (created and updated times are not kept in memory). */
async function readProject(ctx: PlanContext, state: RoomState, id: string) {
  if (!state.index.hasProject(id)) throw notFound();
  const [row] = await ctx.read().select().from(projects).where(and(eq(projects.id, id), eq(projects.orgId, state.org.id)));
  if (!row) throw notFound();
  return row;
}

/** A new project (admins); its creator is not made a member of it. */
export function planCreateProject(ctx: PlanContext, state: RoomState, actor: Actor, input: { name: string; visibility: ProjectVisibility }): RoomPlan<ProjectView> {
  requirePermission(actor, "projects:write");
  const name = cleanProjectName(input.name);
  requireFreeName(state, name);
  const at = new Date(ctx.now);
  const row = { id: newId("prj", ctx.now), orgId: state.org.id, name, visibility: input.visibility, personalUserId: null, createdBy: actorId(actor), createdAt: at, updatedAt: at };
  state.index.putProject(row.id, { name: row.name, visibility: row.visibility, personalUserId: null });
  const view = projectView(row);
  return {
    statements: [
      ctx.db.insert(projects).values(row),
      auditStatement(state.org.id, actor, ctx.now, { action: "project.created", targetType: "project", targetId: row.id, data: { name: row.name, visibility: row.visibility } }),
    ],
    value: view,
    events: [{ type: "project.changed", data: { project: view } }],
  };
}

/** Renames a project or changes its visibility (admins). A patch that changes nothing writes nothing. */
export async function planUpdateProject(
  ctx: PlanContext,
  state: RoomState,
  actor: Actor,
  id: string,
  patch: { name?: string; visibility?: ProjectVisibility },
): Promise<RoomPlan<ProjectView>> {
  requirePermission(actor, "projects:write");
  const before = await readProject(ctx, state, id);
  requireActsOnPersonal(state, actor, before);
  const name = patch.name === undefined ? before.name : cleanProjectName(patch.name);
  const visibility = patch.visibility ?? before.visibility;
  if (name === before.name && visibility === before.visibility) return { statements: [], value: projectView(before) };
  if (projectNameKey(name) !== projectNameKey(before.name)) requireFreeName(state, name, id);
  const at = new Date(ctx.now);
  const after = { ...before, name, visibility, updatedAt: at };
  state.index.putProject(id, { name, visibility, personalUserId: before.personalUserId });
  const view = projectView(after);
  const changes: Record<string, { from: string; to: string }> = {};
  if (name !== before.name) changes.name = { from: before.name, to: name };
  if (visibility !== before.visibility) changes.visibility = { from: before.visibility, to: visibility };
  const subject = await personalSubject(ctx, state, id, before.personalUserId);
  const events: RoomEvent[] = [{ type: "project.changed", data: { project: view }, subject }];
  // Those who saw it while it was public, and no longer may, learn that it is gone from their view.
  if (before.visibility === "public" && visibility === "private") events.unshift({ type: "project.changed", data: { project: { id, deleted: true } } });
  return {
    statements: [
      ctx.db.update(projects).set({ name, visibility, updatedAt: at }).where(and(eq(projects.id, id), eq(projects.orgId, state.org.id))),
      auditStatement(state.org.id, actor, ctx.now, {
        action: Object.keys(changes).length === 1 && changes.name ? "project.renamed" : "project.updated",
        targetType: "project",
        targetId: id,
        data: { name, changes },
      }),
    ],
    value: view,
    events,
  };
}

/**
 * Deletes a project (admins) with its members' roles in it. Pending invitations that
 * would have assigned it lose that assignment (they stay pending otherwise): each changed
 * invitation is published as updated.
 */
export async function planDeleteProject(ctx: PlanContext, state: RoomState, actor: Actor, id: string): Promise<RoomPlan<{ id: string }>> {
  requirePermission(actor, "projects:write");
  const before = await readProject(ctx, state, id);
  requireActsOnPersonal(state, actor, before);
  const subject = await personalSubject(ctx, state, id, before.personalUserId);
  state.index.dropProject(id);
  const statements: Statement[] = [
    ctx.db.delete(projectMembers).where(and(eq(projectMembers.projectId, id), eq(projectMembers.orgId, state.org.id))),
    ctx.db.delete(projects).where(and(eq(projects.id, id), eq(projects.orgId, state.org.id))),
  ];
  // Told to those who saw it: a private project's deletion does not go to everyone who reads projects.
  const events: RoomEvent[] = [{ type: "project.changed", data: { project: { id, deleted: true } }, audience: projectAudience({ project: before }), subject }];
  // One statement for all of them, however many (commands/bounds.ts).
  statements.push(dropProjectFromPending(state.org.id, id));
  const touched: string[] = [];
  const changed: RoomEvent[] = [];
  for (const invitation of state.index.pendingAssigning(id)) {
    const projectAssignments = invitation.projectAssignments.filter((p) => p.projectId !== id);
    const updated = { ...invitation, projectAssignments };
    state.index.putPending(updated);
    touched.push(invitation.id);
    if (changed.length <= changedInvitationEvents) changed.push({ type: "invitation.updated", data: { invitation: invitationView(updated, ctx.now) } });
  }
  // Past the bound, the project's own event tells the clients (bounds.ts).
  if (touched.length <= changedInvitationEvents) events.push(...changed);
  statements.push(
    auditStatement(state.org.id, actor, ctx.now, {
      action: "project.deleted",
      targetType: "project",
      targetId: id,
      data: { name: before.name, visibility: before.visibility, invitationsUpdated: touched.slice(0, changedInvitationEvents), invitationsUpdatedCount: touched.length },
    }),
  );
  return { statements, value: { id }, events };
}

/**
 * Gives each user a role in each project, in one transaction (admins): many users × many
 * projects, one role per project. A user who already belongs to a project gets the role
 * named here. Every user must be a member and every project the organization's; otherwise
 * nothing is written.
 */
export async function planAssignProjects(
  ctx: PlanContext,
  state: RoomState,
  actor: Actor,
  input: { userIds: string[]; projects: Array<{ projectId: string; role: ProjectRole }> },
): Promise<RoomPlan<ProjectAssignmentsView>> {
  requirePermission(actor, "projects:write");
  const userIds = [...new Set(input.userIds)];
  const byProject = new Map(input.projects.map((p) => [p.projectId, p.role]));
  const strangers = userIds.filter((userId) => !(state.index.role(userId) !== undefined));
  if (strangers.length > 0) {
    throw new AppError("validation_failed", "Only members of the organization can be assigned to its projects.", {
      issues: strangers.map((userId) => ({ path: "userIds", message: `No member ${userId}` })),
    });
  }
  const unknown = [...byProject.keys()].filter((projectId) => !state.index.hasProject(projectId));
  if (unknown.length > 0) {
    throw new AppError("validation_failed", "Unknown project.", { issues: unknown.map((projectId) => ({ path: "projects", message: `No project ${projectId}` })) });
  }
  requireActsOn(state, actor, userIds);
  const orgId = state.org.id;
  const projectIds = [...byProject.keys()];
  const current = await ctx.read()
    .select({ projectId: projectMembers.projectId, userId: projectMembers.userId, role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.orgId, orgId), inArray(projectMembers.projectId, projectIds), inArray(projectMembers.userId, userIds)));
  const held = new Map(current.map((row) => [`${row.projectId} ${row.userId}`, row.role]));
  const at = new Date(ctx.now);
  const statements: Statement[] = [];
  const changedByProject = new Map<string, string[]>();
  let unchanged = 0;
  for (const [projectId, role] of byProject) {
    for (const userId of userIds) {
      if (held.get(`${projectId} ${userId}`) === role) {
        unchanged++;
        continue;
      }
      statements.push(
        ctx.db
          .insert(projectMembers)
          .values({ projectId, orgId, userId, role, createdAt: at })
          .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } }),
      );
      changedByProject.set(projectId, [...(changedByProject.get(projectId) ?? []), userId]);
    }
  }
  const assigned = statements.length;
  if (assigned === 0) return { statements: [], value: { assigned, unchanged } };
  statements.push(
    auditStatement(orgId, actor, ctx.now, {
      action: "project.members_assigned",
      targetType: "project",
      targetId: projectIds.length === 1 ? projectIds[0]! : null,
      data: { userIds, projects: input.projects, assigned },
    }),
  );
  const rows = await ctx.read().select().from(projects).where(and(eq(projects.orgId, orgId), inArray(projects.id, [...changedByProject.keys()])));
  const events: RoomEvent[] = [];
  for (const row of rows) {
    const subject = row.personalUserId && userIds.includes(row.personalUserId) ? row.personalUserId : await personalSubject(ctx, state, row.id, row.personalUserId);
    events.push({ type: "project.changed", data: { project: projectView(row), userIds: changedByProject.get(row.id) ?? [] }, subject });
  }
  return { statements, value: { assigned, unchanged }, events };
}

/** Takes a member out of a project (admins). */
export async function planRemoveProjectMember(ctx: PlanContext, state: RoomState, actor: Actor, projectId: string, userId: string): Promise<RoomPlan<{ projectId: string; userId: string }>> {
  requirePermission(actor, "projects:write");
  const project = await readProject(ctx, state, projectId);
  const [row] = await ctx.read()
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId), eq(projectMembers.orgId, state.org.id)));
  if (!row) throw new AppError("not_found", "That user is not in this project.");
  requireActsOn(state, actor, [userId]);
  // The member taken out of their own automatic project hears of it, and of nothing after.
  const subject = userId === project.personalUserId ? userId : await personalSubject(ctx, state, projectId, project.personalUserId);
  return {
    statements: [
      ctx.db.delete(projectMembers).where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId), eq(projectMembers.orgId, state.org.id))),
      auditStatement(state.org.id, actor, ctx.now, {
        action: "project.member_removed",
        targetType: "project",
        targetId: projectId,
        data: { userId, role: row.role, name: project.name },
      }),
    ],
    value: { projectId, userId },
    events: [{ type: "project.changed", data: { project: projectView(project), userIds: [userId] }, subject }],
  };
}
