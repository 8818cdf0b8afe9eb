import { projectMembers, projects } from "../../../db/schema/index.ts";
import { projectNameLimits } from "../../domain/projects.ts";
import { newId } from "../../lib/ids.ts";
import { cleanName, prefixWithin } from "../../domain/text.ts";
import type { Statement } from "../../lib/sql/statement.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { projectView } from "../../views/project.ts";
import type { PlanContext, RoomEvent } from "./plan-context.ts";

/**
 * The automatic private project of a member who joins, to commit in the same transaction
 * as their membership: nothing unless the organization's `autoPrivateProject` switch is on.
 * Otherwise a private project named "<name>'s project" (the email's local part when the
 * member has no name; " (2)", " (3)"… when the name is taken), marked as theirs
 * (`personal_user_id`), with the member as its owner. A member who had one already (they
 * left and came back) gets their owner role in it back instead of a second one.
 *
 * Called by every way in: accepting an invitation (respond.ts) and joining by a
 * self-registration link. It updates the room's index as it plans.
 */
export function personalProjectStatements(ctx: PlanContext, state: RoomState, member: { userId: string; name: string; email: string }): Statement[] {
  if (!state.org.autoPrivateProject) return [];
  const at = new Date(ctx.now);
  const orgId = state.org.id;
  const owner = (projectId: string) =>
    ctx.db.insert(projectMembers).values({ projectId, orgId, userId: member.userId, role: "owner", createdAt: at }).onConflictDoNothing();
  const existing = state.index.personalProject(member.userId);
  if (existing) return [owner(existing.id)];
  const name = personalProjectName(state, member);
  const id = newId("prj", ctx.now);
  state.index.putProject(id, { name, visibility: "private", personalUserId: member.userId });
  return [
    ctx.db.insert(projects).values({ id, orgId, name, visibility: "private", personalUserId: member.userId, createdBy: member.userId, createdAt: at, updatedAt: at }),
    owner(id),
    auditStatement(orgId, null, ctx.now, {
      action: "project.created",
      targetType: "project",
      targetId: id,
      data: { name, visibility: "private", personalUserId: member.userId },
    }),
  ];
}

/** "<name>'s project", made unique in the organization (ignoring case) and at most 100 characters. */
export function personalProjectName(state: RoomState, member: { name: string; email: string }): string {
  const who = cleanName(member.name) || cleanName(member.email.split("@")[0] ?? "") || "Member";
  for (let n = 1; ; n++) {
    const suffix = `'s project${n === 1 ? "" : ` (${n})`}`;
    // Cut on code points: half of an emoji's surrogate pair is text the database refuses.
    const name = `${prefixWithin(who, projectNameLimits.max - suffix.length).trimEnd()}${suffix}`;
    if (state.index.projectNamed(name) === undefined) return name;
  }
}

/** Whether `userId` has an automatic private project: asked before planning a join, for {@link personalProjectEvents}. */
export function hasPersonalProject(state: RoomState, userId: string): boolean {
  return state.index.personalProject(userId) !== undefined;
}

/**
 * The `project.changed` event of the automatic private project made for `userId` by this
 * join (none when they `had` one before it, or none was made).
 */
export function personalProjectEvents(state: RoomState, userId: string, had: boolean, now: number): RoomEvent[] {
  if (had) return [];
  const found = state.index.personalProject(userId);
  if (!found) return [];
  const { id, ...entry } = found;
  const at = new Date(now);
  return [{ type: "project.changed", data: { project: projectView({ id, ...entry, createdBy: userId, createdAt: at, updatedAt: at }), userIds: [userId] } }];
}
