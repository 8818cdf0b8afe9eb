import { and, eq, inArray } from "drizzle-orm";
import { invitations, type Invitation } from "../../db/schema/index.ts";
import { deliveryPredecessors } from "../domain/mail.ts";
import type { CommandRunner } from "./command-runner.ts";
import type { LiveHub } from "./live/hub.ts";
import { settleDeliveries, type DeliveryChange } from "./mail-delivery.ts";
import { orgDatabase } from "../lib/database.ts";
import type { Bindings } from "../env.ts";

/**
 * Records a delivery webhook's outcome, in order with the room's commands: the database
 * takes it only for the invitation's latest mail and only forward (the same rule as the
 * room's copy, settleDeliveries), and a pending invitation's change is published live.
 * Answers whether a pending invitation's delivery changed.
 */
export async function recordDelivery(env: Bindings, queue: CommandRunner["queue"], live: LiveHub, change: DeliveryChange, now: number): Promise<{ applied: boolean }> {
  return queue.submit((state) => {
    const statement = orgDatabase(env, state.org.id)
      .update(invitations)
      .set({ delivery: change.delivery })
      .where(
        and(
          eq(invitations.id, change.invitationId),
          eq(invitations.orgId, state.org.id),
          eq(invitations.lastMailId, change.mailId),
          inArray(invitations.delivery, deliveryPredecessors(change.delivery) as Array<Invitation["delivery"]>),
        ),
      );
    const plan = settleDeliveries(state, [change], now, [statement]);
    return { ...plan, value: { applied: (plan.events?.length ?? 0) > 0 }, after: () => plan.events?.forEach((event) => live.publish(event)) };
  });
}
