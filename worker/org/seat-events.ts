import type { RoomState } from "./state.ts";

/**
 * One `seats.changed` per group of commands, however many of them changed the seats: the
 * group's commands mark it as they settle, and the group's end publishes it after their
 * events (a microtask does, for a change made outside a group).
 */
export class SeatEvents {
  readonly #publish: (state: RoomState) => void;
  /** The state whose seats changed in the group being settled (undefined: they did not). */
  #changedIn: RoomState | undefined;

  /** `publish` sends `seats.changed` for the state (and whatever follows a change of seats). */
  constructor(publish: (state: RoomState) => void) {
    this.#publish = publish;
  }

  changed(state: RoomState): void {
    if (this.#changedIn) return;
    this.#changedIn = state;
    queueMicrotask(() => this.flush());
  }

  /** Publishes the marked change, if any. */
  flush(): void {
    const state = this.#changedIn;
    if (!state) return;
    this.#changedIn = undefined;
    this.#publish(state);
  }
}

