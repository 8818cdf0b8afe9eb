import { eq } from "drizzle-orm";
import { organizations, type Organization } from "../../../db/schema/index.ts";
import type { OrgStatus } from "../../domain/org.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../actor.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { orgView, type OrgView } from "../../views/org.ts";
import { requirePermission } from "./context.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/** Commands that bring somebody new in (an invitation's resend or extension) refuse a dormant organization. */
export function requireActive(state: RoomState): void {
  if (state.org.status === "dormant") throw new AppError("org_unavailable", "This organization is dormant.");
}

/**
 * Makes the organization dormant, or wakes it (owners). A dormant organization keeps its
 * members, keys and data, and takes nobody new: invitations cannot be created, resent,
 * extended or accepted, and self-registration links do not join. Setting the status it
 * already has changes nothing and audits nothing.
 */
export function planSetOrgStatus(ctx: PlanContext, state: RoomState, actor: Actor, status: OrgStatus): RoomPlan<OrgView> {
  requirePermission(actor, "org:update");
  const before = state.org;
  if (before.status === status) return { statements: [], value: orgView(before) };
  const updatedAt = new Date(ctx.now);
  const org: Organization = { ...before, status, updatedAt };
  state.org = org;
  const view = orgView(org);
  return {
    statements: [
      ctx.db.update(organizations).set({ status, updatedAt }).where(eq(organizations.id, before.id)),
      auditStatement(before.id, actor, ctx.now, {
        action: status === "dormant" ? "org.dormant" : "org.woken",
        targetType: "org",
        targetId: before.id,
        data: { changes: { status: { from: before.status, to: status } } },
      }),
    ],
    value: view,
    events: [{ type: "org.updated", data: { org: view } }],
  };
}
