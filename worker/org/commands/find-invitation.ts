import { and, eq } from "drizzle-orm";
import { invitations, type Invitation } from "../../../db/schema/index.ts";
import { AppError } from "../../errors.ts";
import type { RoomState } from "../state.ts";
import type { PlanContext } from "./plan-context.ts";

/** A pending invitation from the state, else any invitation of this organization from the database. */
export async function findInvitation(ctx: PlanContext, state: RoomState, id: string): Promise<Invitation> {
  const pending = state.index.pending(id);
  if (pending) return pending;
  const [row] = await ctx.read().select().from(invitations).where(and(eq(invitations.id, id), eq(invitations.orgId, state.org.id)));
  if (!row) throw new AppError("not_found", "No such invitation.");
  return row;
}
