import type { Clock } from "../lib/clock.ts";

/** The soonest a new alarm is set, from now (an alarm in the past would fire at once, again). */
const minDelayMs = 10;

/**
 * The room's one alarm, set to the earliest of the times its parts need it: an invitation's
 * expiry, a mail retry, the end of a live socket's session. Each part is asked when the alarm
 * is scheduled; none sets the alarm itself. The alarm is always exactly the earliest due
 * time, or none: an alarm left standing for a need that has gone (a mail run's safety net
 * once the run ended) would wake an idle room for nothing, and re-arm itself each time.
 * Scheduling is cheap when nothing moved: the alarm as last read or set is remembered.
 */
export class AlarmScheduler {
  readonly #storage: DurableObjectStorage;
  readonly #clock: Clock;
  readonly #dueTimes: () => Promise<Array<number | null>>;
  /** The alarm as this instance last read or set it (undefined: not known). */
  #alarmAt: number | null | undefined;

  /** `dueTimes` lists when each part of the room next needs to run (null: it does not). */
  constructor(storage: DurableObjectStorage, clock: Clock, dueTimes: () => Promise<Array<number | null>>) {
    this.#storage = storage;
    this.#clock = clock;
    this.#dueTimes = dueTimes;
  }

  /** The alarm fired: the next one is unknown until set again. */
  fired(): void {
    this.#alarmAt = undefined;
  }

  /** Sets the alarm to the earliest due time, or deletes it when nothing is due. */
  async schedule(): Promise<void> {
    const times = (await this.#dueTimes()).filter((t): t is number => t !== null);
    const now = this.#clock.now();
    const at = times.length === 0 ? null : Math.max(Math.min(...times), now + minDelayMs);
    if (this.#alarmAt === undefined) this.#alarmAt = await this.#storage.getAlarm();
    if (this.#alarmAt === at) return;
    if (at === null) await this.#storage.deleteAlarm();
    else await this.#storage.setAlarm(at);
    this.#alarmAt = at;
  }
}
