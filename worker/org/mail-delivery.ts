import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";
import { orgDatabase } from "../lib/database.ts";
import { mailerFor } from "../mail/mailer.ts";
import { deliverDue, type DeliveryRun } from "../mail/outbox.ts";
import type { RoomPlan } from "./commands/plan-context.ts";
import type { RoomState } from "./state.ts";
import { invitationView } from "../views/invitation.ts";

/** How long until the alarm retries a delivery run that failed or was cut short. */
const retryMs = 30_000;

export interface MailDeliveryHooks {
  /** The organization whose outbox this delivers. */
  orgId(): string;
  /** Runs a plan through the room's queue, in order with its commands. */
  submit(plan: (state: RoomState) => RoomPlan<void>): Promise<void>;
  /** Sets the room's alarm (which asks {@link MailDelivery.nextAt}). */
  scheduleAlarm(): Promise<void>;
}

/**
 * Sends the organization's queued mail (the outbox, mail/outbox.ts) in the background, one
 * run at a time, after the commit that queued it. The alarm stands behind every run: a run
 * that fails or is cut short by a restart is retried, and mail waits in the outbox meanwhile.
 */
export class MailDelivery {
  readonly #env: Bindings;
  readonly #clock: Clock;
  readonly #hooks: MailDeliveryHooks;
  #running: Promise<void> | undefined;
  #soon = false;
  #nextAt: number | null = null;

  constructor(env: Bindings, clock: Clock, hooks: MailDeliveryHooks) {
    this.#env = env;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** When mail is next due (for the alarm), if any is known to be. */
  get nextAt(): number | null {
    return this.#nextAt;
  }

  /**
   * Starts a run once the room has handed its events to the sockets: a timer fires after
   * the sends this turn queued, so the run's database and mail round trips do not land in the
   * middle of a fan-out (a mail may wait a moment; a socket should not). One timer for all
   * the commands of a group.
   */
  soon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setTimeout(() => {
      this.#soon = false;
      void this.run();
    }, 0);
  }

  /** Sends what is due; joins the run in progress, if one is. */
  run(): Promise<void> {
    this.#running ??= (async () => {
      try {
        // The alarm stands behind this run: if the room is restarted midway, it retries.
        this.#nextAt = this.#clock.now() + retryMs;
        await this.#hooks.scheduleAlarm();
        let next = await this.#deliverPage();
        // Keep going while mail is due now (more than one page, or mail queued meanwhile).
        while (next !== null && next <= this.#clock.now()) next = await this.#deliverPage();
        this.#nextAt = next;
        await this.#hooks.scheduleAlarm();
      } catch (error) {
        console.error("[roster] OrgRoom mail delivery failed; the alarm retries:", error);
        this.#nextAt = this.#clock.now() + retryMs;
        await this.#hooks.scheduleAlarm();
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async #deliverPage(): Promise<number | null> {
    const orgId = this.#hooks.orgId();
    const run = await deliverDue(orgDatabase(this.#env, orgId), mailerFor(this.#env), orgId, this.#clock.now());
    if (run.sent.length > 0 || run.failed.length > 0) {
      await this.#hooks.submit((state) => settleDeliveries(state, run, this.#clock.now())).catch((error: unknown) => {
        // A deleted organization's room has no invitations left to settle; the outbox recorded it.
        if (!(error instanceof AppError && error.code === "org_unavailable")) throw error;
      });
    }
    return run.next;
  }
}

/**
 * The room's copies of pending invitations follow what the outbox recorded of their mail
 * (as the database does: `sent` only over `queued`), so the views its commands answer and
 * publish say what the list says, and each change is published (`invitation.updated`): an
 * open invitations page turns "Sending…" into "Awaiting response", or "Failed". Planned in
 * the queue like a command, in order with the others (and in their group: it commits nothing).
 */
export function settleDeliveries(state: RoomState, run: Pick<DeliveryRun, "sent" | "failed">, now: number): RoomPlan<void> {
  const events: NonNullable<RoomPlan<void>["events"]> = [];
  const settle = (id: string, delivery: "sent" | "failed"): void => {
    const invitation = state.pending.get(id);
    if (!invitation || invitation.delivery === delivery || (delivery === "sent" && invitation.delivery !== "queued")) return;
    const settled = { ...invitation, delivery };
    state.pending.set(id, settled);
    events.push({ type: "invitation.updated", data: { invitation: invitationView(settled, now) } });
  };
  for (const id of run.sent) settle(id, "sent");
  for (const id of run.failed) settle(id, "failed");
  return { statements: [], value: undefined, events };
}
