import type { Bindings } from "../env.ts";
import { AppError } from "../errors.ts";
import { orgDatabase } from "../lib/database.ts";
import { RoomIndex } from "./room-index.ts";
import { loadState, type RoomState } from "./state.ts";

/**
 * Which organization a room serves and its state. The organization's id is kept in the
 * room's storage (`room_org`) so an alarm, which carries no arguments, knows it; the
 * organization's row is read once per instance (shared by concurrent callers) and with it
 * the room's index is checked against the database's room version, rebuilt if behind
 * (state.ts). After {@link invalidate} (a commit whose outcome is unknown) the next call
 * reads and checks again.
 */
export class RoomStateSlot {
  readonly #sql: SqlStorage;
  readonly #env: Bindings;
  #orgId: string | undefined;
  #state: Promise<RoomState | null> | undefined;
  readonly #onDeleted: () => void;
  /** The room's index in its storage (room-index.ts). */
  readonly index: RoomIndex;
  /** Loads that found the index behind and rebuilt it, since this instance started. */
  rebuilds = 0;

  /** `onDeleted`: called whenever a load finds the organization deleted (the room closes its sockets). */
  constructor(sql: SqlStorage, env: Bindings, onDeleted: () => void = () => {}) {
    this.#sql = sql;
    this.#env = env;
    this.#onDeleted = onDeleted;
    sql.exec("CREATE TABLE IF NOT EXISTS room_org (id TEXT NOT NULL)");
    this.index = new RoomIndex(sql);
  }

  /** The organization this room serves, as a first call recorded it. */
  orgId(): string {
    if (this.#orgId) return this.#orgId;
    const row = this.#sql.exec<{ id: string }>("SELECT id FROM room_org LIMIT 1").toArray()[0];
    if (!row) throw new AppError("not_found", "This room has no organization.");
    this.#orgId = row.id;
    return row.id;
  }

  /** The state, if loaded or loading (null: the organization does not exist). */
  get loaded(): Promise<RoomState | null> | undefined {
    return this.#state;
  }

  /** The organization's state, loaded once; `not_found` if it does not exist. */
  async load(orgId: string): Promise<RoomState> {
    if (this.#orgId !== undefined && this.#orgId !== orgId) throw new AppError("internal_error", "This room belongs to another organization.");
    if (this.#orgId === undefined) {
      this.#orgId = orgId;
      this.#sql.exec("DELETE FROM room_org");
      this.#sql.exec("INSERT INTO room_org (id) VALUES (?)", orgId);
    }
    // A failed load is retried by the next caller.
    this.#state ??= loadState(orgDatabase(this.#env, orgId), orgId, this.index, () => this.rebuilds++).catch((error: unknown) => {
      this.#state = undefined;
      throw error;
    });
    const state = await this.#state;
    if (!state) {
      this.#state = undefined;
      throw new AppError("not_found", "No such organization.");
    }
    // A deleted organization's room refuses everything; its state stays cached, so it is not
    // reloaded per call. Every refusal also closes whatever sockets are still open: the
    // deletion's own close may not have run (its commit's answer was lost, say).
    if (state.org.deletedAt) {
      this.#onDeleted();
      throw new AppError("org_unavailable", "This organization was deleted.");
    }
    return state;
  }

  invalidate(): void {
    this.#state = undefined;
  }

  /** The index disagrees with the database: it is emptied, and the next load rebuilds it. */
  distrust(): void {
    this.index.clear();
    this.#state = undefined;
  }
}
