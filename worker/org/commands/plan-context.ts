import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../lib/database.ts";
import type { RawStatement } from "../../lib/row-insert.ts";
import type { Plan } from "../group-commit.ts";

/** One statement of a room transaction: a drizzle query, or raw SQL for hot paths. */
export type Statement = BatchItem<"sqlite"> | RawStatement;

/** A planned room command. */
export type RoomPlan<T> = Plan<Statement, T>;

/** What a live event carries. */
export interface LiveEventInput {
  type: string;
  data: Record<string, unknown>;
}

/** What planned commands work with, besides the room's state. */
export interface PlanContext {
  db: Database;
  now: number;
  /** The dashboard's public URL, for links in mail. */
  appUrl: string;
  /** Counts `n` mails against the organization's hourly budget; throws 429 past it. */
  takeMailBudget(n: number): void;
  /** Publishes live events and sends queued mail; called after the commit. */
  effects: {
    publish(events: LiveEventInput[]): void;
    seatsChanged(): void;
    sendMail(): void;
  };
}
