import { and, eq, inArray } from "drizzle-orm";
import { invitations } from "../../../db/schema/index.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { invitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { expiryPassLimit } from "./bounds.ts";

/**
 * Marks pending invitations past their expiry expired, freeing their seats: the oldest due
 * first, at most {@link expiryPassLimit} in one pass. What is left stays due, so the alarm
 * fires again at once for the next pass.
 */
export function planExpireDue(ctx: PlanContext, state: RoomState): RoomPlan<{ expired: string[] }> {
  const due = state.index.due(ctx.now, expiryPassLimit);
  if (due.length === 0) return { statements: [], value: { expired: [] } };
  const ids = due.map((i) => i.id);
  for (const id of ids) state.index.dropPending(id);
  const views = due.map((i) => invitationView({ ...i, status: "expired" }, ctx.now));
  return {
    statements: [
      ctx.db.update(invitations).set({ status: "expired" }).where(and(inArray(invitations.id, ids), eq(invitations.status, "pending"))),
      ...ids.map((id) => auditStatement(state.org.id, null, ctx.now, { action: "invitation.expired", targetType: "invitation", targetId: id })),
    ],
    value: { expired: ids },
    events: views.map((invitation) => ({ type: "invitation.updated", data: { invitation } })),
    seatsChanged: true,
  };
}

/** When the next pending invitation falls due, if any (the index's expiry order). */
export function nextExpiry(state: RoomState): number | null {
  return state.index.earliestExpiry();
}
