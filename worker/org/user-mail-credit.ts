import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { abuseLimits } from "../lib/abuse-limits.ts";
import type { Actor } from "./actor.ts";
import { asResult, type RoomResult } from "./result.ts";

const hourMs = 3_600_000;
/** The most a room draws from a user's hourly budget at once. */
const maxBlock = 100;

interface Credit {
  /** Mails this room may still send for the user (negative: sent beyond what it drew). */
  left: number;
  /** Drawn credit counts in the user's window for an hour; unspent, it lapses then. */
  expiresAt: number;
  /** The next draw's size: doubles with use, so a quiet room wastes little of the budget. */
  block: number;
}

/** Whose budget an actor's mail spends: the user, or the owner who created the API key. */
export function mailingUserOf(actor: Actor): string {
  return actor.type === "user" ? actor.userId : actor.createdBy;
}

/**
 * A user's hourly invitation mail across every organization they act in. The count lives in
 * one `RateLimiter` per user, shared by all rooms; a room draws credit from it in blocks
 * (1, 2, 4 … up to {@link maxBlock}) and spends it locally, so a busy room calls the
 * limiter about once per hundred mails instead of once per invitation.
 */
export class UserMailCredit {
  readonly #env: Bindings;
  readonly #credits = new Map<string, Credit>();
  readonly #drawing = new Map<string, Promise<unknown>>();

  constructor(env: Bindings) {
    this.#env = env;
  }

  /** Spends `n` mails of `userId`'s budget, or throws 429 `rate_limited` with a retry time. */
  async spend(userId: string, n: number, now: number): Promise<void> {
    if (n <= 0) return;
    for (;;) {
      const credit = this.#credit(userId, now);
      if (credit.left >= n) {
        credit.left -= n;
        return;
      }
      const drawing = this.#drawing.get(userId);
      if (drawing) {
        await drawing.catch(() => undefined);
        continue;
      }
      const limit = abuseLimits(this.#env).inviteMailPerUserPerHour;
      const want = Math.max(n - credit.left, credit.block);
      const limiter = this.#env.RATE_LIMITER.get(this.#env.RATE_LIMITER.idFromName(`invite-mail:user:${userId}`));
      const draw = limiter.grant(want, limit, hourMs, now);
      this.#drawing.set(userId, draw);
      let answer: { granted: number; retryAfterMs: number };
      try {
        answer = await draw;
      } finally {
        this.#drawing.delete(userId);
      }
      if (credit.left <= 0) credit.expiresAt = now + hourMs;
      credit.left += answer.granted;
      credit.block = Math.min(maxBlock, credit.block * 2);
      if (credit.left < n) {
        const retryAfterSeconds = Math.ceil(answer.retryAfterMs / 1000);
        throw new AppError("rate_limited", `You have sent ${limit} invitation mails this hour across your organizations; try again in ${retryAfterSeconds} s.`, {
          retryAfterSeconds,
        });
      }
    }
  }

  /**
   * Runs a command that mails up to `mails` invitations after spending them from the acting
   * user's budget (past it: `rate_limited`, and nothing runs). Afterwards the spending is
   * settled by what the command mailed (`mailed`, by default all it spent): what it did not
   * mail is given back (all of it when it failed), and what it mailed beyond is counted.
   */
  async spendFor<T>(actor: Actor, mails: number, now: number, run: () => Promise<RoomResult<T>>, mailed: (value: T) => number = () => mails): Promise<RoomResult<T>> {
    const user = mailingUserOf(actor);
    const spent = await asResult(() => this.spend(user, mails, now));
    if (!spent.ok) return spent;
    const result = await run();
    const sent = result.ok ? mailed(result.value) : 0;
    if (sent < mails) this.refund(user, mails - sent);
    else if (sent > mails) this.charge(user, sent - mails, now);
    return result;
  }

  /** Gives back what a command spent and did not mail (it failed, or mailed fewer). */
  refund(userId: string, n: number): void {
    const credit = this.#credits.get(userId);
    if (credit && n > 0) credit.left += n;
  }

  /** Counts mail a command sent that it could not know of beforehand (it never refuses). */
  charge(userId: string, n: number, now: number): void {
    this.#credit(userId, now).left -= n;
  }

  #credit(userId: string, now: number): Credit {
    let credit = this.#credits.get(userId);
    if (!credit) {
      credit = { left: 0, expiresAt: 0, block: 1 };
      this.#credits.set(userId, credit);
    } else if (credit.left > 0 && now >= credit.expiresAt) {
      credit.left = 0;
    }
    return credit;
  }
}
