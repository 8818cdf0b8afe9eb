import { and, eq, sql } from "drizzle-orm";
import { mailOutbox } from "../../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";
import { orgDatabase } from "../lib/database.ts";
import { mailerFor } from "../mail/mailer.ts";
import { deliverDue } from "../mail/outbox.ts";
import type { RoomPlan } from "./commands/plan-context.ts";
import type { RoomState } from "./state.ts";
import { invitationView } from "../views/invitation.ts";
import { deliveryAdvances, type TrackedDelivery } from "../domain/mail.ts";

/** How long until the alarm retries a delivery run that failed or was cut short. */
const retryMs = 30_000;

export interface MailDeliveryHooks {
  /** The organization whose outbox this delivers. */
  orgId(): string;
  /** Runs a plan through the room's queue, in order with its commands. */
  submit(plan: (state: RoomState) => RoomPlan<void>): Promise<void>;
  /** Sets the room's alarm (which asks {@link MailDelivery.dueAt}). */
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
  /** A run was asked for while one was going: it runs again after. */
  #again = false;
  /** When mail is next due: null when none is queued, undefined when not known (a room that just woke). */
  #nextAt: number | null | undefined = undefined;

  constructor(env: Bindings, clock: Clock, hooks: MailDeliveryHooks) {
    this.#env = env;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /**
   * When mail is next due (for the alarm), or null when none is queued. A room that woke
   * (after an eviction) does not know until it asks: the outbox's earliest queued mail, read
   * once. Without that, the first alarm it set (for an invitation's expiry, days off) would
   * drop a retry due in minutes past the outbox's give-up.
   */
  async dueAt(): Promise<number | null> {
    if (this.#nextAt !== undefined) return this.#nextAt;
    let orgId: string;
    try {
      orgId = this.#hooks.orgId();
    } catch (error) {
      // A room that never served an organization has no outbox.
      if (error instanceof AppError && error.code === "not_found") return null;
      throw error;
    }
    const [row] = await orgDatabase(this.#env, orgId)
      .select({ at: sql<number | null>`min(${mailOutbox.nextAttemptAt})` })
      .from(mailOutbox)
      .where(and(eq(mailOutbox.orgId, orgId), eq(mailOutbox.status, "queued")));
    // A run that finished meanwhile knows better.
    if (this.#nextAt === undefined) this.#nextAt = row?.at ?? null;
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

  /**
   * Sends what is due; joins the run in progress, if one is, and has it look once more when
   * it ends (it may have read the outbox before the mail that asked was committed).
   */
  run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
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
        if (this.#again) {
          this.#again = false;
          void this.run();
        }
      }
    })();
    return this.#running;
  }

  async #deliverPage(): Promise<number | null> {
    const orgId = this.#hooks.orgId();
    const run = await deliverDue(orgDatabase(this.#env, orgId), mailerFor(this.#env), orgId, this.#clock.now());
    // Not awaited: the mail left and the outbox recorded it; the room's copy follows when the
    // queue gets to it, and a failure there (a state that cannot load) must not make this
    // run look failed and retry mail that went.
    if (run.settled.length > 0) {
      this.#hooks.submit((state) => settleDeliveries(state, run.settled, this.#clock.now())).catch((error: unknown) => {
        // A deleted organization's room has no invitations left to settle; the outbox recorded it.
        if (error instanceof AppError && error.code === "org_unavailable") return;
        console.error("[roster] OrgRoom could not settle mail outcomes in its state (the database has them):", error);
      });
    }
    return run.next;
  }
}

/** An outcome for an invitation's mail: its id, and what its delivery becomes. */
export interface DeliveryChange {
  invitationId: string;
  mailId: string;
  delivery: TrackedDelivery;
}

/**
 * The room's copies of pending invitations follow what the outbox and Resend's webhooks
 * recorded of their mail, as the database does: only for the invitation's latest mail
 * (`lastMailId`; a resend that committed meanwhile named a newer one), and only forward
 * (domain/mail.ts). Each change is published (`invitation.updated`): an open invitations
 * page turns "Sending…" into "Awaiting response", or "Bounced — check the address". Planned
 * in the queue like a command, in order with the others (and in their group); it is
 * bookkeeping, not a command (`stats.commands` does not count it).
 */
export function settleDeliveries(state: RoomState, changes: DeliveryChange[], now: number, statements: RoomPlan<void>["statements"] = []): RoomPlan<void> {
  const events: NonNullable<RoomPlan<void>["events"]> = [];
  for (const change of changes) {
    const invitation = state.index.pending(change.invitationId);
    if (!invitation || invitation.lastMailId !== change.mailId || !deliveryAdvances(invitation.delivery, change.delivery)) continue;
    const settled = { ...invitation, delivery: change.delivery };
    state.index.putPending(settled);
    events.push({ type: "invitation.updated", data: { invitation: invitationView(settled, now) } });
  }
  return { statements, value: undefined, events, bookkeeping: true };
}
