import { AppError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";

const hourMs = 3_600_000;

/**
 * The invitation mail one organization may send per hour: room for two bulks of 1,000, not
 * for turning Roster into a spam cannon (a resend loop, a self-raised seat limit). The
 * count of the current hour lives in memory and in the room's storage (`mail_budget`), read
 * once per hour per instance, so eviction does not reset it.
 */
export class OrgMailBudget {
  /** Mails per hour; the benchmarks lift it to measure throughput. */
  static perHour = 2_000;

  readonly #sql: SqlStorage;
  readonly #clock: Clock;
  #budget: { hour: number; used: number } | undefined;
  #unsaved = false;

  constructor(sql: SqlStorage, clock: Clock) {
    this.#sql = sql;
    this.#clock = clock;
    sql.exec("CREATE TABLE IF NOT EXISTS mail_budget (hour INTEGER PRIMARY KEY, used INTEGER NOT NULL)");
  }

  /** Counts `n` mails against this hour, or throws 429 `rate_limited` with a retry time. */
  take(n: number): void {
    const now = this.#clock.now();
    const budget = this.#current(now);
    const hour = budget.hour;
    if (budget.used + n > OrgMailBudget.perHour) {
      const retryAfterSeconds = Math.ceil(((hour + 1) * hourMs - now) / 1000);
      throw new AppError("rate_limited", `This organization has sent ${OrgMailBudget.perHour} invitations this hour.`, { retryAfterSeconds });
    }
    budget.used += n;
    this.#unsaved = true;
  }

  /** This hour's count (read from the room's storage once per hour). */
  #current(now: number): { hour: number; used: number } {
    const hour = Math.floor(now / hourMs);
    if (this.#budget?.hour !== hour) {
      this.#sql.exec("DELETE FROM mail_budget WHERE hour <> ?", hour);
      const used = this.#sql.exec<{ used: number }>("SELECT used FROM mail_budget WHERE hour = ?", hour).toArray()[0]?.used ?? 0;
      this.#budget = { hour, used };
    }
    return this.#budget;
  }

  /** This hour's count as it is now, for {@link restore}. */
  mark(): { hour: number; used: number } {
    return { ...this.#current(this.#clock.now()) };
  }

  /** Takes back mail counted since `mark` (a command whose commit failed is planned, and counted, again). */
  restore(mark: { hour: number; used: number }): void {
    if (this.#budget?.hour !== mark.hour || this.#budget.used === mark.used) return;
    this.#budget.used = mark.used;
    this.#unsaved = true;
  }

  /**
   * Stores this hour's count if it changed. The room calls it once per transaction, in the
   * turn that sends the transaction to the database: before any of its mail can be committed
   * (a room reset mid-commit can only leave the stored count too high), and before any of
   * its answers leave (the output gate holds them until it is stored). Not once per command:
   * a write to the room's storage costs workerd ~0.3 ms of CPU (a no-op call that wrote once
   * ran at half the rate of one that did not).
   */
  save(): void {
    if (!this.#unsaved) return;
    this.#unsaved = false;
    const { hour, used } = this.#budget!;
    this.#sql.exec("INSERT INTO mail_budget (hour, used) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET used = excluded.used", hour, used);
  }
}
