import { and, eq, inArray } from "drizzle-orm";
import { invitations } from "../../../db/schema/index.ts";
import { auditStatement } from "../audit.ts";
import type { RoomState } from "../state.ts";
import { invitationView } from "../../views/invitation.ts";
import type { PlanContext, RoomPlan } from "./plan-context.ts";

/**
 * Most invitations one expiry pass marks expired: a transaction and its events stay small
 * however many fell due at once; the alarm, set again to the earliest still due (now), runs
 * the next pass right after.
 */
export const expiryBatch = 500;

/** Marks pending invitations past their expiry expired (up to {@link expiryBatch}), freeing their seats. */
export function planExpireDue(ctx: PlanContext, state: RoomState): RoomPlan<{ expired: string[] }> {
  const due = state.index.due(ctx.now, expiryBatch);
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
