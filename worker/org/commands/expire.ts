import { and, eq, inArray } from "drizzle-orm";
import { invitations } from "../../../db/schema/index.ts";
import { auditStatement } from "../audit.ts";
import { dropPending, type RoomState } from "../state.ts";
import { invitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";
import { expiryPassLimit } from "./bounds.ts";

/**
 * Marks pending invitations past their expiry expired, freeing their seats: the oldest due
 * first, at most {@link expiryPassLimit} in one pass. What is left stays due, so the alarm
 * fires again at once for the next pass.
 */
export function planExpireDue(ctx: PlanContext, state: RoomState): RoomPlan<{ expired: string[] }> {
  const due = [...state.pending.values()]
    .filter((i) => i.expiresAt.getTime() <= ctx.now)
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
    .slice(0, expiryPassLimit);
  if (due.length === 0) return { statements: [], value: { expired: [] } };
  const ids = due.map((i) => i.id);
  for (const id of ids) dropPending(state, id);
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

/** When the next pending invitation falls due, if any (kept in the state between changes). */
export function nextExpiry(state: RoomState): number | null {
  if (state.earliestExpiry !== undefined) return state.earliestExpiry;
  let next: number | null = null;
  for (const i of state.pending.values()) {
    const at = i.expiresAt.getTime();
    if (next === null || at < next) next = at;
  }
  state.earliestExpiry = next;
  return next;
}
