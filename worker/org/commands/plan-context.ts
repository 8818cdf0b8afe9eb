import type { Database } from "../../lib/database.ts";
import type { Statement } from "../../lib/sql/statement.ts";
import type { Plan } from "../group-commit.ts";
import type { LiveEventDraft } from "../live/protocol.ts";
import type { Permission } from "../../domain/roles.ts";


/**
 * A live event a command publishes once it committed: its type and that type's data, and
 * optionally who may see it when its type's default does not fit (never sent: only `data` is).
 */
export type RoomEvent = LiveEventDraft & {
  /** The permission a viewer needs (default: the type's, protocol.ts `defaultAudience`). */
  audience?: Permission;
  /** The member who sees it regardless (default: event-log.ts `subjectOf`); null: nobody. */
  subject?: string | null;
};

/**
 * Every room command's one shape: planned against the room's state (which it updates in
 * memory as it plans), it returns the statements to commit, its answer, and what follows
 * the commit. The room commits the statements with those of the commands planned beside it
 * and, once they are committed, applies the rest in order: the events are published, the
 * sockets named are closed, `seats.changed` is published once for the group, and the mail
 * queued in the outbox is sent.
 */
export interface RoomPlan<T> extends Omit<Plan<Statement, T>, "after"> {
  /** Published in order once the statements committed (also when the command fails with `error`). */
  events?: RoomEvent[];
  /** The seats changed: the group publishes one `seats.changed` after its events. */
  seatsChanged?: boolean;
  /** Mail was queued in the outbox: deliver it. */
  sendsMail?: boolean;
  /** API keys revoked: their sockets close. (Removed members' sockets close on `member.removed`.) */
  revokedKeys?: string[];
}

/** What a command plans with, besides the room's state and the actor. */
export interface PlanContext {
  /** Builds the statements (opened on first use). */
  db: Database;
  /**
   * The database to read from, which shows every command planned before this one: while one
   * of them is not committed yet it throws (group-commit.ts `NeedsCommitted`), and the command
   * is planned again once they are. A planner reads before it changes the state.
   */
  read(): Database;
  now: number;
  /** The dashboard's public URL, for links in mail. */
  appUrl: string;
  /** Counts `n` mails against the organization's hourly budget; throws 429 past it. */
  takeMailBudget(n: number): void;
  /** The highest seat limit an owner may set (`SEAT_LIMIT_CAP`). */
  seatLimitCap: number;
}
