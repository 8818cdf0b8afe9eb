import type { Permission } from "../../domain/roles.ts";
import { rowShape } from "../../lib/sql/row-insert.ts";
import type { LiveEventData, LiveEventType } from "./protocol.ts";
import { projectSubject } from "../../domain/projects.ts";

/** An event row as `append` sends it. */
const eventRow = rowShape(["seq", "type", "at", "data", "audience", "subject"]);

/** How often (in events) the log drops what is past its retention. */
const pruneEvery = 100;

/** How many events a room keeps for `resume`; older ones answer `resync`. */
export const defaultRetention = 1000;

/** An event as the log keeps it: `data` is its JSON, `subject` the member it is about. */
export type EventRow = {
  seq: number;
  type: LiveEventType;
  at: string;
  data: string;
  audience: Permission;
  subject: string | null;
};

/**
 * The organization's numbered events, in the room's SQLite storage (`live_events`), so `seq`
 * survives eviction and a socket that missed events can `resume`. It keeps the last
 * `retention` events; pruning never deletes the newest, so the largest seq kept is the current one.
 */
export class EventLog {
  readonly #sql: SqlStorage;
  readonly retention: number;
  #seq: number;

  constructor(sql: SqlStorage, retention = defaultRetention) {
    this.#sql = sql;
    this.retention = retention;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS live_events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, at TEXT NOT NULL, " +
        "data TEXT NOT NULL, audience TEXT NOT NULL, subject TEXT)",
    );
    this.#seq = sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM live_events").one().seq ?? 0;
  }

  /** The seq of the newest event numbered (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  /** The next seq, taken. */
  next(): number {
    return ++this.#seq;
  }

  /** Stores events numbered by {@link next} (one insert), pruning now and then. */
  append(events: EventRow[]): void {
    if (events.length === 0) return;
    this.#sql.exec(
      `INSERT INTO live_events (seq, type, at, data, audience, subject) SELECT ${eventRow.values()} FROM json_each(?)`,
      JSON.stringify(events.map((e) => eventRow.row(e))),
    );
    // Pruned now and then, not on every event: `since` honours the retention either way.
    const first = events[0]!.seq;
    if (Math.floor(this.#seq / pruneEvery) > Math.floor((first - 1) / pruneEvery)) this.#sql.exec("DELETE FROM live_events WHERE seq <= ?", this.#seq - this.retention);
  }

  /**
   * The stored events after `since`, in seq order; null when some of them are gone (or
   * `since` is ahead of the log): the client must resync. Events numbered but not appended
   * yet are not among them.
   */
  since(since: number): Iterable<EventRow> | null {
    const kept = this.#sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM live_events").one().seq ?? this.#seq + 1;
    const oldest = Math.max(kept, this.#seq - this.retention + 1);
    if (since > this.#seq || since < oldest - 1) return null;
    return this.#sql.exec<EventRow>("SELECT seq, type, at, data, audience, subject FROM live_events WHERE seq > ? ORDER BY seq", since);
  }
}

/** Member events are about one member, who may always see them. */
export function subjectOf<T extends LiveEventType>(type: T, data: LiveEventData[T]): string | null {
  if (type === "project.changed") return projectSubject(data as LiveEventData["project.changed"]);
  if (!type.startsWith("member.")) return null;
  const payload: object = data;
  return "userId" in payload && typeof payload.userId === "string" ? payload.userId : null;
}

/** One message for a socket: a lone event as itself, several as their array ("" for none). */
export function messageOf(frames: string[]): string {
  if (frames.length <= 1) return frames[0] ?? "";
  return `[${frames.join(",")}]`;
}

/** The event as sent: `data` is the JSON the log stored. */
export function frameOf(row: Pick<EventRow, "seq" | "type" | "at" | "data">): string {
  return `{"seq":${row.seq},"type":${JSON.stringify(row.type)},"at":${JSON.stringify(row.at)},"data":${row.data}}`;
}
